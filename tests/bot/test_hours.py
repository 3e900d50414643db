"""Working windows: zones, daylight saving both ways, pairs across zones, away dates, weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.hours import (
    Hours,
    describe,
    describe_days,
    is_working,
    next_window_start,
    parse_days,
    shared_windows,
)

LONDON = Hours(timezone="Europe/London")
NEW_YORK = Hours(timezone="America/New_York")
LOS_ANGELES = Hours(timezone="America/Los_Angeles")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def day_window(people: list[Hours], day: date) -> list[tuple[datetime, datetime]]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return shared_windows(people, start, start.replace(hour=23, minute=59))


# -- one person -------------------------------------------------------------------------------


def test_inside_the_window_a_message_goes_at_once() -> None:
    assert next_window_start([LONDON], utc(2027, 1, 5, 11, 30)) == utc(2027, 1, 5, 11, 30)
    assert is_working([LONDON], utc(2027, 1, 5, 9))
    assert not is_working([LONDON], utc(2027, 1, 5, 17))  # the end is not inside


def test_before_and_after_hours_wait_for_the_next_morning() -> None:
    assert next_window_start([LONDON], utc(2027, 1, 5, 6)) == utc(2027, 1, 5, 9)
    assert next_window_start([LONDON], utc(2027, 1, 5, 17)) == utc(2027, 1, 6, 9)


def test_los_angeles_at_two_in_the_morning_waits_until_nine_their_time() -> None:
    # 10:00 UTC on a Tuesday in January is 02:00 in Los Angeles (PST, UTC-8).
    assert next_window_start([LOS_ANGELES], utc(2027, 1, 5, 10)) == utc(2027, 1, 5, 17)


def test_the_weekend_waits_for_monday() -> None:
    saturday = utc(2027, 1, 9, 12)
    assert next_window_start([LONDON], saturday) == utc(2027, 1, 11, 9)
    friday_evening = utc(2027, 1, 8, 18)
    assert next_window_start([LONDON], friday_evening) == utc(2027, 1, 11, 9)


def test_own_working_days_and_hours() -> None:
    four_days = Hours(timezone="UTC", start_hour=8, end_hour=16, days=parse_days("mon-thu"))
    friday = utc(2027, 1, 8, 10)
    assert next_window_start([four_days], friday) == utc(2027, 1, 11, 8)
    sunday_to_thursday = Hours(timezone="Asia/Dubai", days=parse_days("sun-thu"))
    # Sunday 2027-01-10 09:00 in Dubai (UTC+4) is 05:00 UTC.
    assert next_window_start([sunday_to_thursday], utc(2027, 1, 8, 10)) == utc(2027, 1, 10, 5)


def test_a_night_shift_runs_past_midnight() -> None:
    nights = Hours(timezone="UTC", start_hour=22, end_hour=6)
    assert is_working([nights], utc(2027, 1, 5, 3))  # Monday's shift, early on Tuesday
    assert next_window_start([nights], utc(2027, 1, 5, 12)) == utc(2027, 1, 5, 22)


def test_away_until_holds_everything_until_the_day_they_are_back() -> None:
    away = Hours(timezone="Europe/London", away_until=date(2027, 1, 13))
    assert next_window_start([away], utc(2027, 1, 5, 10)) == utc(2027, 1, 13, 9)
    # Back on a Saturday: the first working day after it.
    back_on_saturday = Hours(timezone="Europe/London", away_until=date(2027, 1, 16))
    assert next_window_start([back_on_saturday], utc(2027, 1, 5, 10)) == utc(2027, 1, 18, 9)
    # A date already past changes nothing.
    was_away = Hours(timezone="Europe/London", away_until=date(2027, 1, 1))
    assert next_window_start([was_away], utc(2027, 1, 5, 10)) == utc(2027, 1, 5, 10)


# -- daylight saving, both ways, both zones ----------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "friday", "after", "monday"),
    [
        # London springs forward on Sunday 2027-03-28: 09:00 GMT, then 09:00 BST = 08:00 UTC.
        (LONDON, utc(2027, 3, 26, 9), utc(2027, 3, 26, 17), utc(2027, 3, 29, 8)),
        # ...and falls back on Sunday 2027-10-31: 09:00 BST = 08:00 UTC, then 09:00 GMT.
        (LONDON, utc(2027, 10, 29, 8), utc(2027, 10, 29, 16), utc(2027, 11, 1, 9)),
        # New York springs forward on Sunday 2027-03-14: 09:00 EST = 14:00 UTC, then 13:00.
        (NEW_YORK, utc(2027, 3, 12, 14), utc(2027, 3, 12, 22), utc(2027, 3, 15, 13)),
        # ...and falls back on Sunday 2027-11-07: 09:00 EDT = 13:00 UTC, then 14:00.
        (NEW_YORK, utc(2027, 11, 5, 13), utc(2027, 11, 5, 21), utc(2027, 11, 8, 14)),
    ],
    ids=["london-spring", "london-autumn", "new-york-spring", "new-york-autumn"],
)
def test_nine_local_stays_nine_local_across_the_change(
    hours: Hours, friday: datetime, after: datetime, monday: datetime
) -> None:
    assert next_window_start([hours], friday.replace(hour=friday.hour - 3)) == friday
    assert next_window_start([hours], after) == monday


def test_early_hours_on_the_night_the_clocks_change() -> None:
    # A window starting at 01:00 on the day London springs forward: 01:00 GMT does not exist
    # (it jumps to 02:00 BST), so the day starts at 02:00 BST = 01:00 UTC.
    early = Hours(timezone="Europe/London", start_hour=1, end_hour=9, days="7")
    assert next_window_start([early], utc(2027, 3, 27, 12)) == utc(2027, 3, 28, 1)
    # Falling back, 01:00 happens twice; the day starts at the first (BST, 00:00 UTC).
    assert next_window_start([early], utc(2027, 10, 30, 12)) == utc(2027, 10, 31, 0)


# -- pairs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "overlap"),
    [
        # Winter: London 09-17 UTC, New York 14-22 UTC.
        (date(2027, 3, 9), (utc(2027, 3, 9, 14), utc(2027, 3, 9, 17))),
        # New York has sprung forward, London not yet: New York 13-21 UTC, four hours shared.
        (date(2027, 3, 16), (utc(2027, 3, 16, 13), utc(2027, 3, 16, 17))),
        # Both on summer time: London 08-16 UTC, New York 13-21 UTC.
        (date(2027, 3, 30), (utc(2027, 3, 30, 13), utc(2027, 3, 30, 16))),
        # London has fallen back, New York not yet: London 09-17 UTC, New York 13-21 UTC.
        (date(2027, 11, 2), (utc(2027, 11, 2, 13), utc(2027, 11, 2, 17))),
        # Both back on winter time.
        (date(2027, 11, 9), (utc(2027, 11, 9, 14), utc(2027, 11, 9, 17))),
    ],
)
def test_a_pair_across_london_and_new_york_shares_what_both_clocks_allow(
    day: date, overlap: tuple[datetime, datetime]
) -> None:
    assert day_window([LONDON, NEW_YORK], day) == [overlap]


def test_a_pair_message_waits_for_the_overlap_of_both() -> None:
    # 10:00 UTC on a winter Tuesday: London is working, New York not yet (05:00).
    assert next_window_start([LONDON, NEW_YORK], utc(2027, 1, 5, 10)) == utc(2027, 1, 5, 14)
    # In the week New York has already sprung forward, the overlap opens an hour earlier.
    assert next_window_start([LONDON, NEW_YORK], utc(2027, 3, 16, 10)) == utc(2027, 3, 16, 13)
    # After London's own change, it also closes an hour earlier (16:00 UTC).
    assert next_window_start([LONDON, NEW_YORK], utc(2027, 3, 30, 16)) == utc(2027, 3, 31, 13)


def test_a_partial_overlap_across_zones_with_own_hours() -> None:
    berlin = Hours(timezone="Europe/Berlin")  # 08-16 UTC in winter
    early_new_york = Hours(timezone="America/New_York", start_hour=7, end_hour=15)  # 12-20 UTC
    assert day_window([berlin, early_new_york], date(2027, 1, 5)) == [
        (utc(2027, 1, 5, 12), utc(2027, 1, 5, 16))
    ]


def test_a_pair_without_any_shared_hours_is_still_reached_by_someone_s_morning() -> None:
    # London 09-17 UTC and Los Angeles 17-01 UTC touch but never overlap.
    assert day_window([LONDON, LOS_ANGELES], date(2027, 1, 5)) == []
    # Nothing shared: the message goes at the first moment either of them works, not never.
    assert next_window_start([LONDON, LOS_ANGELES], utc(2027, 1, 5, 3)) == utc(2027, 1, 5, 9)


def test_a_pair_waits_for_the_one_who_is_away() -> None:
    away = Hours(timezone="America/New_York", away_until=date(2027, 2, 1))
    assert next_window_start([LONDON, away], utc(2027, 1, 5, 15)) == utc(2027, 2, 1, 14)


# -- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "shown"),
    [
        ("mon-fri", "12345", "Mon-Fri"),
        ("Mon-Thu", "1234", "Mon-Thu"),
        ("mon,wed,fri", "135", "Mon, Wed, Fri"),
        ("mon-wed, fri", "1235", "Mon-Wed, Fri"),
        ("sun-thu", "12347", "Mon-Thu, Sun"),
        ("monday-friday", "12345", "Mon-Fri"),
        ("sat", "6", "Sat"),
    ],
)
def test_days_in_words(text: str, days: str, shown: str) -> None:
    assert parse_days(text) == days
    assert describe_days(days) == shown


@pytest.mark.parametrize("text", ["", "mon-", "funday", "1-5", "mon..fri"])
def test_days_that_are_not_days_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_days(text)


def test_hours_in_words() -> None:
    assert describe(Hours(timezone="Europe/London", start_hour=8, end_hour=16, days="1234")) == (
        "Mon-Thu 08:00-16:00 (Europe/London)"
    )


def test_days_in_words_in_the_content_s_language() -> None:
    from bot.content import default_content

    german = default_content("de")
    assert describe_days("12345", german) == "Mo-Fr"
    assert describe(Hours(timezone="Europe/Berlin", days="1357"), german).startswith(
        "Mo, Mi, Fr, So "
    )
    assert describe_days("12345", default_content("en")) == describe_days("12345") == "Mon-Fri"
