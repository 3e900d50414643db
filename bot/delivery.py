"""Delivering outbox rows through a platform sender, and marking them delivered."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from bot.clock import Clock
from bot.replies import Audience, Reply
from storage.db import Database
from storage.models import Pair, Person, Tenant
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
    """Send what is waiting; return how many were delivered."""
    delivered = 0
    with db.transaction() as session:
        for row in claim_pending(session, limit=limit):
            tenant = session.get(Tenant, row.tenant_id)
            if row.pair_id is not None:
                pair = session.get(Pair, row.pair_id)
                people = [pair.mentor, pair.mentee] if pair else []
            else:
                people = list(session.scalars(select(Person).where(Person.id == row.person_id)))
            people = [p for p in people if p.forgotten_at is None]
            if tenant is None or not people:
                row.delivered_at = clock.now()  # nobody left to tell: done, not stuck
                row.last_error = "no recipient"
                continue
            delivery = Delivery(
                message_id=row.id,
                platform=tenant.platform,
                tenant=tenant.external_id,
                audience=Audience(row.audience),
                recipients=tuple(
                    Recipient(person_id=p.id, user_id=p.platform_user_id, name=p.display_name)
                    for p in people
                ),
                pair_id=row.pair_id,
                reply=Reply.from_dict(row.payload),
            )
            try:
                sender.send(delivery)
            except Exception as error:  # a sender failure must not lose the other rows
                log.warning("delivery of outbox row %s failed: %s", row.id, error)
                row.attempts += 1
                row.last_error = str(error)[:2000]
                continue
            row.attempts += 1
            row.delivered_at = clock.now()
            delivered += 1
    return delivered
