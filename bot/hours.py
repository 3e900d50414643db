"""Each person's working hours: when a scheduled message may reach them, and when a pair can meet.

Pure functions over `Hours` (a person's zone, hours, working days and "away until" date). Times
go in and come out as aware UTC datetimes; each person's windows are built on their own local
calendar with zoneinfo, so a daylight-saving change moves the UTC instants, never the local
hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Content, default_content
from storage.models import Person

WORK_DAYS = "12345"  # ISO weekdays, Monday = 1: Monday to Friday
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far past the last "away" date to look for a shared window before giving up on one.
HORIZON = timedelta(days=21)
# Most shared windows start within a few days: look that far first, then to the horizon (the
# first window found is the same either way; the short look is ten times cheaper).
NEAR = timedelta(days=4)

Window = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True, kw_only=True)
class Hours:
    timezone: str = "UTC"
    start_hour: int = 9  # local hour 0-23
    end_hour: int = 17  # local hour 1-24; at or before the start, the day runs past midnight
    days: str = WORK_DAYS  # ISO weekdays on which a working day starts
    away_until: date | None = None  # the first local day they are back

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour <= 23 or not 0 <= self.end_hour <= 24:
            raise ValueError(f"working hours {self.start_hour}-{self.end_hour} are not hours")
        if self.start_hour == self.end_hour:
            raise ValueError(f"working hours {self.start_hour}-{self.end_hour} are empty")
        if not self.days or set(self.days) - set("1234567"):
            raise ValueError(f"working days {self.days!r} are not ISO weekdays 1-7")


def of(person: Person) -> Hours:
    """A stored person's hours; a zone the tz database does not know counts as UTC."""
    return Hours(
        timezone=person.timezone if _is_zone(person.timezone) else "UTC",
        start_hour=person.work_start_hour,
        end_hour=person.work_end_hour,
        days=person.work_days or WORK_DAYS,
        away_until=person.away_until,
    )


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _is_zone(name: str) -> bool:
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_date(hours: Hours, moment: datetime) -> date:
    """The date on the person's own calendar at `moment`."""
    return moment.astimezone(_zone(hours.timezone)).date()


def windows(hours: Hours, start: datetime, end: datetime) -> list[Window]:
    """The person's working windows that overlap [start, end), in order, clipped to neither."""
    tz = _zone(hours.timezone)
    day = start.astimezone(tz).date() - timedelta(days=1)  # a night shift from the day before
    last = end.astimezone(tz).date()
    found: list[Window] = []
    while day <= last:
        if str(day.isoweekday()) in hours.days and (
            hours.away_until is None or day >= hours.away_until
        ):
            # Adding hours to an aware local datetime moves the wall clock (zoneinfo), so
            # 09:00 stays 09:00 local on the day the clocks change, and hour 24 is midnight.
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            finish = hours.end_hour + (0 if hours.end_hour > hours.start_hour else 24)
            window = (
                (midnight + timedelta(hours=hours.start_hour)).astimezone(UTC),
                (midnight + timedelta(hours=finish)).astimezone(UTC),
            )
            if window[1] > start and window[0] < end:
                found.append(window)
        day += timedelta(days=1)
    return found


def shared_windows(people: Sequence[Hours], start: datetime, end: datetime) -> list[Window]:
    """The stretches of [start, end) inside everyone's working hours at once."""
    shared: list[Window] = [(start, end)]
    for hours in people:
        shared = _intersect(shared, windows(hours, start, end))
    return shared


def _intersect(a: Sequence[Window], b: Sequence[Window]) -> list[Window]:
    result: list[Window] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return result


def _horizon(people: Iterable[Hours], moment: datetime) -> datetime:
    back = [h.away_until for h in people if h.away_until is not None]
    latest = max([moment.date(), *back])
    return datetime.combine(latest, time(0), tzinfo=UTC) + timedelta(days=1) + HORIZON


def next_window_start(people: Sequence[Hours], moment: datetime) -> datetime:
    """The earliest instant at or after `moment` inside every person's working hours.

    `moment` itself when all of them are working. People who share no hours at all (refused at
    pairing, but hours change later) get the message at the first moment anyone of them is
    working, rather than never.
    """
    return _next_window_start(tuple(people), moment)


@lru_cache(maxsize=4096)  # a sweep asks about many people with the same hours at one moment
def _next_window_start(people: tuple[Hours, ...], moment: datetime) -> datetime:
    if not people:
        return moment
    end = _horizon(people, moment)
    for stop in (min(moment + NEAR, end), end):
        for start, _ in shared_windows(people, moment, stop):
            return max(start, moment)
    starts = [max(w[0], moment) for h in people for w in windows(h, moment, end)[:1]]
    return min(starts, default=moment)


def is_working(people: Sequence[Hours], moment: datetime) -> bool:
    return next_window_start(people, moment) == moment


# -- words ------------------------------------------------------------------------------------

_DAY_SPAN = re.compile(r"([a-z]{3})[a-z]*(?:-([a-z]{3})[a-z]*)?")


def parse_days(text: str) -> str:
    """`mon-fri`, `sun-thu`, `mon,wed,fri`, `mon-wed,fri` -> ISO weekday digits ("12345").

    Raises ValueError with what is wrong; a range may wrap past Sunday (`fri-mon`).
    """
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        match = _DAY_SPAN.fullmatch(part)
        if not match or any(g and g not in DAY_NAMES for g in match.groups()):
            raise ValueError(f"{part!r} is not a day like mon or a range like mon-fri")
        first = DAY_NAMES.index(match.group(1))
        last = DAY_NAMES.index(match.group(2) or match.group(1))
        days.update((first + n) % 7 + 1 for n in range((last - first) % 7 + 1))
    return "".join(str(d) for d in sorted(days))


def describe_days(days: str, content: Content | None = None) -> str:
    """ISO weekday digits back to words in the content's language: "12345" -> "Mon-Fri"
    ("Mo-Fr"), "135" -> "Mon, Wed, Fri" ("Mo, Mi, Fr")."""
    numbers = sorted(int(d) for d in days)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    # Babel's short weekday names on their own, Monday first (the days people type,
    # DAY_NAMES, stay English in every language, like the other command words).
    shown = (content or default_content()).locale.days["stand-alone"]["abbreviated"]
    names = [shown[n] for n in range(7)]
    parts = [
        names[r[0] - 1] if len(r) == 1 else f"{names[r[0] - 1]}-{names[r[-1] - 1]}" for r in runs
    ]
    return ", ".join(parts)


def describe(hours: Hours, content: Content | None = None) -> str:
    """`Mon-Fri 09:00-17:00 (Europe/London)`, the days in the content's language."""
    return (
        f"{describe_days(hours.days, content)} {hours.start_hour:02d}:00-{hours.end_hour:02d}:00 "
        f"({hours.timezone})"
    )
