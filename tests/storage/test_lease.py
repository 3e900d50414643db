"""The leader lease, on SQLite and (when TANDEM_TEST_DATABASE_URL is set) on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from storage.db import Database
from storage.lease import LeaderLease
from storage.models import SchedulerLease

TTL = timedelta(seconds=90)
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(database: Database) -> Database:
    """The shared fixture: a migrated database, on SQLite and on PostgreSQL."""
    return database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def name() -> str:
    return f"scheduler-{uuid.uuid4().hex[:8]}"


def lease(db: Database, clock: FakeClock, name: str, holder: str) -> LeaderLease:
    return LeaderLease(db=db, clock=clock, name=name, holder=holder, ttl=TTL)


def stored(db: Database, name: str) -> SchedulerLease | None:
    with db.transaction() as session:
        return session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))


def test_the_first_worker_takes_a_free_lease(db: Database, clock: FakeClock, name: str) -> None:
    assert lease(db, clock, name, "web-1").try_acquire()

    row = stored(db, name)
    assert row is not None
    assert (row.holder, row.expires_at) == ("web-1", START + TTL)


def test_a_second_worker_is_refused_while_the_lease_is_live(
    db: Database, clock: FakeClock, name: str
) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    clock.advance(TTL - timedelta(seconds=1))

    assert not second.try_acquire()
    row = stored(db, name)
    assert row is not None
    assert (row.holder, row.expires_at) == ("web-1", START + TTL)


def test_a_second_worker_takes_over_once_the_lease_expires(
    db: Database, clock: FakeClock, name: str
) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    clock.advance(TTL)

    assert second.try_acquire()
    assert not first.try_acquire()
    row = stored(db, name)
    assert row is not None
    assert (row.holder, row.expires_at) == ("web-2", START + 2 * TTL)


def test_the_holder_renews_and_so_keeps_the_lease(
    db: Database, clock: FakeClock, name: str
) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    clock.advance(timedelta(seconds=60))
    assert first.try_acquire()
    clock.advance(timedelta(seconds=60))  # past the first expiry, inside the renewed one

    assert not second.try_acquire()
    row = stored(db, name)
    assert row is not None
    assert (row.holder, row.expires_at) == ("web-1", START + timedelta(seconds=60) + TTL)


def test_release_frees_the_lease_at_once(db: Database, clock: FakeClock, name: str) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    first.release()

    assert stored(db, name) is None
    assert second.try_acquire()


def test_only_the_holder_can_release(db: Database, clock: FakeClock, name: str) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    second.release()

    assert not second.try_acquire()


def test_leases_with_different_names_are_independent(
    db: Database, clock: FakeClock, name: str
) -> None:
    assert lease(db, clock, name, "web-1").try_acquire()

    assert lease(db, clock, f"{name}-other", "web-2").try_acquire()


def test_of_many_workers_racing_for_a_free_lease_exactly_one_wins(
    db: Database, clock: FakeClock, name: str
) -> None:
    contenders = [lease(db, clock, name, f"web-{n}") for n in range(8)]
    start = threading.Barrier(len(contenders))
    results: dict[str, bool] = {}

    def contend(contender: LeaderLease) -> None:
        start.wait()
        results[contender.holder] = contender.try_acquire()

    threads = [threading.Thread(target=contend, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [holder for holder, won in results.items() if won]
    assert len(results) == len(contenders)
    assert len(winners) == 1
    row = stored(db, name)
    assert row is not None
    assert row.holder == winners[0]


@pytest.mark.parametrize(
    "kwargs",
    [{"holder": ""}, {"name": ""}, {"ttl": timedelta(0)}],
    ids=["no holder", "no name", "no ttl"],
)
def test_a_lease_needs_a_holder_a_name_and_a_ttl(
    tmp_path: Path, clock: FakeClock, kwargs: dict[str, object]
) -> None:
    database = Database(url=f"sqlite:///{tmp_path / 'lease.db'}")
    arguments: dict[str, object] = {"name": "scheduler", "holder": "web-1", "ttl": TTL} | kwargs

    with pytest.raises(ValueError):
        LeaderLease(db=database, clock=clock, **arguments)  # type: ignore[arg-type]


# -- the fence the sweep checks before each pair commits ------------------------------------------


def fenced(db: Database, contender: LeaderLease) -> bool:
    with db.transaction() as session:
        return contender.fence(session)


def test_the_fence_passes_only_for_the_live_holder(
    db: Database, clock: FakeClock, name: str
) -> None:
    first, second = lease(db, clock, name, "web-1"), lease(db, clock, name, "web-2")
    assert first.try_acquire()

    assert fenced(db, first)
    assert not fenced(db, second)
    clock.advance(TTL)  # expired, though nobody took it yet: the holder must stop too
    assert not fenced(db, first)
    assert second.try_acquire()
    assert not fenced(db, first)
    assert fenced(db, second)


def test_a_takeover_waits_for_the_fenced_transaction_to_commit(
    postgresql_db: Database, clock: FakeClock, name: str
) -> None:
    first, second = (
        lease(postgresql_db, clock, name, "web-1"),
        lease(postgresql_db, clock, name, "web-2"),
    )
    assert first.try_acquire()
    taken: list[bool] = []
    with postgresql_db.transaction() as session:
        assert first.fence(session)  # FOR SHARE: held until this transaction ends
        clock.advance(TTL)
        contender = threading.Thread(target=lambda: taken.append(second.try_acquire()))
        contender.start()
        contender.join(timeout=1)
        assert contender.is_alive()  # waiting for the fenced pair's commit
    contender.join(timeout=10)
    assert taken == [True]
    assert not fenced(postgresql_db, first)
