"""Coordinator commands through the real engine: programmes, pairing, matching, health, nudges,
pausing and ending pairs, and making coordinators. Every refusal leaves stored state as it was."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    enrol,
    ok,
    pair_of,
    person,
    programme,
    proposed,
    read_all,
    refused,
    rows,
    stage,
    texts,
)

from bot import wire
from bot.content import default_content
from bot.events import Actor, Command
from storage.models import (
    CoordinatorAction,
    NudgeSent,
    OutboxMessage,
    Pair,
    Programme,
    StageTransition,
)

CONTENT = default_content()


@pytest.fixture
def f(sqlite_db) -> Flow:  # type: ignore[no-untyped-def]
    return Flow(sqlite_db)


# -- programme create / list ----------------------------------------------------------------


def test_programme_create_stores_the_options_given(f: Flow) -> None:
    answer = ok(
        f.command(
            COORDINATOR,
            'programme create "Reverse 2027" --kind reverse --sessions 4 '
            '--cadence fortnightly --length 45 --topics "AI, TikTok ,"',
        )
    )
    assert answer.startswith(
        'Created the reverse mentoring programme "Reverse 2027": '
        "4 fortnightly sessions of 45 minutes by default."
    )
    [stored] = rows(f.db, Programme)
    assert (
        stored.name,
        stored.kind,
        stored.default_sessions,
        stored.default_cadence,
        stored.default_length_minutes,
        stored.focus_topics,
    ) == ("Reverse 2027", "reverse", 4, "fortnightly", 45, ["AI", "TikTok"])
    assert stored.created_by_id == person(f.db, COORDINATOR).id


def test_programme_create_without_options_uses_six_monthly_hour_long_sessions(f: Flow) -> None:
    ok(f.command(COORDINATOR, "programme create Pilot --kind classic"))
    [stored] = rows(f.db, Programme)
    assert (
        stored.kind,
        stored.default_sessions,
        stored.default_cadence,
        stored.default_length_minutes,
        stored.focus_topics,
    ) == ("classic", 6, "monthly", 60, [])


@pytest.mark.parametrize(
    "again", ["Reverse 2027", "reverse 2027", "REVERSE   2027", " Reverse 2027 "]
)
def test_programme_names_are_unique_whatever_the_case_or_spacing(f: Flow, again: str) -> None:
    programme(f)
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'programme create "{again}" --kind classic'),
        'There is already a programme called "Reverse 2027".',
    )
    assert_unchanged(f.db, before)


def test_a_duplicate_name_differing_only_in_non_ascii_case_is_refused_not_a_crash(f: Flow) -> None:
    # SQLite's lower() folds ASCII only: the duplicate check once missed this and the unique
    # index then failed with the generic error.
    ok(f.command(COORDINATOR, 'programme create "ÉCOLE" --kind classic'))
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, 'programme create "ÉCOLE" --kind classic'), "already")
    refused(f.command(COORDINATOR, 'programme create "école" --kind classic'), "already")
    assert_unchanged(f.db, before)
    assert ok(f.command(COORDINATOR, 'status "école"')).startswith("*ÉCOLE* (classic mentoring)")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("programme create Pilot", "needs --kind"),
        (
            "programme create Pilot --kind bogus",
            "--kind must be reverse, reciprocal, classic or sponsorship",
        ),
        (
            "programme create Pilot --kind classic --sessions 0",
            "--sessions must be a whole number from 1 to 24",
        ),
        (
            "programme create Pilot --kind classic --length 500",
            "--length must be a whole number from 15 to 180",
        ),
        ("programme create --kind classic", "needs <name>"),
        ("programme create Pilot 2027 --kind classic", "Put a name with spaces in quotes"),
        ("programme create " + '"' + "x" * 201 + '" --kind classic', "1 to 200 characters"),
        ("programme", "programme needs create or list after it"),
    ],
)
def test_programme_create_refuses_bad_input_and_stores_nothing(
    f: Flow, text: str, says: str
) -> None:
    ok(f.command(COORDINATOR, "status"))  # the coordinator exists before the snapshot
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, text), says)
    assert_unchanged(f.db, before)


def test_programme_list_before_and_after(f: Flow) -> None:
    assert ok(f.command(COORDINATOR, "programme list")).startswith("No programmes yet.")
    proposed(f)
    programme(f, "Classic pilot", kind="classic")
    assert ok(f.command(COORDINATOR, "programme list")) == (
        "*Programmes*\n"
        '- "Classic pilot" (classic mentoring): 0 enrolled, 0 pairs\n'
        '- "Reverse 2027" (reverse mentoring): 2 enrolled, 1 pair'
    )


# -- pair ---------------------------------------------------------------------------------


def test_pair_proposes_and_sends_each_person_their_own_intro(f: Flow) -> None:
    pair_id = proposed(f, reason="both love data")
    [pair] = rows(f.db, Pair)
    assert (pair.id, pair.stage, pair.match_reason) == (pair_id, "proposed", "both love data")
    assert pair.leader_id == person(f.db, "maya").id  # in reverse mentoring the junior steers
    for who, role, partner, other in (
        ("maya", "mentor", "Sam", "mentee"),
        ("sam", "mentee", "Maya", "mentor"),
    ):
        [intro] = f.new(who)
        body = CONTENT.text(
            "intro.body",
            kind="reverse",
            role=role,
            name=who.capitalize(),
            partner=partner,
            programme=PROGRAMME,
            reason="both love data",
            role_name=CONTENT.text(f"roles.{role}", kind="reverse"),
            partner_role_name=CONTENT.text(f"roles.{other}", kind="reverse"),
        )
        assert intro.text.startswith(body)
        assert [(b.action, b.value) for b in intro.buttons] == [
            ("intro", wire.encode(pair_id, "yes")),
            ("intro", wire.encode(pair_id, "no")),
        ]
    assert f.new(COORDINATOR) == []  # the answer is the coordinator's confirmation


def test_pair_without_a_reason_explains_the_match(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra='--offers "TikTok" --team Support')
    enrol(f, "sam", role="mentee", level=8, extra='--wants "tiktok" --team Board')
    answer = ok(f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'))
    reason = "Maya offers TikTok, which Sam wants to learn; they work in different teams"
    assert reason in answer
    assert reason in f.received("sam")[-1].text  # the intro, after the invitation


def test_pair_refuses_a_direct_reporting_line_either_way(f: Flow) -> None:
    programme(f)
    enrol(f, "boss", role="mentee", level=8)
    enrol(f, "maya", role="mentor", level=2, extra="--manager boss")
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'pair maya boss --programme "{PROGRAMME}"'),
        "have a direct reporting line",
    )
    assert_unchanged(f.db, before)
    enrol(f, "lead", role="mentor", level=3)
    enrol(f, "report", role="mentee", level=9, extra="--manager lead")
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, f'pair lead report --programme "{PROGRAMME}"'), "reporting line")
    assert_unchanged(f.db, before)


@pytest.mark.parametrize(
    ("kind", "mentor_level", "mentee_level", "says"),
    [
        ("reverse", 8, 2, "In reverse mentoring the mentor is the more junior colleague"),
        ("reverse", 5, 5, "In reverse mentoring the mentor is the more junior colleague"),
        ("classic", 2, 8, "In classic mentoring the mentor is the more senior colleague"),
        ("sponsorship", 5, 5, "In sponsorship the mentor is the more senior colleague"),
    ],
)
def test_pair_refuses_the_wrong_seniority_direction(
    f: Flow, kind: str, mentor_level: int, mentee_level: int, says: str
) -> None:
    programme(f, kind=kind)
    enrol(f, "maya", role="mentor", level=mentor_level)
    enrol(f, "sam", role="mentee", level=mentee_level)
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'), says)
    assert_unchanged(f.db, before)


def test_reciprocal_pairs_may_have_any_seniority_but_not_one_person_twice(f: Flow) -> None:
    programme(f, kind="reciprocal")
    enrol(f, "maya", role="mentor", level=5)
    enrol(f, "sam", role="mentee", level=5)
    ok(f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'))
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'pair maya maya --programme "{PROGRAMME}"'),
        "cannot be paired with themselves",
    )
    refused(
        f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'), "are already pair #1"
    )
    assert_unchanged(f.db, before)


def test_pair_refuses_people_who_are_not_enrolled_or_unknown(f: Flow) -> None:
    programme(f)
    programme(f, "Other", kind="reverse")
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "sam", role="mentee", level=8, programme="Other")
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'),
        f'Sam is not enrolled in "{PROGRAMME}" yet',
    )
    refused(
        f.command(COORDINATOR, f'pair maya nobody --programme "{PROGRAMME}"'),
        "No one here has the id 'nobody'.",
    )
    refused(
        f.command(COORDINATOR, 'pair maya sam --programme "Nope"'),
        'There is no programme called "Nope". Programmes: "Other", "Reverse 2027".',
    )
    assert_unchanged(f.db, before)


def test_pair_never_proposes_two_people_whose_pair_was_dissolved(f: Flow) -> None:
    pair_id = proposed(f)
    ok(f.press("sam", "intro", f"{pair_id}:no"))
    assert stage(f.db, pair_id) == "dissolved"
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'),
        "were paired before and it was dissolved",
    )
    assert_unchanged(f.db, before)


# -- match --------------------------------------------------------------------------------


def _people(f: Flow, mentors: dict[str, int], mentees: list[str]) -> None:
    programme(f)
    for who, capacity in mentors.items():
        enrol(f, who, role="mentor", level=2, extra=f'--capacity {capacity} --offers "AI"')
    for who in mentees:
        enrol(f, who, role="mentee", level=8, extra='--wants "AI"')


def test_match_dry_run_shows_the_proposals_and_stores_and_sends_nothing(f: Flow) -> None:
    _people(f, {"maya": 1}, ["sam"])
    before, delivered = snapshot(f.db), len(f.sender.deliveries)
    outcome = f.command(COORDINATOR, f'match "{PROGRAMME}" --dry-run')
    assert outcome.answer is not None
    assert outcome.answer.text.startswith(
        f'*Proposed matches (dry run, nothing sent)* for "{PROGRAMME}"\n'
        "- Maya mentors Sam: Maya offers AI"
    )
    assert_unchanged(f.db, before)
    assert len(f.sender.deliveries) == delivered


def test_match_proposes_pairs_and_sends_both_intros(f: Flow) -> None:
    _people(f, {"maya": 1}, ["sam"])
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    pair = pair_of(f.db, "maya", "sam")
    assert answer.startswith(f'*Matched* for "{PROGRAMME}"\n- #{pair.id} Maya mentors Sam: ')
    # The stored reason names nobody (erasure and renames reach it): names fill in when shown.
    assert pair.match_reason.startswith("{mentor} offers AI, which {mentee} wants to learn")
    reason = pair.match_reason.format(mentor="Maya", mentee="Sam")
    assert pair.stage == "proposed" and reason in answer
    for who in ("maya", "sam"):
        [intro] = f.new(who)
        assert reason in intro.text
        assert intro.buttons[0].value == wire.encode(pair.id, "yes")
    [transition] = rows(f.db, StageTransition, pair_id=pair.id)
    assert transition.actor_id == person(f.db, COORDINATOR).id


def test_match_respects_each_mentors_capacity_now_and_on_a_second_run(f: Flow) -> None:
    _people(f, {"ana": 2, "ben": 1}, ["p", "q", "r", "s"])
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    pairs = rows(f.db, Pair)
    load = {who: sum(p.mentor_id == person(f.db, who).id for p in pairs) for who in ("ana", "ben")}
    assert load == {"ana": 2, "ben": 1}
    paired = {p.mentee_id for p in pairs}
    [left] = [who for who in "pqrs" if person(f.db, who).id not in paired]
    assert answer.endswith(f"Still without a match: {left.upper()}.")
    # Nobody has room left and every other mentee is taken: a second run proposes nothing.
    before = snapshot(f.db)
    again = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert "No pair meets the rules right now" in again
    assert again.endswith(f"Still without a match: {left.upper()}.")
    assert_unchanged(f.db, before)


def test_match_frees_capacity_when_a_pair_ends_but_never_reproposes_that_pair(f: Flow) -> None:
    _people(f, {"maya": 1}, ["sam", "tom"])
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    first = rows(f.db, Pair)[0]
    declined_by = "sam" if first.mentee_id == person(f.db, "sam").id else "tom"
    other = "tom" if declined_by == "sam" else "sam"
    ok(f.press(declined_by, "intro", f"{first.id}:no"))
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    second = rows(f.db, Pair)[-1]
    assert second.id != first.id and second.mentee_id == person(f.db, other).id
    # A third run has maya busy again; and even with room, the declined pair is never back.
    ok(f.command(COORDINATOR, f"end {second.id}"))
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert "No pair meets the rules" in answer
    assert len(rows(f.db, Pair)) == 2


def test_match_with_nobody_to_match(f: Flow) -> None:
    programme(f)
    assert ok(f.command(COORDINATOR, f'match "{PROGRAMME}"')) == (
        f'*Matched* for "{PROGRAMME}"\n'
        "- No pair meets the rules right now (direction, reporting lines, hours, history)."
    )


def test_match_never_proposes_someone_who_asked_to_be_forgotten(f: Flow) -> None:
    _people(f, {"maya": 1}, ["sam"])
    ok(f.command("sam", "forget-me --confirm"))
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert "No pair meets the rules" in answer and "former participant" not in answer
    assert rows(f.db, Pair) == []


def test_match_of_an_unknown_programme_is_refused(f: Flow) -> None:
    ok(f.command(COORDINATOR, "status"))
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, 'match "Nope"'),
        'There is no programme called "Nope"',
        "none yet (create one with `programme create`)",
    )
    assert_unchanged(f.db, before)


# -- status and report ----------------------------------------------------------------------


def test_status_without_a_name_gives_the_coordinator_every_programme(f: Flow) -> None:
    assert ok(f.command(COORDINATOR, "status")).endswith(
        '*Coordinator*: no programmes yet. Start with `programme create "Name" --kind reverse`.'
    )
    pair_id = proposed(f)
    programme(f, "Empty", kind="classic")
    text = ok(f.command(COORDINATOR, ""))
    assert '- "Empty": no pairs yet' in text
    assert f'- "{PROGRAMME}": 1 proposed' in text
    ok(f.command(COORDINATOR, f"pause {pair_id}"))
    assert f'- "{PROGRAMME}": 1 paused' in ok(f.command(COORDINATOR, "status"))


def test_status_of_one_programme_lists_its_live_pairs(f: Flow) -> None:
    first = proposed(f)
    enrol(f, "ola", role="mentor", level=3)
    enrol(f, "tom", role="mentee", level=9)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "ola", "tom").id
    ok(f.press("tom", "intro", f"{second}:no"))
    assert ok(f.command(COORDINATOR, f'status "{PROGRAMME}"')) == (
        f"*{PROGRAMME}* (reverse mentoring): 1 proposed, 1 dissolved\n"
        f"- Pair {first}: Maya and Sam, proposed, no contract yet\n"
        "\n"
        "No pair needs a look right now."
    )


def test_status_and_report_of_an_unknown_programme_are_refused(f: Flow) -> None:
    programme(f)
    before = snapshot(f.db)
    for verb in ("status", "report"):
        refused(f.command(COORDINATOR, f'{verb} "Nope"'), 'Programmes: "Reverse 2027".')
    assert_unchanged(f.db, before)


def test_report_before_any_evaluation(f: Flow) -> None:
    proposed(f)
    assert ok(f.command(COORDINATOR, f'report "{PROGRAMME}"')) == (
        f"*Evaluation of {PROGRAMME}* (reverse)\n"
        "Pairs: 1 (0 closed, 0 dissolved without blame, 1 still running)\n"
        "Sessions: 0 held, 0 missed or unreported\n"
        "No evaluations yet: they arrive as pairs reach wrap-up."
    )


# -- nudge --------------------------------------------------------------------------------


def test_nudge_sends_the_pair_the_coordinators_note(f: Flow) -> None:
    pair_id = proposed(f)
    read_all(f, "maya", "sam")
    answer = ok(
        f.command(COORDINATOR, f"nudge #{pair_id} Great start, keep going! {{not a field}}")
    )
    assert answer == f"Sent your note to pair #{pair_id}."
    expected = CONTENT.text(
        "nudges.manual.pair",
        kind="reverse",
        coordinator="Hana",
        note="Great start, keep going! {not a field}",
    )
    assert texts(f, "maya") == [expected] and texts(f, "sam") == [expected]
    [sent] = rows(f.db, NudgeSent)
    assert (sent.pair_id, sent.nudge) == (pair_id, "manual")


def test_nudge_refuses_unknown_ended_or_empty(f: Flow) -> None:
    pair_id = proposed(f)
    ok(f.press("sam", "intro", f"{pair_id}:no"))
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, f"nudge {pair_id} hello"), f"Pair #{pair_id} has dissolved")
    refused(f.command(COORDINATOR, "nudge 99 hello"), "There is no pair #99.")
    refused(f.command(COORDINATOR, f"nudge {pair_id}"), "nudge needs <note> after it.")
    refused(f.command(COORDINATOR, "nudge twelve hello"), "<pair> must be a number from the list")
    assert_unchanged(f.db, before)


# -- pause / resume / end -------------------------------------------------------------------


def test_coordinator_pauses_and_resumes_a_pair(f: Flow) -> None:
    pair_id = proposed(f)
    accept_intros(f, pair_id, ("maya", "sam"))
    read_all(f, "maya", "sam")
    assert ok(f.command(COORDINATOR, f"pause {pair_id}")) == f"Paused pair #{pair_id}."
    [pair] = rows(f.db, Pair)
    assert (pair.stage, pair.paused_from) == ("paused", "chemistry")
    assert texts(f, "sam") == [
        "Your coordinator Hana has paused your mentoring pair for now; "
        "reminders and check-ins stop until it resumes."
    ]
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f"pause {pair_id}"),
        f"Pair #{pair_id} is paused, so it cannot be paused now.",
    )
    assert_unchanged(f.db, before)
    assert (
        ok(f.command(COORDINATOR, f"resume {pair_id}")) == f"Resumed pair #{pair_id} (chemistry)."
    )
    assert stage(f.db, pair_id) == "chemistry"
    assert texts(f, "maya")[-1] == "Hana has resumed your pair: you are back in chemistry."
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f"resume {pair_id}"),
        "is chemistry, so it cannot be resumed now",
    )
    assert_unchanged(f.db, before)
    triggers = [(t.trigger, t.actor_id) for t in rows(f.db, StageTransition, pair_id=pair_id)][-2:]
    hana = person(f.db, COORDINATOR).id
    assert triggers == [("paused", hana), ("resumed", hana)]


def test_end_of_an_active_pair_starts_the_evaluation(f: Flow) -> None:
    pair_id = active(f)
    read_all(f, "maya", "sam")
    assert ok(f.command(COORDINATOR, f"end {pair_id}")) == (
        f"Ended pair #{pair_id}: both have their evaluation now."
    )
    assert stage(f.db, pair_id) == "wrap_up"
    for who in ("maya", "sam"):
        [start] = f.new(who)
        assert [(b.action, b.value) for b in start.buttons] == [
            ("open_form", wire.encode("evaluation", pair_id))
        ]


def test_end_before_active_dissolves_without_blame(f: Flow) -> None:
    pair_id = proposed(f)
    read_all(f, "maya", "sam", COORDINATOR)
    assert ok(f.command(COORDINATOR, f"end {pair_id}")) == (
        f"Dissolved pair #{pair_id} without blame; both have been told."
    )
    note = CONTENT.text("dissolved.pair_note", programme=PROGRAMME)
    assert texts(f, "maya") == [note] and texts(f, "sam") == [note]
    assert texts(f, COORDINATOR) == [
        CONTENT.text(
            "dissolved.coordinator",
            mentor="Maya",
            mentee="Sam",
            programme=PROGRAMME,
            pair_id=pair_id,
        )
    ]
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f"end {pair_id}"),
        f"Pair #{pair_id} is dissolved; there is nothing to end.",
    )
    assert_unchanged(f.db, before)


def test_pairs_of_another_workspace_are_invisible(f: Flow) -> None:
    pair_id = proposed(f)
    elsewhere = Actor(
        platform="console", tenant="elsewhere", user_id=COORDINATOR, display_name="Hana"
    )
    f.engine.handle(Command(actor=elsewhere, text="status"))
    before = snapshot(f.db)
    for text in (f"end {pair_id}", f"pause {pair_id}", f"nudge {pair_id} hi"):
        outcome = f.engine.handle(Command(actor=elsewhere, text=text))
        refused(outcome, f"There is no pair #{pair_id}.")
    outcome = f.engine.handle(Command(actor=elsewhere, text=f'report "{PROGRAMME}"'))
    refused(outcome, f'There is no programme called "{PROGRAMME}"')
    assert_unchanged(f.db, before)


# -- coordinator add ------------------------------------------------------------------------


def test_coordinator_add_makes_someone_a_coordinator_and_tells_them(f: Flow) -> None:
    ok(f.command("sam", "status"))
    assert ok(f.command(COORDINATOR, "coordinator add sam")) == "Sam is now a coordinator."
    assert person(f.db, "sam").is_coordinator
    assert texts(f, "sam") == [
        "Hana made you a Tandem coordinator. Type `help` to see what coordinators can do."
    ]
    assert ok(f.command("sam", "programme list")).startswith("No programmes yet.")
    outbox = len(rows(f.db, OutboxMessage))
    assert ok(f.command(COORDINATOR, "coordinator add @sam")) == "Sam is already a coordinator."
    assert len(rows(f.db, OutboxMessage)) == outbox


def test_coordinator_add_of_someone_unknown_is_refused(f: Flow) -> None:
    ok(f.command(COORDINATOR, "status"))
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, "coordinator add nobody"), "No one here has the id 'nobody'.")
    refused(f.command(COORDINATOR, "coordinator add"), "coordinator add needs <person>.")
    refused(
        f.command(COORDINATOR, "coordinator"), "coordinator needs add, remove or list after it."
    )
    assert_unchanged(f.db, before)


# -- coordinator remove / list, the setting per workspace, the audit trail ------------------


def test_coordinator_remove_takes_back_what_coordinator_add_gave(f: Flow) -> None:
    ok(f.command("sam", "status"))
    ok(f.command(COORDINATOR, "coordinator add sam"))
    assert ok(f.command(COORDINATOR, "coordinator remove sam")) == "Sam is no longer a coordinator."
    assert not person(f.db, "sam").is_coordinator
    assert texts(f, "sam")[-1] == "Hana took back your Tandem coordinator rights."
    refused(f.command("sam", "programme list"), "`programme list` is for programme coordinators.")
    before = snapshot(f.db)
    refused(f.command(COORDINATOR, "coordinator remove sam"), "Sam is not a coordinator.")
    assert_unchanged(f.db, before)


def test_the_last_coordinator_cannot_remove_themselves_but_one_of_two_can(f: Flow) -> None:
    ok(f.command("sam", "status"))
    ok(f.command(COORDINATOR, "coordinator add sam"))
    ok(f.command("sam", "coordinator remove sam"))
    ok(f.command(COORDINATOR, "coordinator add sam"))
    # hana's right comes from the setting: only the operator takes it back
    refused(f.command("sam", "coordinator remove hana"), "through the TANDEM_COORDINATORS setting")
    other = Flow(f.db, coordinators=())  # the setting no longer names hana: sam is the last
    ok(other.command(COORDINATOR, "status"))
    assert not person(f.db, COORDINATOR).is_coordinator
    before = snapshot(f.db)
    refused(other.command("sam", "coordinator remove sam"), "You are the last coordinator")
    assert_unchanged(f.db, before)


def test_removing_someone_from_the_setting_takes_their_right_back_at_the_next_start(
    sqlite_db,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 8: restarting with TANDEM_COORDINATORS changed from one person to another left
    the first a coordinator."""
    first = Flow(sqlite_db, coordinators=("hana",))
    ok(first.command("hana", "programme list"))
    ok(first.command("sam", "status"))
    ok(first.command("hana", "coordinator add sam"))  # by command: the setting never takes it
    restarted = Flow(sqlite_db, coordinators=("maya",))
    assert restarted.engine.apply_coordinator_setting() == 1  # at start, before hana writes
    assert not person(sqlite_db, "hana").is_coordinator
    assert person(sqlite_db, "sam").is_coordinator
    refused(restarted.command("hana", "programme list"), "is for programme coordinators")
    ok(restarted.command("maya", "programme list"))


