"""Too polite, too narrow: challenge and breadth stay low, so bring in outside material."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts, SessionFacts
from bot.nudges.rule import ALL_KINDS, Firing, NudgeRule, Target

WINDOW = 2  # the last two held sessions
THRESHOLD = 2.0  # mean challenge-and-breadth score (1-5) at or below this fires


def mean_score(facts: PairFacts) -> float | None:
    scores = [
        score
        for session in facts.held[-WINDOW:]
        for c in session.checkins
        for score in (c.challenge, c.breadth)
        if score is not None
    ]
    return sum(scores) / len(scores) if scores else None


def has_scores(session: SessionFacts) -> bool:
    return any(c.challenge is not None or c.breadth is not None for c in session.checkins)


def check(facts: PairFacts) -> Firing | None:
    held = facts.held
    if len(held) < WINDOW or not has_scores(held[-1]):
        return None  # only fresh evidence: the latest session must have been scored itself
    score = mean_score(facts)
    if score is None or score > THRESHOLD:
        return None
    return Firing(
        level=1,
        about=held[-1].number,
        messages=((Target.PAIR, "pair"),),
        # Which starter: rotate by session so a repeat suggests something new.
        params={"starter_index": held[-1].number},
    )


RULE = NudgeRule(
    key="too_polite",
    kinds=ALL_KINDS,
    cooldown=timedelta(days=28),
    check=check,
    summary="lifecycle.nudge_signals.too_polite",
)
