"""`tandem sweep`: one sweep and delivery by hand, through the same wiring as `tandem serve`.

The server is built exactly as `tandem serve` builds it (so Slack and Teams deliver through
their real senders) but never started: no port is bound and no schedule runs. The sweep still
takes the scheduler's lease, judged on the real clock even when `--now` moves the sweep's
clock, so a rehearsal can never sweep beside a running leader nor lock it out for the time
`--now` is ahead; the lease is given back afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import Clock, SystemClock
from storage.db import Database
from storage.lease import LeaderLease
from storage.models import SchedulerLease
from tandem.settings import Settings


@dataclass(frozen=True, kw_only=True)
class Outcome:
    swept: int | None  # None: another worker leads, so this run did not sweep
    delivered: int
    leader: str | None = None  # who leads, when it is not us
    leader_until: datetime | None = None
    platforms: tuple[str, ...] = ()  # the platforms delivered through


def sweep_once(settings: Settings, *, clock: Clock) -> Outcome:
    """Sweep (if no other worker leads) and deliver once; ConfigError for bad settings."""
    from tandem import serve

    server = serve.build_server(settings, clock=clock)
    real_time = SystemClock()
    lease = LeaderLease(
        db=server.built.db,
        clock=real_time,
        holder=settings.worker_id,
        ttl=timedelta(seconds=3 * settings.sweep_seconds),
    )
    server.worker.lease = lease
    already_ours = _holder(server.built.db, lease.name, real_time.now()) == settings.worker_id

    async def run() -> Outcome:
        try:
            if not await asyncio.to_thread(lease.try_acquire):
                delivered = await server.worker.deliver_now()
                holder = await asyncio.to_thread(_lease_row, server.built.db, lease.name)
                return Outcome(
                    swept=None,
                    delivered=delivered,
                    leader=holder.holder if holder else None,
                    leader_until=holder.expires_at if holder else None,
                    platforms=tuple(server.platforms),
                )
            try:
                done = await server.worker.run_due_work()
            finally:
                if not already_ours:
                    await asyncio.to_thread(lease.release)
            swept, delivered = done or (0, 0)
            return Outcome(swept=swept, delivered=delivered, platforms=tuple(server.platforms))
        finally:
            await server.stop()

    return asyncio.run(run())


def _lease_row(db: Database, name: str) -> SchedulerLease | None:
    with db.transaction() as session:
        return session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))


def _holder(db: Database, name: str, now: datetime) -> str | None:
    row = _lease_row(db, name)
    return row.holder if row is not None and row.expires_at > now else None
