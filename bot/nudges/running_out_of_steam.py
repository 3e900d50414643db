"""Running out of steam: no session held for longer than the cadence allows, plus grace."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.facts import PairFacts
from bot.nudges.rule import ALL_KINDS, Firing, NudgeRule, Target

GRACE = timedelta(days=7)
# After the pair's own reminder, how long they have to answer it (meet, or check in for a
# meeting that did happen) before the coordinator hears: a cadence, but never more than two
# weeks and never less than the grace. A monthly pair that stopped meeting must not wait for
# a second month to pass before someone who can help knows.
ANSWER_AT_MOST = timedelta(days=14)


def answer_window(gap: timedelta) -> timedelta:
    """How long after the pair's reminder the coordinator is told, if nothing changed."""
    return min(max(gap, GRACE), ANSWER_AT_MOST)


def check(facts: PairFacts) -> Firing | None:
    # Asking for the next date only makes sense while a session is still to come; once none
    # is left the wrap-up starts and the evaluation takes over.
    if not any(s.status == "planned" and s.planned_at > facts.now for s in facts.sessions):
        return None
    held = facts.held
    # Measure from the last session held, or from when the first one was due.
    anchor = held[-1].planned_at if held else facts.sessions[0].planned_at - facts.gap
    about = held[-1].number if held else 0
    # Evidence of a stall is a session after the anchor that is known not to have happened;
    # one still waiting for its check-in is not evidence yet.
    lapsed = [
        s for s in facts.sessions if s.number > about and s.status in ("missed", "unreported")
    ]
    if not lapsed:
        return None
    quiet = facts.now - anchor
    if quiet <= facts.gap + GRACE:
        return None
    # The message says how long they have not met: since the last session held, or, if they
    # never met, since the first session was due (not the notional anchor before it).
    days = (facts.now - (held[-1].planned_at if held else facts.sessions[0].planned_at)).days
    params = {
        "days": days,
        "mentor": facts.mentor,
        "mentee": facts.mentee,
        "programme": facts.programme,
        "pair_id": facts.pair_id,
    }
    # "Still nothing": the pair had its answer window after their own reminder and no session
    # was held since (a held one moves `about` on, and this stall is over).
    told_pair = [
        at for nudge, level, a, at in facts.sent if nudge == RULE.key and level == 1 and a == about
    ]
    if told_pair and facts.now - max(told_pair) >= answer_window(facts.gap):
        return Firing(
            level=2, about=about, messages=((Target.COORDINATOR, "coordinator"),), params=params
        )
    # A pair that never met gets words about a first meeting, not about "your last session".
    message = "pair" if held else "never_met"
    return Firing(level=1, about=about, messages=((Target.PAIR, message),), params=params)


RULE = NudgeRule(
    key="steam",
    kinds=ALL_KINDS,
    # As long as the longest answer window: the cool-down's end is also the moment the
    # coordinator may have to be told, so the sweep already wakes for it.
    cooldown=ANSWER_AT_MOST,
    check=check,
    summary="lifecycle.nudge_signals.steam",
)
