"""`GET /healthz` of `tandem serve` with Slack enabled: ready only while the database answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_steps import get
from slack_world import slack_world

from storage.db import Database


def test_healthz_is_200_while_the_database_answers_and_503_when_it_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with slack_world(tmp_path) as world:
        ready = get(world, "/healthz")
        assert ready.status == 200
        assert (ready.json()["status"], ready.json()["database"]) == ("ok", "ok")
        assert ready.json()["platforms"]["slack"] == "http"

        # A database file in a folder that does not exist: SQLite cannot open it, every time.
        gone = Database(url=f"sqlite:///{tmp_path / 'no such folder' / 'tandem.db'}")
        monkeypatch.setattr(world.server.built.db, "engine", gone.engine)
        down = get(world, "/healthz")
        assert down.status == 503
        assert down.json()["status"] == "unavailable" and down.json()["database"] == "down"
        assert "Traceback" not in down.body

        monkeypatch.undo()  # the database is back: so is readiness
        assert get(world, "/healthz").status == 200
        gone.dispose()
