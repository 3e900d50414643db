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
from bot.text import Text, compose, typed
from bot.turn import Refusal, Turn
from storage.models import Enrolment, NudgeSent, Pair, Person, Programme


def programme_create(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    name = " ".join(parsed.args[0].split())
    if not name or len(name) > 200:
        raise Refusal("A programme needs a name of 1 to 200 characters.")
    clash = find_programme(turn, name)
    if clash is not None:
        raise Refusal(compose('There is already a programme called "{name}".', name=clash.name))
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
    shown = typed(name)
    return Reply(
        text=compose(
            'Created the {kind} programme "{name}": ',
            kind=turn.text("kinds.name", kind=kind),
            name=shown,
        )
        + f"{programme.default_sessions} {programme.default_cadence} sessions of "
        f"{programme.default_length_minutes} minutes by default.\n"
        # Typed text inside `code` is still shown as typed: it only takes the code style.
        + compose(
            'Next: `enrol @person --programme "{name}" --role mentor --level 2`, '
            'then `match "{name}"`.',
            name=shown,
        )
    )


def programme_list(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.name)
    ).all()
    if not programmes:
        return Reply(
            text='No programmes yet. Start one with `programme create "Name" --kind reverse`.'
        )
    lines: list[str] = ["*Programmes*"]
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
            compose('- "{name}" ', name=programme.name)
            + f"({programme.kind}): {enrolled} enrolled, {pairs} pairs"
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
        text=Text.engine(f"Proposed pair #{created.id}: ")
        + compose(
            "{mentor} (mentor) with {mentee}. Both have their introductions.\nWhy: {reason}",
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
    title = "Proposed matches (dry run, nothing sent)" if dry_run else "Matched"
    lines: list[str] = [compose(f'*{title}* for "{{name}}"', name=programme.name)]
    for proposal in proposals:
        first, second = _senior_first(
            programme, by_person[proposal.mentor_id], by_person[proposal.mentee_id]
        )
        label = ""
        if not dry_run:
            created = intro.propose(
                turn,
                programme=programme,
                mentor=first.person,
                mentee=second.person,
                reason=proposal.reason,
                actor=person,
            )
            label = f"#{created.id} "
        lines.append(
            compose(
                "- {label}{mentor} mentors {mentee}: {reason}",
                label=Text.engine(label),
                mentor=names[first.person_id],
                mentee=names[second.person_id],
                reason=_reason(proposal.reason),
            )
        )
    if not proposals:
        lines.append(
            "- No pair meets the rules right now (direction, reporting lines, hours, history)."
        )
    for unmatched in (*outcome.unmatched_mentees, *outcome.unmatched_mentors):
        partner = "mentee" if unmatched.role == "mentor" else "mentor"
        lines.append(
            compose(
                f"- {{name}} has no {partner} yet: {{reason}}.",
                name=names[unmatched.person_id],
                reason=Text.engine(unmatched.reason),  # matching's wording, naming no one
            )
        )
    if outcome.unmatched_mentees:
        mentees_left = [names[u.person_id] for u in outcome.unmatched_mentees]
        lines.append("Still without a match: " + Text.join(mentees_left, ", ") + ".")
    if outcome.unmatched_mentors:
        mentors_left = [names[u.person_id] for u in outcome.unmatched_mentors]
        lines.append("Mentors without a mentee: " + Text.join(mentors_left, ", ") + ".")
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
        raise Refusal(f"Pair #{target.id} has {target.stage}; there is nobody to nudge.")
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
    return Reply(text=f"Sent your note to pair #{target.id}.")


# How the buttons' own steps appear in the audit trail (`coordinator list --log`).
CHECK_IN_VERB = "nudge check-in"
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
        reason="rematched by coordinator",
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
    note = Reply(
        text=compose(
            "Your coordinator {name} has paused your mentoring pair for "
            "now; reminders and check-ins stop until it resumes.",
            name=name_of(person),
        )
    )
    turn.to_pair(target, note)
    return Reply(text=f"Paused pair #{target.id}.")


def resume_pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    # The lifecycle's resume also replans an active pair's sessions that fell inside the pause.
    stage = pausing.resume(turn, target, actor=person)
    turn.to_pair(
        target,
        Reply(
            text=name_of(person)
            + f" has resumed your pair: you are back in {stage.value.replace('_', ' ')}."
        ),
    )
    return Reply(text=f"Resumed pair #{target.id} ({stage.value}).")


def end(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    stage = Stage(target.stage)
    if stage is Stage.PAUSED and target.paused_from == Stage.ACTIVE.value:
        # A pair that met deserves its evaluation and its parked items, paused or not.
        pausing.resume(turn, target, actor=person)
        stage = Stage.ACTIVE
    if stage is Stage.ACTIVE:
        wrap_up.start(
            turn, target, trigger=Trigger.ENDED_EARLY, actor=person, reason="ended by coordinator"
        )
        return Reply(text=f"Ended pair #{target.id}: both have their evaluation now.")
    if stage is Stage.WRAP_UP:
        wrap_up.close_without_evaluations(turn, target, actor=person)
        return Reply(text=f"Closed pair #{target.id}; the evaluations that arrived are kept.")
    if stage in (*MIDDLE, Stage.PAUSED):
        dissolve(turn, target, actor=person, reason="ended by coordinator")
        return Reply(text=f"Dissolved pair #{target.id} without blame; both have been told.")
    raise Refusal(f"Pair #{target.id} is {stage.value.replace('_', ' ')}; there is nothing to end.")


def coordinator_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    other = person_named(turn, parsed.args[0])
    if other.is_coordinator:
        return Reply(text=name_of(other) + " is already a coordinator.")
    other.is_coordinator, other.coordinator_source = True, rights.COMMAND
    turn.to_person(
        other,
        Reply(
            text=name_of(person) + " made you a Tandem coordinator. "
            "Type `help` to see what coordinators can do."
        ),
    )
    return Reply(text=name_of(other) + " is now a coordinator.")


def coordinator_remove(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    other = person_named(turn, parsed.args[0])
    if not other.is_coordinator:
        raise Refusal(name_of(other) + " is not a coordinator.")
    if other.coordinator_source == rights.SETTING:
        raise Refusal(
            name_of(other) + " is a coordinator through the TANDEM_COORDINATORS setting; "
            "an operator takes that back by removing them from it (it applies at the next start)."
        )
    if other.id == person.id and len(rights.coordinators_of(turn.session, turn.tenant.id)) == 1:
        raise Refusal(
            "You are the last coordinator of this workspace, so you cannot remove yourself: "
            "make someone else a coordinator first with `coordinator add`."
        )
    other.is_coordinator, other.coordinator_source = False, None
    if other.id != person.id:
        turn.to_person(
            other, Reply(text=name_of(person) + " took back your Tandem coordinator rights.")
        )
    return Reply(text=name_of(other) + " is no longer a coordinator.")


def coordinator_list(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if parsed.options.get("log"):
        return Reply(text=audit.shown(turn))
    lines: list[Text | str] = ["*Coordinators of this workspace*"]
    for each in rights.coordinators_of(turn.session, turn.tenant.id):
        how = "TANDEM_COORDINATORS" if each.coordinator_source == rights.SETTING else "added"
        lines.append(
            "- " + name_of(each) + compose(" ({id}, {how})", id=each.platform_user_id, how=how)
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
    a, b = mentor.person, mentee.person
    if rule is matching.Rule.SAME_PERSON:
        raise Refusal("A person cannot be paired with themselves.")
    if rule is matching.Rule.REPORTING_LINE:
        raise Refusal(
            compose(
                "{a} and {b} have a direct reporting line; "
                "Tandem never pairs a manager with their own report.",
                a=name_of(a),
                b=name_of(b),
            )
        )
    kind = Kind(programme.kind)
    if rule is matching.Rule.DIRECTION and kind is Kind.REVERSE:
        raise Refusal(
            "In reverse mentoring the mentor is the more junior colleague: "
            + _levels(mentor, mentee)
            + " Swap them or check the levels."
        )
    if rule is matching.Rule.DIRECTION:  # classic and sponsorship
        raise Refusal(
            f"In {kind.value} mentoring the mentor is the more senior colleague: "
            + _levels(mentor, mentee)
        )
    if rule is matching.Rule.DISSOLVED_BEFORE:
        raise Refusal(
            compose(
                "{a} and {b} were paired before and it was dissolved; "
                "Tandem never proposes the same two people again.",
                a=name_of(a),
                b=name_of(b),
            )
        )
    if rule is matching.Rule.OVERLAP:
        hours = matching.overlap_hours(_candidate(mentor), _candidate(mentee), turn.now.date())
        raise Refusal(
            compose("The working days of {a} and {b} overlap by ", a=name_of(a), b=name_of(b))
            + f"{round(hours, 2):g} hours; Tandem pairs people who share at least "
            f"{matching.MIN_OVERLAP_HOURS:g} hour. Check their time zones and working hours."
        )


def _levels(mentor: Enrolment, mentee: Enrolment) -> Text:
    return compose(
        "{a} is level {a_level}, {b} level {b_level}.",
        a=name_of(mentor.person),
        a_level=Text.engine(str(mentor.seniority)),
        b=name_of(mentee.person),
        b_level=Text.engine(str(mentee.seniority)),
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
                    compose(
                        '{name} is enrolled as a {role} in "{programme}"; '
                        "name the mentor first, then the mentee.",
                        name=name_of(enrolment.person),
                        role=Text.engine(enrolment.role),
                        programme=programme.name,
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
            compose(
                "{mentor} and {mentee} are already ",
                mentor=name_of(mentor.person),
                mentee=name_of(mentee.person),
            )
            + f"pair #{together.id}."
        )
    if any(mentee.person_id in (p.mentor_id, p.mentee_id) for p in live):
        raise Refusal(name_of(mentee.person) + " already has a pair in this programme.")
    if sum(p.mentor_id == mentor.person_id for p in live) >= mentor.capacity:
        raise Refusal(
            name_of(mentor.person) + f" already mentors {mentor.capacity} pair(s) here, "
            "their enrolled capacity; enrol them again with a higher --capacity first."
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
            compose(
                '{name} is not enrolled in "{programme}" yet; use `enrol` first.',
                name=name_of(person),
                programme=programme.name,
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
