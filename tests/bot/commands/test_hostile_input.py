"""Hostile input through the real engine: whatever anyone types, presses or submits, the answer
is a clear message (never the apology that means an unhandled error), and input that is refused
leaves every row of every table exactly as it was."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scenario import COORDINATOR, PROGRAMME, active, enrol, jump, ok, proposed, rows

from bot.commands.grammar import VERBS
from bot.content import default_content
from bot.events import Action, Actor, Command, Event, Message, Submission
from bot.form_values import MAX_GOALS, MAX_ITEM, MAX_OPEN_ACTIONS, MAX_TEXT
from bot.identity import MAX_NAME, clean_name, clean_text
from storage.db import Database
from storage.models import ActionItem, CheckIn, CoordinatorAction, Goal, Person

HOSTILE = settings(
    max_examples=80,
    deadline=None,
    # One populated database per test, shared by its examples: each example checks itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SORRY = str(default_content().text("engine.sorry"))  # the answer to an unhandled error
PEOPLE = ("sam", "maya", "tom", COORDINATOR)  # mentee, mentor, nobody's partner, coordinator
LARGEST_ID = 2**31 - 1  # see test_engine.py: a larger reference is a known engine gap


@pytest.fixture
def world(database: Database) -> Flow:
    """An active reverse pair (#1) just after its first session, a proposed reciprocal pair
    (#2), someone enrolled without a pair, and a coordinator; everyone has been seen before."""
    f = Flow(database)
    active(f)
    proposed(f, kind="reciprocal", mentor="ola", mentee="bo", name="Swap 2027")
    enrol(f, "tom", role="mentee", level=9)
    jump(f, datetime(2027, 1, 11, 12, 0, tzinfo=UTC))
    for who in PEOPLE:
        ok(f.command(who, "status"))
    return f


def check(f: Flow, event: Event) -> None:
    before = snapshot(f.db)
    outcome = f.engine.handle(event)
    answer = outcome.answer
    assert answer is not None, "every event from a person gets an answer"
    assert answer.text != SORRY, f"unhandled error for {event!r}"
    if outcome.changed:
        assert answer.text.strip() or answer.form is not None
        assert_stored_as_normalised(f.db)
    else:
        assert answer.text.strip() or outcome.field_errors
        assert_unchanged(f.db, before)
    if not _is_coordinator(f, event.actor.user_id):
        # A participant's coordinator verb is refused and changes nothing at all.
        assert not rows(f.db, CoordinatorAction, actor_id=_id_of(f, event.actor.user_id))


def _stored(f: Flow, user_id: str) -> list[Person]:
    # Looked up in Python: a hostile id (a NUL byte, say) is one PostgreSQL refuses even to
    # compare, and the engine refused it anyway, so nobody can be stored under it.
    return [p for p in rows(f.db, Person) if p.platform_user_id == user_id]


def _is_coordinator(f: Flow, user_id: str) -> bool:
    found = _stored(f, user_id)
    return bool(found) and found[0].is_coordinator


def _id_of(f: Flow, user_id: str) -> int:
    found = _stored(f, user_id)
    return found[0].id if found else -1


def assert_stored_as_normalised(db: Database) -> None:
    """Accepted input is stored exactly as clean_text says, and never over the limits."""
    for who in rows(db, Person):
        assert who.display_name == clean_name(who.display_name), who.display_name
        assert 0 < len(who.display_name) <= MAX_NAME
    for item in [*rows(db, Goal), *rows(db, ActionItem)]:
        assert item.text == clean_text(item.text) and 0 < len(item.text) <= MAX_ITEM
    for checkin in rows(db, CheckIn):
        assert checkin.note == clean_text(checkin.note) and len(checkin.note) <= MAX_TEXT
    for pair_id in {g.pair_id for g in rows(db, Goal)}:
        assert len(rows(db, Goal, pair_id=pair_id)) <= MAX_GOALS
    for pair_id in {a.pair_id for a in rows(db, ActionItem)}:
        assert len(rows(db, ActionItem, pair_id=pair_id, status="open")) <= MAX_OPEN_ACTIONS


# -- strategies --------------------------------------------------------------------------------

ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and control characters too
WORDS = sorted(
    {spec.name for spec in VERBS}
    | {spec.sub for spec in VERBS if spec.sub}
    | {"program", "enroll", "check-in", "?", "/tandem", "/TANDEM"}
)
OPTIONS = sorted(
    {f"--{o.name}" for spec in VERBS for o in spec.options}
    | {f"--{flag}" for spec in VERBS for flag in spec.flags}
    | {"--help", "--", "—kind", "–csv", "--level=3", "--kind=", "--Dry_Run"}
)
VALUES = [
    "1",
    "2",
    "#1",
    "0",
    "-1",
    "99999999999999999999",
    "٣",
    "²",
    "①",
    "1_000",
    "1" * 5000,
    "12abc",
    "reverse",
    "classic",
    "mentor",
    "mentee",
    "maya",
    "@sam",
    "<@tom|Tom>",
    "<@U1>",
    "hana",
    "nobody",
    f'"{PROGRAMME}"',
    '"Swap 2027"',
    "Europe/London",
    "Mars/Base",
    "9-17",
    "17-9",
    "0-24",
    '"',
    "'",
    "O'Brien",
    '"unclosed',
    "\\",
    "“curly”",
    "\u200b",
    "\x00",
    "\ud800",
    "👩‍💻",
    "Ω",
    "\n",
    "\t",
]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(OPTIONS),
    st.sampled_from(VALUES),
    st.text(ANY_CHARACTER, max_size=12),
)
COMMAND_TEXT = st.one_of(
    st.text(),
    st.text(ANY_CHARACTER, max_size=60),
    st.lists(TOKENS, min_size=1, max_size=8).map(" ".join),
    st.tuples(st.sampled_from(WORDS), st.text(ANY_CHARACTER, min_size=3500, max_size=4500)).map(
        " ".join
    ),
)


def _fits_an_id(part: str) -> bool:
    try:
        return abs(int(part.strip().lstrip("#"))) <= LARGEST_ID
    except ValueError:
        return True  # not a number at all: the engine must refuse it politely


REFERENCE_PART = st.one_of(
    st.integers(min_value=-3, max_value=12).map(str),
    st.sampled_from(
        [
            "yes",
            "no",
            "go",
            "not_fit",
            "talk",
            "confirm",
            "contract",
            "checkin",
            "evaluation",
            "",
            "#1",
            " 1 ",
        ]
    ),
    st.text(max_size=8).filter(_fits_an_id),
)
ACTION_VALUE = st.lists(REFERENCE_PART, max_size=4).map(":".join)
ACTION_NAME = st.one_of(
    st.sampled_from(["intro", "chemistry", "contract", "open_form"]), st.text(max_size=10)
)
FORM_ID = st.one_of(st.sampled_from(["contract", "checkin", "evaluation"]), st.text(max_size=10))
FIELD = st.one_of(
    st.sampled_from(
        [
            "sessions",
            "length_minutes",
            "cadence",
            "medium",
            "start_date",
            "end_date",
            "mentor_goals",
            "mentee_goals",
            "mentor_motivation",
            "agenda_owner",
            "swap_after_session",
            "happened",
            "agenda_set_by",
            "challenge",
            "breadth",
            "jumped_to_solutions",
            "career_talk",
            "goals_moved",
            "actions",
            "note",
            "goals_met",
            "what_worked",
            "continue_as",
            "take_back",
        ]
    ),
    st.text(max_size=10),
)


FIELD_VALUE = st.one_of(
    st.sampled_from(
        [
            "yes",
            "no",
            "mentor",
            "mentee",
            "both",
            "senior",
            "junior",
            "3",
            "0",
            "6",
            "99",
            "-1",
            "video",
            "monthly",
            "network",
            "2027-02-01",
            "2020-01-01",
            "2027-13-45",
            "",
            " ",
            "x" * 2001,
            "٣",
        ]
    ),
    st.text(max_size=30),
)
FORM_VALUES = st.dictionaries(FIELD, FIELD_VALUE, max_size=8)


# -- commands ----------------------------------------------------------------------------------


@HOSTILE
@given(who=st.sampled_from(PEOPLE), text=COMMAND_TEXT)
@example(who="sam", text="goals add \ud800")
@example(who=COORDINATOR, text='programme create "ÉCOLE" --kind classic')
@example(who=COORDINATOR, text='programme create "école" --kind classic')
@example(who=COORDINATOR, text="enrol x --programme P --role mentor --level 2 --name " + "n" * 300)
@example(who="maya", text="forget-me")
@example(who="sam", text="help")
def test_any_command_gets_a_clear_answer_and_a_refusal_changes_nothing(
    world: Flow, who: str, text: str
) -> None:
    check(world, Command(actor=Flow.actor(who), text=text))


@HOSTILE
@given(who=st.sampled_from(PEOPLE), text=COMMAND_TEXT)
def test_any_direct_message_gets_a_clear_answer_and_a_refusal_changes_nothing(
    world: Flow, who: str, text: str
) -> None:
    check(world, Message(actor=Flow.actor(who), text=text))


CSV_CELL = st.one_of(
    st.sampled_from(
        [
            "maya",
            "sam",
            "tom",
            "zoe",
            "mentor",
            "mentee",
            "2",
            "8",
            "11",
            "x",
            "",
            "Europe/Oslo",
            "Mars/Base",
            "9-17",
            "24-1",
            '"a, b"',
            '"',
            "hana",
        ]
    ),
    st.text(ANY_CHARACTER, max_size=10),
)
CSV_HEADER = st.one_of(
    st.just("user_id,role,level,manager,timezone,hours,name"),
    st.lists(
        st.sampled_from(["user_id", "role", "level", "manager", "team", "bogus", ""]), max_size=5
    ).map(",".join),
)
CSV_FILE = st.tuples(
    CSV_HEADER, st.lists(st.lists(CSV_CELL, max_size=7).map(",".join), max_size=6)
).map(lambda parts: "\n".join([parts[0], *parts[1]]))


@HOSTILE
@given(attachment=st.one_of(CSV_FILE, st.text(ANY_CHARACTER, max_size=200), st.none()))
@example(attachment="user_id,role,level\nzoe,mentee,5\nzoe,mentor,2\n")
@example(attachment="user_id,role,level,manager\nzoe,mentee,5,yan\nyan,mentee,9,\n")
def test_any_csv_file_enrols_everyone_or_nobody(world: Flow, attachment: str | None) -> None:
    text = f'enrol --csv --programme "{PROGRAMME}"'
    check(world, Command(actor=Flow.actor(COORDINATOR), text=text, attachment=attachment))


# -- buttons and forms -------------------------------------------------------------------------


@HOSTILE
@given(who=st.sampled_from(PEOPLE), action=ACTION_NAME, value=ACTION_VALUE)
@example(who="tom", action="intro", value="2:yes")  # someone else's pair
@example(who="sam", action="contract", value="1:1:confirm")  # an old confirmation
@example(who="sam", action="open_form", value="checkin:1")
@example(who="bo", action="chemistry", value="2:go")  # before the intro was accepted
def test_any_button_gets_a_clear_answer_and_a_refusal_changes_nothing(
    world: Flow, who: str, action: str, value: str
) -> None:
    check(world, Action(actor=Flow.actor(who), action=action, value=value))


@HOSTILE
@given(who=st.sampled_from(PEOPLE), form_id=FORM_ID, context=ACTION_VALUE, values=FORM_VALUES)
@example(who="sam", form_id="checkin", context="1", values={"happened": "maybe"})
@example(who="tom", form_id="checkin", context="1", values={"happened": "yes"})
@example(who="maya", form_id="evaluation", context="1", values={"goals_met": "5"})
@example(who="maya", form_id="contract", context="1", values={"sessions": "99"})
def test_any_form_submission_gets_a_clear_answer_and_a_refusal_changes_nothing(
    world: Flow, who: str, form_id: str, context: str, values: dict[str, str]
) -> None:
    check(world, Submission(actor=Flow.actor(who), form_id=form_id, context=context, values=values))


def test_the_strategies_reach_the_interesting_places() -> None:
    """The token lists are built from the grammar, so a new verb or option is fuzzed too."""
    assert {"programme", "create", "forget-me", "goals", "met"} <= set(WORDS)
    assert {"--programme", "--csv", "--dry-run", "--confirm", "--tz"} <= set(OPTIONS)
    assert set(string.digits[:3]) <= set("".join(VALUES))


# -- who is speaking: hostile display names and platform ids ------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.sampled_from(
        [
            "Night\x1b[31mOwls\x1b[0m",
            "\u202eevil\u2066",
            "Sa\u200dm",
            "Zoe\u0308",
            "x\x1b]0;title\x07y",
            "Sam",
            "hana",
            "=HYPERLINK(1)",
            "a" * 300,
        ]
    ),
)
PLATFORM_ID = st.one_of(
    st.sampled_from([*PEOPLE, "Sam", "HANA", "forgotten:1", "<@sam>", "@tom", "a" * 129]),
    st.text(ANY_CHARACTER, min_size=0, max_size=20),
)


