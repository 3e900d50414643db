"""Checking every rule for a pair, applying cool-downs, and sending what fires."""

from __future__ import annotations

from dataclasses import replace
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
    """Pure: every rule that applies to the pair's kind, fires, and is past its cool-down.

    A firing that escalates is split in two (`parts`): what the pair hears is level 1 and keeps
    its own cool-down, so an escalation reaches the coordinator without repeating the pair's
    message inside it. A rule may thus give two entries, each recorded on its own.
    """
    due: list[tuple[NudgeRule, Firing]] = []
    # Every nudge speaks of the next session; one already begun (its check-in still to come)
    # is not next any more. None ahead: the wrap-up comes instead.
    if not any(s.status == "planned" and s.planned_at > facts.now for s in facts.sessions):
        return due
    for rule in RULES:
        if not rule.applies_to(facts.kind):
            continue
        firing = rule.check(facts)
        if firing is None:
            continue
        due += [(rule, part) for part in parts(firing) if is_due(rule, part, facts)]
    return due


def parts(firing: Firing) -> list[Firing]:
    """A firing as the messages each audience gets: the pair's (or each person's) at level 1,
    the coordinator's at the firing's level. One part when the firing does not escalate."""
    to_pair = tuple((t, m) for t, m in firing.messages if t is not Target.COORDINATOR)
    to_coordinator = tuple((t, m) for t, m in firing.messages if t is Target.COORDINATOR)
    if firing.level == 1 or not to_pair or not to_coordinator:
        return [firing]
    return [replace(firing, level=1, messages=to_pair), replace(firing, messages=to_coordinator)]


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
