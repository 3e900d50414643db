"""A person's own hours through the real engine: `hours`, `away until`, `away off`, and the
enrol options and CSV columns that set them."""

from __future__ import annotations

from datetime import date

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import COORDINATOR, PROGRAMME, enrol, ok, person, programme, proposed, refused

from storage.db import Database


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)  # Monday 2027-01-04 08:00 UTC


def test_hours_shows_the_defaults_until_someone_changes_them(f: Flow) -> None:
    text = ok(f.command("sam", "hours"))
    assert "Mon-Fri 09:00-17:00 (UTC)" in text
    assert "away until" in text  # says how to hold everything while away


def test_hours_sets_the_hours_and_the_days(f: Flow) -> None:
    text = ok(f.command("sam", "hours 8-16 mon-thu"))
    assert "Mon-Thu 08:00-16:00 (UTC)" in text
    sam = person(f.db, "sam")
    assert (sam.work_start_hour, sam.work_end_hour, sam.work_days) == (8, 16, "1234")
    # Hours alone keep the days.
    ok(f.command("sam", "hours 10-18"))
    sam = person(f.db, "sam")
    assert (sam.work_start_hour, sam.work_end_hour, sam.work_days) == (10, 18, "1234")
    assert "Mon-Thu 10:00-18:00" in ok(f.command("sam", "hours"))


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("hours 17-9", "<hours> must be working hours like 9-17"),
        ("hours 9-25", "<hours> must be working hours like 9-17"),
        ("hours mon-fri", "<hours> must be working hours like 9-17"),
        ("hours 9-17 funday", "<days> must be working days like mon-fri"),
        ("hours 9-17 mon-fri extra", "but I also got"),
        ("away", "away needs until or off"),
        ("away until", "away until needs <date>"),
        ("away until next-week", "<date> must be a date like 2027-03-01"),
        ("away until 2027-02-30", "<date> must be a date like 2027-03-01"),
        ("away until 2027-01-04", "is not after today"),
        ("away until 2026-12-24", "is not after today"),
        ("away until 2028-06-01", "more than a year away"),
    ],
)
def test_bad_hours_and_dates_change_nothing_and_say_how(
    f: Flow, command: str, fragment: str
) -> None:
    ok(f.command("sam", "hours"))  # sam exists before the snapshot
    before = snapshot(f.db)
    refused(f.command("sam", command), fragment)
    assert_unchanged(f.db, before)


def test_away_until_then_away_off(f: Flow) -> None:
    text = ok(f.command("sam", "away until 2027-02-01"))
    assert "Away until Mon 01 Feb 2027" in text
    assert person(f.db, "sam").away_until == date(2027, 2, 1)
    assert "You are away until Mon 01 Feb 2027" in ok(f.command("sam", "hours"))
    assert "Welcome back" in ok(f.command("sam", "away off"))
    assert person(f.db, "sam").away_until is None
    assert "You were not away" in ok(f.command("sam", "away off"))


def test_the_commands_are_in_the_participants_usage(f: Flow) -> None:
    usage = ok(f.command("sam", "help"))
    assert "/tandem hours [hours] [days]" in usage
    assert "/tandem away until <date>" in usage and "/tandem away off" in usage
    assert "Example: /tandem hours 8-16 mon-thu" in ok(f.command("sam", "help hours"))


def test_setting_hours_that_share_nothing_with_the_partner_warns(f: Flow) -> None:
    proposed(f)  # maya mentors sam, both on UTC 09-17
    text = ok(f.command("sam", "hours 18-23"))
    assert "You and Maya now share no working hours" in text
    assert "share no" not in ok(f.command("sam", "hours 12-20"))


# -- at enrolment -----------------------------------------------------------------------------


def test_enrol_sets_zone_hours_days_and_away(f: Flow) -> None:
    programme(f)
    enrol(
        f,
        "sam",
        role="mentee",
        level=8,
        extra="--tz America/New_York --hours 8-16 --days sun-thu --away 2027-01-18",
    )
    sam = person(f.db, "sam")
    assert sam.timezone == "America/New_York"
    assert (sam.work_start_hour, sam.work_end_hour, sam.work_days) == (8, 16, "12347")
    assert sam.away_until == date(2027, 1, 18)


def test_enrol_without_them_keeps_the_defaults(f: Flow) -> None:
    programme(f)
    enrol(f, "sam", role="mentee", level=8)
    sam = person(f.db, "sam")
    assert (sam.work_days, sam.away_until) == ("12345", None)


def test_enrol_refuses_bad_days(f: Flow) -> None:
    programme(f)
    refused(
        f.command(
            COORDINATOR,
            f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8 --days weekdays',
        ),
        "--days must be working days like mon-fri",
    )


def test_the_csv_takes_days_and_away_until(f: Flow) -> None:
    programme(f)
    csv = (
        "user_id,name,role,level,timezone,hours,days,away_until\n"
        "sam,Sam,mentee,8,Asia/Dubai,8-16,sun-thu,2027-02-01\n"
        "maya,Maya,mentor,2,,,,\n"
    )
    ok(f.command(COORDINATOR, f'enrol --csv --programme "{PROGRAMME}"', attachment=csv))
    sam, maya = person(f.db, "sam"), person(f.db, "maya")
    assert (sam.work_days, sam.away_until) == ("12347", date(2027, 2, 1))
    assert (maya.work_days, maya.away_until) == ("12345", None)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("days", "weekdays", "line 2: days must look like mon-fri"),
        ("away_until", "1 March", "line 2: away_until must be a date like 2027-03-01"),
    ],
)
def test_the_csv_refuses_bad_days_and_dates_by_line(
    f: Flow, column: str, value: str, fragment: str
) -> None:
    programme(f)
    csv = f"user_id,role,level,{column}\nsam,mentee,8,{value}\n"
    refused(
        f.command(COORDINATOR, f'enrol --csv --programme "{PROGRAMME}"', attachment=csv), fragment
    )
