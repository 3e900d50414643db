"""Retention: delivered outbox rows and processed event ids deleted once they are old enough.

Apart from delivery proper because it runs on its own schedule and never touches a row that
is still to be delivered.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from bot.clock import Clock
from storage.db import Database
from storage.models import OutboxMessage, ProcessedEvent


def prune(*, db: Database, clock: Clock, retention: timedelta, batch: int = 5_000) -> int:
    """Delete delivered outbox rows and processed event ids older than `retention`.

    Delivered messages live on in Slack or Teams; keeping Tandem's copy for ever would only
    keep people's words longer than needed. Quarantined and waiting rows are never pruned.
    Deletes go in batches, so a first prune of a large backlog holds no long lock.
    """
    cutoff = clock.now() - retention
    removed = 0
    for key, stamp in (
        (OutboxMessage.id, OutboxMessage.delivered_at),
        (ProcessedEvent.event_id, ProcessedEvent.processed_at),
    ):
        table = key.class_
        while True:
            with db.transaction() as session:
                doomed = select(key).where(stamp.is_not(None), stamp < cutoff).limit(batch)
                done = session.execute(delete(table).where(key.in_(doomed.scalar_subquery())))
                count = int(getattr(done, "rowcount", 0) or 0)
            removed += count
            if count < batch:
                break
    return removed
