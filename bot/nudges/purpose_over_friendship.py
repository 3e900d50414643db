"""Purpose over friendship: sessions happen, but goals and actions stand still."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts, SessionFacts
from bot.nudges.rule import ALL_KINDS, Firing, NudgeRule, Target

WINDOW = 3  # this many held sessions in a row without movement


def moved(session: SessionFacts) -> bool:
    return (
        any(c.goals_moved for c in session.checkins)
        or session.actions_agreed > 0
        or session.actions_done > 0
        or session.goals_met > 0
    )


def check(facts: PairFacts) -> Firing | None:
    recent = facts.held[-WINDOW:]
    if len(recent) < WINDOW or any(moved(s) for s in recent):
        return None
    return Firing(
        level=1,
        about=recent[-1].number,
        messages=((Target.PAIR, "pair"),),
        params={"sessions": WINDOW},
    )


RULE = NudgeRule(
    key="purpose",
    kinds=ALL_KINDS,
    cooldown=timedelta(days=28),
    check=check,
    summary="lifecycle.nudge_signals.purpose",
)
