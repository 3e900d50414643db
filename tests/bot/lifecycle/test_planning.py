"""Planning sessions inside both people's working hours, across zones and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flow import Flow
from scenario import active, enrol, ok, person, programme, refused, rows

from bot.content import default_content
from bot.hours import Hours, is_working
from bot.lifecycle.planning import describe_when, reminder_due, time_for, time_on
from storage.db import Database
from storage.models import MentoringSession

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
CONTENT = default_content()
HOUR = timedelta(hours=1)
EARLY = datetime(2027, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# -- the pure choice --------------------------------------------------------------------------


def test_ten_in_the_morning_when_both_work_then() -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="Europe/Paris")]
    assert time_on(people, date(2027, 1, 5), LONDON, HOUR, after=EARLY) == utc(2027, 1, 5, 10)


def test_the_nearest_shared_time_when_ten_is_outside_the_overlap() -> None:
    # London 09-17 UTC and New York 14-22 UTC in winter: not New York's first hour, so 15:00.
    people = [Hours(timezone="Europe/London"), Hours(timezone="America/New_York")]
    assert time_on(people, date(2027, 1, 5), LONDON, HOUR, after=EARLY) == utc(2027, 1, 5, 15)
    # Planned on New York's calendar, 10:00 there (15:00 UTC) is inside the overlap.
    assert time_on(people, date(2027, 1, 5), NEW_YORK, HOUR, after=EARLY) == utc(2027, 1, 5, 15)


def test_a_long_session_must_fit_inside_the_overlap() -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="America/New_York")]
    day = date(2027, 1, 5)
    assert time_on(people, day, LONDON, 2 * HOUR, after=EARLY) == utc(2027, 1, 5, 15)
    # Three hours fill the overlap, from its first minute.
    assert time_on(people, day, LONDON, 3 * HOUR, after=EARLY) == utc(2027, 1, 5, 14)
    assert time_on(people, day, LONDON, 4 * HOUR, after=EARLY) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # An hour after New York opens: 10:00 there, whatever the two clocks do.
        (date(2027, 3, 9), utc(2027, 3, 9, 15)),  # winter: New York opens at 14:00 UTC
        (date(2027, 3, 16), utc(2027, 3, 16, 14)),  # New York on summer time, London not
        (date(2027, 3, 30), utc(2027, 3, 30, 14)),  # both on summer time
        (date(2027, 11, 2), utc(2027, 11, 2, 14)),  # London back on winter time, New York not
        (date(2027, 11, 9), utc(2027, 11, 9, 15)),  # both back on winter time
    ],
)
def test_a_london_new_york_pair_across_both_changes(day: date, expected: datetime) -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="America/New_York")]
    moment = time_on(people, day, LONDON, HOUR, after=EARLY)
    assert moment == expected
    assert is_working(people, moment) and is_working(people, moment + HOUR - timedelta(seconds=1))


def test_ten_london_time_moves_in_utc_with_the_clocks() -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="Europe/London")]
    before, after = date(2027, 3, 26), date(2027, 3, 29)  # around the spring change
    assert time_on(people, before, LONDON, HOUR, after=EARLY) == utc(2027, 3, 26, 10)
    assert time_on(people, after, LONDON, HOUR, after=EARLY) == utc(2027, 3, 29, 9)


def test_days_nobody_shares_are_skipped() -> None:
    # One works Monday to Wednesday, the other Wednesday to Friday: only Wednesdays are shared.
    people = [Hours(days="123"), Hours(days="345")]
    assert time_for(people, date(2027, 1, 4), LONDON, HOUR, after=EARLY) == (
        date(2027, 1, 6),
        utc(2027, 1, 6, 10),
    )


def test_an_absence_moves_the_session_to_the_day_they_are_back() -> None:
    people = [Hours(), Hours(away_until=date(2027, 1, 13))]
    assert time_for(people, date(2027, 1, 4), LONDON, HOUR, after=EARLY) == (
        date(2027, 1, 13),
        utc(2027, 1, 13, 10),
    )


def test_a_pair_with_no_shared_hours_keeps_the_old_rule() -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="America/Los_Angeles")]
    saturday = date(2027, 1, 9)
    assert time_for(people, saturday, LONDON, HOUR, after=EARLY) == (
        date(2027, 1, 11),
        utc(2027, 1, 11, 10),
    )


# -- through the engine -----------------------------------------------------------------------


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def sessions_of(f: Flow, pair_id: int) -> list[MentoringSession]:
    return rows(f.db, MentoringSession, pair_id=pair_id)


def test_sessions_are_planned_inside_both_people_s_hours(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra="--tz Europe/London")
    enrol(f, "sam", role="mentee", level=8, extra="--tz America/New_York --hours 8-16")
    ok(f.command("hana", 'pair maya sam --programme "Reverse 2027" --reason "data"'))
    pair_id = active_after_pairing(f)
    people = [
        Hours(timezone="Europe/London"),
        Hours(timezone="America/New_York", start_hour=8, end_hour=16),
    ]
    planned = sessions_of(f, pair_id)
    assert planned
    for session in planned:
        assert is_working(people, session.planned_at)
        assert is_working(people, session.planned_at + HOUR - timedelta(seconds=1))


def active_after_pairing(f: Flow) -> int:
    from scenario import accept_intros, agree_contract, go_ahead, pair_of

    pair_id = pair_of(f.db, "maya", "sam").id
    accept_intros(f, pair_id, ("maya", "sam"))
    go_ahead(f, pair_id, ("maya", "sam"))
    agree_contract(f, pair_id, "maya", "sam")
    return pair_id


def test_each_person_reads_the_session_time_in_their_own_zone(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra="--tz Europe/London")
    enrol(f, "sam", role="mentee", level=8, extra="--tz America/New_York")
    ok(f.command("hana", 'pair maya sam --programme "Reverse 2027" --reason "data"'))
    pair_id = active_after_pairing(f)
    first = sessions_of(f, pair_id)[0].planned_at
    maya, sam = person(f.db, "maya"), person(f.db, "sam")
    # The agreed contract, which both read, gives the first session in both zones.
    agreed = next(r.text for r in f.received("sam") if "First session" in r.text)
    assert f"{describe_when(first, maya, CONTENT)}; {describe_when(first, sam, CONTENT)}" in agreed
    f.clock.set(first - timedelta(days=3))
    f.advance(days=3)
    maya_reminder = next(r.text for r in f.received("maya") if "session 1 of" in r.text)
    sam_reminder = next(r.text for r in f.received("sam") if "session 1 of" in r.text)
    assert (
        describe_when(first, maya, CONTENT) in maya_reminder and "(Europe/London)" in maya_reminder
    )
    assert (
        describe_when(first, sam, CONTENT) in sam_reminder and "(America/New_York)" in sam_reminder
    )
    assert f"{first.astimezone(NEW_YORK):%H:%M}" in sam_reminder


def test_a_pair_with_no_shared_hours_is_refused_at_hand_pairing(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra="--tz Europe/London")
    enrol(f, "sam", role="mentee", level=8, extra="--tz America/Los_Angeles")
    refused(
        f.command("hana", 'pair maya sam --programme "Reverse 2027" --reason "data"'),
        "working hours",
    )


def test_the_default_test_pair_still_meets_at_ten(f: Flow) -> None:
    pair_id = active(f)
    assert all(s.planned_at.hour == 10 for s in sessions_of(f, pair_id))


# -- when the reminder is due -----------------------------------------------------------------


def test_a_reminder_is_due_a_day_ahead_or_on_the_last_working_day_before() -> None:
    people = [Hours(timezone="Europe/London"), Hours(timezone="America/New_York")]
    tuesday = utc(2027, 1, 12, 15)
    assert reminder_due(people, tuesday) == utc(2027, 1, 11, 15)
    monday = utc(2027, 1, 11, 15)
    assert reminder_due(people, monday) == utc(2027, 1, 8, 15)  # the Friday before
    # Nobody works a day ahead at that hour at all (a night session): a day ahead it is.
    night = [Hours(start_hour=22, end_hour=23), Hours(start_hour=9, end_hour=10)]
    assert reminder_due(night, tuesday) == utc(2027, 1, 11, 15)
