"""Paused: reminders and check-ins stop; on resume, the sessions still ahead are planned anew."""

from __future__ import annotations

from sqlalchemy import select

from bot.lifecycle import contracting, planning
from bot.lifecycle.transition import move, stage_words
from bot.stages import IllegalTransition, Stage, Trigger
from bot.turn import Refusal, Turn
from storage.models import MentoringSession, Pair, Person


def pause(turn: Turn, pair: Pair, *, actor: Person) -> None:
    _move(turn, pair, Trigger.PAUSED, actor)


def resume(turn: Turn, pair: Pair, *, actor: Person) -> Stage:
    """Back to the stage it was paused in. An active pair gets its remaining sessions replanned
    from a week ahead, so nobody is asked about a session that fell inside the pause."""
    stage = _move(turn, pair, Trigger.RESUMED, actor)
    contract = contracting.agreed(turn, pair)
    if stage is Stage.ACTIVE and contract is not None and _missed_while_paused(turn, pair):
        planning.plan(turn, pair, contract)
    return stage


def _missed_while_paused(turn: Turn, pair: Pair) -> bool:
    """A short pause that skipped no session (nor its reminder) leaves the plan as it was."""
    return (
        turn.session.scalar(
            select(MentoringSession.id).where(
                MentoringSession.pair_id == pair.id,
                MentoringSession.status == "planned",
                MentoringSession.checkin_sent_at.is_(None),
                MentoringSession.planned_at <= turn.now + planning.REMIND_BEFORE,
            )
        )
        is not None
    )


def _move(turn: Turn, pair: Pair, trigger: Trigger, actor: Person) -> Stage:
    try:
        return move(turn, pair, trigger, actor=actor)
    except IllegalTransition:
        key = "lifecycle.pausing.cannot." + trigger.value
        stage = stage_words(turn, Stage(pair.stage))
        raise Refusal(turn.text(key, pair_id=pair.id, stage=stage)) from None
