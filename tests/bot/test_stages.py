"""The stage table: every (stage, trigger) pair moves where DESIGN section 5 says, or is refused.

The expected table is written out here by hand rather than read from `bot.stages`, so a change
to the table has to be made twice, on purpose.
"""

from __future__ import annotations

from itertools import product

import pytest

from bot.stages import (
    MIDDLE,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    Stage,
    Trigger,
    next_stage,
)

S, T = Stage, Trigger
EXPECTED: dict[tuple[Stage, Trigger], Stage] = {
    (S.PROPOSED, T.BOTH_ACCEPTED_INTRO): S.CHEMISTRY,
    (S.PROPOSED, T.DECLINED): S.DISSOLVED,
    (S.PROPOSED, T.PAUSED): S.PAUSED,
    (S.PROPOSED, T.DISSOLVED): S.DISSOLVED,
    (S.CHEMISTRY, T.BOTH_GO_AHEAD): S.CONTRACTING,
    (S.CHEMISTRY, T.DECLINED): S.DISSOLVED,
    (S.CHEMISTRY, T.PAUSED): S.PAUSED,
    (S.CHEMISTRY, T.DISSOLVED): S.DISSOLVED,
    (S.CONTRACTING, T.CONTRACT_AGREED): S.ACTIVE,
    (S.CONTRACTING, T.PAUSED): S.PAUSED,
    (S.CONTRACTING, T.DISSOLVED): S.DISSOLVED,
    (S.ACTIVE, T.SESSIONS_DONE): S.WRAP_UP,
    (S.ACTIVE, T.ENDED_EARLY): S.WRAP_UP,
    (S.ACTIVE, T.PAUSED): S.PAUSED,
    (S.ACTIVE, T.DISSOLVED): S.DISSOLVED,
    (S.WRAP_UP, T.EVALUATED): S.CLOSED,
    (S.PAUSED, T.DISSOLVED): S.DISSOLVED,
    # (PAUSED, RESUMED) depends on where the pair was paused: tested on its own below.
}


@pytest.mark.parametrize(("stage", "trigger"), list(product(Stage, Trigger)), ids=lambda v: v.value)
def test_every_stage_and_trigger(stage: Stage, trigger: Trigger) -> None:
    if (stage, trigger) in EXPECTED:
        assert next_stage(stage, trigger) is EXPECTED[(stage, trigger)]
    else:
        with pytest.raises(IllegalTransition) as refused:
            next_stage(stage, trigger)
        assert (refused.value.stage, refused.value.trigger) == (stage, trigger)
        assert str(refused.value) == (
            f"{trigger.value} is not allowed while the pair is {stage.value}"
        )


def test_the_table_holds_exactly_the_expected_moves() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize("paused_from", MIDDLE, ids=lambda v: v.value)
def test_resume_returns_to_the_stage_it_was_paused_in(paused_from: Stage) -> None:
    paused = next_stage(paused_from, Trigger.PAUSED)

    assert paused is Stage.PAUSED
    assert next_stage(paused, Trigger.RESUMED, paused_from=paused_from) is paused_from


@pytest.mark.parametrize(
    "paused_from",
    [None, S.PAUSED, S.WRAP_UP, S.CLOSED, S.DISSOLVED],
    ids=lambda v: v.value if v else "none",
)
def test_resume_without_a_valid_stage_to_return_to_is_refused(paused_from: Stage | None) -> None:
    with pytest.raises(IllegalTransition):
        next_stage(Stage.PAUSED, Trigger.RESUMED, paused_from=paused_from)


@pytest.mark.parametrize(
    "stage", [s for s in Stage if s is not Stage.PAUSED], ids=lambda v: v.value
)
def test_only_a_paused_pair_can_resume(stage: Stage) -> None:
    with pytest.raises(IllegalTransition):
        next_stage(stage, Trigger.RESUMED, paused_from=Stage.CHEMISTRY)


@pytest.mark.parametrize("stage", sorted(TERMINAL), ids=lambda v: v.value)
@pytest.mark.parametrize("trigger", list(Trigger), ids=lambda v: v.value)
@pytest.mark.parametrize("paused_from", [None, *MIDDLE], ids=lambda v: v.value if v else "none")
def test_terminal_stages_accept_nothing(
    stage: Stage, trigger: Trigger, paused_from: Stage | None
) -> None:
    with pytest.raises(IllegalTransition):
        next_stage(stage, trigger, paused_from=paused_from)


def test_paused_from_is_ignored_by_every_other_trigger() -> None:
    for (stage, trigger), target in EXPECTED.items():
        assert next_stage(stage, trigger, paused_from=Stage.ACTIVE) is target


def test_the_shape_of_the_lifecycle() -> None:
    assert TERMINAL == {Stage.CLOSED, Stage.DISSOLVED}
    assert MIDDLE == (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.ACTIVE)
    # Every stage but the first is reachable, and every non-terminal stage has a way out.
    reachable = set(EXPECTED.values()) | set(MIDDLE)
    assert reachable == set(Stage)
    assert {stage for stage, _ in EXPECTED} == set(Stage) - TERMINAL
    # Every trigger is used somewhere (RESUMED through paused_from).
    assert {trigger for _, trigger in EXPECTED} | {Trigger.RESUMED} == set(Trigger)


def test_the_happy_path_runs_from_proposed_to_closed() -> None:
    stage = Stage.PROPOSED
    for trigger in (
        T.BOTH_ACCEPTED_INTRO,
        T.BOTH_GO_AHEAD,
        T.CONTRACT_AGREED,
        T.SESSIONS_DONE,
        T.EVALUATED,
    ):
        stage = next_stage(stage, trigger)
    assert stage is Stage.CLOSED
