"""Enrolling people in a programme: one at a time, or a whole CSV file at once."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from bot import consent
from bot.commands.grammar import Parsed
from bot.commands.lookup import programme_named
from bot.content import Content
from bot.hours import parse_days
from bot.identity import (
    MAX_NAME,
    MAX_USER_ID,
    clean_name,
    clean_text,
    find_person,
    is_time_zone,
    name_of,
    normalise_ref,
    unknown_person,
)
from bot.replies import Reply
from bot.text import Text, compose
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Person, Programme

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


def enrol(turn: Turn, person: Person, parsed: Parsed, attachment: str | None) -> Reply:
    programme = programme_named(turn, str(parsed.options["programme"]))
    if parsed.options.get("csv"):
        return _enrol_csv(turn, programme, attachment, coordinator=person)
    options = {k: str(v) for k, v in parsed.options.items()}
    row = _row(
        {
            **options,
            "user_id": parsed.args[0],
            "timezone": options.get("tz", ""),
            "away_until": options.get("away", ""),
        },
        turn.content,
    )
    _refuse_if_out(turn, programme, row)
    enrolled = _apply(turn, programme, row)
    _set_manager(turn, enrolled, row.manager)
    enrolment = consent.enrolment_of(turn, programme, enrolled)
    assert enrolment is not None
    invited = consent.invite(turn, enrolment, coordinator=person)
    waiting = consent.status_of(enrolment) is consent.Status.INVITED
    about = "consent.coordinator.invited" if invited else "consent.coordinator.still_invited"
    return Reply(
        text=turn.text(
            "enrolment.enrolled",
            name=name_of(enrolled),
            programme=programme.name,
            role_name=turn.text(f"enrolment.role.{row.role}"),
            level=row.level,
        )
        + (
            "\n" + turn.text(about, name=name_of(enrolled), programme=programme.name)
            if waiting
            else ""
        )
    )


def _refuse_if_out(turn: Turn, programme: Programme, row: Row) -> None:
    """Someone who declined or left is not invited again: only they can `join` (bot.consent)."""
    known = find_person(turn.session, turn.tenant, row.user_id)
    enrolment = consent.enrolment_of(turn, programme, known) if known else None
    if known is not None and enrolment is not None and consent.is_out(enrolment):
        raise Refusal(
            turn.text(
                "consent.coordinator.not_again", name=name_of(known), programme=programme.name
            )
        )


def _enrol_csv(
    turn: Turn, programme: Programme, attachment: str | None, *, coordinator: Person
) -> Reply:
    """All or nothing: any bad line refuses the file, and every problem names its line."""
    content = turn.content
    rows, errors = _read_csv(attachment, content)
    for number, row in rows:
        try:
            _refuse_if_out(turn, programme, row)
        except Refusal as error:
            errors.append(_on_line(content, number, error.reply.text))
    if not errors:
        # Everyone first, then managers, so a manager may appear further down the file.
        people = []
        for number, row in rows:
            try:
                people.append((number, row, _apply(turn, programme, row)))
            except Refusal as error:
                errors.append(_on_line(content, number, error.reply.text))
        for number, row, enrolled in people:
            try:
                _set_manager(turn, enrolled, row.manager)
            except Refusal as error:
                errors.append(_on_line(content, number, error.reply.text))
    if errors:
        shown = [turn.text("enrolment.csv.refused", count=len(errors))]
        shown += [Text.engine("- ") + e for e in errors[:20]]
        if len(errors) > 20:
            shown.append(turn.text("enrolment.csv.more", count=len(errors) - 20))
        raise Refusal(Text.join(shown))
    invited = 0
    for _, _, enrolled in people:
        enrolment = consent.enrolment_of(turn, programme, enrolled)
        assert enrolment is not None
        invited += consent.invite(turn, enrolment, coordinator=coordinator)
    invitations = (
        "\n"
        + turn.text("consent.coordinator.invited_many", count=invited, programme=programme.name)
        if invited
        else ""
    )
    return Reply(
        text=turn.text("enrolment.csv.enrolled", count=len(rows), programme=programme.name)
        + invitations
    )


def _on_line(content: Content, number: int, problem: str) -> Text:
    """A problem found on one line of the file, naming the line."""
    return content.text("enrolment.csv.line", number=Text.engine(str(number)), problem=problem)


def _read_csv(
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
            errors.append(_on_line(content, number, problem))
            continue
        values = dict(zip(header, cells, strict=False))  # trailing empty cells may be left out
        try:
            row = _row(values, content)
        except Refusal as error:
            errors.append(_on_line(content, number, error.reply.text))
            continue
        key = normalise_ref(row.user_id)
        if key in first_line:
            first = Text.engine(str(first_line[key]))
            problem = content.text("enrolment.csv.duplicate", user_id=row.user_id, first=first)
            errors.append(_on_line(content, number, problem))
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
            errors.append(_on_line(content, start, _csv_problem(str(error), content) + "."))
            yield start, None
            continue
        if reader.line_num > start:
            end = Text.engine(str(reader.line_num))
            problem = content.text("enrolment.csv.runs_on", end=end)
            errors.append(_on_line(content, start, problem))
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


def _row(values: Mapping[str, str], content: Content) -> Row:
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


def _apply(turn: Turn, programme: Programme, row: Row) -> Person:
    """Enrol the person whose platform id the row gives: by id only, never by display name.

    A display name never reaches an existing person: it names someone only when they are
    created here. An existing enrolment keeps its role (one role per programme).
    """
    person = find_person(turn.session, turn.tenant, row.user_id)
    if person is None:
        person = _new_person(turn, row)
    enrolment = turn.session.scalar(
        select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.person_id == person.id
        )
    )
    if enrolment is not None and enrolment.role != row.role:
        raise Refusal(
            turn.text(
                "enrolment.role_taken",
                name=name_of(person),
                id=person.platform_user_id,
                programme=programme.name,
                role_name=turn.text(f"enrolment.role.{enrolment.role}"),
            )
        )
    if row.team:
        person.team = row.team
    if row.timezone:
        person.timezone = row.timezone
    if row.hours:
        person.work_start_hour, person.work_end_hour = row.hours
    if row.days:
        person.work_days = row.days
    if row.away_until:
        person.away_until = row.away_until
    if enrolment is None:
        enrolment = Enrolment(
            programme_id=programme.id,
            person_id=person.id,
            created_at=turn.now,
            role=row.role,
            seniority=row.level,
        )
        turn.session.add(enrolment)
    enrolment.role, enrolment.seniority, enrolment.capacity = row.role, row.level, row.capacity
    enrolment.topics_offered, enrolment.topics_wanted = list(row.offers), list(row.wants)
    turn.session.flush()
    return person


def _new_person(turn: Turn, row: Row) -> Person:
    """Someone enrolled before they ever wrote: their platform id, and the name given for now
    (their platform's name replaces it when they first write)."""
    user_id = normalise_ref(row.user_id)
    in_tenant = select(Person.id).where(Person.tenant_id == turn.tenant.id).limit(1)
    if turn.session.scalar(in_tenant.where(Person.platform_user_id == user_id)) is not None:
        # Only a forgotten person's placeholder id gets here; it must never be reused.
        raise Refusal(turn.text("enrolment.not_enrollable", ref=row.user_id))
    # Asked of the database, not by loading everyone: an enrolment costs the same in a
    # workspace of ten people or ten thousand. (SQLite's lower() folds ASCII letters only.)
    wanted = user_id.lower()
    lookalike = in_tenant.where(
        Person.forgotten_at.is_(None),
        or_(
            func.lower(Person.platform_user_id) == wanted, func.lower(Person.display_name) == wanted
        ),
    )
    if turn.session.scalar(lookalike) is not None:
        # `enrol Sam` when `sam` exists: a second person would be a mistake, and the first
        # must never be renamed or re-enrolled by a name that happens to match.
        unknown = unknown_person(row.user_id, turn.content)
        raise Refusal(turn.text("enrolment.lookalike", unknown=unknown))
    person = Person(
        tenant_id=turn.tenant.id,
        platform_user_id=user_id,
        display_name=row.name or clean_name(user_id)[:MAX_NAME] or user_id,
        timezone="UTC",
        is_coordinator=False,
        work_start_hour=9,
        work_end_hour=17,
        created_at=turn.now,
    )
    turn.session.add(person)
    turn.session.flush()
    return person


def _set_manager(turn: Turn, person: Person, manager_ref: str | None) -> None:
    if not manager_ref:
        return
    manager = find_person(turn.session, turn.tenant, manager_ref)
    if manager is None:
        unknown = unknown_person(manager_ref, turn.content)
        raise Refusal(turn.text("enrolment.manager_unknown", ref=manager_ref, unknown=unknown))
    if manager.id == person.id:
        raise Refusal(turn.text("enrolment.own_manager", name=name_of(person)))
    person.manager_id = manager.id


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
