"""Draining a backlog of outbox messages through a rate-limited fake Slack: one worker, then two.

A fresh database gets `--messages` pending outbox rows (written in bulk, not through the
engine) for `--people` people of one Slack workspace, each with a stored DM address, so every
message is one chat.postMessage and no conversations.open. A small aiohttp server on 127.0.0.1
plays Slack's Web API with a token bucket per workspace: `--rate` messages a second, a burst of
`--burst` (default: one second's worth), a 429 with `Retry-After: 1` beyond it. Workers are
separate processes running `deliver_pending_async` with `tandem serve`'s own Slack clients
(`adapters.slack.clients`: one kept-alive HTTP session) and a `SlackSender` that paces itself per
workspace (`--pace split`: each of N workers at rate/N with a burst of `--client-burst`/N, as
TANDEM_SLACK_RATE is meant to be set; `full`: each at the whole rate; `off`: no pacing, learning
the limit from 429s). Its client retries dropped connections but not 429s: the sender holds the
whole workspace for a 429's Retry-After and tries again itself.

Measured: wall time from the workers' start to the last one's end, messages/s against the
limit's own bound ((messages - burst) / rate seconds; "of max" is bound / wall), 429s
answered; checked: every message's marker reached the fake exactly once (duplicates,
missing) and every row is delivered in the database. Prints figures; asserts nothing.

    .venv/bin/python bench/drain.py                          # SQLite, one worker
    .venv/bin/python bench/drain.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
        # adds PostgreSQL with one and with two workers (a schema created and dropped per run;
        # TANDEM_TEST_DATABASE_URL works too)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bot.replies import Audience, Reply  # noqa: E402
from storage.db import Database, scratch_schema  # noqa: E402
from storage.models import ConversationAddress, OutboxMessage, Person, Tenant  # noqa: E402

TEAM = "T0BENCH"
TOKEN = "xoxb-bench"
MARKER = "drain-bench #"


# -- the rate-limited fake ------------------------------------------------------------------


@dataclass
class Limited:
    """chat.postMessage only, a token bucket per workspace (one token = one message)."""

    rate: float
    burst: float
    received: Counter[str] = field(default_factory=Counter)  # marker -> messages accepted
    limited: int = 0  # 429s answered
    first: float | None = None
    last: float | None = None
    _tokens: float = 0.0
    _at: float = 0.0

    def __post_init__(self) -> None:
        self._tokens, self._at = self.burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if request.match_info["method"] != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"})
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        # One event loop serves every request: take() and the counters need no lock.
        if not self.take():
            self.limited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        now = time.monotonic()
        self.first = self.first if self.first is not None else now
        self.last = now
        body = str(params.get("text", ""))
        marker = body[body.find(MARKER) + len(MARKER) :].split()[0] if MARKER in body else "?"
        self.received[marker] += 1
        channel = str(params.get("channel", ""))
        return web.json_response({"ok": True, "channel": channel, "ts": f"{now:.6f}"})


@contextmanager
def serving(fake: Limited) -> Iterator[str]:
    """The fake on its own thread and loop; yields its base_url."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="drain-fake", daemon=True)
    thread.start()
    app = web.Application()
    app.router.add_post("/api/{method}", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, sock, backlog=512).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


# -- the database ---------------------------------------------------------------------------


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[Database]:
    """SQLite in `folder` (url None), else a fresh PostgreSQL schema, dropped afterwards."""
    if url is None:
        db = Database(url=f"sqlite:///{folder / f'drain_{uuid.uuid4().hex[:6]}.db'}")
        db.migrate()
        try:
            yield db
        finally:
            db.dispose()
        return
    with scratch_schema(url, prefix="bench") as db:
        yield db


