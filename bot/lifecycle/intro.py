"""Proposed: each person gets a private intro with the "why you", then says if they'll meet."""

from __future__ import annotations

from sqlalchemy import select

from bot import match_reason, wire
from bot.identity import name_of
from bot.lifecycle import answers, chemistry
from bot.lifecycle.dissolve import dissolve, live_pair_between, were_dissolved
from bot.lifecycle.transition import kind_of, move, partner_of, require_stage, role_of
from bot.replies import Button, Reply
from bot.stages import Stage, Trigger
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Pair, Person, Programme, StageTransition

ACTION = "intro"


def propose(
    turn: Turn,
    *,
    programme: Programme,
    mentor: Person,
    mentee: Person,
    reason: str,
    actor: Person | None,
) -> Pair:
    """Create a proposed pair and send both intros. Refuses pairs the rules forbid."""
    if mentor.id == mentee.id:
        raise Refusal(turn.text("lifecycle.intro.self_pair"))
    if were_dissolved(turn, mentor, mentee):
        raise Refusal(
            turn.text(
                "lifecycle.intro.dissolved_before", mentor=name_of(mentor), mentee=name_of(mentee)
            )
        )
    existing = live_pair_between(turn, mentor, mentee)
    if existing is not None:
        raise Refusal(
            turn.text(
                "lifecycle.intro.already_paired",
                mentor=name_of(mentor),
                mentee=name_of(mentee),
                pair_id=existing.id,
            )
        )
    pair = Pair(
        programme=programme,
        mentor=mentor,
        mentee=mentee,
        stage=Stage.PROPOSED.value,
        # The mentor steers first: the junior in reverse mentoring, the senior in the other
        # kinds (reciprocal pairs are oriented senior-first before they get here).
        leader_id=mentor.id,
        match_reason=match_reason.to_template(reason, mentor_id=mentor.id, mentee_id=mentee.id),
        stage_changed_at=turn.now,
        created_at=turn.now,
    )
    turn.session.add(pair)
    turn.session.flush()
    turn.session.add(
        StageTransition(
            pair_id=pair.id,
            from_stage="",
            to_stage=Stage.PROPOSED.value,
            trigger="proposed",
            actor_id=actor.id if actor else None,
            reason=pair.match_reason,
            at=turn.now,
        )
    )
    for person in (mentor, mentee):
        turn.to_person(person, intro_for(turn, pair, person))
    return pair


def intro_for(turn: Turn, pair: Pair, person: Person) -> Reply:
    kind = kind_of(pair)
    role = role_of(pair, person, turn.content)
    partner = partner_of(pair, person, turn.content)
    partner_role = "mentee" if role == "mentor" else "mentor"
    body = turn.text(
        "intro.body",
        kind=kind,
        role=role,
        name=name_of(person),
        partner=name_of(partner),
        programme=pair.programme.name,
        reason=match_reason.render(pair)
        if pair.match_reason
        else turn.text("lifecycle.intro.default_reason"),
        role_name=turn.text("roles." + role, kind=kind),
        partner_role_name=turn.text("roles." + partner_role, kind=kind),
    )
    asks = turn.content.lines("intro.asks", kind=kind, role=role)
    question = turn.text("intro.question", partner=name_of(partner))
    text = Text.join([body, "", *("- " + line for line in asks), "", question])
    return Reply(text=text, buttons=answer_buttons(turn, pair))


def answer_buttons(turn: Turn, pair: Pair) -> tuple[Button, ...]:
    return (
        wire.button(turn.text("intro.accept_button"), ACTION, pair.id, "yes", primary=True),
        wire.button(turn.text("intro.decline_button"), ACTION, pair.id, "no"),
    )


def handle_answer(turn: Turn, pair: Pair, person: Person, answer: str) -> Reply:
    require_stage(turn, pair, Stage.PROPOSED, doing="introduction")
    if answer not in ("yes", "no"):
        raise Refusal(turn.text("lifecycle.unknown_answer"))
    partner = partner_of(pair, person, turn.content)
    given = answers.record(turn, pair, person, gate="intro", answer=answer)
    if answer == "yes":  # saying yes to the introduction is consent to take part
        enrolment = turn.session.scalar(
            select(Enrolment).where(
                Enrolment.programme_id == pair.programme_id, Enrolment.person_id == person.id
            )
        )
        if enrolment is not None and enrolment.consent_at is None:
            enrolment.consent_at = turn.now
    if answer == "no":
        dissolve(turn, pair, actor=person, reason=turn.text("lifecycle.reasons.declined_intro"))
        return Reply(text=turn.text("intro.declined_ack"))
    if answers.both_said(given, pair, "yes"):
        move(turn, pair, Trigger.BOTH_ACCEPTED_INTRO, actor=person)
        chemistry.start(turn, pair)
        return Reply(text=turn.text("lifecycle.intro.both_yes", partner=name_of(partner)))
    return Reply(text=turn.text("intro.accepted_waiting", partner=name_of(partner)))
