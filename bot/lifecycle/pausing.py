"""Paused: reminders and check-ins stop; on resume, the sessions still ahead are planned anew."""

from __future__ import annotations

from bot.lifecycle import contracting, planning
from bot.lifecycle.transition import move
from bot.stages import IllegalTransition, Stage, Trigger
from bot.turn import Refusal, Turn
from storage.models import Pair, Person


def pause(turn: Turn, pair: Pair, *, actor: Person) -> None:
    _move(turn, pair, Trigger.PAUSED, actor)


def resume(turn: Turn, pair: Pair, *, actor: Person) -> Stage:
    """Back to the stage it was paused in. An active pair gets its remaining sessions replanned
    from a week ahead, so nobody is asked about a session that fell inside the pause."""
    stage = _move(turn, pair, Trigger.RESUMED, actor)
    contract = contracting.agreed(turn, pair)
    if stage is Stage.ACTIVE and contract is not None:
        planning.plan(turn, pair, contract)
    return stage


def _move(turn: Turn, pair: Pair, trigger: Trigger, actor: Person) -> Stage:
    try:
        return move(turn, pair, trigger, actor=actor)
    except IllegalTransition:
        stage = pair.stage.replace("_", " ")
        raise Refusal(f"Pair #{pair.id} is {stage}, so it cannot be {trigger.value} now.") from None
