"""A pair's lifecycle as an explicit table: (stage, trigger) -> next stage.

docs/lifecycle.md draws this table and tests/test_docs.py keeps the two in step;
tests/bot/test_stages.py pins every (stage, trigger) pair against DESIGN section 5.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    PROPOSED = "proposed"
    CHEMISTRY = "chemistry"
    CONTRACTING = "contracting"
    ACTIVE = "active"
    WRAP_UP = "wrap_up"
    CLOSED = "closed"
    PAUSED = "paused"
    DISSOLVED = "dissolved"


class Trigger(StrEnum):
    BOTH_ACCEPTED_INTRO = "both_accepted_intro"
    DECLINED = "declined"  # someone said "not for me" / "not a fit": no-fault dissolution
    BOTH_GO_AHEAD = "both_go_ahead"
    CONTRACT_AGREED = "contract_agreed"
    SESSIONS_DONE = "sessions_done"  # the last planned session is behind us, or the end date
    ENDED_EARLY = "ended_early"  # the coordinator ended an active pair: straight to evaluation
    EVALUATED = "evaluated"
    PAUSED = "paused"
    RESUMED = "resumed"
    DISSOLVED = "dissolved"  # the coordinator ended a pair before it was active


# The middle states: a pair can be paused or dissolved from any of them.
MIDDLE = (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.ACTIVE)

TRANSITIONS: dict[tuple[Stage, Trigger], Stage] = {
    (Stage.PROPOSED, Trigger.BOTH_ACCEPTED_INTRO): Stage.CHEMISTRY,
    (Stage.PROPOSED, Trigger.DECLINED): Stage.DISSOLVED,
    (Stage.CHEMISTRY, Trigger.BOTH_GO_AHEAD): Stage.CONTRACTING,
    (Stage.CHEMISTRY, Trigger.DECLINED): Stage.DISSOLVED,
    (Stage.CONTRACTING, Trigger.CONTRACT_AGREED): Stage.ACTIVE,
    (Stage.ACTIVE, Trigger.SESSIONS_DONE): Stage.WRAP_UP,
    (Stage.ACTIVE, Trigger.ENDED_EARLY): Stage.WRAP_UP,
    (Stage.WRAP_UP, Trigger.EVALUATED): Stage.CLOSED,
    **{(stage, Trigger.PAUSED): Stage.PAUSED for stage in MIDDLE},
    **{(stage, Trigger.DISSOLVED): Stage.DISSOLVED for stage in (*MIDDLE, Stage.PAUSED)},
    # RESUMED goes back to the stage the pair was paused in; see `next_stage`.
}

TERMINAL = frozenset({Stage.CLOSED, Stage.DISSOLVED})


class IllegalTransition(Exception):
    def __init__(self, stage: Stage, trigger: Trigger) -> None:
        super().__init__(
            # For logs and tests; a person is told in words from content (bot.lifecycle.pausing).
            f"{trigger.value} is not allowed while the pair is "  # not user-facing: a log message
            f"{stage.value}"
        )
        self.stage = stage
        self.trigger = trigger


def next_stage(stage: Stage, trigger: Trigger, *, paused_from: Stage | None = None) -> Stage:
    """The stage a trigger leads to, or IllegalTransition. Pure: the table is the whole rule."""
    if stage is Stage.PAUSED and trigger is Trigger.RESUMED:
        if paused_from is None or paused_from not in MIDDLE:
            raise IllegalTransition(stage, trigger)
        return paused_from
    try:
        return TRANSITIONS[(stage, trigger)]
    except KeyError:
        raise IllegalTransition(stage, trigger) from None
