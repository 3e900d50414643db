"""Claiming undelivered outbox rows so that several workers never send one message twice."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage, Tenant

MAX_ATTEMPTS = 5  # after this many tries a row is quarantined and reported, never retried for ever


def claim_pending(
    session: Session,
    *,
    now: datetime,
    hold: timedelta,
    limit: int,
    platforms: Collection[str] | None = None,
) -> Sequence[OutboxMessage]:
    """Take the oldest deliverable rows for this worker until `now + hold`.

    Deliverable: not delivered, not quarantined, not claimed by a live worker, and not held for
    its recipients' working hours (`not_before` still ahead).

    The claim is a column, not a lock held across the sends: the claiming transaction commits
    at once, so no database lock waits on the network, and a worker that dies mid-batch lets
    its rows go when the hold runs out. `SKIP LOCKED` lets a second worker claiming at the same
    moment take the next rows instead of waiting for these (SQLite serialises writers anyway).
    """
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.quarantined_at.is_(None),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
            or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if platforms is not None:
        query = query.join(Tenant, Tenant.id == OutboxMessage.tenant_id).where(
            Tenant.platform.in_(platforms)
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    rows = session.scalars(query).all()
    for row in rows:
        row.claimed_until = now + hold
    return rows
