"""Claiming undelivered outbox rows so that several workers never send one message twice."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import OutboxMessage, Tenant

MAX_ATTEMPTS = 5  # after this many tries a row is quarantined and reported, never retried for ever
_OUTBOX = cast(Table, OutboxMessage.__table__)


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
    if rows:  # one statement for the batch, not an UPDATE per row from the flush
        until = now + hold
        session.connection().execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_([row.id for row in rows]))
            .values(claimed_until=until)
        )
        for row in rows:
            set_committed_value(row, "claimed_until", until)
    return rows


# The two statements every delivered message runs, built once: constructing and keying an ORM
# update costs more CPU than the database takes to run it (bench/drain.py).
_RECORD_ATTEMPT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("message_id"),
        _OUTBOX.c.delivered_at.is_(None),
        _OUTBOX.c.quarantined_at.is_(None),
        _OUTBOX.c.attempts < MAX_ATTEMPTS,
    )
    .values(attempts=_OUTBOX.c.attempts + 1, last_error="in flight")
    .returning(_OUTBOX.c.id)
)
_MARK_DELIVERED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("message_id"))
    .values(delivered_at=bindparam("now"), last_error=None, claimed_until=None)
)


def record_attempt(session: Session, message_id: int) -> bool:
    """Count one more attempt of a row that is still to be sent, in one statement.

    False when the row is gone, delivered, quarantined or out of attempts: the caller then
    reads it to decide what to do (the rare path). The common path costs one round trip.
    Written with Core, not through the ORM: a row object loaded in this session is not
    refreshed (the callers load one only on the rare path, after this).
    """
    counted = session.connection().execute(_RECORD_ATTEMPT, {"message_id": message_id})
    return counted.first() is not None


def mark_delivered(session: Session, message_id: int, *, now: datetime) -> None:
    """The platform took the message: it is done, in one statement."""
    session.connection().execute(_MARK_DELIVERED, {"message_id": message_id, "now": now})
