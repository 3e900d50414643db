"""No-fault dissolution: nobody learns who declined, and the two are never proposed again."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.identity import name_of
from bot.lifecycle.transition import move
from bot.replies import Reply
from bot.stages import Stage, Trigger
from bot.text import Text
from bot.turn import Turn
from storage.models import Pair, Person


def dissolve(
    turn: Turn,
    pair: Pair,
    *,
    actor: Person | None,
    reason: str,
    pair_note: Text | None = None,
    tell_coordinators: bool = True,
) -> None:
    """Dissolve the pair and tell both the same neutral words, whoever asked for it.

    `reason` is stored with the transition for the audit trail but never shown to the pair.
    `pair_note` replaces the usual words to both (a coordinator's rematch says more about what
    happens next); without `tell_coordinators` the caller tells the coordinators itself.
    """
    trigger = (
        Trigger.DECLINED
        if Stage(pair.stage) in (Stage.PROPOSED, Stage.CHEMISTRY)
        and (actor is not None and actor.id in (pair.mentor_id, pair.mentee_id))
        else Trigger.DISSOLVED
    )
    move(turn, pair, trigger, actor=actor, reason=reason)
    programme = pair.programme.name
    note = Reply(text=pair_note or turn.text("dissolved.pair_note", programme=programme))
    turn.to_person(pair.mentor, note)
    turn.to_person(pair.mentee, note)
    if not tell_coordinators:
        return
    turn.to_coordinators(
        Reply(
            text=turn.text(
                "dissolved.coordinator",
                mentor=name_of(pair.mentor),
                mentee=name_of(pair.mentee),
                programme=programme,
                pair_id=pair.id,
            )
        )
    )


def excluded_pairs(turn: Turn) -> set[frozenset[int]]:
    """Every two people who were once dissolved: they are never proposed to each other again."""
    query = select(Pair.mentor_id, Pair.mentee_id).where(Pair.stage == Stage.DISSOLVED.value)
    rows = turn.session.execute(query).all()
    return {frozenset((mentor, mentee)) for mentor, mentee in rows}


def were_dissolved(turn: Turn, a: Person, b: Person) -> bool:
    return frozenset((a.id, b.id)) in excluded_pairs(turn)


def live_pair_between(turn: Turn, a: Person, b: Person) -> Pair | None:
    live = [s.value for s in Stage if s not in (Stage.CLOSED, Stage.DISSOLVED)]
    return turn.session.scalar(
        select(Pair).where(
            Pair.stage.in_(live),
            or_(
                (Pair.mentor_id == a.id) & (Pair.mentee_id == b.id),
                (Pair.mentor_id == b.id) & (Pair.mentee_id == a.id),
            ),
        )
    )
