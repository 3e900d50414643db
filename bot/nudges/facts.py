"""The signals nudge rules read: a frozen snapshot of one pair, built from stored check-ins.

Rules are pure functions of these facts, so each one is testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.programmes import Kind


@dataclass(frozen=True, kw_only=True)
class CheckInFacts:
    by_role: str  # "mentor" / "mentee"
    happened: bool
    agenda_set_by: str | None = None  # "mentor" / "mentee" / "both"
    challenge: int | None = None
    breadth: int | None = None
    senior_jumped: bool = False
    career_talk: bool = False
    goals_moved: bool = False


@dataclass(frozen=True, kw_only=True)
class SessionFacts:
    number: int
    planned_at: datetime
    status: str  # planned / held / missed / unreported
    leader_role: str | None = None  # who should set the agenda: "mentor" / "mentee" / None
    checkins: tuple[CheckInFacts, ...] = ()
    # Movement since the session before this one (actions_agreed also counts those agreed in
    # this session's check-ins).
    actions_agreed: int = 0
    actions_done: int = 0
    goals_met: int = 0

    @property
    def is_held(self) -> bool:
        return self.status == "held"


@dataclass(frozen=True, kw_only=True)
class PairFacts:
    pair_id: int
    kind: Kind
    now: datetime
    mentor: str  # display names, for the content placeholders
    mentee: str
    programme: str
    gap: timedelta  # the longest normal gap between sessions at the agreed cadence
    sessions: tuple[SessionFacts, ...] = ()
    swap_after_session: int | None = None
    # Nudges already sent to this pair: (nudge, level, about, sent_at).
    sent: tuple[tuple[str, int, int, datetime], ...] = field(default=())

    @property
    def held(self) -> tuple[SessionFacts, ...]:
        return tuple(s for s in self.sessions if s.is_held)

    def name_of(self, role: str) -> str:
        return self.mentor if role == "mentor" else self.mentee

    @property
    def senior_role(self) -> str:
        return "mentee" if self.kind is Kind.REVERSE else "mentor"

    @property
    def junior_role(self) -> str:
        return "mentor" if self.senior_role == "mentee" else "mentee"
