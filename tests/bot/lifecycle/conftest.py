"""A pair driven through the real engine to any stage, and the stored rows read back plainly.

`journey(kind=...)` returns a `Journey` on SQLite; whole-flow tests that run on both backends
build one on the `database` fixture with `journey(db=database)`. The cast is always the same:
maya mentors sam in "Spring Tandem", hana coordinates, lena is enrolled but not in the pair.
Tests name them literally, so a scenario reads like the conversation it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flow import Flow
from sqlalchemy import func, select

from bot import hours
from bot.content import Content, default_content
from bot.lifecycle import planning
from bot.programmes import Cadence, Kind, default_agenda_owner, nth_session_date
from bot.replies import Outcome, Reply
from bot.stages import Stage
from storage.db import Database
from storage.models import (
    Contract,
    MentoringSession,
    Pair,
    Person,
    StageTransition,
)

PROGRAMME = "Spring Tandem"
MENTOR, MENTEE, COORDINATOR, OUTSIDER = "maya", "sam", "hana", "lena"
REASON = "Maya knows short-form video, which Sam wants to learn"
# Seniority (mentor, mentee) that each kind's hard rules accept.
LEVELS = {
    Kind.REVERSE: (2, 9),
    Kind.RECIPROCAL: (7, 4),
    Kind.CLASSIC: (8, 3),
    Kind.SPONSORSHIP: (8, 3),
}
FIRST_DAY = date(2027, 1, 11)  # a Monday, a week after flow.START
CONTENT = default_content()


@dataclass(frozen=True)
class Move:
    """A stored stage transition, with the actor as their platform user id."""

    from_stage: str
    to_stage: str
    trigger: str
    actor: str | None
    at: datetime
    reason: str


class Journey:
    """One programme, one pair (maya mentors sam), coordinator hana, outsider lena."""

    programme = PROGRAMME
    reason = REASON
    first_day = FIRST_DAY

    def __init__(
        self,
        db: Database,
        *,
        kind: Kind = Kind.REVERSE,
        sessions: int = 4,
        cadence: Cadence = Cadence.WEEKLY,
        length: int = 60,
    ) -> None:
        self.db = db
        self.kind = kind
        self.sessions = sessions
        self.cadence = cadence
        self.length = length
        self.flow = Flow(db, coordinators=(COORDINATOR,))
        mentor_level, mentee_level = LEVELS[kind]
        self.ok(
            f'programme create "{PROGRAMME}" --kind {kind.value} --sessions {sessions} '
            f"--cadence {cadence.value} --length {length}"
        )
        self.enrol(MENTOR, "mentor", mentor_level)
        self.enrol(MENTEE, "mentee", mentee_level)
        self.pair_id = 0

    # -- acting ---------------------------------------------------------------------------

    def ok(self, text: str, who: str = COORDINATOR) -> Reply:
        """A command that must succeed (the test is about what comes after it)."""
        outcome = self.flow.command(who, text)
        assert outcome.changed, outcome.answer
        assert outcome.answer is not None
        return outcome.answer

    def enrol(self, who: str, role: str, level: int, *extra: str) -> None:
        # The name Flow's actors carry, so it reads the same before and after they first speak.
        answer = self.ok(
            f'enrol {who} --programme "{PROGRAMME}" --role {role} --level {level} '
            f"--name {who.capitalize()} " + " ".join(extra)
        )
        if "invitation" in answer.text:  # they accept, as they would (bot.consent)
            assert self.flow.answer_invitation(who).changed
            self.flow.new(who)  # set-up: the tests read what comes after

    def propose(self) -> Journey:
        self.ok(f'pair {MENTOR} {MENTEE} --programme "{PROGRAMME}" --reason "{REASON}"')
        self.pair_id = self.pair().id
        return self

    def press(self, who: str, action: str, answer: str) -> Outcome:
        return self.flow.press(who, action, f"{self.pair_id}:{answer}")

    def accept_intro(self) -> Journey:
        for who in (MENTOR, MENTEE):
            assert self.press(who, "intro", "yes").changed
        return self

    def go_ahead(self) -> Journey:
        for who in (MENTOR, MENTEE):
            assert self.press(who, "chemistry", "go").changed
        return self

    def contract_values(self, **overrides: str) -> dict[str, str]:
        cadence = Cadence(overrides.get("cadence", self.cadence.value))
        sessions = int(overrides.get("sessions", self.sessions))
        last = nth_session_date(FIRST_DAY, cadence, sessions - 1)
        values = {
            "sessions": str(sessions),
            "length_minutes": str(self.length),
            "cadence": cadence.value,
            "medium": "video",
            "start_date": FIRST_DAY.isoformat(),
            "end_date": (last + timedelta(days=7)).isoformat(),
            "mentor_goals": "Lead a meeting with a senior colleague",
            "mentee_goals": "Understand short-form video\nSee the app through customers' eyes",
            "mentor_motivation": "Visibility across the company",
            "agenda_owner": default_agenda_owner(self.kind).value,
            "waits_until_end": "Career advice",
            "confidentiality": "What we say stays between us",
        }
        if self.kind is Kind.SPONSORSHIP:
            values["destination"] = "Head of customer support"
        if self.kind is Kind.RECIPROCAL:
            values["swap_after_session"] = str(max(1, sessions // 2))
        return {**values, **overrides}

    def submit_contract(self, who: str = MENTOR, **overrides: str) -> Outcome:
        values = self.contract_values(**overrides)
        return self.flow.submit(who, "contract", str(self.pair_id), **values)

    def confirm(self, who: str, version: int) -> Outcome:
        return self.flow.press(who, "contract", f"{self.pair_id}:{version}:confirm")

    def agree(self, **overrides: str) -> Journey:
        outcome = self.submit_contract(**overrides)
        assert not outcome.field_errors, outcome.field_errors
        version = self.contract().version
        for who in (MENTOR, MENTEE):
            assert self.confirm(who, version).changed
        return self

    def to(self, stage: Stage) -> Journey:
        """Drive a fresh pair to one of the stages on the happy path."""
        steps: list[tuple[Stage, Callable[[], Journey]]] = [
            (Stage.PROPOSED, self.propose),
            (Stage.CHEMISTRY, self.accept_intro),
            (Stage.CONTRACTING, self.go_ahead),
            (Stage.ACTIVE, self.agree),
            (Stage.WRAP_UP, lambda: self.end_early()),
        ]
        for reached, step in steps:
            step()
            if reached is stage:
                assert self.stage() is stage
                return self
        raise AssertionError(f"no happy path reaches {stage}")

    def end_early(self) -> Journey:
        self.ok(f"end {self.pair_id}")
        return self

    def at(self, moment: datetime) -> None:
        """Move the clock to `moment` and run one sweep there, as the scheduler would."""
        self.flow.clock.set(moment)
        self.flow.engine.sweep()
        self.flow.deliver()

    def session_time(self, number: int) -> datetime:
        """When session `number` is planned (10:00 in the mentor's zone, UTC here)."""
        day = nth_session_date(FIRST_DAY, self.cadence, number - 1)
        return datetime.combine(day, time(10), tzinfo=UTC)

    def reminder_time(self, number: int) -> datetime:
        """When the reminder for session `number` reaches both (UTC, 09-17 on weekdays): the
        day before, or the last working moment of both before that (a Monday session: the
        Friday), held to the next working hour if even that is outside them."""
        people = [hours.Hours(), hours.Hours()]
        due = planning.reminder_due(people, self.session_time(number))
        return hours.next_window_start(people, due)

    def hold(self, number: int, *, happened: str = "yes", **answers: str) -> None:
        """Let session `number` pass, then both people check in."""
        self.at(self.session_time(number) + timedelta(minutes=self.length, hours=1))
        ref = str(self.session(number).id)
        for who in (MENTOR, MENTEE):
            outcome = self.flow.submit(who, "checkin", ref, happened=happened, **answers)
            assert not outcome.field_errors, outcome.field_errors

    # -- reading --------------------------------------------------------------------------

    def rows(self, model: Any, *where: Any, order_by: Any = None) -> list[Any]:
        with self.db.transaction() as session:
            query = select(model).where(*where)
            if order_by is not None:
                query = query.order_by(order_by)
            return list(session.scalars(query))

    def count(self, model: Any, *where: Any) -> int:
        with self.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def pair(self) -> Pair:
        pairs = self.rows(Pair, order_by=Pair.id.desc())
        return next(p for p in pairs if not self.pair_id or p.id == self.pair_id)

    def stage(self) -> Stage:
        return Stage(self.pair().stage)

    def person_id(self, who: str) -> int:
        return self.rows(Person, Person.platform_user_id == who)[0].id

    def user_of(self, person_id: int | None) -> str | None:
        if person_id is None:
            return None
        return self.rows(Person, Person.id == person_id)[0].platform_user_id

    def moves(self) -> list[Move]:
        rows = self.rows(
            StageTransition, StageTransition.pair_id == self.pair_id, order_by=StageTransition.id
        )
        return [
            Move(r.from_stage, r.to_stage, r.trigger, self.user_of(r.actor_id), r.at, r.reason)
            for r in rows
        ]

    def last_move(self) -> Move:
        return self.moves()[-1]

    def contract(self, version: int | None = None) -> Contract:
        contracts = self.rows(Contract, Contract.pair_id == self.pair_id, order_by=Contract.version)
        if version is None:
            return contracts[-1]
        return next(c for c in contracts if c.version == version)

    def session(self, number: int) -> MentoringSession:
        return self.rows(
            MentoringSession,
            MentoringSession.pair_id == self.pair_id,
            MentoringSession.number == number,
        )[0]

    def planned(self) -> list[MentoringSession]:
        return self.rows(
            MentoringSession,
            MentoringSession.pair_id == self.pair_id,
            order_by=MentoringSession.number,
        )

    def new_texts(self, who: str) -> list[str]:
        return [reply.text for reply in self.flow.new(who)]

    def read_all(self) -> None:
        """Mark everything delivered so far as read, for every participant."""
        for who in (MENTOR, MENTEE, COORDINATOR, OUTSIDER):
            self.flow.new(who)


@pytest.fixture
def journey(sqlite_db: Database) -> Iterator[Callable[..., Journey]]:
    def make(*, db: Database | None = None, **options: Any) -> Journey:
        return Journey(db or sqlite_db, **options)

    yield make


@pytest.fixture
def content() -> Content:
    return CONTENT
