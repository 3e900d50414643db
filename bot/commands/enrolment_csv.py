"""Reading an enrolment CSV file: parsing and checking each line into a Row, nothing written.

Apart from bot.commands.enrolment (which writes enrolments) because reading a file is its own
concern: strict CSV parsing, header and field checks, and problems that name their line, all
before a single person is touched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.content import Content
from bot.hours import parse_days
from bot.identity import MAX_NAME, MAX_USER_ID, clean_name, clean_text, is_time_zone, normalise_ref
from bot.text import Text, compose
from bot.turn import Refusal

CSV_COLUMNS = (
    "user_id",
    "name",
    "role",
    "level",
    "offers",
    "wants",
    "capacity",
    "team",
    "manager",
    "timezone",
    "hours",
    "days",
    "away_until",
)
MAX_ROWS = 2000
MAX_CSV_BYTES = 1_000_000  # a 2,000-person file with every column is about 400 KB


@dataclass(frozen=True, kw_only=True)
class Row:
    user_id: str
    name: str | None
    role: str
    level: int
    offers: tuple[str, ...]
    wants: tuple[str, ...]
    capacity: int
    team: str | None
    manager: str | None
    timezone: str | None
    hours: tuple[int, int] | None
    days: str | None = None  # ISO weekday digits (bot.hours)
    away_until: date | None = None


def on_line(content: Content, number: int, problem: str) -> Text:
    """A problem found on one line of the file, naming the line."""
    return content.text("enrolment.csv.line", number=Text.engine(str(number)), problem=problem)


def read_csv(
    attachment: str | None, content: Content
) -> tuple[list[tuple[int, Row]], list[str | Text]]:
    """The checked rows by line number, and the problems found, each naming its line.

    Read strictly (csv's strict mode): a stray or unclosed quote is an error on its line, never
    a value that swallows the lines after it. Every cell is normalised by clean_name, the
    one normaliser of text from outside (an uploaded file may carry NUL bytes, ANSI escapes,
    bidirectional overrides).
    """
    text = (attachment or "").removeprefix("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CSV_BYTES:
        raise Refusal(content.text("enrolment.csv.too_big", kb=MAX_CSV_BYTES // 1000))
    if not clean_text(text).strip():
        raise Refusal(content.text("enrolment.csv.attach", columns=_columns()))
    rows: list[tuple[int, Row]] = []
    errors: list[str | Text] = []
    first_line: dict[str, int] = {}
    lines = _csv_lines(text.replace("\r\n", "\n").replace("\r", "\n"), errors, content)
    header_line = next(lines, None)
    if header_line is None or header_line[1] is None:
        problems = Text.join(errors, "; ")
        raise Refusal(content.text("enrolment.csv.unreadable_header", problems=problems))
    header = [h.strip().lower() for h in header_line[1]]
    _check_header(header, content)
    for number, cells in lines:
        if cells is None:
            continue  # the problem is already in `errors`
        if len(rows) + len(errors) >= MAX_ROWS:
            raise Refusal(content.text("enrolment.csv.too_many", most=MAX_ROWS))
        if len(cells) > len(header):
            problem = content.text(
                "enrolment.csv.too_many_values", count=len(cells), columns=len(header)
            )
            errors.append(on_line(content, number, problem))
            continue
        values = dict(zip(header, cells, strict=False))  # trailing empty cells may be left out
        try:
            row = read_row(values, content)
        except Refusal as error:
            errors.append(on_line(content, number, error.reply.text))
            continue
        key = normalise_ref(row.user_id)
        if key in first_line:
            first = Text.engine(str(first_line[key]))
            problem = content.text("enrolment.csv.duplicate", user_id=row.user_id, first=first)
            errors.append(on_line(content, number, problem))
            continue
        first_line[key] = number
        rows.append((number, row))
    if not rows and not errors:
        raise Refusal(content.text("enrolment.csv.empty"))
    return rows, errors


def _csv_lines(
    text: str, errors: list[str | Text], content: Content
) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, cleaned cells) per record, blank lines skipped; a record the csv module
    refuses, or a value running over several lines, yields None and adds its error."""
    reader = csv.reader(io.StringIO(text), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(on_line(content, start, _csv_problem(str(error), content) + "."))
            yield start, None
            continue
        if reader.line_num > start:
            end = Text.engine(str(reader.line_num))
            problem = content.text("enrolment.csv.runs_on", end=end)
            errors.append(on_line(content, start, problem))
            yield start, None
        elif cells:
            yield start, [clean_name(cell) for cell in cells]


# What the csv module says (its own English, matched here) and the key that words it for people.
_CSV_ERRORS = (
    ("unexpected end of data", "unclosed_quote"),  # not user-facing: the csv module's words
    ("expected after", "quote_inside"),  # not user-facing: the csv module's words
    ("field larger than field limit", "value_too_long"),  # not user-facing: the csv module's words
)


def _csv_problem(message: str, content: Content) -> Text:
    for said, key in _CSV_ERRORS:
        if said in message:
            return content.text(f"enrolment.csv.{key}")
    return content.text("enrolment.csv.not_csv", problem=message)


def _columns() -> Text:
    return Text.engine(",".join(CSV_COLUMNS))


def _check_header(header: list[str], content: Content) -> None:
    missing = {"user_id", "role", "level"} - set(header)
    unknown = set(header) - set(CSV_COLUMNS)
    twice = {column for column in header if header.count(column) > 1}
    if missing or unknown or twice:
        problems: list[Text] = []
        if twice:
            quoted = Text.join((compose("{c!r}", c=c) for c in sorted(twice)), ", ")
            problems.append(content.text("enrolment.csv.twice", columns=quoted))
        if missing:
            listed = Text.engine(", ".join(sorted(missing)))
            problems.append(content.text("enrolment.csv.missing", columns=listed))
        if unknown:
            quoted = Text.join((compose("{u!r}", u=u) for u in sorted(unknown)), ", ")
            problems.append(content.text("enrolment.csv.unknown", columns=quoted))
        raise Refusal(
            content.text(
                "enrolment.csv.header", problems=Text.join(problems, "; "), columns=_columns()
            )
        )


def read_row(values: Mapping[str, str], content: Content) -> Row:
    """One enrolment, checked; every problem names the field so a coordinator can fix it."""

    def fail(key: str, **params: Any) -> Refusal:
        return Refusal(content.text(f"enrolment.fields.{key}", **params))

    user_id = values.get("user_id", "").strip()
    if not normalise_ref(user_id) or len(normalise_ref(user_id)) > MAX_USER_ID:
        raise fail("user_id", most=MAX_USER_ID)
    for name in ("name", "team"):
        if len(values.get(name, "").strip()) > MAX_NAME:
            raise fail("too_long", field=Text.engine(name), most=MAX_NAME)
    role = values.get("role", "").strip().lower()
    if role not in ("mentor", "mentee"):
        raise fail("role", given=role)
    level = _int(values.get("level", ""), 1, 10, "level", fail)
    capacity = _int(values.get("capacity") or "1", 1, 10, "capacity", fail)
    zone = values.get("timezone", "").strip() or None
    if zone and not is_time_zone(zone):
        raise fail("timezone", zone=zone)
    hours = None
    if values.get("hours", "").strip():
        start, _, finish = values["hours"].partition("-")
        # ASCII digits only: "²".isdigit() is true, yet int("²") fails.
        if not all(re.fullmatch(r"[0-9]{1,2}", h.strip()) for h in (start, finish)):
            raise fail("hours")
        hours = (int(start), int(finish))
        if not 0 <= hours[0] < hours[1] <= 24:
            raise fail("hours_order")
    days = None
    if values.get("days", "").strip():
        try:
            days = parse_days(values["days"])
        except ValueError:
            raise fail("days") from None
    away_until = None
    if values.get("away_until", "").strip():
        try:
            away_until = date.fromisoformat(values["away_until"].strip())
        except ValueError:
            raise fail("away_until") from None
    return Row(
        user_id=user_id,
        name=values.get("name", "").strip() or None,
        role=role,
        level=level,
        offers=_topics(values.get("offers", "")),
        wants=_topics(values.get("wants", "")),
        capacity=capacity,
        team=values.get("team", "").strip() or None,
        manager=values.get("manager", "").strip() or None,
        timezone=zone,
        hours=hours,
        days=days,
        away_until=away_until,
    )


def _int(text: str, low: int, high: int, name: str, fail) -> int:  # type: ignore[no-untyped-def]
    try:
        value = int(text.strip())
    except ValueError:
        raise fail("not_a_number", field=Text.engine(name), low=low, high=high) from None
    if not low <= value <= high:
        raise fail("out_of_range", field=Text.engine(name), low=low, high=high)
    return value


def _topics(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())
