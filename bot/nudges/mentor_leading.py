"""Is the mentor still leading? The senior side quietly takes the handlebars back."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts, SessionFacts
from bot.nudges.rule import Firing, NudgeRule, Target
from bot.programmes import LEADER_KINDS

WINDOW = 3  # look at the last three held sessions
PAIR_AT = 2  # the leader lost the agenda in two of them: tell the pair
COORDINATOR_AT = 3  # in all three: tell the coordinator too


def lost_the_agenda(session: SessionFacts) -> bool:
    """A check-in says someone other than this session's leader set the agenda."""
    if session.leader_role is None:
        return False
    return any(c.agenda_set_by not in (None, "both", session.leader_role) for c in session.checkins)


def check(facts: PairFacts) -> Firing | None:
    recent = facts.held[-WINDOW:]
    # Only fresh evidence counts: once the leader leads again, the nudge stops.
    if not recent or not lost_the_agenda(recent[-1]):
        return None
    count = sum(lost_the_agenda(s) for s in recent)
    if count < PAIR_AT:
        return None
    leader_role = recent[-1].leader_role or "mentor"
    other_role = "mentee" if leader_role == "mentor" else "mentor"
    params = {
        "leader": facts.name_of(leader_role),
        "other": facts.name_of(other_role),
        "mentor": facts.mentor,
        "mentee": facts.mentee,
        "programme": facts.programme,
        "pair_id": facts.pair_id,
        "count": count,
    }
    messages: tuple[tuple[Target, str], ...] = ((Target.PAIR, "pair"),)
    if count >= COORDINATOR_AT:
        messages += ((Target.COORDINATOR, "coordinator"),)
    return Firing(
        level=2 if count >= COORDINATOR_AT else 1,
        about=recent[-1].number,
        messages=messages,
        params=params,
    )


RULE = NudgeRule(
    key="mentor_leading",
    kinds=LEADER_KINDS,
    cooldown=timedelta(days=14),
    check=check,
    summary="lifecycle.nudge_signals.mentor_leading",
)
