"""Checking every rule for a pair, applying cool-downs, and sending what fires."""

from __future__ import annotations

from typing import Any

from bot.identity import name_of
from bot.lifecycle.transition import kind_of
from bot.nudges import RULES
from bot.nudges.facts import PairFacts
from bot.nudges.gather import facts_for
from bot.nudges.rule import Firing, NudgeRule, Target
from bot.replies import Reply
from bot.stages import Stage
from bot.text import Text
from bot.turn import Turn
from storage.models import NudgeSent, Pair


def run_for(turn: Turn, pair: Pair) -> list[str]:
    """Send every nudge that is due for this pair; return the keys sent (for logs and tests)."""
    # Nudges coach a running relationship. A late check-in during the wrap-up must not ask
    # for a next session, or park an item the wrap-up has already handed back.
    if Stage(pair.stage) is not Stage.ACTIVE:
        return []
    facts = facts_for(turn, pair)
    sent: list[str] = []
    for rule, firing in decide(facts):
        deliver(turn, pair, rule, firing, facts)
        turn.session.add(
            NudgeSent(
                pair_id=pair.id,
                nudge=rule.key,
                level=firing.level,
                about=firing.about,
                sent_at=turn.now,
            )
        )
        sent.append(rule.key)
    turn.session.flush()
    return sent


def decide(facts: PairFacts) -> list[tuple[NudgeRule, Firing]]:
    """Pure: every rule that applies to the pair's kind, fires, and is past its cool-down."""
    due: list[tuple[NudgeRule, Firing]] = []
    if not any(s.status == "planned" for s in facts.sessions):
        return due  # no session left to act on: advice about "next time" would be noise now
    for rule in RULES:
        if not rule.applies_to(facts.kind):
            continue
        firing = rule.check(facts)
        if firing is not None and is_due(rule, firing, facts):
            due.append((rule, firing))
    return due


def is_due(rule: NudgeRule, firing: Firing, facts: PairFacts) -> bool:
    """Never the same evidence twice, and never again at this level within the cool-down."""
    for nudge, level, about, at in facts.sent:
        if nudge != rule.key or level != firing.level:
            continue
        if about == firing.about or facts.now - at < rule.cooldown:
            return False
    return True


def deliver(turn: Turn, pair: Pair, rule: NudgeRule, firing: Firing, facts: PairFacts) -> None:
    kind = kind_of(pair)
    params = dict(firing.params)
    if "starter_index" in params:
        starters = turn.content.lines(f"nudges.{rule.key}.starters", kind=kind)
        params["starter"] = starters[int(params.pop("starter_index")) % len(starters)]  # type: ignore[call-overload]
    if "topic_key" in params:
        params["topic"] = turn.text(f"nudges.park_it.topics.{params.pop('topic_key')}")
    senior = pair.mentee if facts.senior_role == "mentee" else pair.mentor
    junior = pair.mentor if senior is pair.mentee else pair.mentee
    for target, message in firing.messages:
        key = f"nudges.{rule.key}.{message}"
        if target is Target.PAIR:
            turn.to_pair(pair, Reply(text=_text(turn, key, kind, params)))
        elif target is Target.COORDINATOR:
            turn.to_coordinators(Reply(text=_text(turn, key, kind, params)))
        else:
            reader, other = (senior, junior) if target is Target.SENIOR else (junior, senior)
            text = _text(
                turn,
                key,
                kind,
                {**params, "name": name_of(reader), "partner": name_of(other)},
            )
            turn.to_person(reader, Reply(text=text))


def _text(turn: Turn, key: str, kind: str, params: dict[str, Any]) -> Text:
    # A rule offers more placeholders than any one text uses; extra ones are simply unused.
    return turn.content.text(key, kind=kind, **params)
