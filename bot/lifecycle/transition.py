"""Applying the stage table to a stored pair, with the who, when and why recorded."""

from __future__ import annotations

from typing import Any

from bot.content import Content
from bot.programmes import Kind
from bot.stages import Stage, Trigger, next_stage
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Pair, Person, StageTransition


def move(
    turn: Turn, pair: Pair, trigger: Trigger, *, actor: Person | None = None, reason: str = ""
) -> Stage:
    """Move `pair` along the table, or raise IllegalTransition and change nothing."""
    current = Stage(pair.stage)
    paused_from = Stage(pair.paused_from) if pair.paused_from else None
    target = next_stage(current, trigger, paused_from=paused_from)
    pair.paused_from = current.value if target is Stage.PAUSED else None
    pair.stage = target.value
    pair.stage_changed_at = turn.now
    turn.session.add(
        StageTransition(
            pair_id=pair.id,
            from_stage=current.value,
            to_stage=target.value,
            trigger=trigger.value,
            actor_id=actor.id if actor else None,
            reason=reason,
            at=turn.now,
        )
    )
    return target


def kind_of(pair: Pair) -> Kind:
    return Kind(pair.programme.kind)


def role_of(pair: Pair, person: Person, content: Content) -> str:
    """The person's side, mentor or mentee; anyone else is refused in `content`'s language
    (the reader's, so the turn's)."""
    if person.id == pair.mentor_id:
        return "mentor"
    if person.id == pair.mentee_id:
        return "mentee"
    raise Refusal(content.text("lifecycle.not_in_pair", pair_id=pair.id))


def partner_of(pair: Pair, person: Person, content: Content) -> Person:
    return pair.mentee if role_of(pair, person, content) == "mentor" else pair.mentor


def person_in_role(pair: Pair, role: str) -> Person:
    return pair.mentor if role == "mentor" else pair.mentee


def require_stage(turn: Turn, pair: Pair, *stages: Stage, doing: str) -> None:
    """Buttons outlive the step they belong to; an old one gets an explanation, not an error.

    `doing` names the step tried, a key under `lifecycle.doing` ("check_in")."""
    current = Stage(pair.stage)
    if current in stages:
        return
    params: dict[str, Any] = {"pair_id": pair.id, "doing": turn.text("lifecycle.doing." + doing)}
    paused_in = Stage(pair.paused_from) if pair.paused_from else None
    if current is Stage.PAUSED and paused_in in stages:
        # Not an earlier step: the right one, on hold. Saying "earlier step" would mislead.
        raise Refusal(turn.text("lifecycle.require_stage.paused", **params))
    if current is Stage.DISSOLVED:
        raise Refusal(turn.text("lifecycle.require_stage.dissolved", **params))
    shown = stage_words(turn, current)
    later = _PATH[_PATH.index(current) + 1 :] if current in _PATH else ()
    if all(stage in later for stage in stages):
        raise Refusal(turn.text("lifecycle.require_stage.later", stage=shown, **params))
    raise Refusal(turn.text("lifecycle.require_stage.earlier", stage=shown, **params))


def stage_words(turn: Turn, stage: Stage) -> Text:
    """The stage as it completes "pair #7 is now ...", in the turn's language."""
    return turn.text("lifecycle.stage." + stage.value)


# The happy path in order, to tell a button that is early from one that is late.
_PATH = (
    Stage.PROPOSED,
    Stage.CHEMISTRY,
    Stage.CONTRACTING,
    Stage.ACTIVE,
    Stage.WRAP_UP,
    Stage.CLOSED,
)
