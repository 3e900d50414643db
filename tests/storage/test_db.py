"""The database handle: URLs, and migrations that workers starting together cannot trip over."""

from __future__ import annotations

import threading

from alembic import command
from sqlalchemy import inspect

from storage.db import Database, alembic_config, normalise_url


def test_hosting_providers_url_spellings_use_psycopg() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_two_workers_migrating_at_once_both_succeed(database: Database) -> None:
    # `database` is already migrated; dropping to base and racing back up is the start-up race.
    command.downgrade(alembic_config(database), "base")  # the migration also undoes cleanly
    assert "pairs" not in inspect(database.engine).get_table_names()
    errors: list[BaseException] = []
    twin = Database(url=database.engine.url.render_as_string(hide_password=False))

    def start(db: Database) -> None:
        try:
            db.migrate()
        except BaseException as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)

    workers = [threading.Thread(target=start, args=(db,)) for db in (database, twin)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    twin.dispose()
    assert errors == [] or database.dialect == "sqlite", errors
    assert "pairs" in inspect(database.engine).get_table_names()
