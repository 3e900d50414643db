"""Consent to take part: the invitation `enrol` sends, accepting or declining it, leaving, joining.

An enrolment is invited, then accepted or declined; anyone may leave at any time. Only an
accepted enrolment that has not been left is matched. A decline is final without blame: the
enrolment is kept (not deleted) so the coordinator cannot invite the same person again; only
the person can change their mind, with `join <programme>`. Coordinators are never told who
declined: `match` shows a count, and only from three (K_DECLINES) so it never points at one.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select

from bot import wire
from bot.identity import name_of
from bot.lifecycle.transition import move, partner_of
from bot.replies import Reply
from bot.stages import TERMINAL, Stage, Trigger
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Enrolment, Pair, Person, Programme

ACTION = "consent"
ACCEPT, DECLINE = "accept", "decline"
K_DECLINES = 3  # the smallest count of declines shown to coordinators (k-anonymity)


class Status(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LEFT = "left"


def status_of(enrolment: Enrolment) -> Status:
    if enrolment.left_at is not None:
        return Status.LEFT
    if enrolment.declined_at is not None:
        return Status.DECLINED
    return Status.ACCEPTED if enrolment.consent_at is not None else Status.INVITED


def is_accepted(enrolment: Enrolment) -> bool:
    """Whether this enrolment may be matched: the person said yes and has not left."""
    return status_of(enrolment) is Status.ACCEPTED


def is_out(enrolment: Enrolment) -> bool:
    """Declined or left: the coordinator cannot invite them again, only they can `join`."""
    return status_of(enrolment) in (Status.DECLINED, Status.LEFT)


def enrolment_of(turn: Turn, programme: Programme, person: Person) -> Enrolment | None:
    return turn.session.scalar(
        select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.person_id == person.id
        )
    )


# -- the invitation ---------------------------------------------------------------------------


def invite(turn: Turn, enrolment: Enrolment, *, coordinator: Person) -> bool:
    """Send the invitation unless one went already or they answered; True when it was sent."""
    if enrolment.invited_at is not None or status_of(enrolment) is not Status.INVITED:
        return False
    enrolment.invited_at = turn.now
    turn.to_person(enrolment.person, invitation(turn, enrolment, coordinator=coordinator))
    return True


def invitation(turn: Turn, enrolment: Enrolment, *, coordinator: Person) -> Reply:
    programme = turn.session.get(Programme, enrolment.programme_id)
    assert programme is not None
    kind, role = programme.kind, enrolment.role
    other = "mentee" if role == "mentor" else "mentor"
    lines: list[str] = [
        turn.text(
            "consent.invitation.opening",
            name=name_of(enrolment.person),
            programme=programme.name,
            coordinator=name_of(coordinator),
            kind_name=turn.text("kinds.name", kind=kind),
        ),
        "",
        turn.text("kinds.purpose", kind=kind),
        "",
        turn.text(
            "consent.invitation.role",
            kind=kind,
            role=role,
            role_name=turn.text("roles." + role, kind=kind),
            partner_role_name=turn.text("roles." + other, kind=kind),
        ),
        "",
        turn.text("consent.invitation.asks_heading"),
        *(
            "- " + line
            for line in turn.content.lines("consent.invitation.asks", kind=kind, role=role)
        ),
        "",
        turn.text("consent.invitation.choice", programme=programme.name),
    ]
    return Reply(
        text=Text.join(lines),
        buttons=(
            wire.button(
                turn.text("consent.invitation.accept_button"),
                ACTION,
                enrolment.id,
                ACCEPT,
                primary=True,
            ),
            wire.button(
                turn.text("consent.invitation.decline_button"), ACTION, enrolment.id, DECLINE
            ),
        ),
    )


def handle_answer(turn: Turn, person: Person, enrolment_id: int, answer: str) -> Reply:
    """Accept or decline, from the invitation's buttons. Only the invited person may answer."""
    enrolment = turn.session.get(Enrolment, enrolment_id, with_for_update=True)
    if enrolment is None or enrolment.person_id != person.id or answer not in (ACCEPT, DECLINE):
        raise Refusal(turn.text("consent.refusals.not_found"))
    programme = turn.session.get(Programme, enrolment.programme_id)
    assert programme is not None
    status = status_of(enrolment)
    if status is Status.LEFT:
        raise Refusal(turn.text("consent.refusals.after_leaving", programme=programme.name))
    if status is Status.DECLINED:
        raise Refusal(turn.text("consent.refusals.already_declined", programme=programme.name))
    if status is Status.ACCEPTED:
        if answer == ACCEPT:
            raise Refusal(turn.text("consent.refusals.already_accepted", programme=programme.name))
        # Saying no after yes is leaving: the same kind ending for any pair already proposed.
        return leave(turn, person, programme)
    if answer == ACCEPT:
        enrolment.consent_at = turn.now
        return Reply(text=turn.text("consent.accepted", programme=programme.name))
    enrolment.declined_at = turn.now
    # Nobody is told: the coordinators see declines only as a count in `match` (K_DECLINES).
    return Reply(text=turn.text("consent.declined", programme=programme.name))


