"""Several `tandem serve` processes on one PostgreSQL: one sweeps, all deliver, each message once.

Real processes against the real database and a local fake of Slack's Web API (tests/slack_fake.py),
so these tests take real seconds: every wait polls with a deadline, and what is asserted is
behaviour (who swept, what was sent, how often), with the takeover bounded by the lease's time.
PostgreSQL only: SQLite serves one process (tandem/serve.py refuses a second; tested below).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import postgres_database
from slack_fake import FakeSlack
from slack_fake_workspace import FakeUser
from sqlalchemy import func, insert, select, update

from storage.db import Database
from storage.models import (
    NudgeSent,
    OutboxMessage,
    Pair,
    Person,
    Programme,
    SchedulerLease,
    Tenant,
)
from tandem.serve import hold_sqlite_file
from tandem.settings import ConfigError

SWEEP_SECONDS = 5  # the shortest interval settings allow
TTL = timedelta(seconds=3 * SWEEP_SECONDS)  # as tandem/serve.py sets it
LEASE_CHECK = TTL / 5  # how often every worker tries the lease (tandem/serve.py)
TANDEM = Path(sys.executable).with_name("tandem")
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class Workers:
    """`tandem serve` subprocesses sharing one database and one fake Slack."""

    db: Database
    slack: FakeSlack
    folder: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, worker_id: str) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "MICROSOFT_", "TANDEM_", "DATABASE_"))
        }
        env.update(
            DATABASE_URL=self.db.engine.url.render_as_string(hide_password=False),
            TANDEM_HOST="127.0.0.1",
            PORT=str(_free_port()),
            TANDEM_SWEEP_SECONDS=str(SWEEP_SECONDS),
            TANDEM_WORKER_ID=worker_id,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.slack.url,
        )
        log = (self.folder / f"{worker_id}.log").open("ab")
        self.running[worker_id] = subprocess.Popen(
            [str(TANDEM), "serve"], env=env, cwd=self.folder, stdout=log, stderr=log
        )

    def kill(self, worker_id: str) -> None:
        process = self.running.pop(worker_id)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running.values():
            process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.running.clear()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.folder.glob("*.log"))


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack().in_background() as fake:
        yield fake


@pytest.fixture
def workers(slack: FakeSlack, tmp_path: Path) -> Iterator[Workers]:
    databases = postgres_database()
    db = next(databases)
    running = Workers(db=db, slack=slack, folder=tmp_path)
    try:
        yield running
    finally:
        running.stop_all()
        databases.close()


# -- the world, written in bulk -----------------------------------------------------------------


def workspace(db: Database, slack: FakeSlack) -> tuple[int, int]:
    """The fake's Slack workspace with a programme: (tenant id, programme id)."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        tenant = session.scalar(
            insert(Tenant)
            .values(platform="slack", external_id=slack.team_id, name="Tandem", created_at=now)
            .returning(Tenant.id)
        )
        programme = session.scalar(
            insert(Programme)
            .values(tenant_id=tenant, name="P", kind="classic", created_at=now, focus_topics=[])
            .returning(Programme.id)
        )
    assert tenant is not None and programme is not None
    return tenant, programme


def people(db: Database, slack: FakeSlack, tenant: int, names: list[str]) -> dict[str, int]:
    """People always inside their working hours (so nothing is held), known to the fake."""
    now = datetime.now(UTC)
    for name in names:
        slack.add_user(FakeUser(name, name.lower(), name))
    with db.transaction() as session:
        session.execute(
            insert(Person),
            [
                {
                    "tenant_id": tenant,
                    "platform_user_id": name,
                    "display_name": name,
                    "timezone": "UTC",
                    "work_start_hour": 0,
                    "work_end_hour": 24,
                    "work_days": "1234567",
                    "is_coordinator": False,
                    "created_at": now,
                }
                for name in names
            ],
        )
        return {
            p.platform_user_id: p.id
            for p in session.scalars(select(Person).where(Person.tenant_id == tenant))
        }


def stuck_pairs(db: Database, slack: FakeSlack, count: int, *, prefix: str = "U") -> list[int]:
    """`count` pairs introduced 8 days ago and never answered: each is due its waiting
    reminder now, two messages (one to each person) that only a sweep creates."""
    found = db_workspace(db)
    tenant, programme = found if found else workspace(db, slack)
    names = [f"{prefix}{n:04d}{side}" for n in range(count) for side in ("M", "E")]
    ids = people(db, slack, tenant, names)
    then = datetime.now(UTC) - timedelta(days=8)
    with db.transaction() as session:
        session.execute(
            insert(Pair),
            [
                {
                    "programme_id": programme,
                    "mentor_id": ids[f"{prefix}{n:04d}M"],
                    "mentee_id": ids[f"{prefix}{n:04d}E"],
                    "stage": "proposed",
                    "stage_changed_at": then,
                    "created_at": then,
                    "version": 1,
                    "match_reason": "",
                    "due_at": then,
                }
                for n in range(count)
            ],
        )
        return list(
            session.scalars(
                select(Pair.id).where(Pair.mentor_id.in_([ids[n] for n in names if n[-1] == "M"]))
            )
        )


