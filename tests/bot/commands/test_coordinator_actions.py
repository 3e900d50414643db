"""A coordinator acting on a pair at risk through the engine: `status <programme>` shows the pairs
at risk with the signal behind each and a button for each step (nudge, pause, end, rematch); the
Nudge button sends the pair a kind check-in at most once a week; Rematch ends the pair without
fault and the next `match` pairs both with someone else. Only that workspace's coordinators
may press them, and a stale or crafted button changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import START, Flow
from nudge_pairs import active_pair, both_check_in, nudges_sent
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    enrol,
    ok,
    pair_of,
    person,
    proposed,
    refused,
    rows,
    stage,
)

from bot import pairs_at_risk, reporting, routes
from bot.content import default_content
from bot.events import Action, Actor
from bot.replies import Audience, Button, Reply
from bot.text import plain
from storage.db import Database
from storage.models import CoordinatorAction, NudgeSent, Pair

CONTENT = default_content()
WEEK = pairs_at_risk.NUDGE_AGAIN_AFTER


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def status(f: Flow) -> Reply:
    outcome = f.command(COORDINATOR, f'status "{PROGRAMME}"')
    ok(outcome)
    assert outcome.answer is not None
    return outcome.answer


def button(reply: Reply, action: str, pair_id: int) -> Button:
    found = [b for b in reply.buttons if b.action == action and b.value == f"v1:{pair_id}"]
    assert found, f"no {action} button for pair {pair_id}: {reply.buttons}"
    return found[0]


def press(f: Flow, who: str, found: Button) -> str:
    return ok(f.press(who, found.action, found.value))


def stalled(f: Flow) -> int:
    """Maya and Sam, introduced and silent for 22 days: at risk, with every button."""
    pair_id = proposed(f)
    f.clock.set(START + timedelta(days=22, hours=1))
    return pair_id


def audit_verbs(f: Flow) -> list[tuple[str, list[object]]]:
    return [(a.verb, a.details.get("args", [])) for a in rows(f.db, CoordinatorAction)]


# -- status <programme> ---------------------------------------------------------------------------


def test_status_shows_the_pairs_at_risk_with_the_signal_in_words_and_a_button_per_step(
    f: Flow,
) -> None:
    pair_id = stalled(f)
    answer = status(f)
    text = plain(answer.text)
    assert "1 pair needs a look:" in text
    assert (
        f"Pair {pair_id}: Maya and Sam, proposed\n• proposed for 22 days without moving on" in text
    )
    assert [(b.label, b.action, b.value) for b in answer.buttons] == [
        (f"Nudge pair {pair_id}", routes.COORDINATOR_NUDGE, f"v1:{pair_id}"),
        (f"Pause pair {pair_id}", routes.COORDINATOR_PAUSE, f"v1:{pair_id}"),
        (f"End pair {pair_id}", routes.COORDINATOR_END, f"v1:{pair_id}"),
        (f"Rematch pair {pair_id}", routes.COORDINATOR_REMATCH, f"v1:{pair_id}"),
    ]


def test_status_shows_sessions_held_against_contracted(f: Flow) -> None:
    pair_id = active(f)
    text = plain(status(f).text)
    assert "Sessions: 0 held of 6 contracted, 0 missed or unreported" in text
    assert f"Pair {pair_id}: Maya and Sam, active, 0 of 6 sessions held, 0 missed" in text
    assert "No pair needs a look right now." in text
    assert status(f).buttons == ()  # nothing to act on


def test_status_carries_buttons_for_the_first_pairs_only(
    f: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting, "MAX_WITH_BUTTONS", 1)
    first = proposed(f)
    enrol(f, "ola", role="mentor", level=2)
    enrol(f, "tom", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    f.clock.set(START + timedelta(days=23))
    answer = status(f)
    assert {b.value for b in answer.buttons} == {f"v1:{first}"}
    assert "The buttons below are for the first 1 of them" in answer.text


# -- Nudge ----------------------------------------------------------------------------------------


def test_nudge_sends_the_pair_a_kind_check_in_naming_what_was_noticed(f: Flow) -> None:
    pair_id = stalled(f)
    for who in ("maya", "sam"):
        f.new(who)
    answer = press(f, COORDINATOR, button(status(f), routes.COORDINATOR_NUDGE, pair_id))
    again = CONTENT.day_month((f.clock.now() + WEEK).date())
    assert answer == CONTENT.text(
        "coordinator_actions.nudge.done", pair_id=pair_id, mentor="Maya", mentee="Sam", again=again
    )
    noticed = CONTENT.text("coordinator_actions.nudge.noticed.stalled", stage="proposed", count=22)
    expected = CONTENT.text("coordinator_actions.nudge.pair", coordinator="Hana", noticed=noticed)
    for who in ("maya", "sam"):
        [note] = f.new(who)
        assert note.text == expected
    assert "at the proposed step for 22 days" in expected and "`help <your note>`" in expected
    # Recorded as the coordinator's check-in (level 1: it names nobody's answers) and audited.
    assert nudges_sent(f, pair_id) == [(pairs_at_risk.CHECK_IN, 1, 0)]
    assert audit_verbs(f)[-1] == ("nudge check-in", [str(pair_id)])


def test_a_second_nudge_within_the_week_is_refused_and_changes_nothing(f: Flow) -> None:
    pair_id = stalled(f)
    pressed = button(status(f), routes.COORDINATOR_NUDGE, pair_id)
    press(f, COORDINATOR, pressed)
    nudged_on = f.clock.now()
    # Status and Home no longer offer Nudge, and say when it comes back.
    again = CONTENT.day_month((nudged_on + WEEK).date())
    answer = status(f)
    assert routes.COORDINATOR_NUDGE not in [b.action for b in answer.buttons]
    assert f"Nudge is back on {again}" in answer.text
    # The old button, pressed again (by this or another coordinator), is refused clearly.
    f.command("ola", "status")  # Ola has written to Tandem once, so she can be named
    ok(f.command(COORDINATOR, "coordinator add ola"))
    f.clock.set(nudged_on + WEEK - timedelta(minutes=1))
    before = snapshot(f.db)
    for who in (COORDINATOR, "ola"):
        text = refused(f.press(who, pressed.action, pressed.value), "already heard from")
        assert f"again from {again}" in text and f"nudge {pair_id} <your note>" in text
    assert_unchanged(f.db, before)
    # A week on, Nudge is back.
    f.clock.set(nudged_on + WEEK)
    press(f, COORDINATOR, button(status(f), routes.COORDINATOR_NUDGE, pair_id))
    assert [n for n, _, _ in nudges_sent(f, pair_id)] == [pairs_at_risk.CHECK_IN] * 2


def test_a_typed_nudge_note_also_counts_as_hearing_from_a_coordinator(f: Flow) -> None:
    pair_id = stalled(f)
    ok(f.command(COORDINATOR, f"nudge {pair_id} How are you two getting on?"))
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, routes.COORDINATOR_NUDGE, f"v1:{pair_id}"), "already heard")
    assert_unchanged(f.db, before)


def test_a_request_to_talk_is_never_named_to_the_pair(f: Flow) -> None:
    pair_id = proposed(f)
    accept_intros(f, pair_id, ("maya", "sam"))
    ok(f.press("sam", "chemistry", f"{pair_id}:talk"))
    assert "Sam asked for a word with you" in status(f).text
    for who in ("maya", "sam"):
        f.new(who)
    press(f, COORDINATOR, button(status(f), routes.COORDINATOR_NUDGE, pair_id))
    general = CONTENT.text("coordinator_actions.nudge.noticed.general")
    [note] = f.new("maya")
    assert general in note.text and "talk" not in note.text.lower()


def test_nudging_an_ended_pair_is_refused(f: Flow) -> None:
    pair_id = stalled(f)
    pressed = button(status(f), routes.COORDINATOR_NUDGE, pair_id)
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, pressed.action, pressed.value), "nobody to nudge")
    assert_unchanged(f.db, before)


# -- Rematch --------------------------------------------------------------------------------------


def test_rematch_ends_the_pair_without_fault_and_match_pairs_both_with_someone_else(
    f: Flow,
) -> None:
    pair_id = active(f)
    enrol(f, "ola", role="mentor", level=2)
    enrol(f, "tom", role="mentee", level=8)
    f.command("ada", "status")
    ok(f.command(COORDINATOR, "coordinator add ada"))
    for who in ("maya", "sam", "ada", COORDINATOR):
        f.new(who)
    f.clock.set(START + timedelta(days=40))  # the first session went by unreported: at risk
    f.engine.sweep()
    pressed = button(status(f), routes.COORDINATOR_REMATCH, pair_id)
    answer = press(f, COORDINATOR, pressed)
    assert stage(f.db, pair_id) == "dissolved"
    people = {"pair_id": pair_id, "programme": PROGRAMME, "mentor": "Maya", "mentee": "Sam"}
    assert answer == CONTENT.text("coordinator_actions.rematch.done", **people)
    assert f'match "{PROGRAMME}"' in answer
    # Both are told the same kind words, privately; the other coordinator is told too.
    note = CONTENT.text("coordinator_actions.rematch.pair_note", programme=PROGRAMME)
    for who in ("maya", "sam"):
        assert note in [r.text for r in f.new(who)]
    told = CONTENT.text("coordinator_actions.rematch.coordinator", actor="Hana", **people)
    assert [r.text for r in f.new("ada")] == [told]
    assert told not in [r.text for r in f.new(COORDINATOR)]  # the answer said it already
    assert audit_verbs(f)[-1] == ("rematch", [str(pair_id)])
    # The next match pairs each of them with someone new, never with each other.
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert pair_of(f.db, "maya", "tom").stage == "proposed"
    assert pair_of(f.db, "ola", "sam").stage == "proposed"
    assert [p.stage for p in rows(f.db, Pair, mentor_id=person(f.db, "maya").id)] == [
        "dissolved",
        "proposed",
    ]
    # The old button, pressed again, is refused and changes nothing.
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, pressed.action, pressed.value), "nothing to rematch")
    assert_unchanged(f.db, before)


def test_rematch_of_a_pair_in_wrap_up_is_refused(f: Flow) -> None:
    pair_id = active(f)
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    assert stage(f.db, pair_id) == "wrap_up"
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, routes.COORDINATOR_REMATCH, f"v1:{pair_id}"), "wrapping up")
    assert_unchanged(f.db, before)


# -- who may press them ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", [routes.COORDINATOR_NUDGE, routes.COORDINATOR_REMATCH])
def test_a_participant_pressing_nudge_or_rematch_is_refused(f: Flow, action: str) -> None:
    pair_id = stalled(f)
    before = snapshot(f.db)
    for who in ("maya", "tom"):
        refused(f.press(who, action, f"v1:{pair_id}"), "for programme coordinators")
    assert_unchanged(f.db, before)


@pytest.mark.parametrize("action", [routes.COORDINATOR_NUDGE, routes.COORDINATOR_REMATCH])
def test_a_coordinator_of_another_workspace_cannot_nudge_or_rematch(f: Flow, action: str) -> None:
    pair_id = stalled(f)
    before = snapshot(f.db)
    stranger = Actor(platform="console", tenant="elsewhere", user_id=COORDINATOR)
    outcome = f.engine.handle(Action(actor=stranger, action=action, value=f"v1:{pair_id}"))
    refused(outcome, f"There is no pair #{pair_id}")
    assert_unchanged(f.db, before)


@pytest.mark.parametrize(
    "value", ["v9:1", "v1:", "v1:1:2", "v1:abc", "v1:99999", "v1:-1", "v1:1\x00"]
)
@pytest.mark.parametrize("action", [routes.COORDINATOR_NUDGE, routes.COORDINATOR_REMATCH])
def test_a_bad_or_crafted_button_gets_a_clear_answer_and_changes_nothing(
    f: Flow, action: str, value: str
) -> None:
    stalled(f)
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, action, value))
    assert_unchanged(f.db, before)


def test_the_dashboard_buttons_are_audited_like_the_commands(f: Flow) -> None:
    pair_id = stalled(f)
    ok(f.press(COORDINATOR, routes.COORDINATOR_PAUSE, f"v1:{pair_id}"))
    assert audit_verbs(f)[-1] == ("pause", [str(pair_id)])
    refused(f.press(COORDINATOR, routes.COORDINATOR_PAUSE, f"v1:{pair_id}"))  # already paused
    assert audit_verbs(f)[-1] == ("pause", [str(pair_id)])
    assert [v for v, _ in audit_verbs(f)].count("pause") == 1  # the refusal is not audited


# -- a pair that stopped meeting -----------------------------------------------------------------


def test_a_monthly_pair_that_stopped_meeting_reaches_the_coordinator_within_two_weeks(
    sqlite_db: Database,
) -> None:
    """The pair's own reminder, unanswered, reaches the coordinator no later than two weeks
    on: as a message in their chat, and as a pair at risk in `status` with its buttons."""
    f = Flow(sqlite_db)
    pair_id = active_pair(f, kind="classic", cadence="monthly", programme=PROGRAMME)
    both_check_in(f, pair_id, 1, goals_moved="yes")  # then silence
    f.new(COORDINATOR)
    told_at = None
    for _ in range(24 * 120):  # an hour at a time, as production sweeps and delivers
        f.advance(hours=1)
        if any(n.nudge == "steam" and n.level == 2 for n in rows(f.db, NudgeSent)):
            if f.new(COORDINATOR):
                told_at = f.clock.now()
                break
    assert told_at is not None, "the coordinator was never told"
    [reminded] = [n for n in rows(f.db, NudgeSent) if n.nudge == "steam" and n.level == 1]
    reminded_at = reminded.sent_at.replace(tzinfo=told_at.tzinfo)
    assert told_at - reminded_at <= timedelta(days=14)
    assert [d.audience for d in f.sender.deliveries][-1] is Audience.COORDINATOR
    answer = status(f)
    assert "the pair has stopped meeting (escalated to you on" in answer.text
    assert button(answer, routes.COORDINATOR_NUDGE, pair_id)
