"""Fixtures of the Slack end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """slack_world's database: its own SQLite file, or a private PostgreSQL schema when
    TANDEM_TEST_DATABASE_URL is set (skipped, with that reason, when it is not)."""
    if request.param == "sqlite":
        yield None
    else:
        for database in postgres_database():
            yield database.url
