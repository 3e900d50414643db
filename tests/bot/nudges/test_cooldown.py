"""No nudge reaches the pair twice within its cool-down, at any escalation level.

For every rule and every level it can fire at, the runner's decision is replayed day after day
with fresh evidence each day (the worst case: a new "about" every time), alternating the
levels. Time passes by moving what was sent into the past, so each trigger keeps the sessions
it needs ahead. What reaches the pair (or either person) must be a cool-down apart; an
escalation to the coordinator must still go, as its own message.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from nudge_facts import FIRST, MONTH, answer, both, pair, planned, session

from bot.nudges import RULES, runner
from bot.nudges.facts import PairFacts
from bot.nudges.rule import Firing, NudgeRule, Target

DAY = timedelta(days=1)
HORIZON = 120  # days: several of every cool-down but the once-per-swap one
LOST = both(agenda_set_by="mentee", goals_moved=True)
AFTER = timedelta(hours=3)  # the decision is taken just after the last session of a trigger


def after(number: int) -> datetime:
    return FIRST + (number - 1) * MONTH + AFTER


# Facts that make each rule fire, one entry per level, each with a session still ahead.
LEVELS: dict[str, list[PairFacts]] = {
    "mentor_leading": [
        pair(session(1, *LOST), session(2, *LOST), *planned(3, 4), now=after(2)),
        pair(session(1, *LOST), session(2, *LOST), session(3, *LOST), *planned(4), now=after(3)),
    ],
    "stay_curious": [
        pair(session(1, answer("mentor", senior_jumped=True)), *planned(2), now=after(1))
    ],
    "too_polite": [
        pair(
            session(1, *both(challenge=1, breadth=1)),
            session(2, *both(challenge=2, breadth=1)),
            *planned(3),
            now=after(2),
        )
    ],
    "park_it": [pair(session(1, answer("mentee", career_talk=True)), *planned(2), now=after(1))],
    "see_differently": [
        pair(
            session(1, answer("mentor"), answer("mentee", happened=False)),
            *planned(2),
            now=after(1),
        )
    ],
    "steam": [
        pair(
            session(1, *both()),
            session(2, status="unreported"),
            *planned(3, 4),
            now=FIRST + MONTH + 8 * DAY,
        ),
        pair(
            session(1, *both()),
            session(2, status="unreported"),
            *planned(3, 4),
            now=FIRST + MONTH + 8 * DAY + 14 * DAY,
            sent=(("steam", 1, 1, FIRST + MONTH + 8 * DAY),),
        ),
    ],
    "purpose": [pair(*(session(n, *both()) for n in (1, 2, 3)), *planned(4), now=after(3))],
    "your_turn": [
        pair(session(1, *both()), *planned(2, 3, leader="mentee"), swap_after=1, now=after(1))
    ],
}
RULE = {rule.key: rule for rule in RULES}


def test_every_rule_is_covered() -> None:
    assert set(LEVELS) == set(RULE)
    for key, variants in LEVELS.items():
        rule = RULE[key]
        levels = []
        for facts in variants:
            kind = next(iter(sorted(rule.kinds)))
            firing = rule.check(replace(facts, kind=kind))
            assert firing is not None, key
            levels.append(firing.level)
        assert levels == list(range(1, len(levels) + 1)), key


def fresh_each_time(rule: NudgeRule, about: int) -> NudgeRule:
    """The rule, but every firing is about new evidence: nothing is held back as "seen"."""

    def check(facts: PairFacts) -> Firing | None:
        firing = rule.check(facts)
        return None if firing is None else replace(firing, about=about)

    return replace(rule, check=check)


def is_pair_facing(firing: Firing) -> bool:
    return any(target is not Target.COORDINATOR for target, _ in firing.messages)


@pytest.mark.parametrize("key", list(LEVELS))
def test_never_repeated_to_the_pair_within_its_cool_down(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = RULE[key]
    kind = next(iter(sorted(rule.kinds)))
    variants = [replace(facts, kind=kind) for facts in LEVELS[key]]
    sent: list[tuple[int, int, int, bool]] = []  # (level, about, day, pair-facing)
    for day in range(HORIZON):
        facts = variants[day % len(variants)]  # the levels take turns, day after day
        monkeypatch.setattr(runner, "RULES", (fresh_each_time(rule, about=1000 + day),))
        earlier = tuple(
            (key, level, about, facts.now - (day - at) * DAY) for level, about, at, _ in sent
        )
        decided = runner.decide(replace(facts, sent=facts.sent + earlier))
        for decided_rule, firing in decided:
            assert decided_rule.key == key
            sent.append((firing.level, firing.about, day, is_pair_facing(firing)))
            # The pair's part is level 1 and the coordinator's its own message.
            assert is_pair_facing(firing) == (firing.level == 1), firing
    to_pair = [day for _, _, day, facing in sent if facing]
    assert to_pair, "the rule never reached the pair"
    gaps = [b - a for a, b in zip(to_pair, to_pair[1:], strict=False)]
    assert all(gap * DAY >= rule.cooldown for gap in gaps), (key, to_pair)
    if rule.cooldown <= HORIZON * DAY / 3:
        assert len(to_pair) > 1, "a cool-down ends: fresh evidence reaches the pair again"
    for level in range(2, len(variants) + 1):
        days = [day for lvl, _, day, _ in sent if lvl == level]
        assert days, f"level {level} never reached the coordinator"
        assert all((b - a) * DAY >= rule.cooldown for a, b in zip(days, days[1:], strict=False))


def test_an_escalation_inside_the_pair_cool_down_goes_to_the_coordinator_alone() -> None:
    told = after(3) - 7 * DAY  # the pair heard about session 2 a week ago
    three_lost = LEVELS["mentor_leading"][1]
    decided = runner.decide(replace(three_lost, sent=(("mentor_leading", 1, 2, told),)))
    assert [(r.key, f.level, f.about) for r, f in decided] == [("mentor_leading", 2, 3)]
    [(_, firing)] = decided
    assert [target for target, _ in firing.messages] == [Target.COORDINATOR]


def test_an_escalation_after_the_pair_cool_down_tells_both_each_their_own_message() -> None:
    three_lost = LEVELS["mentor_leading"][1]
    decided = runner.decide(three_lost)
    assert [(f.level, [t.value for t, _ in f.messages]) for _, f in decided] == [
        (1, ["pair"]),
        (2, ["coordinator"]),
    ]


def test_no_next_session_advice_once_the_last_one_has_begun() -> None:
    # Session 3 is the last; it has started and awaits its check-ins when the late check-ins
    # of session 2 show the agenda lost twice: "open the next session" would name none.
    late = pair(session(1, *LOST), session(2, *LOST), *planned(3), now=after(3))
    assert runner.decide(late) == []
    in_time = replace(late, now=after(2))
    assert [r.key for r, _ in runner.decide(in_time)] == ["mentor_leading"]
