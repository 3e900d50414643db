"""Forgetting a person: what `forget-me` removes, in one place, so the promise can be checked.

Kept: counts that carry no identity (a session was held, a score was given), so programme
reports stay true. Removed or overwritten: the name wherever Tandem wrote it, every text the
person typed, their enrolments and their private answers. Messages already delivered live on in
Slack or Teams, outside Tandem's reach; the confirmation says so.
"""

from __future__ import annotations

from sqlalchemy import String, cast, delete, select, update

from bot.identity import FORGOTTEN_NAME
from bot.turn import Turn
from storage.models import (
    ActionItem,
    Answer,
    CheckIn,
    Contract,
    Enrolment,
    Evaluation,
    Goal,
    OutboxMessage,
    Pair,
    Person,
)

REMOVED = "(removed at the owner's request)"


def forget(turn: Turn, person: Person) -> None:
    """Erase what identifies `person`; the caller ends their pairs first."""
    name = person.display_name
    db = turn.session
    db.execute(delete(Enrolment).where(Enrolment.person_id == person.id))
    db.execute(delete(Answer).where(Answer.person_id == person.id))
    db.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person.id))
    db.execute(update(CheckIn).where(CheckIn.person_id == person.id).values(note=""))
    db.execute(
        update(Evaluation)
        .where(Evaluation.person_id == person.id)
        .values(take_back="", what_worked="", what_to_change="")
    )
    db.execute(update(Goal).where(Goal.owner_id == person.id).values(text=REMOVED))
    db.execute(update(ActionItem).where(ActionItem.owner_id == person.id).values(text=REMOVED))
    for pair in db.scalars(
        select(Pair).where((Pair.mentor_id == person.id) | (Pair.mentee_id == person.id))
    ):
        pair.match_reason = pair.match_reason.replace(name, FORGOTTEN_NAME)
        side = "mentor" if pair.mentor_id == person.id else "mentee"
        values = {f"{side}_goals": REMOVED}
        if side == "mentor":
            values["mentor_motivation"] = REMOVED
        db.execute(update(Contract).where(Contract.pair_id == pair.id).values(**values))
    # Other people's copies that name them: coordinator alerts, notes, pair messages.
    for row in db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.tenant_id == person.tenant_id,
            cast(OutboxMessage.payload, String).contains(name),
        )
    ):
        payload = dict(row.payload)
        payload["text"] = payload["text"].replace(name, FORGOTTEN_NAME)
        if "spans" in payload:
            payload["spans"] = [
                [text.replace(name, FORGOTTEN_NAME), *rest] for text, *rest in payload["spans"]
            ]
        row.payload = payload
    person.display_name = FORGOTTEN_NAME
    person.platform_user_id = f"forgotten:{person.id}"
    person.team = None
    person.manager_id = None
    person.is_coordinator = False
    person.forgotten_at = turn.now
