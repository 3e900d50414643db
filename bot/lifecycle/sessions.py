"""Active: a reminder with preparation before each session, a private check-in after it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from bot import waypoints, wire
from bot.content import Content
from bot.form_values import MAX_OPEN_ACTIONS, FormValues
from bot.goals import actions_of, add_action, open_goals_text, words_of
from bot.identity import name_of
from bot.lifecycle import contracting
from bot.lifecycle.planning import describe_when
from bot.lifecycle.transition import kind_of, partner_of, person_in_role, require_stage, role_of
from bot.programmes import Kind, senior_role
from bot.replies import Choice, FieldKind, Form, FormField, Reply
from bot.stages import Stage
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import (
    ActionItem,
    CheckIn,
    MentoringSession,
    NudgeSent,
    Pair,
    ParkedItem,
    Person,
)

FORM_ID = "checkin"
UNREPORTED_AFTER = timedelta(days=7)  # nobody checked in: stop waiting
YES, NO = "yes", "no"


def coaching_role(pair: Pair, session: MentoringSession, person: Person, content: Content) -> str:
    """The role whose preparation fits: in reciprocal pairs, whoever leads *this* session."""
    if kind_of(pair) is Kind.RECIPROCAL and session.leader_id is not None:
        return "mentor" if person.id == session.leader_id else "mentee"
    return role_of(pair, person, content)


def remind(
    turn: Turn,
    pair: Pair,
    session: MentoringSession,
    *,
    total: int | None = None,
    open_actions: Sequence[ActionItem] | None = None,
) -> None:
    """`total` and `open_actions` may come from the caller (the sweep reads them for many pairs
    at once); otherwise they are read here."""
    kind = kind_of(pair)
    if total is None:
        total = total_sessions(turn, pair)
    leader = pair.mentor if session.leader_id == pair.mentor_id else pair.mentee
    if open_actions is None:
        open_actions = turn.session.scalars(
            select(ActionItem).where(ActionItem.pair_id == pair.id, ActionItem.status == "open")
        ).all()
    for person in (pair.mentor, pair.mentee):
        role = coaching_role(pair, session, person, turn.content)
        text = turn.text(
            "sessions.reminder",
            kind=kind,
            role=role,
            name=name_of(person),
            partner=name_of(partner_of(pair, person, turn.content)),
            number=session.number,
            total=total,
            when=describe_when(session.planned_at, person, turn.content),
            leader=name_of(leader if session.leader_id else pair.mentee),
        )
        parts = [text, "", turn.content.bullets("sessions.prep", kind=kind, role=role)]
        if open_actions:
            bullets = Text.join("- " + words_of(a) for a in open_actions)
            parts += ["", turn.text("sessions.actions_carried", actions=bullets)]
        parts += waypoints.reminder_lines(turn, pair, person)  # sponsorship: the route, and act
        # Held for working hours (or an absence) past the session's start, it would be noise.
        turn.to_person(person, Reply(text=Text.join(parts)), expires_at=session.planned_at)
    session.reminded_at = turn.now
    if pair.leader_id != session.leader_id:  # unchanged, the pair stays clean for the flush
        pair.leader_id = session.leader_id  # "who leads now" is who leads the next session


def ask_checkin(turn: Turn, pair: Pair, session: MentoringSession) -> None:
    for person in (pair.mentor, pair.mentee):
        turn.to_person(
            person,
            Reply(
                text=turn.text(
                    "sessions.checkin_prompt",
                    number=session.number,
                    partner=name_of(partner_of(pair, person, turn.content)),
                ),
                buttons=(
                    wire.button(
                        turn.text("sessions.checkin_button"),
                        contracting.OPEN_FORM,
                        FORM_ID,
                        session.id,
                        primary=True,
                    ),
                ),
            ),
        )
    session.checkin_sent_at = turn.now


def form(turn: Turn, pair: Pair, session: MentoringSession, person: Person) -> Form:
    role_of(pair, person, turn.content)
    require_started(turn, session, person)
    kind = kind_of(pair)
    senior = person_in_role(pair, senior_role(kind))
    junior = partner_of(pair, senior, turn.content)

    def field(name: str, kind_: FieldKind, **extra: Any) -> FormField:
        # Only "did it happen" is required: a session that did not happen has nothing else.
        return FormField(
            name=name,
            label=turn.text(f"sessions.checkin_fields.{name}.label", kind=kind),
            hint=turn.text(f"sessions.checkin_fields.{name}.hint", kind=kind),
            kind=kind_,
            required=name == "happened",
            **extra,
        )

    def choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
        return tuple(Choice(value=value, label=label) for value, label in pairs)

    def word(name: str) -> str:
        return turn.text("lifecycle.sessions.choices." + name)

    yes_no = choices((YES, word(YES)), (NO, word(NO)))
    names = {"mentor": pair.mentor.display_name, "mentee": pair.mentee.display_name}
    fields = [
        field("happened", FieldKind.CHOICE, choices=yes_no),
        field(
            "agenda_set_by",
            FieldKind.CHOICE,
            choices=choices(*names.items(), ("both", word("both"))),
        ),
        field("challenge", FieldKind.INTEGER, minimum=1, maximum=5),
        field("breadth", FieldKind.INTEGER, minimum=1, maximum=5),
        field(
            "jumped_to_solutions",
            FieldKind.CHOICE,
            choices=choices(
                (NO, word(NO)), ("senior", senior.display_name), ("junior", junior.display_name)
            ),
        ),
    ]
    if kind is Kind.REVERSE:  # parking career talk is a reverse-mentoring rule
        fields.append(field("career_talk", FieldKind.CHOICE, choices=yes_no))
    fields += [
        field("goals_moved", FieldKind.CHOICE, choices=yes_no),
        field("actions", FieldKind.LONG_TEXT),
        field("note", FieldKind.LONG_TEXT),
    ]
    return Form(
        form_id=FORM_ID,
        title=turn.text("sessions.checkin_title"),
        fields=tuple(fields),
        context=str(session.id),
        submit_label=turn.text("lifecycle.forms.submit"),
    )


def validate(
    values: Mapping[str, str], *, kind: Kind, content: Content
) -> tuple[dict[str, object], dict[str, str]]:
    """Pure: raw form values to check-in columns, or errors by field name (worded by `content`)."""
    form = FormValues(values, content)
    yes_no = (YES, NO)
    result: dict[str, object] = {
        "happened": form.choice("happened", yes_no, required=True) == YES,
        "agenda_set_by": form.choice("agenda_set_by", ("mentor", "mentee", "both")),
        "challenge": form.number("challenge", 1, 5, required=False),
        "breadth": form.number("breadth", 1, 5, required=False),
        "jumped_to_solutions": form.choice("jumped_to_solutions", (NO, "senior", "junior"))
        == "senior",
        "career_talk": kind is Kind.REVERSE and form.choice("career_talk", yes_no) == YES,
        "goals_moved": form.choice("goals_moved", yes_no) == YES,
        "actions": form.lines("actions"),
        "note": form.text("note"),
    }
    return result, form.errors


def handle_submission(
    turn: Turn, pair: Pair, session: MentoringSession, person: Person, values: Mapping[str, str]
) -> Reply:
    require_stage(turn, pair, Stage.ACTIVE, Stage.WRAP_UP, doing="check_in")
    role_of(pair, person, turn.content)
    require_started(turn, session, person)
    answers, errors = validate(values, kind=kind_of(pair), content=turn.content)
    if errors:
        raise Refusal(turn.text("lifecycle.needs_another_look"), field_errors=errors)
    actions: list[str] = answers.pop("actions")  # type: ignore[assignment]
    if not answers["happened"]:
        # A session that did not happen has nobody leading it and no scores.
        answers.update(
            agenda_set_by=None,
            challenge=None,
            breadth=None,
            jumped_to_solutions=False,
            career_talk=False,
            goals_moved=False,
        )
        actions = []
    checkin = turn.session.scalar(
        select(CheckIn).where(CheckIn.session_id == session.id, CheckIn.person_id == person.id)
    )
    if checkin is None:
        checkin = CheckIn(
            session_id=session.id, person_id=person.id, submitted_at=turn.now, **answers
        )
        turn.session.add(checkin)
    else:  # a second check-in for the same session replaces the first
        for name, value in answers.items():
            setattr(checkin, name, value)
        checkin.submitted_at = turn.now
    turn.session.flush()
    _resolve_status(turn, session)
    # A second check-in for the same session replaces the actions the first one listed.
    turn.session.execute(
        delete(ActionItem).where(
            ActionItem.session_id == session.id,
            ActionItem.owner_id == person.id,
            ActionItem.status == "open",
        )
    )
    turn.session.flush()
    room = MAX_OPEN_ACTIONS - len(actions_of(turn, pair, open_only=True))
    if len(actions) > room:
        too_many = turn.text(
            "lifecycle.sessions.too_many_actions", limit=MAX_OPEN_ACTIONS, room=max(room, 0)
        )
        raise Refusal(turn.text("lifecycle.needs_another_look"), field_errors={"actions": too_many})
    for text in actions:
        add_action(turn, pair, person.id, text, session_id=session.id)
    # Parking only makes sense while the contract runs; in wrap-up the topic is open anyway.
    if (
        answers["career_talk"]
        and pair.stage == Stage.ACTIVE.value
        and not turn.session.scalar(select(ParkedItem).where(ParkedItem.session_id == session.id))
    ):
        turn.session.add(
            ParkedItem(
                pair_id=pair.id,
                session_id=session.id,
                topic="career_advice",
                note=turn.text("lifecycle.sessions.parked_note", number=session.number),
                raised_at=turn.now,
            )
        )
    turn.session.flush()
    maybe_midpoint(turn, pair, session)
    if not answers["happened"]:
        return Reply(text=turn.text("sessions.checkin_missed_ack"))
    return Reply(text=turn.text("sessions.checkin_thanks"))


def require_started(turn: Turn, session: MentoringSession, person: Person) -> None:
    """A check-in reports on a meeting; one still ahead would mark it held before it happens."""
    if session.planned_at > turn.now:
        when = describe_when(session.planned_at, person, turn.content)
        raise Refusal(
            turn.text("lifecycle.sessions.planned_ahead", number=session.number, when=when)
        )


def _resolve_status(turn: Turn, session: MentoringSession) -> None:
    checkins = turn.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id)).all()
    session.status = "held" if any(c.happened for c in checkins) else "missed"
    session.resolved_at = turn.now


def mark_unreported(turn: Turn, session: MentoringSession) -> None:
    session.status = "unreported"
    session.resolved_at = turn.now


def maybe_midpoint(turn: Turn, pair: Pair, session: MentoringSession) -> None:
    total = total_sessions(turn, pair)
    if total < 2 or session.status != "held" or session.number < math.ceil(total / 2):
        return
    already = turn.session.scalar(
        select(NudgeSent).where(NudgeSent.pair_id == pair.id, NudgeSent.nudge == "midpoint_review")
    )
    if already is not None:
        return
    turn.to_pair(
        pair,
        Reply(
            text=turn.text(
                "sessions.midpoint",
                kind=kind_of(pair),
                number=session.number,
                total=total,
                goals=open_goals_text(turn, pair),
            )
        ),
    )
    # Stored with the nudges so it is sent once, like every other prompt with a memory.
    turn.session.add(
        NudgeSent(
            pair_id=pair.id,
            nudge="midpoint_review",
            level=1,
            about=session.number,
            sent_at=turn.now,
        )
    )


def total_sessions(turn: Turn, pair: Pair) -> int:
    contract = contracting.agreed(turn, pair)
    return contract.sessions if contract else 0


def session_for(turn: Turn, session_id: int) -> MentoringSession:
    session = turn.session.get(MentoringSession, session_id)
    if session is None:
        raise Refusal(turn.text("lifecycle.sessions.not_found"))
    return session
