"""Enrolling people in a programme: one at a time, or a whole CSV file at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import available_timezones

from sqlalchemy import select

from bot.commands.grammar import Parsed
from bot.commands.lookup import programme_named
from bot.identity import find_person
from bot.replies import Reply
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Person, Programme

CSV_COLUMNS = ("user_id", "name", "role", "level", "offers", "wants", "capacity", "team",
               "manager", "timezone", "hours")
MAX_ROWS = 2000


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


def enrol(turn: Turn, person: Person, parsed: Parsed, attachment: str | None) -> Reply:
    programme = programme_named(turn, str(parsed.options["programme"]))
    if parsed.options.get("csv"):
        return _enrol_csv(turn, programme, attachment)
    options = {k: str(v) for k, v in parsed.options.items()}
    row = _row({**options, "user_id": parsed.args[0], "timezone": options.get("tz", "")}, where="")
    enrolled = _apply(turn, programme, row)
    return Reply(text=f'Enrolled {enrolled.display_name} in "{programme.name}" as {row.role} '
                      f"(level {row.level}).")


def _enrol_csv(turn: Turn, programme: Programme, attachment: str | None) -> Reply:
    if not attachment or not attachment.strip():
        raise Refusal("Attach a CSV file with the header: " + ",".join(CSV_COLUMNS)
                      + " (user_id, role and level are required).")
    reader = csv.DictReader(io.StringIO(attachment.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = {"user_id", "role", "level"} - set(header)
    unknown = set(header) - set(CSV_COLUMNS)
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing columns: " + ", ".join(sorted(missing)))
        if unknown:
            problems.append("unknown columns: " + ", ".join(sorted(unknown)))
        raise Refusal("The CSV header needs fixing (" + "; ".join(problems) + "). Expected: "
                      + ",".join(CSV_COLUMNS))
    rows, errors = [], []
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        if number > MAX_ROWS + 1:
            raise Refusal(f"That file has more than {MAX_ROWS} people; please split it.")
        values = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            rows.append(_row(values, where=f"line {number}: "))
        except Refusal as error:
            errors.append(error.reply.text)
    if errors:
        shown = "\n".join(f"- {e}" for e in errors[:20])
        more = f"\n…and {len(errors) - 20} more." if len(errors) > 20 else ""
        raise Refusal(f"Nobody was enrolled, because {len(errors)} line(s) need fixing:\n{shown}{more}")
    if not rows:
        raise Refusal("The CSV file has a header but no people in it.")
    for row in rows:
        _apply(turn, programme, row)
    return Reply(text=f'Enrolled {len(rows)} people in "{programme.name}" from the CSV file.')


def _row(values: Mapping[str, str], *, where: str) -> Row:
    """One enrolment, checked; every problem names the field so a coordinator can fix it."""

    def fail(message: str) -> Refusal:
        return Refusal(f"{where}{message}")

    user_id = values.get("user_id", "").strip()
    if not user_id or len(user_id) > 128:
        raise fail("user_id is required (up to 128 characters).")
    role = values.get("role", "").strip().lower()
    if role not in ("mentor", "mentee"):
        raise fail(f"role must be mentor or mentee, not {role!r}.")
    level = _int(values.get("level", ""), 1, 10, "level", fail)
    capacity = _int(values.get("capacity") or "1", 1, 10, "capacity", fail)
    zone = values.get("timezone", "").strip() or None
    if zone and zone not in available_timezones():
        raise fail(f"timezone {zone!r} is not a time zone name like Europe/Oslo.")
    hours = None
    if values.get("hours", "").strip():
        start, _, finish = values["hours"].partition("-")
        if not (start.strip().isdigit() and finish.strip().isdigit()):
            raise fail("hours must look like 9-17.")
        hours = (int(start), int(finish))
        if not 0 <= hours[0] < hours[1] <= 24:
            raise fail("hours must run from an earlier to a later hour between 0 and 24, like 9-17.")
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
    )


def _apply(turn: Turn, programme: Programme, row: Row) -> Person:
    person = find_person(turn.session, turn.tenant, row.user_id)
    if person is None:
        person = Person(tenant_id=turn.tenant.id, platform_user_id=row.user_id.lstrip("@"),
                        display_name=row.name or row.user_id.lstrip("@"), timezone="UTC",
                        is_coordinator=False, work_start_hour=9, work_end_hour=17, created_at=turn.now)
        turn.session.add(person)
        turn.session.flush()
    if row.name:
        person.display_name = row.name
    if row.team:
        person.team = row.team
    if row.timezone:
        person.timezone = row.timezone
    if row.hours:
        person.work_start_hour, person.work_end_hour = row.hours
    if row.manager:
        manager = find_person(turn.session, turn.tenant, row.manager)
        if manager is None:
            raise Refusal(f"I don't know the manager {row.manager!r}; enrol or name them first.")
        if manager.id == person.id:
            raise Refusal(f"{person.display_name} cannot be their own manager.")
        person.manager_id = manager.id
    enrolment = turn.session.scalar(
        select(Enrolment).where(Enrolment.programme_id == programme.id, Enrolment.person_id == person.id)
    )
    if enrolment is None:
        enrolment = Enrolment(programme_id=programme.id, person_id=person.id, created_at=turn.now,
                              role=row.role, seniority=row.level)
        turn.session.add(enrolment)
    enrolment.role, enrolment.seniority, enrolment.capacity = row.role, row.level, row.capacity
    enrolment.topics_offered, enrolment.topics_wanted = list(row.offers), list(row.wants)
    turn.session.flush()
    return person


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
