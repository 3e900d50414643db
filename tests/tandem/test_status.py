"""`tandem status`: per workspace, what is due, the outbox, the leader and the last sweep."""

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
from rich.console import Console
from sqlalchemy import select
from typer.testing import CliRunner

from bot.clock import FakeClock, SystemClock
from storage.db import Database
from storage.models import MentoringSession, OutboxMessage, Pair, SchedulerLease, Tenant
from tandem.cli import app
from tandem.status import gather, has_due_at, show


@pytest.fixture
def world(database: Database) -> Database:
    """A Slack and a console workspace; one Slack message quarantined; a session tomorrow-ish;
    a live leader; and one sweep of every workspace, at START."""
    clock = FakeClock(START)
    engine = engine_for(database, clock)
    paired(engine, platform="slack", tenant=SLACK_TEAM, people=SLACK_PEOPLE)
    paired(engine, platform="console", tenant="console", people=CONSOLE_PEOPLE)
    engine.sweep()
    now = SystemClock().now()
    with database.transaction() as session:
        slack = session.scalar(select(Tenant).where(Tenant.platform == "slack"))
        assert slack is not None
        first = session.scalars(
            select(OutboxMessage).where(OutboxMessage.tenant_id == slack.id)
        ).first()
        assert first is not None
        first.quarantined_at = now
        pair = session.scalars(select(Pair).order_by(Pair.id)).first()
        assert pair is not None
        for number, hours in ((1, 3), (2, 30)):  # one within the next day, one after it
            planned = now + timedelta(hours=hours)
            session.add(
                MentoringSession(
                    pair_id=pair.id,
                    number=number,
                    planned_at=planned,
                    checkin_due_at=planned + timedelta(hours=2),
                )
            )
        session.add(
            SchedulerLease(
                name="scheduler", holder="serve-7", expires_at=now + timedelta(minutes=2)
            )
        )
    return database


def test_status_counts_each_workspace(
    world: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    waiting = outbox_by_platform(world, delivered=False)

    result = CliRunner().invoke(app, ["status"], env={"DATABASE_URL": url_of(world)})

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Tandem status at ")
    assert lines[1].startswith("Leader: serve-7 (lease 'scheduler' until ")
    assert lines[2] == "Last sweep: 2027-01-04 08:00 UTC, 0 due items handled"
    rows = {line.split()[0] + " " + line.split()[1]: line.split() for line in lines[5:]}
    slack = rows[f"slack {SLACK_TEAM}"]
    console = rows["console console"]
    # columns: platform id | due | waiting | oldest (date time UTC) | quarantined | last sweep
    assert slack[3] == str(waiting["slack"] - 1) and slack[7] == "1"
    assert console[3] == str(waiting["console"]) and console[7] == "0"
    assert slack[4:7] == ["2027-01-04", "08:00", "UTC"]
    assert slack[8:] == console[8:] == ["2027-01-04", "08:00", "UTC"]
    if not has_due_at():
        assert "counts sessions planned by then" in lines[3]
        assert (slack[2], console[2]) == ("1", "0")  # the session in 3 hours, not the one in 30
    else:
        assert "pairs.due_at" in lines[3]


def test_a_console_sweep_is_shown_only_for_the_console(world: Database) -> None:
    engine_for(world, FakeClock(START + timedelta(days=40))).sweep(platforms=("console",))

    status = gather(world, now=SystemClock().now())

    by_platform = {w.platform: w for w in status.workspaces}
    assert by_platform["console"].last_sweep == START + timedelta(days=40)
    assert by_platform["slack"].last_sweep == START
    assert status.last_sweep == START


def test_on_a_terminal_status_is_a_table(world: Database) -> None:
    console = Console(record=True, width=140, force_terminal=True)

    show(gather(world, now=SystemClock().now()), console=console, plain=False, database="db")

    out = console.export_text()
    assert "Workspaces" in out and "┃ Workspace" in out
    assert f"slack {SLACK_TEAM}" in out and "Quarantined" in out


def test_status_does_not_migrate_an_old_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'new.db'}"

    result = CliRunner().invoke(app, ["status"], env={"DATABASE_URL": url})

    assert result.exit_code == 2
    assert "at revision none" in result.stderr and "run `tandem migrate` first" in result.stderr