def test_the_setting_is_per_workspace(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: the same id in another workspace was a coordinator too."""
    f = Flow(sqlite_db, coordinators=("console:test:hana",))
    ok(f.command("hana", "programme list"))
    elsewhere = Actor(platform="console", tenant="other", user_id="hana", display_name="Hana")
    outcome = f.engine.handle(Command(actor=elsewhere, text="programme list"))
    refused(outcome, "is for programme coordinators")
    # A plain id means the only workspace the setting names: here console:test.
    g = Flow(sqlite_db, coordinators=("console:test:maya", "hana"))
    ok(g.command("hana", "programme list"))
    refused(g.engine.handle(Command(actor=elsewhere, text="programme list")), "for programme")


def test_coordinator_list_shows_who_and_the_log_shows_who_did_what_when(f: Flow) -> None:
    ok(f.command("sam", "status"))
    programme(f)
    ok(f.command(COORDINATOR, "coordinator add sam"))
    ok(
        f.command(
            COORDINATOR,
            f'enrol maya --programme "{PROGRAMME}" --role mentor --level 2 '
            '--name "Maya Lind" --manager sam',
        )
    )
    ok(f.command(COORDINATOR, "programme list"))  # reads only: not in the trail
    listing = ok(f.command("sam", "coordinator list"))
    assert "- Hana (hana, TANDEM_COORDINATORS)" in listing
    assert "- Sam (sam, added)" in listing
    log = ok(f.command("sam", "coordinator list --log"))
    lines = log.splitlines()
    assert lines[0].startswith("*Coordinator actions, newest first")
    assert lines[1] == (
        "- 2027-01-04 08:00 UTC Hana: enrol Maya Lind --programme Reverse 2027 --role mentor "
        "--level 2 --name (given) --manager Sam"
    )
    assert lines[2] == "- 2027-01-04 08:00 UTC Hana: coordinator add Sam"
    # People are kept by reference (shown by their current name), free text never
    assert "Maya Lind" not in str([a.details for a in rows(f.db, CoordinatorAction)])
    assert "programme list" not in log


def test_a_participant_running_a_coordinator_verb_changes_nothing_and_leaves_no_trail(
    f: Flow,
) -> None:
    ok(f.command("sam", "status"))
    before = snapshot(f.db)
    for text in ("coordinator add sam", "coordinator remove hana", "coordinator list --log"):
        refused(f.command("sam", text), "is for programme coordinators")
    assert_unchanged(f.db, before)
