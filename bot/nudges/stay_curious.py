"""Stay curious: the senior side jumped to a solution instead of exploring the question."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts
from bot.nudges.rule import ALL_KINDS, Firing, NudgeRule, Target


def check(facts: PairFacts) -> Firing | None:
    held = facts.held
    if not held or not any(c.senior_jumped for c in held[-1].checkins):
        return None
    senior, junior = facts.name_of(facts.senior_role), facts.name_of(facts.junior_role)
    return Firing(
        level=1,
        about=held[-1].number,
        # Each message is addressed to its reader: {name} is the reader, {partner} the other.
        messages=((Target.SENIOR, "senior"), (Target.JUNIOR, "tip")),
        params={"senior": senior, "junior": junior},
    )


RULE = NudgeRule(
    key="stay_curious",
    kinds=ALL_KINDS,
    cooldown=timedelta(days=21),
    check=check,
    summary="lifecycle.nudge_signals.stay_curious",
)
