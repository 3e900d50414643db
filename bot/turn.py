"""One unit of work: the database session, the moment, the content, and the outbox writer.

A handler receives a Turn, changes rows and queues replies through it; the engine commits both
together, or neither. What a scheduler turn queues waits for its recipients' working hours
(bot.hours); what answers someone who just did something goes at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import hours
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
    # True when the turn answers what a person just did (Engine.handle): its messages go at
    # once, to everyone they concern. False (the scheduler, and any caller that does not say)
    # holds each message until its recipients' next working hours.
    immediate: bool = False
    sent: list[Outgoing] = field(default_factory=list)
    # When a list (the sweep): queued messages are collected here as outbox rows, which the
    # caller inserts together, instead of being added to the session one object at a time.
    outbox: list[dict[str, Any]] | None = None

    def text(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: object
    ) -> Text:
        return self.content.text(key, kind=kind, role=role, **params)

    def to_person(
        self, person: Person, reply: Reply, *, expires_at: datetime | None = None
    ) -> bool:
        """Queue a private message; False when it could only arrive after `expires_at` (a
        reminder held past the start of its session), and so is not queued at all."""
        return self._queue(
            Outgoing(audience=Audience.PERSON, reply=reply, person_id=person.id),
            [person],
            expires_at,
        )

    def to_pair(self, pair: Pair, reply: Reply, *, expires_at: datetime | None = None) -> bool:
        """Queue a message to both; a held one waits for the overlap of their hours."""
        return self._queue(
            Outgoing(audience=Audience.PAIR, reply=reply, pair_id=pair.id),
            [pair.mentor, pair.mentee],
            expires_at,
        )

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
            self._queue(
                Outgoing(audience=Audience.COORDINATOR, reply=reply, person_id=person.id),
                [person],
                None,
            )
        return len(coordinators)

    def hold_until(self, people: list[Person]) -> datetime | None:
        """When a message to `people` queued now may go: None for at once."""
        if self.immediate:
            return None
        moment = hours.next_window_start([hours.of(p) for p in people], self.now)
        return moment if moment > self.now else None

    def _queue(self, outgoing: Outgoing, people: list[Person], expires_at: datetime | None) -> bool:
        not_before = self.hold_until(people)
        if expires_at is not None and (not_before or self.now) > expires_at:
            return False
        if outgoing.reply.language is None:  # the adapter adds its own words in the same language
            reply = replace(outgoing.reply, language=self.content.language)
            outgoing = replace(outgoing, reply=reply)
        self.sent.append(outgoing)
        row = {
            "tenant_id": self.tenant.id,
            "audience": outgoing.audience.value,
            "person_id": outgoing.person_id,
            "pair_id": outgoing.pair_id,
            "payload": outgoing.reply.to_dict(),
            "created_at": self.now,
            "attempts": 0,
            "not_before": not_before,
        }
        if self.outbox is not None:
            self.outbox.append(row)
        else:
            self.session.add(OutboxMessage(**row))
        return True
