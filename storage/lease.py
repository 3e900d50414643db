"""A leader lease in the database, so exactly one of several workers runs the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import SchedulerLease


class Clock(Protocol):
    """Anything that tells the time (bot.clock's clocks do); storage never imports the engine."""

    def now(self) -> datetime: ...


_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class LeaderLease:
    """One named lease row; whoever holds an unexpired row is the leader.

    Workers compare expiry times read from their own clocks, so the TTL must comfortably
    exceed both the clock skew between hosts and the interval at which the holder renews.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        name: str = "scheduler",
        holder: str,
        ttl: timedelta = timedelta(seconds=90),
    ) -> None:
        if not name or not holder:
            raise ValueError("a lease needs a name and a holder")
        if ttl <= timedelta(0):
            raise ValueError("a lease's ttl must be positive")
        if db.dialect not in _INSERTS:
            raise ValueError(f"leases need PostgreSQL or SQLite, not {db.dialect}")
        self._db = db
        self._clock = clock
        self.name = name
        self.holder = holder
        self.ttl = ttl

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours (then renew it)."""
        now = self._clock.now()
        insert = _INSERTS[self._db.dialect](SchedulerLease).values(
            name=self.name, holder=self.holder, expires_at=now + self.ttl
        )
        # One statement, so two workers can never both see the lease free and both take it:
        # the conflicting row is locked and the WHERE re-checked against its latest version.
        statement = insert.on_conflict_do_update(
            index_elements=[SchedulerLease.name],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=or_(SchedulerLease.expires_at <= now, SchedulerLease.holder == self.holder),
        ).returning(SchedulerLease.holder)
        with self._db.transaction() as session:
            taken = session.execute(statement).scalar_one_or_none()
        return taken == self.holder

    def fence(self, session: Session) -> bool:
        """Whether this worker still leads, checked inside the caller's transaction.

        The sweep calls it just before each pair's transaction commits. On PostgreSQL the lease
        row stays share-locked until that commit, so a worker taking the lease over waits for
        it, and every later check of the old holder fails: a leader that stalled past its
        expiry (a long pause, a lost network) finds out before it changes anything more.
        """
        query = select(SchedulerLease.holder).where(
            SchedulerLease.name == self.name,
            SchedulerLease.holder == self.holder,
            SchedulerLease.expires_at > self._clock.now(),
        )
        if self._db.dialect == "postgresql":
            query = query.with_for_update(read=True)  # FOR SHARE
        return session.scalar(query) is not None

    def release(self) -> None:
        """Give the lease up, if we hold it, so another worker need not wait for expiry."""
        with self._db.transaction() as session:
            session.execute(
                delete(SchedulerLease).where(
                    SchedulerLease.name == self.name, SchedulerLease.holder == self.holder
                )
            )
