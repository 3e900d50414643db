"""How long a sweep takes, and how many SQL statements it sends, as the active pairs grow while
the due work stays the same: the sweep should cost what is due, not what exists.

Each size gets a fresh database holding that many active pairs (written in bulk with SQL, not
through the engine: a million pairs through the engine would take hours), each with a planned
session months ahead, and `--due` of them with a session reminder due now. Three such groups
are due at three moments; each moment is swept once and the median is printed.

"sweep ms" is wall time, "cpu ms" this process's CPU time (the database server's not included;
on a shared machine it varies much less than wall time), "load" the 1-minute load average when
the size finished. Prints figures; asserts nothing. Run:
    .venv/bin/python bench/sweep.py --backend sqlite 10000 100000 1000000 --due 5
    .venv/bin/python bench/sweep.py --backend postgresql 10000 100000 1000000 --due 1000
    .venv/bin/python bench/sweep.py 10000 --due 1000 --profile     # where the time goes
PostgreSQL needs TANDEM_TEST_DATABASE_URL (a schema is created and dropped per size).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.content import default_content  # noqa: E402
from bot.engine import Engine  # noqa: E402
from storage.db import Database, scratch_schema  # noqa: E402

START = datetime(2027, 1, 4, 8, tzinfo=UTC)
ROUNDS = 3  # groups of due pairs, each due at its own moment, each swept once
ROUND_GAP = timedelta(hours=1)
FAR = timedelta(days=200)  # when the pairs with nothing due next have something


def stamp(db: Database, moment: datetime) -> object:
    """A bulk-insert parameter for a UTC moment, as the UTCDateTime column stores it."""
    if db.dialect == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def numbers(db: Database, count: int) -> str:
    """A row source `g` of 1..count in SQL."""
    if db.dialect == "postgresql":
        return f"(SELECT generate_series(1, {count}) AS g) AS s"
    return f"(WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {count}) SELECT g FROM n) AS s"  # noqa: E501


def build(db: Database, pairs: int, due: int) -> float:
    """`pairs` active pairs, `ROUNDS` groups of `due` of them due at their round's moment;
    returns the seconds it took."""
    started = time.perf_counter()
    step = max(1, pairs // (due * ROUNDS))  # due pairs spread through the table, not clustered
    with db.transaction() as session:
        run = session.execute
        if db.dialect == "postgresql":  # 2,000,000 people in one statement outlast its timeout
            run(text("SET LOCAL statement_timeout = 0"))
        run(
            text(
                "INSERT INTO tenants (platform, external_id, name, created_at) "
                "VALUES ('console', 'bench', 'Bench', :now)"
            ),
            {"now": stamp(db, START)},
        )
        run(
            text(
                "INSERT INTO programmes (tenant_id, name, kind, default_sessions, "
                "default_cadence, default_length_minutes, focus_topics, created_at) "
                "VALUES (1, 'Bench', 'classic', 6, 'monthly', 60, '[]', :now)"
            ),
            {"now": stamp(db, START)},
        )
        run(
            text(
                "INSERT INTO people (tenant_id, platform_user_id, display_name, timezone, "
                "work_start_hour, work_end_hour, work_days, is_coordinator, created_at) "
                "SELECT 1, 'u' || g, 'Person ' || g, 'UTC', 0, 24, '1234567', false, :now "
                f"FROM {numbers(db, 2 * pairs)}"
            ),
            {"now": stamp(db, START)},
        )
        # Pair g: people 2g-1 and 2g. Due pairs (every `step`-th, for ROUNDS * due of them)
        # fall due at START + round * ROUND_GAP; the others in FAR.
        due_rule = f"(g % {step} = 0 AND g / {step} <= {due * ROUNDS})"
        round_of = f"((g / {step} - 1) / {due})"
        if db.dialect == "postgresql":
            due_at = (
                f"CASE WHEN {due_rule} THEN :start + {round_of} * interval '1 hour' ELSE :far END"  # noqa: E501
            )
            planned = f"CASE WHEN {due_rule} THEN :start + {round_of} * interval '1 hour' + interval '12 hours' ELSE :far_session END"  # noqa: E501
        else:
            due_at = f"CASE WHEN {due_rule} THEN strftime('%Y-%m-%d %H:%M:%f', :start, '+' || {round_of} || ' hours') || '000' ELSE :far END"  # noqa: E501
            planned = f"CASE WHEN {due_rule} THEN strftime('%Y-%m-%d %H:%M:%f', :start, '+' || ({round_of} + 12) || ' hours') || '000' ELSE :far_session END"  # noqa: E501
        params = {
            "now": stamp(db, START),
            "start": stamp(db, START)
            if db.dialect == "postgresql"
            else START.strftime("%Y-%m-%d %H:%M:%S"),
            "far": stamp(db, START + FAR),
            "far_session": stamp(db, START + FAR + timedelta(days=1)),
        }
        run(
            text(
                "INSERT INTO pairs (programme_id, mentor_id, mentee_id, stage, stage_changed_at, "
                "created_at, version, match_reason, due_at) "
                f"SELECT 1, 2 * g - 1, 2 * g, 'active', :now, :now, 1, '', {due_at} "
                f"FROM {numbers(db, pairs)}"
            ),
            params,
        )
        run(
            text(
                "INSERT INTO sessions (pair_id, number, planned_at, checkin_due_at, status) "
                f"SELECT g, 1, {planned}, :far_session, 'planned' FROM {numbers(db, pairs)}"
            ),
            params,
        )
    if db.dialect == "postgresql":
        # VACUUM, not only ANALYZE: rows fresh from a bulk insert have no hint bits yet, so the
        # first sweep to read them would also write every page it touched, which a table
        # that has been in use for months does not do.
        autocommit = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            connection.execute(text("SET statement_timeout = 0"))
            connection.execute(text("VACUUM ANALYZE"))
            # The build wrote gigabytes of WAL: flush it now, or the checkpoint it triggers
            # runs during the sweeps being measured (needs a superuser, as the test one is).
            connection.execute(text("CHECKPOINT"))
            connection.execute(text("RESET statement_timeout"))
    else:
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def database(backend: str) -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database(url=f"sqlite:///{Path(folder) / 'bench.db'}")
            db.migrate()
            yield db
            db.dispose()
        return
    url = os.environ.get("TANDEM_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("set TANDEM_TEST_DATABASE_URL for the PostgreSQL run")
    with scratch_schema(url, prefix="bench") as db:
        yield db


def measure(backend: str, pairs: int, due: int, profile: bool = False) -> None:
    profiler = cProfile.Profile() if profile else None
    with database(backend) as db:
        built = build(db, pairs, due)
        clock = FakeClock(START - timedelta(minutes=1))
        engine = Engine(db=db, clock=clock, content=default_content())
        engine.sweep()  # nothing due yet: connections and caches warm
        times, cpu, statements, done = [], [], [], []
        for n in range(ROUNDS):
            clock.set(START + n * ROUND_GAP)
            with counting(db) as sent:
                started, started_cpu = time.perf_counter(), time.process_time()
                if profiler is not None:
                    profiler.enable()
                done.append(engine.sweep())
                if profiler is not None:
                    profiler.disable()
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            statements.append(len(sent))
        print(
            f"{backend:>10} {pairs:>9,} {due:>5} {statistics.median(times) * 1000:>10.1f} "
            f"{statistics.median(cpu) * 1000:>8.1f} "
            f"{statistics.median(statements):>10.0f} {statistics.median(statements) / due:>9.2f} "
            f"{min(done):>5} {built:>8.1f} {os.getloadavg()[0]:>5.1f}",
            flush=True,
        )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--due", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the swept rounds")
    arguments = parser.parse_args()
    print(
        f"{'backend':>10} {'pairs':>9} {'due':>5} {'sweep ms':>10} {'cpu ms':>8} "
        f"{'statements':>10} {'per due':>9} {'done':>5} {'build s':>8} {'load':>5}"
    )
    for size in arguments.sizes:
        measure(arguments.backend, size, arguments.due, arguments.profile)


if __name__ == "__main__":
    main()
