"""Issue 7: a database that is unreachable, hung, locked or too new is a clear error, exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from operator_world import url_of
from sqlalchemy import text
from typer.testing import CliRunner

from storage.db import MIGRATION_LOCK, Database, head_revision
from tandem import bootstrap
from tandem.cli import app
from tandem.settings import ConfigError

NEWER = "9f9f9f9f9f9f"  # a revision a newer Tandem might have written


def tandem(
    *args: str, url: str, cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: a hang is a failed test, not a stuck run."""
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", "from tandem.cli import app; app()", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for connection in held:
        connection.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    return port


@pytest.mark.parametrize("kind", ["nothing listens", "accepts and never answers"])
def test_migrate_against_an_unreachable_database_fails_clearly(
    kind: str, silent_server: int, tmp_path: Path
) -> None:
    port = closed_port() if kind == "nothing listens" else silent_server
    url = f"postgresql://tandem:s3cret@127.0.0.1:{port}/tandem"

    result = tandem("migrate", url=url, cwd=tmp_path)  # subprocess.TimeoutExpired after 30 s

    assert result.returncode == 2
    assert result.stderr.startswith("tandem: configuration error: DATABASE_URL: cannot open")
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr


def _make_newer(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})


@pytest.mark.parametrize("command", ["migrate", "chat", "status", "sweep"])
def test_a_database_from_a_newer_tandem_is_refused_naming_both_revisions(
    command: str, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_newer(database)
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": url_of(database)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID"):
        monkeypatch.delenv(name, raising=False)

    result = CliRunner().invoke(app, [command], env=env, input=":quit\n")

    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert f"is at revision {NEWER}, which this Tandem does not know" in message
    assert f"(its latest is {head_revision()})" in message
    assert "DATABASE_URL" in message and "Traceback" not in message
    with database.engine.connect() as connection:  # and nothing was changed
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == NEWER


def test_serve_refuses_a_newer_database_too(database: Database, tmp_path: Path) -> None:
    _make_newer(database)

    result = tandem("serve", url=url_of(database), cwd=tmp_path)

    assert result.returncode == 2
    assert f"revision {NEWER}" in result.stderr and "Traceback" not in result.stderr


def test_the_shared_path_refuses_a_newer_database(database: Database) -> None:
    # tandem demo, chat and serve all open the database through bootstrap.open_database.
    _make_newer(database)

    with pytest.raises(ConfigError, match=f"revision {NEWER}.*its latest is {head_revision()}"):
        bootstrap.open_database(url_of(database))


def test_a_migration_waiting_on_a_held_lock_gives_up_clearly(postgresql_db: Database) -> None:
    with postgresql_db.engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            with pytest.raises(ConfigError, match="migration lock") as refused:
                bootstrap.open_database(url_of(postgresql_db), lock_wait=timedelta(seconds=1))
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    assert str(refused.value).startswith("DATABASE_URL: cannot migrate the database at")
    bootstrap.open_database(url_of(postgresql_db)).dispose()  # free again: it migrates


def test_postgresql_sessions_carry_lock_and_statement_timeouts(postgresql_db: Database) -> None:
    with postgresql_db.engine.connect() as connection:
        assert connection.scalar(text("SHOW lock_timeout")) == "10s"
        assert connection.scalar(text("SHOW statement_timeout")) == "1min"
        # the test's own options (its schema) survive next to Tandem's
        assert connection.scalar(text("SHOW search_path")).startswith("t_")


def test_a_locked_table_is_a_clear_error_not_a_hang(
    postgresql_db: Database, tmp_path: Path
) -> None:
    with postgresql_db.engine.connect() as locker:
        locker.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
        try:
            # returns within the subprocess's 30 s bound: the lock timeout ends the wait
            result = tandem("status", url=url_of(postgresql_db), cwd=tmp_path)
        finally:
            locker.rollback()

    assert result.returncode == 2
    assert result.stderr.startswith("tandem: DATABASE_URL: the database at")
    assert "lock timeout" in result.stderr and "Traceback" not in result.stderr
