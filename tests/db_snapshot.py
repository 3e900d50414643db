"""Every row of every table, so a test can say exactly "nothing was stored" after refused input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select

from storage.db import Database

Snapshot = dict[str, list[tuple[Any, ...]]]

_TABLES: dict[str, MetaData] = {}


def snapshot(db: Database) -> Snapshot:
    """All rows of all tables in the database (reflected, so a new table is never missed)."""
    metadata = _TABLES.get(db.url)
    if metadata is None:
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        _TABLES[db.url] = metadata
    rows: Snapshot = {}
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                tuple(row) for row in connection.execute(select(table).order_by(*order))
            ]
    return rows


def differences(before: Snapshot, after: Snapshot) -> dict[str, tuple[list[Any], list[Any]]]:
    """Per table that changed: (rows gone, rows new); empty when nothing changed at all."""
    changed = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            changed[name] = ([r for r in old if r not in new], [r for r in new if r not in old])
    return changed


def assert_unchanged(db: Database, before: Snapshot) -> None:
    diff = differences(before, snapshot(db))
    assert not diff, f"stored state changed: {diff}"
