"""Enrolling people one at a time and from a CSV file: a bad value or a bad line enrols nobody
and the answer says exactly what to fix (for a file: which line)."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import COORDINATOR, PROGRAMME, ok, person, programme, refused, rows

from bot.commands.enrolment_csv import CSV_COLUMNS, MAX_ROWS
from storage.db import Database
from storage.models import Enrolment, Person

CSV = f'enrol --csv --programme "{PROGRAMME}"'


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    flow = Flow(sqlite_db)
    programme(flow)
    return flow


def enrolment_of(f: Flow, user_id: str) -> Enrolment:
    [found] = rows(f.db, Enrolment, person_id=person(f.db, user_id).id)
    return found


# -- one person ---------------------------------------------------------------------------


def test_enrol_stores_every_option(f: Flow) -> None:
    ok(f.command(COORDINATOR, f'enrol boss --programme "{PROGRAMME}" --role mentee --level 9'))
    answer = ok(
        f.command(
            COORDINATOR,
            f'enrol U42 --programme "{PROGRAMME}" --role Mentor --level 2 '
            '--offers "TikTok, AI" '
            '--wants "strategy" --capacity 2 --team Support --manager boss --tz europe/oslo '
            '--hours 8-16 --name "Maya Lind"',
        )
    )
    assert answer == (
        f'Enrolled Maya Lind in "{PROGRAMME}" as mentor (level 2).\n'
        f"Maya Lind has a private invitation to *{PROGRAMME}*; they are matched once they accept."
    )
    maya = person(f.db, "U42")
    assert (
        maya.display_name,
        maya.team,
        maya.timezone,
        maya.work_start_hour,
        maya.work_end_hour,
        maya.manager_id,
        maya.is_coordinator,
    ) == ("Maya Lind", "Support", "Europe/Oslo", 8, 16, person(f.db, "boss").id, False)
    enrolment = enrolment_of(f, "U42")
    assert (
        enrolment.role,
        enrolment.seniority,
        enrolment.capacity,
        enrolment.topics_offered,
        enrolment.topics_wanted,
    ) == ("mentor", 2, 2, ["TikTok", "AI"], ["strategy"])


def test_enrol_without_options_uses_the_defaults(f: Flow) -> None:
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    sam = person(f.db, "sam")
    assert (sam.display_name, sam.timezone, sam.work_start_hour, sam.work_end_hour, sam.team) == (
        "sam",
        "UTC",
        9,
        17,
        None,
    )
    assert enrolment_of(f, "sam").capacity == 1


def test_enrolling_again_updates_the_one_enrolment(f: Flow) -> None:
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    ok(
        f.command(
            COORDINATOR, f'enrol @sam --programme "{PROGRAMME}" --role mentee --level 3 --offers AI'
        )
    )
    enrolment = enrolment_of(f, "sam")
    assert (enrolment.role, enrolment.seniority, enrolment.topics_offered) == ("mentee", 3, ["AI"])
    assert len(rows(f.db, Person, platform_user_id="sam")) == 1


def test_enrolling_someone_again_in_another_role_is_refused(f: Flow) -> None:
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'enrol @sam --programme "{PROGRAMME}" --role mentor --level 3'),
        f'sam (sam) is already enrolled in "{PROGRAMME}" as a mentee, and a person has one role',
    )
    assert_unchanged(f.db, before)


def test_someone_who_already_talked_to_the_bot_keeps_their_identity(f: Flow) -> None:
    ok(f.command("sam", "status"))
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    programme(f, "Second", kind="classic")
    ok(f.command(COORDINATOR, 'enrol sam --programme "Second" --role mentee --level 8'))
    assert len(rows(f.db, Person, platform_user_id="sam")) == 1
    assert len(rows(f.db, Enrolment, person_id=person(f.db, "sam").id)) == 2


def test_a_display_name_never_finds_renames_or_re_enrols_someone(f: Flow) -> None:
    """Issue 8: `enrol Sam ...` when `sam` exists matched the lower-cased display name,
    renamed sam and flipped their enrolment from mentee to mentor."""
    ok(f.command("sam", "status"))  # display name "Sam"
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    before = snapshot(f.db)
    for ref in ("Sam", "SAM"):
        refused(
            f.command(
                COORDINATOR,
                f'enrol {ref} --programme "{PROGRAMME}" --role mentor --level 2 --name "Sam X"',
            ),
            f"No one here has the id '{ref}'. I find people by their platform id, never by "
            "display name",
        )
    refused(f.command(COORDINATOR, "coordinator add Sam"), "No one here has the id 'Sam'.")
    assert_unchanged(f.db, before)
    # By id, the name given never renames them either.
    ok(
        f.command(
            COORDINATOR,
            f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8 --name "Someone Else"',
        )
    )
    assert person(f.db, "sam").display_name == "Sam"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (
            "--role mentor --level 2 --tz Mars/Base",
            "--tz must be a time zone like Europe/London; you gave 'Mars/Base'.",
        ),
        ("--role mentor --level 2 --hours 17-9", "--hours must be working hours like 9-17"),
        ("--role mentor --level 2 --hours 9-25", "--hours must be working hours like 9-17"),
        ("--role mentor --level 2 --hours nine-five", "--hours must be working hours like 9-17"),
        ("--role mentor --level 0", "--level must be a whole number from 1 to 10; you gave '0'."),
        ("--role mentor --level 11", "--level must be a whole number from 1 to 10"),
        ("--role boss --level 2", "--role must be mentor or mentee; you gave 'boss'."),
        ("--role mentor", "enrol needs --level (a whole number from 1 to 10)."),
        ("--role mentor --level 2 --capacity 0", "--capacity must be a whole number from 1 to 10"),
        ("--role mentor --level 2 --manager nobody", "I don't know the manager 'nobody'"),
        ("--role mentor --level 2 --manager newbie", "newbie cannot be their own manager."),
        ("--role mentor --level 2 --colour red", "enrol has no option --colour."),
    ],
)
def test_enrol_refuses_bad_values_and_creates_nobody(f: Flow, options: str, says: str) -> None:
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, f'enrol newbie --programme "{PROGRAMME}" {options}'), says)
    assert_unchanged(f.db, before)


def test_enrol_in_an_unknown_programme_is_refused(f: Flow) -> None:
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, 'enrol sam --programme "Nope" --role mentee --level 8'),
        'There is no programme called "Nope". Programmes: "Reverse 2027".',
    )
    assert_unchanged(f.db, before)


@pytest.mark.parametrize("option", ["name", "team"])
def test_a_name_or_team_too_long_to_store_is_refused_on_every_database(
    database: Database, option: str
) -> None:
    # PostgreSQL enforces the 200-character columns; once this was an unhandled error there.
    f = Flow(database)
    programme(f)
    before = snapshot(f.db)
    long = "x" * 201
    refused(
        f.command(
            COORDINATOR,
            f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8 --{option} "{long}"',
        ),
        f"{option} can be at most 200 characters.",
    )
    assert_unchanged(f.db, before)
    ok(
        f.command(
            COORDINATOR,
            f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8 '
            f'--{option} "{long[:200]}"',
        )
    )


def test_a_forgotten_person_can_never_be_enrolled_again_by_their_placeholder(f: Flow) -> None:
    ok(f.command(COORDINATOR, f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8'))
    ok(f.command("sam", "forget-me --confirm"))
    [forgotten] = rows(f.db, Person, display_name="(a former participant)")
    # The placeholder holds a control character, which no typed or platform id can hold, so
    # typing what it looks like names someone else (or no one), never the forgotten person.
    assert "\x1f" in forgotten.platform_user_id
    typed_id = forgotten.platform_user_id.replace("\x1f", "")
    f.command(COORDINATOR, f'enrol {typed_id} --programme "{PROGRAMME}" --role mentee --level 8')
    [still] = [p for p in rows(f.db, Person) if p.id == forgotten.id]
    assert (still.platform_user_id, still.display_name, still.forgotten_at) == (
        forgotten.platform_user_id,
        forgotten.display_name,
        forgotten.forgotten_at,
    )
    assert not [e for e in rows(f.db, Enrolment) if e.person_id == forgotten.id]


# -- a CSV file -----------------------------------------------------------------------------

GOOD = (
    "\ufeffUser_ID , Name,role,LEVEL,offers,wants,capacity,team,manager,timezone,hours\r\n"
    'maya,"Lind, Maya",mentor,2,"TikTok; AI",,2,Support,boss,Europe/Oslo,8-16\r\n'
    "U7,Sam Berg,mentee,8,,TikTok,,Board,,,\r\n"
    "boss,Bo Ss,mentee,9,,,,,,,\r\n"
)


def test_a_good_file_enrols_everyone_with_managers_named_anywhere_in_it(f: Flow) -> None:
    assert ok(f.command(COORDINATOR, CSV, attachment=GOOD)) == (
        f'Enrolled 3 people in "{PROGRAMME}" from the CSV file.\n'
        f"Each new person (3) has a private invitation to *{PROGRAMME}*; they are matched once "
        "they accept."
    )
    maya, sam, boss = person(f.db, "maya"), person(f.db, "U7"), person(f.db, "boss")
    assert (
        maya.display_name,
        maya.team,
        maya.timezone,
        maya.work_start_hour,
        maya.work_end_hour,
        maya.manager_id,
    ) == ("Lind, Maya", "Support", "Europe/Oslo", 8, 16, boss.id)
    assert (sam.display_name, sam.team, sam.manager_id) == ("Sam Berg", "Board", None)
    assert enrolment_of(f, "maya").topics_offered == ["TikTok", "AI"]
    assert enrolment_of(f, "maya").capacity == 2
    assert (enrolment_of(f, "U7").role, enrolment_of(f, "U7").topics_wanted) == (
        "mentee",
        ["TikTok"],
    )
    assert enrolment_of(f, "boss").seniority == 9


def test_only_the_required_columns_are_needed(f: Flow) -> None:
    ok(f.command(COORDINATOR, CSV, attachment="user_id,role,level\nsam,mentee,8\n"))
    assert enrolment_of(f, "sam").seniority == 8


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("tom,mentee,11", "line 3: level must be from 1 to 10."),
        ("tom,mentee,high", "line 3: level must be a whole number from 1 to 10."),
        ("tom,boss,5", "line 3: role must be mentor or mentee, not 'boss'."),
        (",mentee,5", "line 3: user_id is required (up to 128 characters)."),
        ("tom,mentee,5,,Mars/Base", "line 3: timezone 'Mars/Base' is not a time zone name"),
        ("tom,mentee,5,,,17-9", "line 3: hours must run from an earlier to a later hour"),
        ("tom,mentee,5,,,nine", "line 3: hours must look like 9-17."),
        ("tom,mentee,5,,,²-5", "line 3: hours must look like 9-17."),
        ("tom,mentee,5,,," + "1" * 5000 + "-5", "line 3: hours must look like 9-17."),
        ("tom,mentee,²", "line 3: level must be a whole number from 1 to 10."),
        ("tom,mentee,5,nobody", "line 3: I don't know the manager 'nobody'"),
        ("tom,mentee,5,tom", "line 3: tom cannot be their own manager."),
        ("sam,mentor,3", "line 3: 'sam' is already on line 2."),
    ],
)
def test_one_bad_line_enrols_nobody_and_the_answer_names_it(f: Flow, line: str, says: str) -> None:
    before = snapshot(f.db)
    text = refused(
        f.command(
            COORDINATOR,
            CSV,
            attachment=(
                f"user_id,role,level,manager,timezone,hours\nsam,mentee,8,,,\n{line}\nzoe,mentee,7,,,\n"
            ),
        )
    )
    assert text.startswith("Nobody was enrolled, because 1 line needs fixing:\n- ")
    assert says in text
    assert_unchanged(f.db, before)


def test_every_bad_line_is_listed_up_to_twenty(f: Flow) -> None:
    lines = "\n".join(f"p{n},mentee,0" for n in range(25))
    text = refused(f.command(COORDINATOR, CSV, attachment=f"user_id,role,level\n{lines}\n"))
    assert text.startswith("Nobody was enrolled, because 25 lines need fixing:")
    assert "- line 2: level must be from 1 to 10." in text
    assert "- line 21: level" in text and "line 22:" not in text
    assert text.endswith("…and 5 more.")


@pytest.mark.parametrize(
    ("attachment", "says"),
    [
        (None, "Attach a CSV file with the header: " + ",".join(CSV_COLUMNS)),
        ("  \n", "Attach a CSV file"),
        (
            "name,role\nsam,mentee\n",
            "The CSV header needs fixing (missing columns: level, user_id)",
        ),
        ("user_id,role,level,shoe_size\nsam,mentee,8,42\n", "unknown columns: 'shoe_size'"),
        ("user_id,role,level\n", "The CSV file has a header but no people in it."),
        (
            'user_id,role,level,name\nsam,mentee,8,"' + "x" * 200_000 + '"\n',
            "- line 2: a value far too long.",
        ),
        (
            "user_id,role,level,name\nsam,mentee,8," + "x" * 201 + "\n",
            "line 2: name can be at most 200 characters.",
        ),
    ],
)
def test_a_file_that_cannot_be_used_is_refused(f: Flow, attachment: str | None, says: str) -> None:
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, CSV, attachment=attachment), says)
    assert_unchanged(f.db, before)


def test_a_file_with_too_many_people_is_refused(f: Flow) -> None:
    lines = "\n".join(f"p{n},mentee,5" for n in range(MAX_ROWS + 1))
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, CSV, attachment=f"user_id,role,level\n{lines}\n"),
        f"That file has more than {MAX_ROWS} people; please split it.",
    )
    assert_unchanged(f.db, before)


def test_control_characters_in_a_file_are_dropped_on_every_database(database: Database) -> None:
    # PostgreSQL refuses NUL in text; once this file failed there with the generic error.
    f = Flow(database)
    programme(f)
    ok(
        f.command(
            COORDINATOR, CSV, attachment="user_id,role,level,name\nsam,mentee,8,Sam\x00 B\x07erg\n"
        )
    )
    assert person(f.db, "sam").display_name == "Sam Berg"


def test_an_unclosed_quote_refuses_the_whole_file_naming_its_line(f: Flow) -> None:
    """Issue 8: an unclosed quote enrolled one person whose name swallowed the next line and
    silently dropped the person on that line."""
    before = snapshot(f.db)
    for attachment, says in (
        (
            'user_id,role,level,name\nzoe,mentee,5,"Zoe\nyan,mentee,9,Yan\n',
            "line 2: unclosed quote",
        ),
        (
            'user_id,role,level,name\nzoe,mentee,5,"Zoe\nyan,mentee,9,Yan"\nbo,mentee,3,\n',
            "line 2: a quoted value runs on to line 3",
        ),
        ('user_id,role,level,name\nzoe,mentee,5,"Zo"e\nyan,mentee,9,Yan\n', "line 2: a quote in"),
        ("user_id,role,level\nzoe,mentee,5,extra\n", "line 2: 4 values, but the header has 3"),
        ("user_id,role,level,role\nzoe,mentee,5,mentee\n", "columns given twice: 'role'"),
        ("user_id,role,level,bogus\nzoe,mentee,5,x\n", "unknown columns: 'bogus'"),
        ("user_id,role,level\n" + "zoe,mentee,5\n" * 90_000, "That file is over 1000 KB"),
    ):
        refused(f.command(COORDINATOR, CSV, attachment=attachment), says)
        assert_unchanged(f.db, before)


def test_every_bad_line_of_a_file_is_named(f: Flow) -> None:
    before = snapshot(f.db)
    text = refused(
        f.command(
            COORDINATOR,
            CSV,
            attachment='user_id,role,level\nzoe,mentee,5\n"yan,mentee,9\n',
        ),
        "line 3: unclosed quote",
    )
    assert "1 line needs fixing" in text
    text = refused(
        f.command(COORDINATOR, CSV, attachment="user_id,role,level\nzoe,mentee,x\nyan,boss,9\n"),
        "line 2: level must be a whole number",
        "line 3: role must be mentor or mentee",
    )
    assert_unchanged(f.db, before)


def test_cells_are_stored_as_clean_text_says(f: Flow) -> None:
    ok(
        f.command(
            COORDINATOR,
            CSV,
            attachment="user_id,role,level,name,team\n"
            "zoe,mentee,5,Night\x1b[31mOwls\x1b[0m \u202eZoe\u0308,Sup\u200bport\n",
        )
    )
    zoe = person(f.db, "zoe")
    assert (zoe.display_name, zoe.team) == ("NightOwls Zo\u00eb", "Support")
