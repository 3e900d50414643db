"""The one composition root: settings in, a migrated database, content and an engine out.

Nothing here runs at import time; each entry point (`tandem chat`, `tandem demo`, later
`tandem serve`) calls `build` once with its settings and clock and injects what it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from alembic.script import ScriptDirectory
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from bot.clock import Clock
from bot.content import Content, ContentError
from bot.delivery import Sender, deliver_pending
from bot.engine import Engine
from scheduler.jobs import build_scheduler, run_due_work
from storage.db import (
    Database,
    MigrationLockTimeout,
    NewerSchema,
    alembic_config,
    normalise_url,
)
from storage.lease import LeaderLease
from tandem.settings import ConfigError, Settings


@dataclass(frozen=True, kw_only=True)
class App:
    settings: Settings
    clock: Clock
    db: Database
    content: Content
    engine: Engine

    def deliver(self, sender: Sender, *, platforms: Collection[str] | None = None) -> int:
        """Hand the waiting outbox rows (of `platforms`, default all) to `sender`."""
        return deliver_pending(db=self.db, clock=self.clock, sender=sender, platforms=platforms)

    def due_work(self, sender: Sender) -> Callable[[], tuple[int, int] | None]:
        """The scheduler's job for this worker: sweep and deliver, on the leader only.

        The lease outlives three sweep intervals, so a slow sweep does not hand leadership to
        another worker midway, and a crashed leader is replaced within a few minutes.
        """
        lease = LeaderLease(
            db=self.db,
            clock=self.clock,
            holder=self.settings.worker_id,
            ttl=timedelta(seconds=3 * self.settings.sweep_seconds),
        )
        return partial(
            run_due_work,
            lease=lease,
            sweep=self.engine.sweep,
            deliver=partial(self.deliver, sender),
        )

    def scheduler(self, sender: Sender) -> BackgroundScheduler:
        """A scheduler (not yet started) running `due_work` every TANDEM_SWEEP_SECONDS."""
        return build_scheduler(
            interval_seconds=self.settings.sweep_seconds, job=self.due_work(sender)
        )

    def close(self) -> None:
        self.db.dispose()


def build(settings: Settings, *, clock: Clock) -> App:
    """Open (and migrate) the database, load the content, and wire the engine."""
    db = open_database(settings.database_url)
    try:
        content = Content.load(language=settings.language)
    except ContentError as error:
        db.dispose()
        raise ConfigError(f"TANDEM_LANGUAGE: {error}") from None
    engine = Engine(db=db, clock=clock, content=content, coordinators=settings.coordinators)
    engine.apply_coordinator_setting()  # what the setting no longer grants goes at start
    return App(settings=settings, clock=clock, db=db, content=content, engine=engine)


def open_database(
    url: str, *, migrate: bool = True, lock_wait: timedelta | None = None
) -> Database:
    """A migrated Database, or ConfigError naming DATABASE_URL (never echoing a password).

    Every entry point opens the database here, so each refuses the same way a database it
    cannot reach in seconds, one whose migration lock stays held, and one migrated by a newer
    Tandem. With `migrate=False` (read-only commands) the database must already be current.
    """
    shown = safe_url(url)
    try:
        db = Database(url=url)
    except (ArgumentError, NoSuchModuleError, ValueError):
        given = f"{shown!r} is not" if shown else "this is not"
        raise ConfigError(
            f"DATABASE_URL: {given} a database URL Tandem can use; "
            "try sqlite:///tandem.db or postgresql://user:password@host/dbname"
        ) from None
    except ImportError as error:
        raise ConfigError(f"DATABASE_URL: the database driver is not installed ({error})") from None
    try:
        if migrate and lock_wait is not None:
            db.migrate(lock_wait=lock_wait)
        elif migrate:
            db.migrate()
        else:
            _require_current(db, shown)
    except NewerSchema as newer:
        db.dispose()
        raise ConfigError(
            f"DATABASE_URL: the database at {shown} is at revision {newer.current}, which this "
            f"Tandem does not know (its latest is {newer.head}): a newer Tandem migrated it. "
            "Run that version, or restore a backup taken before it migrated."
        ) from None
    except MigrationLockTimeout as stuck:
        db.dispose()
        raise ConfigError(
            f"DATABASE_URL: cannot migrate the database at {shown}: {stuck}"
        ) from None
    except OperationalError as error:
        db.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "could not connect"
        raise ConfigError(f"DATABASE_URL: cannot open the database at {shown}: {reason}") from None
    except SQLAlchemyError as error:
        db.dispose()
        raise ConfigError(
            f"DATABASE_URL: the database at {shown} failed to migrate: {type(error).__name__}"
        ) from None
    except ConfigError:
        db.dispose()
        raise
    return db


def _require_current(db: Database, shown: str) -> None:
    current, head = revisions(db)
    if current == head:
        return
    if current is not None and current not in _all_revisions(db):
        raise NewerSchema(current=current, head=head)
    raise ConfigError(
        f"DATABASE_URL: the database at {shown} is at revision {current or 'none'} and this "
        f"Tandem's latest is {head}: run `tandem migrate` first."
    )


def _all_revisions(db: Database) -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config(db))
    return {script.revision for script in scripts.walk_revisions()}


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages; empty when it can't even be parsed."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return ""


def revisions(db: Database) -> tuple[str | None, str | None]:
    """(the Alembic revision the database is at, the newest revision Tandem ships)."""
    return db.revision(), ScriptDirectory.from_config(alembic_config(db)).get_current_head()
