"""Participant commands through the real engine: my pair, check-in, goals, actions, pause and
resume, help (usage, or a confidential note), swap and forget-me."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    active,
    jump,
    ok,
    person,
    proposed,
    read_all,
    refused,
    rows,
    stage,
    texts,
)

from bot.commands import grammar
from bot.content import default_content
from storage.db import Database
from storage.models import (
    ActionItem,
    Base,
    CheckIn,
    Enrolment,
    Evaluation,
    Goal,
    MentoringSession,
    Pair,
    Person,
)

CONTENT = default_content()
FIRST_SESSION = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)  # a week after Flow's start, 10:00


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


# -- status -------------------------------------------------------------------------------


def test_status_without_a_pair(f: Flow) -> None:
    assert ok(f.command("sam", "status")) == (
        "You are not in a mentoring pair right now. Your coordinator will introduce you when "
        "there is a match."
    )
    assert ok(f.command("sam", "")) == ok(f.command("sam", "/tandem"))


def test_a_coordinators_status_opens_with_their_programmes(f: Flow) -> None:
    assert ok(f.command(COORDINATOR, "status")) == (
        '*Coordinator*: no programmes yet. Start with `programme create "Name" --kind reverse`.'
    )
    proposed(f, mentor=COORDINATOR)
    text = ok(f.command(COORDINATOR, ""))
    assert text.startswith(f'*Programmes*\n- "{PROGRAMME}": 1 proposed\n')
    assert "not in a mentoring pair" not in text
    assert text.endswith(
        f"*Pair #1* in {PROGRAMME}: you are the mentor, with Sam. Stage: proposed."
    )


def test_status_shows_my_pair_my_role_the_next_session_and_what_is_open(f: Flow) -> None:
    pair_id = active(f)
    assert ok(f.command("sam", "status")) == (
        f"*Pair #{pair_id}* in {PROGRAMME}: you are the mentee, with Maya. Stage: active.\n"
        "Next session: #1, Mon 11 Jan 2027, 10:00 (UTC).\n"
        "3 open goals, 0 open actions (`goals`, `actions`)."
    )
    assert ok(f.command("maya", "status")).startswith(
        f"*Pair #{pair_id}* in {PROGRAMME}: you are the mentor, with Sam. Stage: active."
    )


# -- checkin ------------------------------------------------------------------------------


def test_checkin_before_the_first_session_and_without_an_active_pair(f: Flow) -> None:
    ok(f.command("tom", "status"))
    proposed(f)
    before = snapshot(f.db)
    refused(f.command("tom", "checkin"), "You have no pair that is active or wrap up right now.")
    refused(f.command("sam", "checkin"), "You have no pair that is active or wrap up right now.")
    assert_unchanged(f.db, before)


def test_checkin_opens_the_form_for_the_last_session(f: Flow) -> None:
    active(f)
    before = snapshot(f.db)
    refused(f.command("sam", "checkin"), "Your first session hasn't happened yet")
    assert_unchanged(f.db, before)
    jump(f, FIRST_SESSION.replace(hour=12))
    [session] = rows(f.db, MentoringSession, number=1)
    outcome = f.command("sam", "check-in")
    assert outcome.answer is not None and outcome.answer.form is not None
    form = outcome.answer.form
    assert (form.form_id, form.context) == ("checkin", str(session.id))
    assert [field.name for field in form.fields] == [
        "happened",
        "agenda_set_by",
        "challenge",
        "breadth",
        "jumped_to_solutions",
        "career_talk",
        "goals_moved",
        "actions",
        "note",
    ]
    ok(f.submit("sam", "checkin", form.context, happened="yes", agenda_set_by="mentor"))
    assert rows(f.db, CheckIn)[0].agenda_set_by == "mentor"


# -- goals --------------------------------------------------------------------------------


def test_goals_come_from_the_contract_and_can_be_added_and_met(f: Flow) -> None:
    active(f)
    read_all(f, "maya", "sam")
    assert ok(f.command("sam", "goals")) == (
        "*Your goals*\n"
        "1. [ ] Lead a meeting with no slides (Maya)\n"
        "2. [ ] Understand how customers use the app (Sam)\n"
        "3. [ ] Try TikTok for a week (Sam)"
    )
    assert ok(f.command("sam", "goals add   Run the retro myself  ")) == (
        "Added the goal: Run the retro myself"
    )
    assert ok(f.command("sam", "goals met #2")) == "Well done: Understand how customers use the app"
    assert texts(f, "maya") == ["Sam marked a goal as met: Understand how customers use the app"]
    assert texts(f, "sam") == []
    assert ok(f.command("maya", "goals")).splitlines()[2:] == [
        "2. [✓] Understand how customers use the app (Sam)",
        "3. [ ] Try TikTok for a week (Sam)",
        "4. [ ] Run the retro myself (Sam)",
    ]
    assert [g.status for g in rows(f.db, Goal)] == ["open", "met", "open", "open"]


def test_goals_without_any_and_bad_goal_commands(f: Flow) -> None:
    pair_id = proposed(f)
    ok(f.command("tom", "status"))
    assert ok(f.command("sam", "goals")).startswith("No goals yet.")
    before = snapshot(f.db)
    refused(f.command("sam", "goals met 1"), "There is no goal number 1; you have 0.")
    refused(f.command("sam", "goals add"), "goals add needs <goal> after it.")
    refused(f.command("sam", "goals met two"), "<n> must be a number from the list")
    refused(f.command("sam", "goals ad x"), "After goals I expect add or met, not 'ad'.")
    refused(f.command("tom", "goals"), "You are not in a mentoring pair yet.")
    assert_unchanged(f.db, before)
    assert stage(f.db, pair_id) == "proposed"


# -- actions ------------------------------------------------------------------------------


def test_actions_can_be_added_listed_and_done(f: Flow) -> None:
    active(f)
    assert ok(f.command("maya", "actions")).startswith("No actions yet.")
    assert ok(f.command("maya", "actions add Book a site visit")) == (
        "Added the action: Book a site visit. I'll bring it up before your next session."
    )
    ok(f.command("sam", "actions add Try the app"))
    assert ok(f.command("sam", "actions")) == (
        "*Your actions*\n1. [ ] Book a site visit (Maya)\n2. [ ] Try the app (Sam)"
    )
    assert ok(f.command("sam", "actions done 2")) == "Marked as done: Try the app"
    [first, second] = rows(f.db, ActionItem)
    assert (first.status, second.status) == ("open", "done")
    assert second.done_at is not None
    before = snapshot(f.db)
    refused(f.command("sam", "actions done 3"), "There is no action number 3; you have 2.")
    refused(f.command("sam", "actions add"), "actions add needs <action> after it.")
    assert_unchanged(f.db, before)


# -- pause / resume -----------------------------------------------------------------------


def test_a_participant_pauses_and_resumes_their_pair(f: Flow) -> None:
    pair_id = active(f)
    read_all(f, "maya", "sam", COORDINATOR)
    assert (
        ok(f.command("sam", "pause")) == "Paused. Type `resume` whenever you are ready to carry on."
    )
    assert stage(f.db, pair_id) == "paused"
    assert texts(f, "maya") == [
        "Sam has paused your pair for now. Reminders and check-ins wait until one of you resumes."
    ]
    assert texts(f, COORDINATOR) == [f"Sam paused pair #{pair_id} ({PROGRAMME})."]
    assert texts(f, "sam") == []
    before = snapshot(f.db)
    refused(f.command("maya", "pause"), f"Pair #{pair_id} is paused, so it cannot be paused now.")
    assert_unchanged(f.db, before)
    assert ok(f.command("maya", "resume")) == "Welcome back: your pair is active again."
    assert texts(f, "sam") == ["Maya resumed your pair."]
    before = snapshot(f.db)
    refused(f.command("maya", "resume"), "You have no pair that is paused right now.")
    assert_unchanged(f.db, before)


def test_a_paused_pair_gets_no_reminders_or_check_ins(f: Flow) -> None:
    active(f)
    ok(f.command("sam", "pause"))
    read_all(f, "maya", "sam")
    f.advance(days=8)
    assert texts(f, "maya") == [] and texts(f, "sam") == []


@pytest.mark.parametrize("resumed_by", ["maya", COORDINATOR])
def test_sessions_that_fell_inside_a_pause_are_planned_again_after_it(
    f: Flow, resumed_by: str
) -> None:
    pair_id = active(f)
    jump(f, FIRST_SESSION.replace(hour=12))
    session = str(rows(f.db, MentoringSession, number=1)[0].id)
    ok(f.submit("maya", "checkin", session, happened="yes"))
    ok(f.submit("sam", "checkin", session, happened="yes"))
    ok(f.command("sam", "pause"))
    f.clock.set(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))  # sessions 2 and 3 fell in the pause
    read_all(f, "maya", "sam")
    ok(f.command(resumed_by, "resume" if resumed_by == "maya" else f"resume {pair_id}"))
    planned = [s.planned_at for s in rows(f.db, MentoringSession, status="planned")]
    assert len(planned) == 5 and min(planned) >= f.clock.now() + timedelta(days=7)
    f.advance(hours=2)
    assert not [t for t in texts(f, "sam") if t.startswith("How was session")]


# -- help ---------------------------------------------------------------------------------


def test_help_alone_is_the_participant_usage(f: Flow) -> None:
    usage = grammar.usage(coordinator=False)
    assert ok(f.command("sam", "help")) == usage
    assert ok(f.command("sam", "?")) == usage
    assert "programme create" not in usage and "goals add" in usage
    assert ok(f.command(COORDINATOR, "help")) == grammar.usage(coordinator=True)


def test_help_with_a_note_reaches_every_coordinator_and_never_the_partner(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db, coordinators=("hana", "ivan"))
    ok(f.command("ivan", "status"))
    pair_id = active(f)
    read_all(f, "maya", "sam", "hana", "ivan")
    assert ok(f.command("sam", "help We keep missing sessions")) == (
        "Your note went to your coordinator only; your partner does not see it."
    )
    note = (
        f"A confidential note from Sam (pair #{pair_id}, {PROGRAMME}):\n> We keep missing sessions"
    )
    assert texts(f, "hana") == [note] and texts(f, "ivan") == [note]
    assert texts(f, "maya") == [] and texts(f, "sam") == []


def test_help_with_a_note_and_no_coordinator_is_refused(sqlite_db: Database) -> None:
    f = Flow(sqlite_db, coordinators=())
    ok(f.command("sam", "status"))
    before = snapshot(f.db)
    refused(f.command("sam", "help anyone there?"), "There is no coordinator set up yet")
    assert_unchanged(f.db, before)


# -- swap ---------------------------------------------------------------------------------


def test_swap_hands_the_lead_to_the_partner_in_a_reciprocal_pair(f: Flow) -> None:
    pair_id = active(f, kind="reciprocal")
    maya, sam = person(f.db, "maya").id, person(f.db, "sam").id
    assert rows(f.db, Pair)[0].leader_id == maya
    read_all(f, "maya", "sam")
    assert ok(f.command("sam", "swap")) == "Swapped: Sam leads from session 1."
    assert rows(f.db, Pair, id=pair_id)[0].leader_id == sam
    assert {s.leader_id for s in rows(f.db, MentoringSession)} == {sam}
    expected = CONTENT.text(
        "commands.swap.pair", kind="reciprocal", leader="Sam", other="Maya", number=1
    )
    assert texts(f, "maya") == [expected] and texts(f, "sam") == [expected]
    ok(f.command("maya", "swap"))
    assert {s.leader_id for s in rows(f.db, MentoringSession)} == {maya}


def test_swap_after_the_planned_swap_hands_the_lead_back(f: Flow) -> None:
    # Six sessions, the contract swaps after session 3: Sam leads 4-6 without anyone typing swap.
    active(f, kind="reciprocal", swap_after_session="3")
    maya, sam = person(f.db, "maya").id, person(f.db, "sam").id
    sessions = sorted(rows(f.db, MentoringSession), key=lambda s: s.number)
    jump(f, sessions[3].planned_at - timedelta(days=3))
    with f.db.transaction() as db:  # the three sessions before the swap are behind us
        for session in db.query(MentoringSession).filter(MentoringSession.number <= 3):
            session.status = "held"
    # Whoever leads the next session is the one handing over: Sam, after the planned swap.
    assert ok(f.command("sam", "swap")) == "Swapped: Maya leads from session 4."
    assert {s.leader_id for s in rows(f.db, MentoringSession) if s.number > 3} == {maya}
    assert sam not in {s.leader_id for s in rows(f.db, MentoringSession) if s.number > 3}


def test_help_with_a_command_name_explains_the_command(f: Flow) -> None:
    read_all(f, "hana")
    assert ok(f.command("sam", "help goals add")) == grammar.usage("goals add", coordinator=False)
    # A form or a family is a command too, whichever verbs the grammar has.
    csv = grammar.usage("enrol --csv", coordinator=False)
    assert ok(f.command("sam", "help enrol --csv")) == csv
    assert ok(f.command("sam", "help Programme")) == grammar.usage("programme", coordinator=False)
    assert texts(f, "hana") == []  # not a note for the coordinator


def test_swap_is_refused_outside_reciprocal_mentoring(f: Flow) -> None:
    active(f, kind="reverse")
    before = snapshot(f.db)
    refused(f.command("maya", "swap"), "Swapping who leads is part of reciprocal mentoring")
    refused(f.command("maya", "swap now"), "swap takes no other words")
    assert_unchanged(f.db, before)


def test_swap_before_the_pair_is_active_is_refused(f: Flow) -> None:
    proposed(f, kind="reciprocal")
    before = snapshot(f.db)
    refused(f.command("sam", "swap"), "You have no pair that is active right now.")
    assert_unchanged(f.db, before)


# -- forget-me ----------------------------------------------------------------------------


def test_forget_me_without_confirm_explains_and_changes_nothing(f: Flow) -> None:
    active(f)
    before = snapshot(f.db)
    assert ok(f.command("sam", "forget-me")).endswith("Type `forget-me --confirm` to go ahead.")
    assert_unchanged(f.db, before)


def test_forget_me_erases_the_name_and_notes_and_ends_the_pair(f: Flow) -> None:
    pair_id = active(f)
    jump(f, FIRST_SESSION.replace(hour=12))
    session = rows(f.db, MentoringSession, number=1)[0].id
    ok(f.submit("sam", "checkin", str(session), happened="yes", note="Private: I felt lectured"))
    ok(f.submit("maya", "checkin", str(session), happened="yes", note="Maya's own note"))
    read_all(f, "maya", "sam", COORDINATOR)
    sam_id = person(f.db, "sam").id

    answer = ok(f.command("sam", "forget-me --confirm"))
    assert answer.startswith(
        "Done. Tandem has forgotten you; if you message it again you start afresh."
    )
    assert "- 1 check-in note\n" in answer and "stay in Slack or Teams history" in answer
    forgotten = rows(f.db, Person, id=sam_id)[0]
    assert (
        forgotten.display_name,
        forgotten.platform_user_id,
        forgotten.team,
        forgotten.is_coordinator,
    ) == ("(a former participant)", f"\x1fforgotten:{sam_id}", None, False)
    assert forgotten.forgotten_at is not None
    notes = {c.person_id: c.note for c in rows(f.db, CheckIn)}
    assert notes == {sam_id: "", person(f.db, "maya").id: "Maya's own note"}
    assert stage(f.db, pair_id) == "dissolved"
    assert rows(f.db, Enrolment, person_id=sam_id) == []
    assert texts(f, "maya") == [CONTENT.text("dissolved.pair_note", programme=PROGRAMME)]
    assert texts(f, "sam") == []  # nothing is delivered to a forgotten person
    # Writing again starts afresh, as a stranger.
    assert ok(f.command("sam", "status")).startswith("You are not in a mentoring pair right now.")
    assert person(f.db, "sam").id != sam_id


def test_after_forget_me_no_stored_text_names_them(f: Flow) -> None:
    pair_id = active(f)
    ok(f.command("sam", "goals add Sam's own goal"))
    ok(f.command("sam", "help Sam here: I find this hard"))  # a note that names them
    ok(f.command("sam", "forget-me --confirm"))

    found = []
    with f.db.transaction() as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(table.select()):
                for value in row:
                    if re.search(r"\bSam\b", json.dumps(value, default=str)):
                        found.append((table.name, value))
    assert found == []
    assert stage(f.db, pair_id) == "dissolved"


def test_forget_me_during_wrap_up_closes_the_pair_and_wipes_the_evaluation(f: Flow) -> None:
    pair_id = active(f)
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    ok(
        f.submit(
            "sam",
            "evaluation",
            str(pair_id),
            goals_met="4",
            what_worked="Site visits",
            what_to_change="More time",
            take_back="Use the app in hiring",
            continue_as="network",
        )
    )
    ok(f.command("sam", "forget-me --confirm"))
    assert stage(f.db, pair_id) == "closed"
    [evaluation] = rows(f.db, Evaluation)
    assert (
        evaluation.goals_met,
        evaluation.what_worked,
        evaluation.what_to_change,
        evaluation.take_back,
    ) == (4, "", "", "")
