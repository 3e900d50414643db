"""Delivering outbox rows through a platform sender, and marking them delivered."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.replies import Audience, Reply
from storage.db import Database
from storage.models import OutboxMessage, Pair, Person, Tenant
from storage.outbox import claim_pending

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Recipient:
    person_id: int
    user_id: str  # the platform's id for this person
    name: str


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One outbox row, resolved to platform identities, ready for a sender."""

    message_id: int
    platform: str
    tenant: str
    audience: Audience
    recipients: tuple[Recipient, ...]  # one for a person, both people for a pair
    pair_id: int | None
    reply: Reply


class Sender(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Deliver or raise; a raised error leaves the row for a later attempt."""
        ...


def deliver_pending(*, db: Database, clock: Clock, sender: Sender, limit: int = 200) -> int:
    """Send what is waiting; return how many were delivered.

    The claimed rows stay locked (PostgreSQL) until they are marked, so a second worker never
    sends them too. Everything is read before the first send, so no write is flushed (and no
    SQLite write lock held) while a sender waits on the network. A row that cannot be read or
    sent is retried later, up to storage.outbox.MAX_ATTEMPTS, without holding up the others.
    """
    delivered = 0
    with db.transaction() as session:
        ready: list[tuple[OutboxMessage, Delivery | None]] = []
        for row in claim_pending(session, limit=limit):
            try:
                ready.append((row, _resolve(session, row)))
            except Exception as error:  # an unreadable row must not block the others
                log.warning("outbox row %s cannot be read: %s", row.id, error)
                ready.append((row, None))
                row.last_error = f"unreadable: {error}"[:2000]
        with session.no_autoflush:
            for row, delivery in ready:
                row.attempts += 1
                if delivery is None:
                    continue
                if not delivery.recipients:
                    row.delivered_at = clock.now()  # nobody left to tell: done, not stuck
                    row.last_error = "no recipient"
                    continue
                try:
                    sender.send(delivery)
                except Exception as error:  # a sender failure must not lose the other rows
                    log.warning("delivery of outbox row %s failed: %s", row.id, error)
                    row.last_error = str(error)[:2000]
                    continue
                row.delivered_at = clock.now()
                delivered += 1
    return delivered


def _resolve(session: Session, row: OutboxMessage) -> Delivery:
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None:
        raise LookupError(f"tenant {row.tenant_id} is gone")
    if row.pair_id is not None:
        pair = session.get(Pair, row.pair_id)
        people = [pair.mentor, pair.mentee] if pair else []
    else:
        people = list(session.scalars(select(Person).where(Person.id == row.person_id)))
    return Delivery(
        message_id=row.id,
        platform=tenant.platform,
        tenant=tenant.external_id,
        audience=Audience(row.audience),
        recipients=tuple(
            Recipient(person_id=p.id, user_id=p.platform_user_id, name=p.display_name)
            for p in people
            if p.forgotten_at is None
        ),
        pair_id=row.pair_id,
        reply=Reply.from_dict(row.payload),
    )
