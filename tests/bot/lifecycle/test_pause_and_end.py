"""Pausing, resuming and ending a pair by command, from every stage where it is allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.stages import MIDDLE, Stage
from storage.models import Contract, MentoringSession, StageTransition

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.mark.parametrize("stage", MIDDLE)
def test_a_coordinator_pauses_and_resumes_a_pair_from_each_middle_stage(journey, stage) -> None:
    j = journey().to(stage)
    j.read_all()

    paused = j.ok(f"pause {j.pair_id}")

    assert paused.text == f"Paused pair #{j.pair_id}."
    pair = j.pair()
    assert (pair.stage, pair.paused_from) == ("paused", stage.value)
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor, move.at) == (
        stage.value,
        "paused",
        "paused",
        "hana",
        j.flow.clock.now(),
    )
    assert any("paused" in t for t in j.new_texts("maya"))
    assert any("paused" in t for t in j.new_texts("sam"))
    j.flow.clock.advance(DAY)

    resumed = j.ok(f"resume {j.pair_id}")

    assert resumed.text == f"Resumed pair #{j.pair_id} ({stage.value})."
    pair = j.pair()
    assert (pair.stage, pair.paused_from) == (stage.value, None)
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor, move.at) == (
        "paused",
        stage.value,
        "resumed",
        "hana",
        j.flow.clock.now(),
    )
    assert any(f"back in {stage.value}" in t for t in j.new_texts("sam"))


@pytest.mark.parametrize(
    ("stage", "press"),
    [
        (Stage.PROPOSED, ("intro", "yes")),
        (Stage.CHEMISTRY, ("chemistry", "go")),
    ],
)
def test_the_buttons_of_a_paused_stage_wait_for_the_resume(journey, stage, press) -> None:
    j = journey().to(stage)
    j.ok(f"pause {j.pair_id}")

    waiting = j.press("maya", *press)

    assert not waiting.changed
    assert waiting.answer is not None and "paused" in waiting.answer.text
    assert "earlier step" not in waiting.answer.text
    assert j.stage() is Stage.PAUSED
    j.ok(f"resume {j.pair_id}")
    assert j.press("maya", *press).changed


def test_a_paused_contract_cannot_be_confirmed_until_the_resume(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya")
    j.confirm("maya", 1)
    j.ok(f"pause {j.pair_id}")

    assert not j.confirm("sam", 1).changed
    assert not j.submit_contract("sam", sessions="5").changed
    assert j.count(Contract) == 1 and j.count(MentoringSession) == 0
    j.ok(f"resume {j.pair_id}")
    j.confirm("sam", 1)
    assert j.stage() is Stage.ACTIVE


def test_a_paused_pair_gets_no_reminders_or_check_ins(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.ok(f"pause {j.pair_id}")
    j.read_all()

    j.at(j.reminder_time(1))
    j.at(j.session_time(1) + 3 * HOUR)

    assert j.new_texts("maya") == [] and j.new_texts("sam") == []
    first = j.session(1)
    assert (first.reminded_at, first.checkin_sent_at, first.status) == (None, None, "planned")


def test_after_a_resume_the_reminders_pick_up_again(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.ok(f"pause {j.pair_id}")
    j.flow.clock.advance(DAY)
    j.ok(f"resume {j.pair_id}")
    j.read_all()

    j.at(j.reminder_time(1))

    assert any("session 1 of 4" in t for t in j.new_texts("maya"))


def test_sessions_that_fell_inside_a_pause_are_not_asked_about(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.ok(f"pause {j.pair_id}")
    j.flow.clock.set(j.session_time(2) + DAY)
    j.ok(f"resume {j.pair_id}")
    j.read_all()

    j.at(j.flow.clock.now() + HOUR)

    assert not any("How was session" in t for t in j.new_texts("sam"))


def test_a_participant_can_pause_and_either_of_them_resume(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.read_all()

    j.ok("pause", who="sam")

    assert (j.stage(), j.last_move().actor) == (Stage.PAUSED, "sam")
    assert any("Sam has paused" in t for t in j.new_texts("maya"))
    assert any(f"paused pair #{j.pair_id}" in t for t in j.new_texts("hana"))
    j.ok("resume", who="maya")
    assert (j.stage(), j.last_move().trigger, j.last_move().actor) == (
        Stage.ACTIVE,
        "resumed",
        "maya",
    )


def test_a_participant_cannot_pause_a_pair_by_number(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)

    outcome = j.flow.command("sam", f"pause {j.pair_id}")

    assert not outcome.changed and j.stage() is Stage.CHEMISTRY
    assert outcome.answer is not None and "coordinators" in outcome.answer.text


@pytest.mark.parametrize("stage", [Stage.WRAP_UP, Stage.CLOSED, Stage.DISSOLVED])
def test_pausing_outside_the_middle_stages_is_refused_clearly(journey, stage) -> None:
    j = at_stage(journey, stage)
    before = j.moves()

    outcome = j.flow.command("hana", f"pause {j.pair_id}")

    assert not outcome.changed
    assert outcome.answer is not None
    assert outcome.answer.text == (
        f"Pair #{j.pair_id} is {stage.value.replace('_', ' ')}, so it cannot be paused now."
    )
    assert j.stage() is stage and j.moves() == before


@pytest.mark.parametrize("stage", [*MIDDLE, Stage.WRAP_UP])
def test_resuming_a_pair_that_is_not_paused_is_refused(journey, stage) -> None:
    j = at_stage(journey, stage)
    before = j.moves()

    outcome = j.flow.command("hana", f"resume {j.pair_id}")

    assert not outcome.changed and "so it cannot be resumed now" in outcome.answer.text
    assert j.stage() is stage and j.moves() == before


def test_pausing_twice_is_refused_and_keeps_where_it_was_paused(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.ok(f"pause {j.pair_id}")

    outcome = j.flow.command("hana", f"pause {j.pair_id}")

    assert not outcome.changed
    assert j.pair().paused_from == "contracting"


# -- ending ---------------------------------------------------------------------------------


def test_ending_an_active_pair_goes_straight_to_the_evaluation(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.hold(1)
    j.read_all()

    answer = j.ok(f"end {j.pair_id}")

    assert "evaluation" in answer.text
    assert j.stage() is Stage.WRAP_UP
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor, move.reason) == (
        "active",
        "wrap_up",
        "ended_early",
        "hana",
        "ended by coordinator",
    )
    for who in ("maya", "sam"):
        assert j.flow.form_value(who, "evaluation") == f"evaluation:{j.pair_id}"


@pytest.mark.parametrize(
    "stage", [Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.PAUSED]
)
def test_ending_a_pair_before_it_is_active_dissolves_it_without_blame(
    journey, content, stage
) -> None:
    j = at_stage(journey, stage)
    j.read_all()

    answer = j.ok(f"end {j.pair_id}")

    assert "without blame" in answer.text
    assert j.stage() is Stage.DISSOLVED
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor) == (
        stage.value,
        "dissolved",
        "dissolved",
        "hana",
    )
    note = content.text("dissolved.pair_note", programme=j.programme)
    assert j.new_texts("maya") == [note] and j.new_texts("sam") == [note]


def test_ending_a_paused_active_pair_goes_to_its_evaluation(journey) -> None:
    # A pair that met gets its evaluation and parked items back, paused or not.
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.ok(f"pause {j.pair_id}")

    j.ok(f"end {j.pair_id}")

    assert j.stage() is Stage.WRAP_UP
    assert [(m.from_stage, m.to_stage) for m in j.moves()][-2:] == [
        ("paused", "active"),
        ("active", "wrap_up"),
    ]


def test_ending_a_pair_in_wrap_up_closes_it_with_what_arrived(journey) -> None:
    j = at_stage(journey, Stage.WRAP_UP)
    j.read_all()

    j.ok(f"end {j.pair_id}")

    assert j.stage() is Stage.CLOSED
    assert j.last_move().trigger == "evaluated" and j.last_move().actor == "hana"
    assert any("closed" in t.lower() or "end" in t.lower() for t in j.new_texts("maya"))


@pytest.mark.parametrize("stage", [Stage.CLOSED, Stage.DISSOLVED])
def test_there_is_nothing_to_end_once_the_pair_is_past_its_sessions(journey, stage) -> None:
    j = at_stage(journey, stage)
    transitions = j.count(StageTransition)

    outcome = j.flow.command("hana", f"end {j.pair_id}")

    assert not outcome.changed
    assert outcome.answer is not None and "nothing to end" in outcome.answer.text
    assert j.stage() is stage and j.count(StageTransition) == transitions


def test_only_a_coordinator_can_end_a_pair(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)

    outcome = j.flow.command("sam", f"end {j.pair_id}")

    assert not outcome.changed and j.stage() is Stage.CHEMISTRY


def test_pause_resume_and_end_on_both_backends(journey, database) -> None:
    j = journey(db=database, sessions=2).to(Stage.ACTIVE)
    j.ok(f"pause {j.pair_id}")
    j.ok(f"resume {j.pair_id}")
    j.ok(f"end {j.pair_id}")

    assert [(m.from_stage, m.to_stage, m.trigger, m.actor) for m in j.moves()][-3:] == [
        ("active", "paused", "paused", "hana"),
        ("paused", "active", "resumed", "hana"),
        ("active", "wrap_up", "ended_early", "hana"),
    ]
    assert j.pair().paused_from is None


def at_stage(journey, stage: Stage):
    """A pair in any stage, reached the way a real pair would get there."""
    if stage is Stage.PAUSED:
        j = journey().to(Stage.CHEMISTRY)
        j.ok(f"pause {j.pair_id}")
    elif stage is Stage.DISSOLVED:
        j = journey().propose()
        j.press("sam", "intro", "no")
    elif stage is Stage.CLOSED:
        j = journey(sessions=2).to(Stage.WRAP_UP)
        for who in ("maya", "sam"):
            j.flow.submit(
                who,
                "evaluation",
                str(j.pair_id),
                goals_met="3",
                what_worked="Time",
                continue_as="network",
            )
    else:
        j = journey(sessions=2).to(stage)
    assert j.stage() is stage
    return j
