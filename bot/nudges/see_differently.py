"""See it differently: the two check-ins of one session disagree about what happened."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts, SessionFacts
from bot.nudges.rule import ALL_KINDS, Firing, NudgeRule, Target


def disagree(session: SessionFacts) -> bool:
    if len(session.checkins) < 2:
        return False
    first, second = session.checkins[0], session.checkins[1]
    if first.happened != second.happened:
        return True
    return (
        first.happened
        and first.agenda_set_by is not None
        and second.agenda_set_by is not None
        and first.agenda_set_by != second.agenda_set_by
    )


def check(facts: PairFacts) -> Firing | None:
    answered = [s for s in facts.sessions if s.checkins]
    if not answered or not disagree(answered[-1]):
        return None
    number = answered[-1].number
    return Firing(
        level=1, about=number, messages=((Target.PAIR, "pair"),), params={"number": number}
    )


RULE = NudgeRule(
    key="see_differently",
    kinds=ALL_KINDS,
    cooldown=timedelta(days=21),
    check=check,
    summary="lifecycle.nudge_signals.see_differently",
)
