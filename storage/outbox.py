"""Claiming undelivered outbox rows so that several workers never send one message twice."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

MAX_ATTEMPTS = 5  # after this many failures a row waits for an operator, not for ever-retries


def claim_pending(session: Session, *, limit: int) -> Sequence[OutboxMessage]:
    """Lock the oldest undelivered rows for this transaction.

    On PostgreSQL `SKIP LOCKED` lets a second worker take the next rows instead of waiting for
    (and then re-sending) these; SQLite serialises writers, so the clause is simply omitted.
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()
