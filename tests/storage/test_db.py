"""The database handle: URLs, and migrations that undo cleanly and survive a start-up race."""

from __future__ import annotations

import threading

from alembic import command
from sqlalchemy import inspect

from storage.db import Database, alembic_config, normalise_url


def test_hosting_providers_url_spellings_use_psycopg() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_the_migration_undoes_and_redoes_cleanly(database: Database) -> None:
    command.downgrade(alembic_config(database), "base")
    assert inspect(database.engine).get_table_names() == ["alembic_version"]
    database.migrate()
    assert "pairs" in inspect(database.engine).get_table_names()


def test_two_workers_migrating_at_once_both_succeed(postgresql_db: Database) -> None:
    # Several workers are a PostgreSQL set-up; SQLite serves one process (see the README).
    command.downgrade(alembic_config(postgresql_db), "base")
    twin = Database(url=postgresql_db.engine.url.render_as_string(hide_password=False))
    errors: list[BaseException] = []

    def start(db: Database) -> None:
        try:
            db.migrate()
        except BaseException as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)

    workers = [threading.Thread(target=start, args=(db,)) for db in (postgresql_db, twin)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    twin.dispose()
    assert errors == [], errors
    assert "pairs" in inspect(postgresql_db.engine).get_table_names()


def test_the_migrations_build_exactly_the_models(database: Database) -> None:
    # A column added to a model without a migration (or the reverse) fails here, on both backends.
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
