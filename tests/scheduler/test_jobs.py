"""The scheduled job runs the sweep and delivery on the leader only; the wiring is one job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import FakeClock
from scheduler.jobs import (
    DUE_WORK_JOB_ID,
    build_async_scheduler,
    build_scheduler,
    run_due_work,
)
from storage.db import Database
from storage.lease import LeaderLease
from storage.models import Base


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(url=f"sqlite:///{tmp_path / 'jobs.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2030, 3, 4, 9, 0, tzinfo=UTC))


class Work:
    """Stand-ins for the engine's sweep and the outbox delivery, recording the call order."""

    def __init__(self, swept: int = 3, delivered: int = 2) -> None:
        self.calls: list[str] = []
        self._swept = swept
        self._delivered = delivered

    def sweep(self) -> int:
        self.calls.append("sweep")
        return self._swept

    def deliver(self) -> int:
        self.calls.append("deliver")
        return self._delivered


def workers(db: Database, clock: FakeClock) -> tuple[LeaderLease, LeaderLease]:
    return (
        LeaderLease(db=db, clock=clock, holder="web-1"),
        LeaderLease(db=db, clock=clock, holder="web-2"),
    )


def test_the_leader_sweeps_then_delivers(db: Database, clock: FakeClock) -> None:
    leader, _ = workers(db, clock)
    work = Work(swept=3, delivered=2)

    assert run_due_work(lease=leader, sweep=work.sweep, deliver=work.deliver) == (3, 2)
    assert work.calls == ["sweep", "deliver"]


def test_a_follower_does_nothing(db: Database, clock: FakeClock) -> None:
    leader, follower = workers(db, clock)
    assert leader.try_acquire()
    work = Work()

    assert run_due_work(lease=follower, sweep=work.sweep, deliver=work.deliver) is None
    assert work.calls == []


def test_leadership_passes_when_the_leader_stops_renewing(db: Database, clock: FakeClock) -> None:
    leader, follower = workers(db, clock)
    first, second = Work(), Work()
    run_due_work(lease=leader, sweep=first.sweep, deliver=first.deliver)

    clock.advance(timedelta(seconds=90))

    assert run_due_work(lease=follower, sweep=second.sweep, deliver=second.deliver) == (3, 2)
    assert run_due_work(lease=leader, sweep=first.sweep, deliver=first.deliver) is None
    assert first.calls == ["sweep", "deliver"]


def test_a_failing_sweep_still_delivers_and_then_raises(db: Database, clock: FakeClock) -> None:
    leader, _ = workers(db, clock)
    work = Work()

    def broken_sweep() -> int:
        work.calls.append("sweep")
        raise RuntimeError("bad row")

    with pytest.raises(RuntimeError, match="bad row"):
        run_due_work(lease=leader, sweep=broken_sweep, deliver=work.deliver)
    assert work.calls == ["sweep", "deliver"]


@pytest.mark.parametrize(
    ("build", "kind"),
    [(build_scheduler, BackgroundScheduler), (build_async_scheduler, AsyncIOScheduler)],
    ids=["background", "asyncio"],
)
def test_the_scheduler_holds_one_interval_job_and_is_not_started(
    build: object, kind: type[BaseScheduler]
) -> None:
    ran: list[str] = []
    scheduler = build(interval_seconds=45, job=lambda: ran.append("ran"))  # type: ignore[operator]

    assert isinstance(scheduler, kind)
    assert not scheduler.running
    [job] = scheduler.get_jobs()
    assert job.id == DUE_WORK_JOB_ID
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=45)
    assert (job.max_instances, job.coalesce) == (1, True)

    job.func()
    assert ran == ["ran"]


@pytest.mark.parametrize("interval", [0, -5])
def test_the_interval_must_be_positive(interval: int) -> None:
    with pytest.raises(ValueError):
        build_scheduler(interval_seconds=interval, job=lambda: None)
