"""Coordinator commands: programmes, a programme's status and report, and who the coordinators
are. Pairing people (`pair`, `match`) is bot.commands.pairing; the steps a coordinator takes on
one pair (nudge, pause, resume, end, rematch) are bot.commands.pair_actions."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import evaluation_report, report_files, reporting, rights
from bot.commands import audit
from bot.commands.grammar import Parsed
from bot.commands.lookup import find_programme, person_named, programme_named
from bot.identity import name_of
from bot.programmes import Cadence, Kind
from bot.replies import Reply
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Pair, Person, Programme


def programme_create(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    name = " ".join(parsed.args[0].split())
    if not name or len(name) > 200:
        raise Refusal(turn.text("coordinator.programme.name_length"))
    clash = find_programme(turn, name)
    if clash is not None:
        raise Refusal(turn.text("coordinator.programme.exists", name=typed(clash.name)))
    kind = Kind(str(parsed.options["kind"]))
    topics = [t.strip() for t in str(parsed.options.get("topics", "")).split(",") if t.strip()]
    programme = Programme(
        tenant_id=turn.tenant.id,
        name=name,
        kind=kind.value,
        default_sessions=int(parsed.options.get("sessions", 6)),
        default_cadence=Cadence(str(parsed.options.get("cadence", "monthly"))).value,
        default_length_minutes=int(parsed.options.get("length", 60)),
        focus_topics=topics,
        created_by_id=person.id,
        created_at=turn.now,
    )
    turn.session.add(programme)
    turn.session.flush()
    # Typed text inside `code` is still shown as typed: it only takes the code style.
    return Reply(
        text=turn.text(
            "coordinator.programme.created",
            kind_name=turn.text("kinds.name", kind=kind),
            name=typed(name),
            sessions=turn.content.number(programme.default_sessions),
            cadence=turn.text(f"lifecycle.contract_terms.cadence.{programme.default_cadence}"),
            minutes=turn.content.number(programme.default_length_minutes),
        )
    )


def programme_list(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.name)
    ).all()
    if not programmes:
        return Reply(text=turn.text("coordinator.programme.none"))
    lines: list[str] = [turn.text("coordinator.programme.list_heading")]
    for programme in programmes:
        enrolled = turn.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.programme_id == programme.id)
        )
        pairs = turn.session.scalar(
            select(func.count()).select_from(Pair).where(Pair.programme_id == programme.id)
        )
        lines.append(
            turn.text(
                "coordinator.programme.list_line",
                name=typed(programme.name),
                kind_name=turn.text("kinds.name", kind=programme.kind),
                enrolled=turn.content.number(enrolled or 0),
                count=pairs or 0,
            )
        )
    return Reply(text=Text.join(lines))


def status(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The programme's health, with the pairs at risk and a button for each step (bot.reporting)."""
    return reporting.health(turn, programme_named(turn, parsed.args[0]), person)


def report(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = programme_named(turn, parsed.args[0])
    return Reply(
        text=evaluation_report.evaluation(turn, programme),
        files=report_files.files(turn, programme),  # the CSV and the chart (bot.report_files)
    )


def coordinator_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    other = person_named(turn, parsed.args[0])
    if other.is_coordinator:
        return Reply(text=turn.text("coordinator.rights.already", name=name_of(other)))
    other.is_coordinator, other.coordinator_source = True, rights.COMMAND
    turn.to_person(
        other, Reply(text=turn.text("coordinator.rights.added_you", name=name_of(person)))
    )
    return Reply(text=turn.text("coordinator.rights.added", name=name_of(other)))


def coordinator_remove(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    other = person_named(turn, parsed.args[0])
    if not other.is_coordinator:
        raise Refusal(turn.text("coordinator.rights.not_one", name=name_of(other)))
    if other.coordinator_source == rights.SETTING:
        raise Refusal(turn.text("coordinator.rights.by_setting", name=name_of(other)))
    if other.id == person.id and len(rights.coordinators_of(turn.session, turn.tenant.id)) == 1:
        raise Refusal(turn.text("coordinator.rights.last_one"))
    other.is_coordinator, other.coordinator_source = False, None
    if other.id != person.id:
        turn.to_person(
            other, Reply(text=turn.text("coordinator.rights.removed_you", name=name_of(person)))
        )
    return Reply(text=turn.text("coordinator.rights.removed", name=name_of(other)))


def coordinator_list(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if parsed.options.get("log"):
        return Reply(text=audit.shown(turn))
    lines: list[Text | str] = [turn.text("coordinator.rights.list_heading")]
    for each in rights.coordinators_of(turn.session, turn.tenant.id):
        how = "how_setting" if each.coordinator_source == rights.SETTING else "how_added"
        lines.append(
            turn.text(
                "coordinator.rights.list_line",
                name=name_of(each),
                id=typed(each.platform_user_id),
                how=turn.text(f"coordinator.rights.{how}"),
            )
        )
    return Reply(text=Text.join(lines))