def fill(db: Database, *, messages: int, people: int) -> None:
    """One Slack tenant, `people` people with stored DM addresses, `messages` pending rows."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        tenant = Tenant(platform="slack", external_id=TEAM, name="Bench", created_at=now)
        session.add(tenant)
        session.flush()
        session.execute(
            insert(Person),
            [
                {
                    "tenant_id": tenant.id,
                    "platform_user_id": f"U{n:07d}",
                    "display_name": f"Person {n}",
                    "timezone": "UTC",
                    "work_start_hour": 0,
                    "work_end_hour": 24,
                    "work_days": "1234567",
                    "is_coordinator": False,
                    "created_at": now,
                }
                for n in range(people)
            ],
        )
        ids = list(session.scalars(select(Person.id).order_by(Person.id)))
        session.execute(
            insert(ConversationAddress),
            [
                {
                    "platform": "slack",
                    "person_id": i,
                    "address": {"channel": f"D{i:07d}"},
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "tenant_id": tenant.id,
                    "audience": Audience.PERSON.value,
                    "person_id": ids[n % len(ids)],
                    "pair_id": None,
                    "payload": Reply(text=f"Your reminder ({MARKER}{n} x)").to_dict(),
                    "created_at": now,
                    "attempts": 0,
                }
                for n in range(messages)
            ],
        )


def outcome(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        count = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        delivered = session.scalar(
            select(func.count()).where(OutboxMessage.delivered_at.is_not(None))
        )
        quarantined = session.scalar(
            select(func.count()).where(OutboxMessage.quarantined_at.is_not(None))
        )
        attempts = session.scalar(select(func.sum(OutboxMessage.attempts)))
    return {
        "rows": count,
        "delivered": delivered or 0,
        "quarantined": quarantined or 0,
        "attempts": attempts or 0,
    }


# -- the workers ----------------------------------------------------------------------------


def worker(
    url: str,
    base_url: str,
    limit: int,
    pace: tuple[float | None, float],
    profile: str | None,
    results: multiprocessing.Queue,
) -> None:
    """One process: drain until nothing is left to claim; reports (delivered, seconds)."""
    from adapters.slack.clients import slack_clients
    from adapters.slack.sender import SlackSender
    from bot.clock import SystemClock
    from bot.delivery import deliver_pending_async

    async def run() -> int:
        # tandem serve's own clients: one kept-alive session, 429s left to the sender.
        clients = slack_clients(token=TOKEN, base_url=base_url)
        await clients.open()
        rate, burst = pace
        sender = SlackSender(client=clients.sender, rate=rate, burst=burst)
        try:
            return await deliver_pending_async(
                db=db, clock=SystemClock(), senders={"slack": sender}, limit=limit
            )
        finally:
            await clients.close()

    db = Database(url=url)
    profiler = cProfile.Profile() if profile else None
    started = time.monotonic()
    cpu = time.process_time()
    try:
        if profiler is not None:
            profiler.enable()
        delivered = asyncio.run(run())
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(f"{profile}.{os.getpid()}")
        db.dispose()
    results.put((os.getpid(), delivered, time.monotonic() - started, time.process_time() - cpu))


@dataclass
class Run:
    backend: str
    workers: int
    messages: int
    rate: float
    burst: float
    wall: float
    sending: float  # first to last message the fake accepted
    per_worker: list[int]
    cpu_ms: list[float]
    limited: int
    duplicated: int
    missing: int
    db: dict[str, int]

    def line(self) -> str:
        bound = max(self.messages - self.burst, 0) / self.rate  # the fastest the limit allows
        achieved = self.messages / self.wall
        return (
            f"{self.backend:>10} {self.workers:>7} {self.messages:>8,} {self.rate:>6.0f} "
            f"{self.wall:>7.1f} {self.sending:>7.1f} {bound:>7.1f} {achieved:>7.1f} "
            f"{bound / self.wall:>6.0%} "
            f"{self.limited:>6} {self.duplicated:>5} {self.missing:>5} "
            f"{self.db['delivered']:>9,} {self.db['quarantined']:>5} {self.db['attempts']:>8,} "
            f"{'+'.join(str(n) for n in self.per_worker)} "
            f"({'/'.join(f'{ms:.1f}' for ms in self.cpu_ms)} ms CPU/msg)"
        )


def drain(backend: str, url: str | None, args: argparse.Namespace, workers: int) -> Run:
    burst = args.burst if args.burst is not None else args.rate
    with tempfile.TemporaryDirectory() as folder, database(url, Path(folder)) as db:
        fill(db, messages=args.messages, people=args.people)
        fake = Limited(rate=args.rate, burst=burst)
        with serving(fake) as base_url:
            context = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue = context.Queue()
            pace = paced(args, burst, workers)
            processes = [
                context.Process(
                    target=worker,
                    args=(db.url, base_url, args.messages, pace, args.profile, results),
                )
                for _ in range(workers)
            ]
            deadline = args.messages / args.rate * 3 + 120  # bounded: never waits for ever
            started = time.monotonic()
            for process in processes:
                process.start()
            per_worker: list[int] = []
            cpu_ms: list[float] = []  # each worker's own CPU per message it sent
            for _ in processes:
                left = deadline - (time.monotonic() - started)
                try:
                    _, sent, _, cpu = results.get(timeout=max(left, 1))
                    per_worker.append(sent)
                    cpu_ms.append(cpu * 1000 / max(sent, 1))
                except Exception:
                    print("  (deadline passed: stopping the workers)", flush=True)
                    break
            wall = time.monotonic() - started
            for process in processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=10)
        received = fake.received
        expected = {str(n) for n in range(args.messages)}
        return Run(
            backend=backend,
            workers=workers,
            messages=args.messages,
            rate=args.rate,
            burst=burst,
            wall=wall,
            sending=(fake.last or 0.0) - (fake.first or 0.0),
            per_worker=per_worker,
            cpu_ms=cpu_ms,
            limited=fake.limited,
            duplicated=sum(c - 1 for m, c in received.items() if m in expected and c > 1)
            + sum(c for m, c in received.items() if m not in expected),
            missing=len(expected - set(received)),
            db=outcome(db),
        )


def paced(args: argparse.Namespace, burst: float, workers: int) -> tuple[float | None, float]:
    """Each worker's (rate, burst) for its SlackSender."""
    client_burst = args.client_burst if args.client_burst is not None else burst / 2
    if args.pace == "off":
        return None, 1.0
    if args.pace == "full":
        return args.rate, client_burst
    return args.rate / workers, max(1.0, client_burst / workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--rate", type=float, default=300.0, help="messages/s per workspace")
    parser.add_argument("--burst", type=float, default=None, help="bucket size (default: rate)")
    parser.add_argument("--pace", choices=("split", "full", "off"), default="split")
    parser.add_argument(
        "--client-burst",
        type=float,
        default=None,
        help="the senders' burst, shared like the rate (default: half the fake's)",
    )
    parser.add_argument("--workers", default="1,2", help="PostgreSQL runs, e.g. 1,2 or 2")
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile each worker into PREFIX.<pid> (read with python -m pstats)",
    )
    parser.add_argument("--database-url", default=os.environ.get("TANDEM_TEST_DATABASE_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    runs: list[tuple[str, str | None, int]] = []
    if not args.skip_sqlite:
        runs.append(("sqlite", None, 1))
    if args.database_url:
        runs += [("postgresql", args.database_url, int(n)) for n in args.workers.split(",")]
    print(
        f"{'backend':>10} {'workers':>7} {'messages':>8} {'rate':>6} {'wall s':>7} "
        f"{'send s':>7} {'bound s':>7} {'msg/s':>7} {'of max':>6} {'429s':>6} "
        f"{'dup':>5} {'miss':>5} "
        f"{'delivered':>9} {'quar':>5} {'attempts':>8} per worker",
        flush=True,
    )
    for backend, url, workers in runs:
        print(drain(backend, url, args, workers).line(), flush=True)


if __name__ == "__main__":
    main()
