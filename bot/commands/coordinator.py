"""Coordinator commands: programmes, pairing, matching, health, nudges and reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot import consent, matching, report_files, reporting, rights
from bot.commands import audit
from bot.commands.grammar import Parsed
from bot.commands.lookup import find_programme, pair_numbered, person_named, programme_named
from bot.identity import name_of
from bot.lifecycle import intro, pausing, wrap_up
from bot.lifecycle.dissolve import dissolve, excluded_pairs, live_pair_between
from bot.lifecycle.transition import kind_of
from bot.programmes import Cadence, Kind
from bot.replies import Reply
from bot.stages import MIDDLE, TERMINAL, Stage, Trigger
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import Enrolment, NudgeSent, Pair, Person, Programme


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


def pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = programme_named(turn, str(parsed.options["programme"]))
    mentor = _enrolled(turn, programme, person_named(turn, parsed.args[0]))
    mentee = _enrolled(turn, programme, person_named(turn, parsed.args[1]))
    _check_hard_rules(turn, programme, mentor, mentee)
    _check_availability(turn, programme, mentor, mentee)
    mentor, mentee = _senior_first(programme, mentor, mentee)
    reason = str(parsed.options.get("reason", "")).strip()
    if not reason:
        reason = matching.explain(
            _candidate(mentor), _candidate(mentee), on=turn.now.date(), content=turn.content
        )
    created = intro.propose(
        turn,
        programme=programme,
        mentor=mentor.person,
        mentee=mentee.person,
        reason=reason,
        actor=person,
    )
    return Reply(
        text=turn.text(
            "coordinator.pair.proposed",
            pair_id=created.id,
            mentor=name_of(mentor.person),
            mentee=name_of(mentee.person),
            reason=_reason(reason, typed_by=person if parsed.options.get("reason") else None),
        )
    )


def match(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = programme_named(turn, parsed.args[0])
    dry_run = bool(parsed.options.get("dry_run"))
    everyone = [
        e
        for e in turn.session.scalars(
            select(Enrolment).where(Enrolment.programme_id == programme.id).order_by(Enrolment.id)
        )
        if e.person.forgotten_at is None  # someone who asked to be forgotten is never matched
    ]
    # Only those who accepted their invitation, and have not left since (bot.consent).
    enrolments = [e for e in everyone if consent.is_accepted(e)]
    live = turn.session.scalars(
        select(Pair).where(
            Pair.programme_id == programme.id, Pair.stage.not_in([s.value for s in TERMINAL])
        )
    ).all()
    busy_mentees = {p.mentee_id for p in live}
    load: dict[int, int] = {}
    for p in live:
        load[p.mentor_id] = load.get(p.mentor_id, 0) + 1
    mentors = [
        _candidate(e, capacity=e.capacity - load.get(e.person_id, 0))
        for e in enrolments
        if e.role == "mentor" and e.capacity > load.get(e.person_id, 0)
    ]
    mentees = [
        _candidate(e) for e in enrolments if e.role == "mentee" and e.person_id not in busy_mentees
    ]
    outcome = matching.propose(
        kind=programme.kind,
        mentors=mentors,
        mentees=mentees,
        excluded=excluded_pairs(turn),
        on=turn.now.date(),
        content=turn.content,
    )
    names = {e.person_id: name_of(e.person) for e in enrolments}
    by_person = {e.person_id: e for e in enrolments}
    proposals = outcome.pairs
    title = "coordinator.match.title_dry_run" if dry_run else "coordinator.match.title"
    lines: list[str] = [turn.text(title, name=typed(programme.name))]
    for proposal in proposals:
        first, second = _senior_first(
            programme, by_person[proposal.mentor_id], by_person[proposal.mentee_id]
        )
        numbered: dict[str, Any] = {}
        if not dry_run:
            created = intro.propose(
                turn,
                programme=programme,
                mentor=first.person,
                mentee=second.person,
                reason=proposal.reason,
                actor=person,
            )
            numbered = {"pair_id": created.id}
        lines.append(
            turn.text(
                "coordinator.match.line_numbered" if numbered else "coordinator.match.line",
                **numbered,
                mentor=names[first.person_id],
                mentee=names[second.person_id],
                reason=_reason(proposal.reason),
            )
        )
    if not proposals:
        lines.append(turn.text("coordinator.match.none"))
    for unmatched in (*outcome.unmatched_mentees, *outcome.unmatched_mentors):
        partner = "mentee" if unmatched.role == "mentor" else "mentor"
        lines.append(
            turn.text(
                f"coordinator.match.no_partner.{partner}",
                name=names[unmatched.person_id],
                reason=Text.engine(unmatched.reason),  # matching's wording, naming no one
            )
        )
    if outcome.unmatched_mentees:
        mentees_left = [names[u.person_id] for u in outcome.unmatched_mentees]
        lines.append(
            turn.text("coordinator.match.mentees_left", names=Text.join(mentees_left, ", "))
        )
    if outcome.unmatched_mentors:
        mentors_left = [names[u.person_id] for u in outcome.unmatched_mentors]
        lines.append(
            turn.text("coordinator.match.mentors_left", names=Text.join(mentors_left, ", "))
        )
    waiting, declined = consent.waiting_and_declined(everyone)
    if waiting:
        waiting_names = Text.join((name_of(e.person) for e in waiting), ", ")
        lines.append(turn.text("consent.coordinator.waiting", names=waiting_names))
    if declined >= consent.K_DECLINES:
        lines.append(turn.text("consent.coordinator.declined_count", count=declined))
    return Reply(text=Text.join(lines))


def status(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The programme's health, with the pairs at risk and a button for each step (bot.reporting)."""
    return reporting.health(turn, programme_named(turn, parsed.args[0]), person)


