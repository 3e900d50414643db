"""Counting SQL statements: how tests pin that a hot path costs what it acts on, not what the
database holds (house rule 9). Behaviour, not timing: the same count at two sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from conftest import postgres_database, sqlite_database
from sqlalchemy import event

from storage.db import Database

T = TypeVar("T")


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def on_fresh_databases(
    backend: str,
    template: Path,
    folder: Path,
    sizes: tuple[int, ...],
    measure: Callable[[Database, int], T],
) -> list[T]:
    """`measure(db, size)` for each size, each on a fresh migrated database of `backend`."""
    found: list[T] = []
    for n, size in enumerate(sizes):
        if backend == "sqlite":
            (folder / str(n)).mkdir()
            db = sqlite_database(template, folder / str(n))
            try:
                found.append(measure(db, size))
            finally:
                db.dispose()
        else:
            databases = postgres_database()
            db = next(databases)
            try:
                found.append(measure(db, size))
            finally:
                databases.close()
    return found
