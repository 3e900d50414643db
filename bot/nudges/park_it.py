"""Park it: career advice or sponsorship came up during a reverse contract; it waits."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts
from bot.nudges.rule import Firing, NudgeRule, Target
from bot.programmes import Kind


def check(facts: PairFacts) -> Firing | None:
    held = facts.held
    if not held or not any(c.career_talk for c in held[-1].checkins):
        return None
    return Firing(
        level=1,
        about=held[-1].number,
        messages=((Target.PAIR, "pair"),),
        params={"topic_key": "career_advice"},
    )


RULE = NudgeRule(
    key="park_it",
    kinds=frozenset({Kind.REVERSE}),
    cooldown=timedelta(days=7),
    check=check,
    summary="lifecycle.nudge_signals.park_it",
)
