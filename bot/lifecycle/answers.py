"""Private answers at the two gates (intro and chemistry), stored one per person per gate."""

from __future__ import annotations

from sqlalchemy import select

from bot.turn import Turn
from storage.models import Answer, Pair, Person


def record(turn: Turn, pair: Pair, person: Person, *, gate: str, answer: str) -> dict[int, str]:
    """Store (or change) this person's answer; return every answer at this gate by person id."""
    existing = turn.session.scalar(
        select(Answer).where(
            Answer.pair_id == pair.id, Answer.person_id == person.id, Answer.gate == gate
        )
    )
    if existing is None:
        turn.session.add(
            Answer(pair_id=pair.id, person_id=person.id, gate=gate, answer=answer, at=turn.now)
        )
    else:
        existing.answer, existing.at = answer, turn.now
    turn.session.flush()
    rows = turn.session.scalars(
        select(Answer).where(Answer.pair_id == pair.id, Answer.gate == gate)
    ).all()
    return {row.person_id: row.answer for row in rows}


def both_said(answers: dict[int, str], pair: Pair, answer: str) -> bool:
    return answers.get(pair.mentor_id) == answer and answers.get(pair.mentee_id) == answer