def report(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = programme_named(turn, parsed.args[0])
    return Reply(
        text=reporting.evaluation(turn, programme),
        files=report_files.files(turn, programme),  # the CSV and the chart (bot.report_files)
    )


def nudge(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    if Stage(target.stage) in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator.nudge.ended",
                pair_id=target.id,
                stage=reporting.stage_name(turn, target.stage),
            )
        )
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "nudges.manual.pair",
                kind=kind_of(target),
                note=typed(parsed.rest, person_id=person.id),
                coordinator=name_of(person),
            )
        ),
    )
    turn.session.add(
        NudgeSent(pair_id=target.id, nudge="manual", level=1, about=0, sent_at=turn.now)
    )
    return Reply(text=turn.text("coordinator.nudge.sent", pair_id=target.id))


# How the buttons' own steps appear in the audit trail (`coordinator list --log`).
CHECK_IN_VERB = "nudge check-in"  # not user-facing: a verb in the audit trail, like `pause`
REMATCH_VERB = "rematch"


def check_in(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The Nudge button: a short, kind check-in to the pair in Tandem's words, saying what the
    coordinator noticed, asking how they are and offering help; once a week at most."""
    target = _locked(turn, pair_numbered(turn, parsed.args[0]))
    if Stage(target.stage) in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator_actions.nudge.ended",
                pair_id=target.id,
                stage=reporting.stage_name(turn, target.stage),
            )
        )
    again_after = reporting.NUDGE_AGAIN_AFTER
    last = reporting.last_checked_in(turn, target)
    if last is not None:
        raise Refusal(
            turn.text(
                "coordinator_actions.nudge.too_soon",
                pair_id=target.id,
                on=turn.content.day_month(last.date()),
                again=turn.content.day_month((last + again_after).date()),
                count=again_after.days,
            )
        )
    risks = reporting.at_risk(turn, person, pair_id=target.id)
    signals = [s for risk in risks for s in risk.signals]
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "coordinator_actions.nudge.pair",
                kind=kind_of(target),
                coordinator=name_of(person),
                noticed=_noticed(turn, signals),
            )
        ),
    )
    turn.session.add(
        NudgeSent(pair_id=target.id, nudge=reporting.CHECK_IN, level=1, about=0, sent_at=turn.now)
    )
    return Reply(
        text=turn.text(
            "coordinator_actions.nudge.done",
            pair_id=target.id,
            mentor=name_of(target.mentor),
            mentee=name_of(target.mentee),
            again=turn.content.day_month((turn.now + again_after).date()),
        )
    )


def _noticed(turn: Turn, signals: list[reporting.Signal]) -> Text:
    """What the coordinator noticed, in words for the pair. A request to talk was one person's
    private answer, so it is never named to both: the pair hears the general words instead."""
    for signal in signals:
        if signal.key == "stalled":
            return turn.text(
                "coordinator_actions.nudge.noticed.stalled",
                stage=signal.params["stage"],
                count=signal.params["days"],
            )
        if signal.key in ("missed", "unreported"):
            return turn.text(
                f"coordinator_actions.nudge.noticed.{signal.key}", number=signal.params["number"]
            )
        if signal.key.startswith("nudge."):
            return turn.text(f"coordinator_actions.nudge.noticed.{signal.key.split('.', 1)[1]}")
    return turn.text("coordinator_actions.nudge.noticed.general")


def rematch(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The Rematch button: end the pair without fault (the dissolve path) and put both back in
    the programme's pool; the next `match` pairs each with someone else, never each other."""
    target = _locked(turn, pair_numbered(turn, parsed.args[0]))
    stage = Stage(target.stage)
    programme = typed(target.programme.name)
    if stage in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator_actions.rematch.ended",
                pair_id=target.id,
                stage=reporting.stage_name(turn, stage),
                programme=programme,
            )
        )
    if stage is Stage.WRAP_UP:
        raise Refusal(
            turn.text(
                "coordinator_actions.rematch.wrapping_up", pair_id=target.id, programme=programme
            )
        )
    dissolve(
        turn,
        target,
        actor=person,
        reason=str(turn.text("coordinator.reasons.rematched")),
        pair_note=turn.text("coordinator_actions.rematch.pair_note", programme=programme),
        tell_coordinators=False,  # the others here; the one who pressed it has the answer
    )
    people: dict[str, Any] = {
        "pair_id": target.id,
        "programme": programme,
        "mentor": name_of(target.mentor),
        "mentee": name_of(target.mentee),
    }
    note = Reply(
        text=turn.text("coordinator_actions.rematch.coordinator", actor=name_of(person), **people)
    )
    for other in rights.coordinators_of(turn.session, turn.tenant.id):
        if other.id != person.id and other.forgotten_at is None:
            turn.to_person(other, note)
    return Reply(text=turn.text("coordinator_actions.rematch.done", **people))


