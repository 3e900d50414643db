"""Pairing people in a programme: `pair` proposes the two a coordinator names, `match` proposes
every pair the matcher finds; both keep the same hard rules and limits (bot.matching), checked
here before anyone hears of a proposal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot import consent, matching
from bot.commands.grammar import Parsed
from bot.commands.lookup import person_named, programme_named
from bot.identity import name_of
from bot.lifecycle import intro
from bot.lifecycle.dissolve import excluded_pairs, live_pair_between
from bot.programmes import Kind
from bot.replies import Reply
from bot.stages import TERMINAL, Stage
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Pair, Person, Programme


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
