"""The APScheduler wiring: one interval job that sweeps and delivers, on the leader only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

DUE_WORK_JOB_ID = "due-work"


class Lease(Protocol):
    def try_acquire(self) -> bool:
        """True when this worker holds (and has just renewed) the lease."""
        ...


def run_due_work(
    *, lease: Lease, sweep: Callable[[], int], deliver: Callable[[], int]
) -> tuple[int, int] | None:
    """On the leader, process due ticks then deliver the outbox; elsewhere do nothing.

    Returns (ticks swept, messages delivered), or None when another worker leads.
    """
    if not lease.try_acquire():
        return None
    try:
        swept = sweep()
    finally:
        # A sweep that keeps failing must not also hold back replies already in the outbox.
        delivered = deliver()
    return swept, delivered


def build_scheduler(*, interval_seconds: int, job: Callable[[], object]) -> BackgroundScheduler:
    """A thread-based scheduler with `job` every `interval_seconds`; the caller starts it."""
    scheduler = BackgroundScheduler(timezone=UTC)
    _add_due_work(scheduler, interval_seconds=interval_seconds, job=job)
    return scheduler


def build_async_scheduler(*, interval_seconds: int, job: Callable[[], object]) -> AsyncIOScheduler:
    """The same, on the running asyncio loop; a plain function job runs in its thread pool."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    _add_due_work(scheduler, interval_seconds=interval_seconds, job=job)
    return scheduler


def _add_due_work(
    scheduler: BaseScheduler, *, interval_seconds: int, job: Callable[[], object]
) -> None:
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=interval_seconds, timezone=UTC),
        id=DUE_WORK_JOB_ID,
        name="sweep due ticks and deliver the outbox",
        # One run at a time, and runs missed while busy collapse into one: each run catches
        # up on everything due, so repeating it would only repeat the work.
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval_seconds,
        replace_existing=True,
    )
