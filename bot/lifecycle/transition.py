"""Applying the stage table to a stored pair, with the who, when and why recorded."""

from __future__ import annotations

from bot.programmes import Kind
from bot.stages import Stage, Trigger, next_stage
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


def role_of(pair: Pair, person: Person) -> str:
    if person.id == pair.mentor_id:
        return "mentor"
    if person.id == pair.mentee_id:
        return "mentee"
    raise Refusal(f"You are not part of pair #{pair.id}.")


def partner_of(pair: Pair, person: Person) -> Person:
    return pair.mentee if role_of(pair, person) == "mentor" else pair.mentor


def person_in_role(pair: Pair, role: str) -> Person:
    return pair.mentor if role == "mentor" else pair.mentee


def require_stage(pair: Pair, *stages: Stage, doing: str) -> None:
    """Buttons outlive the step they belong to; an old one gets an explanation, not an error."""
    current = Stage(pair.stage)
    if current in stages:
        return
    paused_in = Stage(pair.paused_from) if pair.paused_from else None
    if current is Stage.PAUSED and paused_in in stages:
        # Not an earlier step: the right one, on hold. Saying "earlier step" would mislead.
        raise Refusal(
            f"Pair #{pair.id} is paused for now, so your {doing} has to wait. Once the pair "
            "resumes it carries on where it left off, and this will work again."
        )
    if current is Stage.DISSOLVED:
        raise Refusal(f"Pair #{pair.id} has been dissolved, so that {doing} no longer applies.")
    shown = current.value.replace("_", " ")
    later = _PATH[_PATH.index(current) + 1 :] if current in _PATH else ()
    if all(stage in later for stage in stages):
        raise Refusal(
            f"That {doing} is for a later step: pair #{pair.id} is still {shown}. "
            "Type `status` to see where you are."
        )
    raise Refusal(
        f"That {doing} belongs to an earlier step: pair #{pair.id} is now {shown}. "
        "Type `status` to see where you are."
    )


# The happy path in order, to tell a button that is early from one that is late.
_PATH = (
    Stage.PROPOSED,
    Stage.CHEMISTRY,
    Stage.CONTRACTING,
    Stage.ACTIVE,
    Stage.WRAP_UP,
    Stage.CLOSED,
)