def _locked(turn: Turn, pair: Pair) -> Pair:
    """The pair again, row-locked (PostgreSQL): two coordinators pressing at the same moment
    take turns, and the second sees what the first did."""
    locked = turn.session.get(Pair, pair.id, with_for_update=True, populate_existing=True)
    return locked or pair


def pause_pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    pausing.pause(turn, target, actor=person)
    note = Reply(text=turn.text("coordinator.pause.pair_note", name=name_of(person)))
    turn.to_pair(target, note)
    return Reply(text=turn.text("coordinator.pause.done", pair_id=target.id))


def resume_pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    # The lifecycle's resume also replans an active pair's sessions that fell inside the pause.
    stage = pausing.resume(turn, target, actor=person)
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "coordinator.resume.pair_note",
                name=name_of(person),
                stage=turn.text(f"lifecycle.stage.{stage.value}"),
            )
        ),
    )
    return Reply(
        text=turn.text(
            "coordinator.resume.done", pair_id=target.id, stage=reporting.stage_name(turn, stage)
        )
    )


def end(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    stage = Stage(target.stage)
    if stage is Stage.PAUSED and target.paused_from == Stage.ACTIVE.value:
        # A pair that met deserves its evaluation and its parked items, paused or not.
        pausing.resume(turn, target, actor=person)
        stage = Stage.ACTIVE
    reason = str(turn.text("coordinator.reasons.ended"))
    if stage is Stage.ACTIVE:
        wrap_up.start(turn, target, trigger=Trigger.ENDED_EARLY, actor=person, reason=reason)
        return Reply(text=turn.text("coordinator.end.evaluating", pair_id=target.id))
    if stage is Stage.WRAP_UP:
        wrap_up.close_without_evaluations(turn, target, actor=person)
        return Reply(text=turn.text("coordinator.end.closed", pair_id=target.id))
    if stage in (*MIDDLE, Stage.PAUSED):
        dissolve(turn, target, actor=person, reason=reason)
        return Reply(text=turn.text("coordinator.end.dissolved", pair_id=target.id))
    raise Refusal(
        turn.text(
            "coordinator.end.nothing_to_end",
            pair_id=target.id,
            stage=turn.text(f"lifecycle.stage.{stage.value}"),
        )
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


def _check_hard_rules(
    turn: Turn, programme: Programme, mentor: Enrolment, mentee: Enrolment
) -> None:
    """Rules a coordinator cannot override by hand (DESIGN section 8): the ones `match` keeps,
    checked by the same function, naming the first one the pair breaks."""
    rule = matching.violated_rule(
        _candidate(mentor),
        _candidate(mentee),
        kind=programme.kind,
        excluded=excluded_pairs(turn),
        on=turn.now.date(),
    )
    names = {"a": name_of(mentor.person), "b": name_of(mentee.person)}
    if rule is matching.Rule.SAME_PERSON:
        raise Refusal(turn.text("coordinator.rules.same_person"))
    if rule is matching.Rule.REPORTING_LINE:
        raise Refusal(turn.text("coordinator.rules.reporting_line", **names))
    kind = Kind(programme.kind)
    if rule is matching.Rule.DIRECTION and kind is Kind.REVERSE:
        raise Refusal(
            turn.text("coordinator.rules.reverse_direction", levels=_levels(turn, mentor, mentee))
        )
    if rule is matching.Rule.DIRECTION:  # classic and sponsorship
        raise Refusal(
            turn.text(
                "coordinator.rules.direction",
                kind_name=turn.text("kinds.name", kind=kind),
                levels=_levels(turn, mentor, mentee),
            )
        )
    if rule is matching.Rule.DISSOLVED_BEFORE:
        raise Refusal(turn.text("coordinator.rules.dissolved_before", **names))
    if rule is matching.Rule.OVERLAP:
        hours = matching.overlap_hours(_candidate(mentor), _candidate(mentee), turn.now.date())
        raise Refusal(
            turn.text(
                "coordinator.rules.overlap",
                hours=turn.content.number(round(hours, 2)),
                least=turn.content.number(matching.MIN_OVERLAP_HOURS),
                **names,
            )
        )


def _levels(turn: Turn, mentor: Enrolment, mentee: Enrolment) -> Text:
    return turn.text(
        "coordinator.rules.levels",
        a=name_of(mentor.person),
        a_level=turn.content.number(mentor.seniority),
        b=name_of(mentee.person),
        b_level=turn.content.number(mentee.seniority),
    )


def _reason(reason: str, *, typed_by: Person | None = None) -> Text:
    """Why a pair was proposed: typed by the coordinator, or matching's own explanation.

    Matching's explanation names people and topics they typed, so it is shown as typed too;
    it is never read as markup.
    """
    return typed(reason, person_id=typed_by.id if typed_by else None)


def _check_availability(
    turn: Turn, programme: Programme, mentor: Enrolment, mentee: Enrolment
) -> None:
    """The same limits `match` respects: roles as enrolled, mentor capacity, one pair a mentee."""
    if Kind(programme.kind) is not Kind.RECIPROCAL:  # in reciprocal pairs both roles are taken
        for enrolment, role in ((mentor, "mentor"), (mentee, "mentee")):
            if enrolment.role != role:
                raise Refusal(
                    turn.text(
                        "coordinator.availability.wrong_role",
                        name=name_of(enrolment.person),
                        role_name=turn.text(f"coordinator.availability.role.{enrolment.role}"),
                        programme=typed(programme.name),
                    )
                )
    live = [
        p
        for p in turn.session.scalars(select(Pair).where(Pair.programme_id == programme.id))
        if Stage(p.stage) not in TERMINAL
    ]
    together = live_pair_between(turn, mentor.person, mentee.person)
    if together is not None:
        raise Refusal(
            turn.text(
                "coordinator.availability.already_pair",
                mentor=name_of(mentor.person),
                mentee=name_of(mentee.person),
                pair_id=together.id,
            )
        )
    if any(mentee.person_id in (p.mentor_id, p.mentee_id) for p in live):
        raise Refusal(
            turn.text("coordinator.availability.mentee_taken", name=name_of(mentee.person))
        )
    if sum(p.mentor_id == mentor.person_id for p in live) >= mentor.capacity:
        raise Refusal(
            turn.text(
                "coordinator.availability.capacity",
                name=name_of(mentor.person),
                count=mentor.capacity,
            )
        )


def _senior_first(
    programme: Programme, mentor: Enrolment, mentee: Enrolment
) -> tuple[Enrolment, Enrolment]:
    """In reciprocal mentoring the senior models the mentor role first (DESIGN section 4)."""
    if Kind(programme.kind) is Kind.RECIPROCAL and mentor.seniority < mentee.seniority:
        return mentee, mentor
    return mentor, mentee


def _enrolled(turn: Turn, programme: Programme, person: Person) -> Enrolment:
    enrolment = turn.session.scalar(
        select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.person_id == person.id
        )
    )
    if enrolment is None or consent.is_out(enrolment):
        raise Refusal(
            turn.text(
                "coordinator.not_enrolled", name=name_of(person), programme=typed(programme.name)
            )
            if enrolment is None
            else turn.text(
                "consent.coordinator.not_again", name=name_of(person), programme=programme.name
            )
        )
    if not consent.is_accepted(enrolment):
        raise Refusal(
            turn.text(
                "consent.coordinator.not_accepted", name=name_of(person), programme=programme.name
            )
        )
    return enrolment


def _candidate(enrolment: Enrolment, *, capacity: int | None = None) -> matching.Candidate:
    person = enrolment.person
    return matching.Candidate(
        person_id=person.id,
        name=person.display_name,
        role=enrolment.role,
        seniority=enrolment.seniority,
        topics_offered=tuple(enrolment.topics_offered),
        topics_wanted=tuple(enrolment.topics_wanted),
        team=person.team,
        manager_id=person.manager_id,
        timezone=person.timezone,
        work_start_hour=person.work_start_hour,
        work_end_hour=person.work_end_hour,
        capacity=enrolment.capacity if capacity is None else capacity,
    )