@HOSTILE
@given(user_id=PLATFORM_ID, name=HOSTILE_TEXT, text=COMMAND_TEXT)
@example(user_id="sam", name="Night\x1b[31mOwls\x1b[0m \u202eevil", text="status")
@example(user_id="Sam", name="Sam", text="coordinator add Sam")
@example(user_id="\x00", name="", text="")  # an id PostgreSQL cannot even compare
def test_anyone_with_any_name_and_id_gets_a_clear_answer(
    world: Flow, user_id: str, name: str, text: str
) -> None:
    actor = Actor(platform="console", tenant="test", user_id=user_id, display_name=name)
    check(world, Command(actor=actor, text=text))


@HOSTILE
@given(name=HOSTILE_TEXT, ref=PLATFORM_ID)
def test_enrol_finds_people_by_id_only(world: Flow, name: str, ref: str) -> None:
    """A name that matches someone else never merges, renames or re-enrols them."""
    sam = rows(world.db, Person, platform_user_id="sam")[0]
    text = f'enrol "{ref}" --programme "{PROGRAMME}" --role mentor --level 2 --name "{name}"'
    check(world, Command(actor=Flow.actor(COORDINATOR), text=text))
    after = rows(world.db, Person, platform_user_id="sam")[0]
    assert after.display_name == sam.display_name
