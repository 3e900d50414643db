"""Small builders of PairFacts for the pure nudge-rule tests: no database, no engine.

A pair meets monthly from FIRST; `NOW` is just after the sixth session would have been held.
Maya is the mentor and Sam the mentee, as in the engine tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.nudges.facts import CheckInFacts, PairFacts, SessionFacts
from bot.nudges.rule import Firing, NudgeRule
from bot.programmes import Kind

FIRST = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
MONTH = timedelta(days=31)
NOW = FIRST + 5 * MONTH + timedelta(hours=3)


def answer(by_role: str = "mentor", **values: object) -> CheckInFacts:
    """One person's check-in for a session that happened, with any answers changed."""
    return CheckInFacts(by_role=by_role, **{"happened": True, **values})  # type: ignore[arg-type]


def both(**values: object) -> tuple[CheckInFacts, CheckInFacts]:
    """Mentor and mentee gave the same answers."""
    return answer("mentor", **values), answer("mentee", **values)


def session(
    number: int,
    *answers: CheckInFacts,
    status: str = "held",
    leader: str | None = "mentor",
    **extra: object,
) -> SessionFacts:
    """Session `number`, planned one cadence after the one before."""
    return SessionFacts(
        number=number,
        planned_at=FIRST + (number - 1) * MONTH,
        status=status,
        leader_role=leader,
        checkins=answers,
        **extra,
    )  # type: ignore[arg-type]


def pair(
    *sessions: SessionFacts,
    kind: Kind = Kind.REVERSE,
    now: datetime = NOW,
    gap: timedelta = MONTH,
    swap_after: int | None = None,
    sent: tuple[tuple[str, int, int, datetime], ...] = (),
) -> PairFacts:
    return PairFacts(
        pair_id=7,
        kind=kind,
        now=now,
        mentor="Maya",
        mentee="Sam",
        programme="Pilot",
        gap=gap,
        sessions=sessions,
        swap_after_session=swap_after,
        sent=sent,
    )


def planned(*numbers: int, leader: str | None = "mentor") -> tuple[SessionFacts, ...]:
    """Sessions still to come."""
    return tuple(session(n, status="planned", leader=leader) for n in numbers)


def fire(rule: NudgeRule, facts: PairFacts) -> Firing | None:
    """What the runner would get from this rule: nothing for a kind the rule ignores."""
    return rule.check(facts) if rule.applies_to(facts.kind) else None


def targets(firing: Firing) -> list[tuple[str, str]]:
    """(target, content key) of each message, as plain strings for readable asserts."""
    return [(target.value, message) for target, message in firing.messages]
