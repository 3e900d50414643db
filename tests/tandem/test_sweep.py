"""`tandem sweep`: one sweep and delivery by hand, through the platforms `tandem serve` uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
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
from slack_fake import FakeSlack
from sqlalchemy import select
from typer.testing import CliRunner

from bot.clock import FakeClock, SystemClock
from bot.lifecycle import waiting
from storage.db import Database
from storage.models import SchedulerLease
from tandem.cli import app

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MONDAY_MORNING = START + timedelta(hours=2)  # 10:00 UTC: inside everyone's working hours


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack().in_background() as fake:
        yield fake


@pytest.fixture
def world(database: Database) -> Database:
    """A Slack pair and a console pair, both just introduced: their intros wait to go out."""
    engine = engine_for(database, FakeClock(START))
    paired(engine, platform="slack", tenant=SLACK_TEAM, people=SLACK_PEOPLE)
    paired(engine, platform="console", tenant="console", people=CONSOLE_PEOPLE)
    return database


def sweep(
    db: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str
):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "DATABASE_URL": url_of(db),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "TANDEM_WORKER_ID": "by-hand",
    }
    return CliRunner().invoke(app, ["sweep", *args], env=env)


def at(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_sweep_by_hand_delivers_through_slack_and_leaves_the_console_alone(
    world: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    waiting_before = outbox_by_platform(world, delivered=False)

    result = sweep(world, slack, monkeypatch, tmp_path, "--now", at(MONDAY_MORNING))

    assert result.exit_code == 0, result.output
    assert "Swept as of 2027-01-04 10:00 UTC: 0 due items handled" in result.stdout
    assert f"delivered {waiting_before['slack']} messages through slack, teams" in result.stdout
    assert slack.messages()  # the intros reached Slack
    left = outbox_by_platform(world, delivered=False)
    assert left.get("slack", 0) == 0
    assert left["console"] == waiting_before["console"]  # not Slack's to deliver
    with world.transaction() as session:  # the lease was given back for the real leader
        assert session.scalars(select(SchedulerLease)).all() == []


def test_now_rehearses_a_later_moment(
    world: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert sweep(world, slack, monkeypatch, tmp_path, "--now", at(MONDAY_MORNING)).exit_code == 0
    slack.reset()
    later = MONDAY_MORNING + waiting.REMIND_AFTER + timedelta(days=1)  # a Tuesday, 10:00

    result = sweep(world, slack, monkeypatch, tmp_path, "--now", at(later))

    assert result.exit_code == 0, result.output
    swept = int(result.stdout.split(": ")[1].split(" due items")[0])
    assert swept >= 1  # both Slack and console pairs are waiting for their answers
    assert slack.messages()  # the Slack pair's reminders went out through Slack
    assert outbox_by_platform(world, delivered=False).get("slack", 0) == 0


def test_a_running_leader_is_not_swept_beside(
    world: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Judged on the real clock, whatever --now says: a rehearsal far ahead must not take over.
    until = SystemClock().now() + timedelta(minutes=3)
    with world.transaction() as session:
        session.add(SchedulerLease(name="scheduler", holder="serve-1", expires_at=until))
    later = MONDAY_MORNING + waiting.REMIND_AFTER + timedelta(days=30)

    result = sweep(world, slack, monkeypatch, tmp_path, "--now", at(later))

    assert result.exit_code == 1
    assert result.stdout.startswith("Not swept: worker serve-1 leads (its lease runs until")
    with world.transaction() as session:
        [lease] = session.scalars(select(SchedulerLease)).all()
        assert (lease.holder, lease.expires_at) == (
            "serve-1",
            until.replace(microsecond=until.microsecond),
        )
    assert outbox_by_platform(world, delivered=False).get("slack", 0) == 0  # any worker delivers


@pytest.mark.parametrize(
    ("given", "complaint"),
    [("2027-01-04T10:00", "has no time zone"), ("next tuesday", "is not an ISO 8601 time")],
)
def test_a_bad_now_is_one_clear_line(given: str, complaint: str) -> None:
    result = CliRunner().invoke(app, ["sweep", "--now", given])

    assert result.exit_code == 2
    assert complaint in result.stderr and "Traceback" not in result.stderr
