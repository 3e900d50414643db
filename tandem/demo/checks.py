"""The demo checks its own storyline, so the transcript can't silently drift from the story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.clock import as_utc
from storage.db import Database
from storage.models import MentoringSession, NudgeSent, Pair, ParkedItem


class StorylineError(AssertionError):
    """The engine did not do what the story needs; the message says which step and why."""


@dataclass(frozen=True)
class Nudge:
    key: str
    level: int
    about: int
    at: datetime


@dataclass
class Checks:
    db: Database
    passed: list[str] = field(default_factory=list)

    def expect(self, condition: bool, claim: str, detail: object = "") -> None:
        if not condition:
            raise StorylineError(f"{claim} — not so{': ' if detail else ''}{detail}")
        self.passed.append(claim)

    # -- what storage says ----------------------------------------------------------------------

    def nudges(self, pair_id: int, key: str | None = None) -> list[Nudge]:
        with self.db.transaction() as db:
            rows = db.execute(
                select(NudgeSent.nudge, NudgeSent.level, NudgeSent.about, NudgeSent.sent_at)
                .where(NudgeSent.pair_id == pair_id)
                .order_by(NudgeSent.id)
            ).all()
        found = [Nudge(r.nudge, r.level, r.about, as_utc(r.sent_at)) for r in rows]
        return [n for n in found if key is None or n.key == key]

    def stage(self, pair_id: int) -> str:
        with self.db.transaction() as db:
            pair = db.get(Pair, pair_id)
            return pair.stage if pair else "missing"

    def sessions(self, pair_id: int) -> dict[int, str]:
        with self.db.transaction() as db:
            rows = db.scalars(
                select(MentoringSession)
                .where(MentoringSession.pair_id == pair_id)
                .order_by(MentoringSession.number)
            ).all()
            return {s.number: s.status for s in rows}

    def parked(self, pair_id: int) -> list[tuple[str, bool]]:
        """(topic, handed back?) for each parked item."""
        with self.db.transaction() as db:
            rows = db.scalars(select(ParkedItem).where(ParkedItem.pair_id == pair_id)).all()
            return [(p.topic, p.handed_back_at is not None) for p in rows]

    def pair_of(self, mentor: str, mentee: str) -> int:
        """The newest pair of these two platform users; the storyline breaks if there is none."""
        with self.db.transaction() as db:
            for pair in db.scalars(select(Pair).order_by(Pair.id.desc())):
                if (pair.mentor.platform_user_id, pair.mentee.platform_user_id) == (mentor, mentee):
                    return pair.id
        raise StorylineError(f"no pair of {mentor} (mentor) and {mentee} (mentee) was made")

    def planned_at(self, pair_id: int, number: int) -> datetime:
        with self.db.transaction() as db:
            session = db.scalar(
                select(MentoringSession).where(
                    MentoringSession.pair_id == pair_id, MentoringSession.number == number
                )
            )
            if session is None:
                raise StorylineError(f"pair #{pair_id} has no session {number}")
            return as_utc(session.planned_at)
