"""The database handle: one engine and session factory per process, and schema migration.

Every wait is bounded, so an unreachable, hung or locked database is an error within seconds
rather than a process that hangs: PostgreSQL gets connect, lock and statement timeouts; SQLite
waits at most `BUSY_TIMEOUT` for another writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x74616E64  # "tand": the advisory lock id Tandem's migrations hold

CONNECT_TIMEOUT = timedelta(seconds=4)  # per attempt (sslmode=prefer makes two)
LOCK_TIMEOUT = timedelta(seconds=10)  # a row or table lock another transaction holds
STATEMENT_TIMEOUT = timedelta(seconds=60)  # any one statement (migrations have none)
BUSY_TIMEOUT = timedelta(seconds=5)  # SQLite: another process writing
# Workers that start together wait for the first to migrate; a big migration takes a while,
# but a lock held for longer than this is a stuck process, not a migration.
MIGRATION_LOCK_WAIT = timedelta(minutes=2)


class MigrationLockTimeout(Exception):
    """Another process held the migration lock for longer than we were prepared to wait."""


class NewerSchema(Exception):
    """The database was migrated by a newer Tandem: this code does not know its revision."""

    def __init__(self, *, current: str, head: str | None) -> None:
        super().__init__(f"the database is at revision {current}, unknown to this Tandem")
        self.current = current
        self.head = head


def normalise_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings hosting providers hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """Owns the SQLAlchemy engine; `transaction()` is the unit of work the engine runs in."""

    def __init__(self, *, url: str, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine: Engine = create_engine(
            self.url, echo=echo, future=True, connect_args=_connect_args(self.url)
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends normally; roll back everything when it raises."""
        with self._sessions.begin() as session:
            yield session

    def migrate(
        self, revision: str = "head", *, lock_wait: timedelta = MIGRATION_LOCK_WAIT
    ) -> None:
        """Bring the schema up to `revision`. On PostgreSQL an advisory lock makes workers that
        start together take turns: the first migrates, the others then find nothing to do.

        Raises NewerSchema for a database a newer Tandem migrated (before touching it), and
        MigrationLockTimeout when another process holds the lock for longer than `lock_wait`.
        """
        if self.dialect != "postgresql":
            self._refuse_newer()
            command.upgrade(alembic_config(self), revision)
            return
        with self.engine.connect() as lock:
            _take_migration_lock(lock, lock_wait)
            try:
                self._refuse_newer()
                # The migrating connection has no statement timeout (an index on a big table
                # takes what it takes) but keeps the lock timeout: a table some other
                # transaction holds still fails within seconds.
                migrating = create_engine(
                    self.url, connect_args=_connect_args(self.url, statement_timeout=None)
                )
                config = alembic_config(self)
                config.attributes["engine"] = migrating
                try:
                    command.upgrade(config, revision)
                finally:
                    migrating.dispose()
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                lock.commit()

    def revision(self) -> str | None:
        """The Alembic revision the database is at (None: never migrated)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def _refuse_newer(self) -> None:
        current = self.revision()
        scripts = ScriptDirectory.from_config(alembic_config(self))
        if current is not None and not _known(scripts, current):
            raise NewerSchema(current=current, head=scripts.get_current_head())

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def head_revision() -> str | None:
    """The newest revision this Tandem ships."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises its own CommandError / ResolutionError kinds
        return False


def _take_migration_lock(lock: Connection, wait: timedelta) -> None:
    # pg_advisory_lock obeys lock_timeout: wait at most `wait`, then say who is blocking.
    lock.execute(text(f"SET lock_timeout = {_ms(wait)}"))
    try:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        lock.rollback()
        raise MigrationLockTimeout(
            f"another process held Tandem's migration lock for more than "
            f"{wait.total_seconds():g} s (advisory lock {MIGRATION_LOCK})"
        ) from None
    lock.execute(text(f"SET lock_timeout = {_ms(LOCK_TIMEOUT)}"))
    lock.commit()


def _connect_args(
    url: str, *, statement_timeout: timedelta | None = STATEMENT_TIMEOUT
) -> dict[str, Any]:
    """Timeouts set at connection time, so they hold for every statement on every connection.

    Values given in DATABASE_URL itself win: `?connect_timeout=20` or `?options=-c...`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    given = parsed.query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    for name, value in (
        ("lock_timeout", LOCK_TIMEOUT),
        ("statement_timeout", statement_timeout or timedelta(0)),  # 0: none
    ):
        if name not in options:
            options = f"{options} -c {name}={_ms(value)}".strip()
    args: dict[str, Any] = {"options": options}
    if "connect_timeout" not in parsed.query:
        args["connect_timeout"] = int(CONNECT_TIMEOUT.total_seconds())
    return args


def _ms(duration: timedelta) -> int:
    return int(duration.total_seconds() * 1000)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Foreign keys are off by default in SQLite; WAL lets the sweep read while a worker writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL is safe against a crashed process (never a corrupt file); only an OS
    # crash or power cut can lose the last commits. FULL costs an fsync per commit, which
    # bench/slack_http.py measured at 6 ms of every request.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_ms(BUSY_TIMEOUT)}")
    cursor.close()


@contextmanager
def scratch_schema(url: str, *, prefix: str = "scratch") -> Iterator[Database]:
    """A migrated Database in a private PostgreSQL schema, dropped when the block ends.

    For tests and benchmarks that share one server: each gets a schema of its own, so runs
    never see each other's rows and leave nothing behind.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(url=url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database(url=scoped.render_as_string(hide_password=False))
    try:
        database.migrate()
        yield database
    finally:
        database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