def db_workspace(db: Database) -> tuple[int, int] | None:
    with db.transaction() as session:
        row = session.execute(select(Programme.tenant_id, Programme.id)).first()
        return (row[0], row[1]) if row else None


def queued_messages(db: Database, slack: FakeSlack, count: int) -> None:
    """`count` private messages already in the outbox, each to its own person."""
    tenant, _ = db_workspace(db) or workspace(db, slack)
    ids = people(db, slack, tenant, [f"Q{n:04d}" for n in range(count)])
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "tenant_id": tenant,
                    "audience": "person",
                    "person_id": ids[f"Q{n:04d}"],
                    "payload": {"text": f"message {n}"},
                    "created_at": now,
                    "attempts": 0,
                }
                for n in range(count)
            ],
        )


# -- reading what happened ----------------------------------------------------------------------


def until(what: Callable[[], bool], *, within: float, workers: Workers) -> float:
    """Poll until `what` holds; the seconds it took. Fails with the workers' logs."""
    started = time.monotonic()
    while not what():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s; worker logs:\n{workers.logs()}")
        time.sleep(0.2)
    return time.monotonic() - started


def undelivered(db: Database) -> int:
    with db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.quarantined_at.is_(None))
            )
            or 0
        )


def outbox_size(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def sends(slack: FakeSlack) -> Counter[tuple[str, str]]:
    """Each message the fake received, by (channel, text): a count above 1 is a duplicate."""
    return Counter((m.channel, m.text) for m in slack.messages())


def leader(db: Database) -> str | None:
    with db.transaction() as session:
        row = session.scalar(select(SchedulerLease))
        return row.holder if row and row.expires_at > datetime.now(UTC) else None


def reminders_recorded(db: Database) -> list[tuple[int, int]]:
    with db.transaction() as session:
        return [
            (row.pair_id, row.level)
            for row in session.scalars(select(NudgeSent).where(NudgeSent.nudge == "waiting"))
        ]


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3])
def test_several_workers_sweep_once_and_deliver_each_message_once(
    workers: Workers, count: int
) -> None:
    pairs = stuck_pairs(workers.db, workers.slack, 30)
    queued_messages(workers.db, workers.slack, 60)
    for n in range(count):
        workers.start(f"worker-{n}")

    until(lambda: len(reminders_recorded(workers.db)) >= len(pairs), within=40, workers=workers)
    until(lambda: undelivered(workers.db) == 0, within=40, workers=workers)

    # One sweep's worth: each pair reminded once, though every worker tried the lease.
    assert sorted(reminders_recorded(workers.db)) == sorted((p, 1) for p in pairs)
    sent = sends(workers.slack)
    assert sum(sent.values()) == outbox_size(workers.db) == 60 + 2 * len(pairs)
    assert max(sent.values()) == 1  # nothing twice


def test_a_killed_leader_is_replaced_within_the_lease_time(workers: Workers) -> None:
    workspace(workers.db, workers.slack)
    workers.start("worker-a")
    workers.start("worker-b")
    until(lambda: leader(workers.db) is not None, within=30, workers=workers)
    first = leader(workers.db)
    assert first is not None

    workers.kill(first)
    took = until(
        lambda: leader(workers.db) not in (None, first),
        within=(TTL + 2 * LEASE_CHECK).total_seconds() + 10,  # generous for a busy machine
        workers=workers,
    )
    print(f"\nleader takeover after SIGKILL: {took:.1f} s (lease {TTL.total_seconds():.0f} s)")

    # The new leader sweeps: due work that appears now is done by it.
    pairs = stuck_pairs(workers.db, workers.slack, 5, prefix="N")
    until(lambda: len(reminders_recorded(workers.db)) == len(pairs), within=30, workers=workers)
    until(lambda: undelivered(workers.db) == 0, within=30, workers=workers)
    assert max(sends(workers.slack).values()) == 1


def test_a_worker_killed_while_delivering_loses_nothing_and_repeats_at_most_one(
    workers: Workers,
) -> None:
    total = 400
    queued_messages(workers.db, workers.slack, total)
    workers.start("worker-a")
    until(lambda: len(workers.slack.messages()) >= 40, within=30, workers=workers)
    workers.kill("worker-a")  # mid-run: a batch claimed, one message perhaps in flight
    assert undelivered(workers.db) > 0, "the worker finished before it could be killed"

    # Claims of a dead worker lapse after CLAIM_HOLD (minutes); instead of waiting that long,
    # the test lets them lapse now. Nothing else about the rows changes.
    with workers.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None))
            .values(claimed_until=datetime.now(UTC))
        )
    workers.start("worker-b")
    until(lambda: undelivered(workers.db) == 0, within=40, workers=workers)

    sent = sends(workers.slack)
    assert len(sent) == total  # every message arrived
    duplicates = sum(sent.values()) - total
    assert duplicates <= 1, duplicates  # at most the one in flight when the worker died


def test_a_second_server_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    held = hold_sqlite_file(url)
    assert held is not None
    try:
        with pytest.raises(ConfigError, match="already served by tandem serve"):
            hold_sqlite_file(url)
    finally:
        held.close()
    again = hold_sqlite_file(url)  # the first one stopped: the file is free again
    assert again is not None
    again.close()
    assert hold_sqlite_file("postgresql+psycopg://u@h/db") is None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
