"""One unit of work: the database session, the moment, the content, and the outbox writer.

A handler receives a Turn, changes rows and queues replies through it; the engine commits both
together, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import Content
from bot.replies import Audience, Outgoing, Reply
from bot.text import Text
from storage.models import OutboxMessage, Pair, Person, Tenant


class Refusal(Exception):
    """Bad input or a forbidden step: the engine rolls back and answers with `reply`.

    Raising this, rather than returning, is what guarantees that refused input leaves stored
    state exactly as it was: nothing the handler did before the refusal is committed.
    """

    def __init__(self, reply: Reply | str, field_errors: dict[str, str] | None = None) -> None:
        self.reply = reply if isinstance(reply, Reply) else Reply(text=reply)
        self.field_errors = field_errors or {}
        super().__init__(self.reply.text)


@dataclass
class Turn:
    session: Session
    now: datetime
    content: Content
    tenant: Tenant
    sent: list[Outgoing] = field(default_factory=list)

    def text(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: object
    ) -> Text:
        return self.content.text(key, kind=kind, role=role, **params)

    def to_person(self, person: Person, reply: Reply) -> None:
        self._queue(Outgoing(audience=Audience.PERSON, reply=reply, person_id=person.id))

    def to_pair(self, pair: Pair, reply: Reply) -> None:
        self._queue(Outgoing(audience=Audience.PAIR, reply=reply, pair_id=pair.id))

    def to_coordinators(self, reply: Reply) -> int:
        """Each coordinator of the tenant gets a private copy; returns how many there are."""
        coordinators = self.session.scalars(
            select(Person).where(
                Person.tenant_id == self.tenant.id,
                Person.is_coordinator.is_(True),
                Person.forgotten_at.is_(None),
            )
        ).all()
        for person in coordinators:
            self._queue(Outgoing(audience=Audience.COORDINATOR, reply=reply, person_id=person.id))
        return len(coordinators)

    def _queue(self, outgoing: Outgoing) -> None:
        self.sent.append(outgoing)
        self.session.add(
            OutboxMessage(
                tenant_id=self.tenant.id,
                audience=outgoing.audience.value,
                person_id=outgoing.person_id,
                pair_id=outgoing.pair_id,
                payload=outgoing.reply.to_dict(),
                created_at=self.now,
                attempts=0,
            )
        )
