"""Who is acting: the platform's identity, its display name and its time zone."""

from __future__ import annotations

from flow import Flow
from scenario import COORDINATOR, enrol, ok, person, programme

from bot.events import Actor, Command
from storage.db import Database


def act(f: Flow, timezone: str | None) -> None:
    actor = Actor(
        platform="console", tenant="test", user_id="maya", display_name="Maya", timezone=timezone
    )
    ok(f.engine.handle(Command(actor=actor, text="status")))


def test_the_platforms_time_zone_replaces_the_enrolment_default(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    programme(f)
    enrol(f, "maya", role="mentor", level=2)  # no --tz: stored as UTC
    assert person(sqlite_db, "maya").timezone == "UTC"
    act(f, "America/Los_Angeles")
    assert person(sqlite_db, "maya").timezone == "America/Los_Angeles"
    act(f, "Not/AZone")  # a zone we cannot use is ignored, never stored
    act(f, None)
    assert person(sqlite_db, "maya").timezone == "America/Los_Angeles"
    assert person(sqlite_db, COORDINATOR).timezone == "UTC"
