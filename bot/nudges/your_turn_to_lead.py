"""Your turn to lead: in reciprocal pairs, the planned role swap is due."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts
from bot.nudges.rule import Firing, NudgeRule, Target
from bot.programmes import Kind


def check(facts: PairFacts) -> Firing | None:
    swap = facts.swap_after_session
    if swap is None:
        return None
    done = [s for s in facts.sessions if s.status != "planned"]
    upcoming = [s for s in facts.sessions if s.status == "planned"]
    # Due once the last session before the swap is behind us and a session is still to come.
    if not done or done[-1].number < swap or not upcoming:
        return None
    # A `swap` typed earlier already moved the lead and told the pair; the plan then changes
    # nothing at this point, and announcing it again would be wrong.
    before = next((s for s in facts.sessions if s.number == swap), done[-1])
    if before.leader_role is not None and before.leader_role == upcoming[0].leader_role:
        return None
    leader_role = upcoming[0].leader_role or "mentee"
    other_role = "mentor" if leader_role == "mentee" else "mentee"
    return Firing(
        level=1,
        about=swap,
        messages=((Target.PAIR, "pair"),),
        params={"leader": facts.name_of(leader_role), "other": facts.name_of(other_role)},
    )


RULE = NudgeRule(
    key="your_turn",
    kinds=frozenset({Kind.RECIPROCAL}),
    cooldown=timedelta(days=3650),  # once per swap
    check=check,
    summary="lifecycle.nudge_signals.your_turn",
)
