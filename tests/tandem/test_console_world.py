"""Item 6 of issue 7: `tandem chat` stays in its own world on a shared database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flow import START
from operator_world import (
    CONSOLE_PEOPLE,
    SLACK_PEOPLE,
    SLACK_TEAM,
    engine_for,
    outbox_by_platform,
    paired,
    url_of,
)
from typer.testing import CliRunner

from bot.clock import FakeClock
from bot.lifecycle import waiting
from storage.db import Database
from tandem.cli import app


def test_a_sweep_limited_to_the_console_touches_no_other_workspace(database: Database) -> None:
    clock = FakeClock(START)
    engine = engine_for(database, clock)
    paired(engine, platform="slack", tenant=SLACK_TEAM, people=SLACK_PEOPLE)
    paired(engine, platform="console", tenant="console", people=CONSOLE_PEOPLE)
    before = outbox_by_platform(database)
    clock.advance(waiting.REMIND_AFTER + timedelta(hours=1))  # both pairs' intros are overdue

    handled = engine.sweep(platforms=("console",))

    after = outbox_by_platform(database)
    assert handled >= 1
    assert after["console"] > before["console"]  # the console pair was reminded
    assert after["slack"] == before["slack"]  # the Slack pair was not touched
    assert engine.sweep() >= 1  # an unscoped sweep (tandem serve's) does reach it
    assert outbox_by_platform(database)["slack"] > before["slack"]


@pytest.fixture
def shared(database: Database) -> str:
    """A database holding a real Slack workspace, as `tandem chat` would find it."""
    paired(
        engine_for(database, FakeClock(START)),
        platform="slack",
        tenant=SLACK_TEAM,
        people=SLACK_PEOPLE,
    )
    return url_of(database)


def test_chat_on_a_database_with_a_real_workspace_says_so_and_refuses_to_move_time(
    shared: str, database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    before = outbox_by_platform(database)
    lines = ["programme create C --kind classic", ":wait 8d", ":who", ":quit"]

    result = CliRunner().invoke(
        app,
        ["chat", "--as", "hana"],
        env={"DATABASE_URL": shared, "TANDEM_COORDINATORS": "hana"},
        input="\n".join(lines) + "\n",
    )

    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # Rich wraps long lines
    assert f"This database also holds real workspaces: slack {SLACK_TEAM}" in out
    assert "The console touches only its own workspace (console 'console')" in out
    assert f":wait is off: this database also holds real workspaces (slack {SLACK_TEAM}" in out
    assert "Time passes" not in out
    assert "Created the classic" in out or 'programme "C"' in out  # chatting still works
    after = outbox_by_platform(database, delivered=False)
    assert after.get("slack") == before["slack"]  # nothing of Slack's delivered or added


def test_chat_on_its_own_database_moves_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        ["chat"],
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}"},
        input=":wait 2h\n:quit\n",
    )

    assert result.exit_code == 0, result.output
    assert "Time passes" in result.stdout
    assert "real workspaces" not in result.stdout