# -- leaving and joining ----------------------------------------------------------------------


def leave(turn: Turn, person: Person, programme: Programme) -> Reply:
    """Leave a programme at any time: each live pair in it ends kindly, without fault, and the
    partner stays enrolled, back in the pool for a new match; the coordinators are told."""
    enrolment = enrolment_of(turn, programme, person)
    if enrolment is None or status_of(enrolment) is Status.DECLINED:
        raise Refusal(turn.text("consent.refusals.not_enrolled", programme=programme.name))
    if status_of(enrolment) is Status.LEFT:
        raise Refusal(turn.text("consent.refusals.already_left", programme=programme.name))
    if status_of(enrolment) is Status.INVITED:
        # Leaving before answering is declining, and is as private as a decline.
        enrolment.declined_at = turn.now
        return Reply(text=turn.text("consent.declined", programme=programme.name))
    enrolment.left_at = turn.now
    parts: list[str] = [turn.text("consent.leave.done", programme=programme.name)]
    ended = _end_pairs(turn, person, programme)
    for pair in ended:
        partner = partner_of(pair, person, turn.content)
        parts.append(
            turn.text(
                "consent.leave.ended_pair", programme=programme.name, partner=name_of(partner)
            )
        )
        turn.to_person(
            partner,
            Reply(
                text=turn.text(
                    "consent.leave.partner", programme=programme.name, partner=name_of(person)
                )
            ),
        )
        turn.to_coordinators(
            Reply(
                text=turn.text(
                    "consent.coordinator.left_pair",
                    name=name_of(person),
                    partner=name_of(partner),
                    programme=programme.name,
                    pair_id=pair.id,
                )
            )
        )
    if not ended:
        turn.to_coordinators(
            Reply(
                text=turn.text(
                    "consent.coordinator.left", name=name_of(person), programme=programme.name
                )
            )
        )
    return Reply(text=Text.join(parts, " "))


def _end_pairs(turn: Turn, person: Person, programme: Programme) -> Sequence[Pair]:
    pairs = turn.session.scalars(
        select(Pair)
        .where(
            Pair.programme_id == programme.id,
            (Pair.mentor_id == person.id) | (Pair.mentee_id == person.id),
            Pair.stage.not_in([s.value for s in TERMINAL]),
        )
        .order_by(Pair.id)
        .with_for_update()
    ).all()
    reason = turn.text("privacy.reasons.participant_left")  # names no one: no-fault
    for pair in pairs:
        if Stage(pair.stage) is Stage.WRAP_UP:
            # The sessions are behind them: close with whatever evaluations arrived.
            move(turn, pair, Trigger.EVALUATED, actor=person, reason=reason)
        else:
            # No-fault, as any dissolution: the two are never proposed to each other again.
            move(turn, pair, Trigger.DISSOLVED, actor=person, reason=reason)
    return pairs


def join(turn: Turn, person: Person, programme: Programme) -> Reply:
    """Someone who declined or left takes part after all: only they can undo their own no."""
    enrolment = enrolment_of(turn, programme, person)
    if enrolment is None:
        raise Refusal(turn.text("consent.refusals.join_not_invited", programme=programme.name))
    status = status_of(enrolment)
    if status is Status.ACCEPTED:
        raise Refusal(turn.text("consent.refusals.join_already_in", programme=programme.name))
    if status is Status.INVITED:
        raise Refusal(turn.text("consent.refusals.join_invited", programme=programme.name))
    enrolment.declined_at = enrolment.left_at = None
    enrolment.consent_at = turn.now
    turn.to_coordinators(
        Reply(
            text=turn.text(
                "consent.coordinator.joined", name=name_of(person), programme=programme.name
            )
        )
    )
    return Reply(text=turn.text("consent.join.done", programme=programme.name))


# -- what coordinators see --------------------------------------------------------------------


def waiting_and_declined(enrolments: Sequence[Enrolment]) -> tuple[list[Enrolment], int]:
    """Who is invited and has not answered, and how many declined (shown only from K)."""
    waiting = [e for e in enrolments if status_of(e) is Status.INVITED]
    declined = sum(status_of(e) is Status.DECLINED for e in enrolments)
    return waiting, declined
