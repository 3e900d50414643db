"""Enrolling people in a programme: one at a time, or a whole CSV file at once."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from bot import consent
from bot.commands.grammar import Parsed
from bot.commands.lookup import programme_named
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
        where="",
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
        text=compose(
            'Enrolled {name} in "{programme}" as ', name=name_of(enrolled), programme=programme.name
        )
        + f"{row.role} (level {row.level})."
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
    rows, errors = _read_csv(attachment)
    for number, row in rows:
        try:
            _refuse_if_out(turn, programme, row)
        except Refusal as error:
            errors.append(f"line {number}: " + error.reply.text)
    if not errors:
        # Everyone first, then managers, so a manager may appear further down the file.
        people = []
        for number, row in rows:
            try:
                people.append((number, row, _apply(turn, programme, row)))
            except Refusal as error:
                errors.append(f"line {number}: " + error.reply.text)
        for number, row, enrolled in people:
            try:
                _set_manager(turn, enrolled, row.manager)
            except Refusal as error:
                errors.append(f"line {number}: " + error.reply.text)
    if errors:
        shown = Text.join("- " + e for e in errors[:20])
        more = f"\n…and {len(errors) - 20} more." if len(errors) > 20 else ""
        raise Refusal(
            f"Nobody was enrolled, because {len(errors)} line(s) need fixing:\n" + shown + more
        )
    how_many = "1 person" if len(rows) == 1 else f"{len(rows)} people"
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
        text=compose(
            'Enrolled {how_many} in "{programme}" from the CSV file.',
            how_many=Text.engine(how_many),
            programme=programme.name,
        )
        + invitations
    )


def _read_csv(attachment: str | None) -> tuple[list[tuple[int, Row]], list[str | Text]]:
    """The checked rows by line number, and the problems found, each naming its line.

    Read strictly (csv's strict mode): a stray or unclosed quote is an error on its line, never
    a value that swallows the lines after it. Every cell is normalised by clean_name, the
    one normaliser of text from outside (an uploaded file may carry NUL bytes, ANSI escapes,
    bidirectional overrides).
    """
    text = (attachment or "").removeprefix("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CSV_BYTES:
        raise Refusal(
            f"That file is over {MAX_CSV_BYTES // 1000} KB, the most I read at once; "
            "please split it. Nobody was enrolled."
        )
    if not clean_text(text).strip():
        raise Refusal(
            "Attach a CSV file with the header: "
            + ",".join(CSV_COLUMNS)
            + " (user_id, role and level are required)."
        )
    rows: list[tuple[int, Row]] = []
    errors: list[str | Text] = []
    first_line: dict[str, int] = {}
    lines = _csv_lines(text.replace("\r\n", "\n").replace("\r", "\n"), errors)
    header_line = next(lines, None)
    if header_line is None or header_line[1] is None:
        raise Refusal("I can't read the header of that file as CSV. " + "; ".join(errors))
    header = [h.strip().lower() for h in header_line[1]]
    _check_header(header)
    for number, cells in lines:
        if cells is None:
            continue  # the problem is already in `errors`
        if len(rows) + len(errors) >= MAX_ROWS:
            raise Refusal(f"That file has more than {MAX_ROWS} people; please split it.")
        if len(cells) > len(header):
            errors.append(
                f"line {number}: {len(cells)} values, but the header has {len(header)} columns."
            )
            continue
        values = dict(zip(header, cells, strict=False))  # trailing empty cells may be left out
        try:
            row = _row(values, where=f"line {number}: ")
        except Refusal as error:
            errors.append(error.reply.text)
            continue
        key = normalise_ref(row.user_id)
        if key in first_line:
            errors.append(
                compose(
                    "line {number}: {user_id!r} is already on line {first}.",
                    number=Text.engine(str(number)),
                    user_id=row.user_id,
                    first=Text.engine(str(first_line[key])),
                )
            )
            continue
        first_line[key] = number
        rows.append((number, row))
    if not rows and not errors:
        raise Refusal("The CSV file has a header but no people in it.")
    return rows, errors


def _csv_lines(text: str, errors: list[str | Text]) -> Iterator[tuple[int, list[str] | None]]:
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
            errors.append(f"line {start}: {_csv_problem(str(error))}.")
            yield start, None
            continue
        if reader.line_num > start:
            errors.append(
                f"line {start}: a quoted value runs on to line {reader.line_num}; "
                "close its quote on the same line."
            )
            yield start, None
        elif cells:
            yield start, [clean_name(cell) for cell in cells]


def _csv_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "unclosed quote"
    if "expected after" in message:
        return 'a quote in the middle of a value (write "" for a quote inside quotes)'
    if "field larger than field limit" in message:
        return "a value far too long"
    return f"not CSV ({message})"


def _check_header(header: list[str]) -> None:
    missing = {"user_id", "role", "level"} - set(header)
    unknown = set(header) - set(CSV_COLUMNS)
    twice = {column for column in header if header.count(column) > 1}
    if missing or unknown or twice:
        problems: list[str] = []
        if twice:
            problems.append(
                "columns given twice: "
                + Text.join((compose("{c!r}", c=c) for c in sorted(twice)), ", ")
            )
        if missing:
            problems.append("missing columns: " + ", ".join(sorted(missing)))
        if unknown:
            problems.append(
                "unknown columns: "
                + Text.join((compose("{u!r}", u=u) for u in sorted(unknown)), ", ")
            )
        raise Refusal(
            "The CSV header needs fixing ("
            + Text.join(problems, "; ")
            + "). Expected: "
            + ",".join(CSV_COLUMNS)
        )


def _row(values: Mapping[str, str], *, where: str) -> Row:
    """One enrolment, checked; every problem names the field so a coordinator can fix it."""

    def fail(message: str) -> Refusal:
        return Refusal(where + message)

    user_id = values.get("user_id", "").strip()
    if not normalise_ref(user_id) or len(normalise_ref(user_id)) > MAX_USER_ID:
        raise fail(f"user_id is required (up to {MAX_USER_ID} characters).")
    for name in ("name", "team"):
        if len(values.get(name, "").strip()) > MAX_NAME:
            raise fail(f"{name} can be at most {MAX_NAME} characters.")
    role = values.get("role", "").strip().lower()
    if role not in ("mentor", "mentee"):
        raise fail(compose("role must be mentor or mentee, not {role!r}.", role=role))
    level = _int(values.get("level", ""), 1, 10, "level", fail)
    capacity = _int(values.get("capacity") or "1", 1, 10, "capacity", fail)
    zone = values.get("timezone", "").strip() or None
    if zone and not is_time_zone(zone):
        raise fail(
            compose("timezone {zone!r} is not a time zone name like Europe/Oslo.", zone=zone)
        )
    hours = None
    if values.get("hours", "").strip():
        start, _, finish = values["hours"].partition("-")
        # ASCII digits only: "²".isdigit() is true, yet int("²") fails.
        if not all(re.fullmatch(r"[0-9]{1,2}", h.strip()) for h in (start, finish)):
            raise fail("hours must look like 9-17.")
        hours = (int(start), int(finish))
        if not 0 <= hours[0] < hours[1] <= 24:
            raise fail(
                "hours must run from an earlier to a later hour between 0 and 24, like 9-17."
            )
    days = None
    if values.get("days", "").strip():
        try:
            days = parse_days(values["days"])
        except ValueError:
            raise fail("days must look like mon-fri, sun-thu or mon,wed,fri.") from None
    away_until = None
    if values.get("away_until", "").strip():
        try:
            away_until = date.fromisoformat(values["away_until"].strip())
        except ValueError:
            raise fail("away_until must be a date like 2027-03-01.") from None
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
            compose(
                '{name} ({id}) is already enrolled in "{programme}" as a {role}, and a person has '
                "one role in a programme, so nothing was changed. Enrol them as a {role} to "
                "update their details.",
                name=name_of(person),
                id=person.platform_user_id,
                programme=programme.name,
                role=Text.engine(enrolment.role),
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
        raise Refusal(f"{row.user_id!r} is not someone I can enrol.")
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
        raise Refusal(
            unknown_person(row.user_id)
            + " Someone here has a name or id like it, so I enrolled nobody: give their exact id."
        )
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
        raise Refusal(
            compose("I don't know the manager {ref!r}; enrol them first. ", ref=manager_ref)
            + unknown_person(manager_ref)
        )
    if manager.id == person.id:
        raise Refusal(name_of(person) + " cannot be their own manager.")
    person.manager_id = manager.id


def _int(text: str, low: int, high: int, name: str, fail) -> int:  # type: ignore[no-untyped-def]
    try:
        value = int(text.strip())
    except ValueError:
        raise fail(f"{name} must be a whole number from {low} to {high}.") from None
    if not low <= value <= high:
        raise fail(f"{name} must be from {low} to {high}.")
    return value


def _topics(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())
