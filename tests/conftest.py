"""Shared fixtures: a real, migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL runs when TANDEM_TEST_DATABASE_URL is set (.ci/run sets it); otherwise those
tests skip with that reason, visible in pytest's summary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from storage.db import Database, scratch_schema

POSTGRES_ENV = "TANDEM_TEST_DATABASE_URL"

# Tests assert behaviour, never durations: no per-example deadline on a busy CI machine.
settings.register_profile("tandem", deadline=None)
# In CI the examples are derived from each test's name, so a run is reproducible and a red
# build always means a change broke something; developers' runs keep exploring at random
# (that is how the hostile-input tests found their bugs) and keep what they find.
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "tandem")


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Alembic runs once; each test copies the migrated file, which is much faster."""
    path = tmp_path_factory.mktemp("template") / "tandem.db"
    database = Database(url=f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


def sqlite_database(template: Path, folder: Path) -> Database:
    path = folder / "tandem.db"
    shutil.copy(template, path)
    return Database(url=f"sqlite:///{path}")


def postgres_database() -> Iterator[Database]:
    """A private schema per test, migrated by Alembic, dropped afterwards."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL variant not run")
    with scratch_schema(url, prefix="t") as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, migrated_sqlite_template: Path, tmp_path: Path
) -> Iterator[Database]:
    """The same test on both backends: behaviour must be identical."""
    if request.param == "sqlite":
        db = sqlite_database(migrated_sqlite_template, tmp_path)
        yield db
        db.dispose()
    else:
        yield from postgres_database()


@pytest.fixture
def postgresql_db() -> Iterator[Database]:
    """PostgreSQL only: for behaviour SQLite cannot show (row locks, NUL bytes, long keys)."""
    yield from postgres_database()


@pytest.fixture
def sqlite_db(migrated_sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite only: for the many unit tests whose logic does not depend on the backend."""
    db = sqlite_database(migrated_sqlite_template, tmp_path)
    yield db
    db.dispose()
