"""Enrolling people in a programme: one at a time, or a whole CSV file at once.

Reading and checking the file is bot.commands.enrolment_csv; this module writes the enrolments.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from bot import consent
from bot.commands.enrolment_csv import Row, on_line, read_csv, read_row
from bot.commands.grammar import Parsed
from bot.commands.lookup import programme_named
from bot.identity import MAX_NAME, clean_name, find_person, name_of, normalise_ref, unknown_person
from bot.replies import Reply
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Person, Programme


def enrol(turn: Turn, person: Person, parsed: Parsed, attachment: str | None) -> Reply:
    programme = programme_named(turn, str(parsed.options["programme"]))
    if parsed.options.get("csv"):
        return _enrol_csv(turn, programme, attachment, coordinator=person)
    options = {k: str(v) for k, v in parsed.options.items()}
    row = read_row(
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
    rows, errors = read_csv(attachment, content)
    for number, row in rows:
        try:
            _refuse_if_out(turn, programme, row)
        except Refusal as error:
            errors.append(on_line(content, number, error.reply.text))
    if not errors:
        # Everyone first, then managers, so a manager may appear further down the file.
        people = []
        for number, row in rows:
            try:
                people.append((number, row, _apply(turn, programme, row)))
            except Refusal as error:
                errors.append(on_line(content, number, error.reply.text))
        for number, row, enrolled in people:
            try:
                _set_manager(turn, enrolled, row.manager)
            except Refusal as error:
                errors.append(on_line(content, number, error.reply.text))
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
