"""Your turn to lead: in a reciprocal pair, the planned swap of who leads is due."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, planned, session, targets

from bot.nudges.your_turn_to_lead import RULE
from bot.programmes import Kind


def before_swap(*numbers: int):  # type: ignore[no-untyped-def]
    return tuple(session(n, *both(), leader="mentor") for n in numbers)


def test_due_once_the_last_session_before_the_swap_is_behind_them() -> None:
    facts = pair(
        *before_swap(1, 2, 3),
        *planned(4, 5, 6, leader="mentee"),
        kind=Kind.RECIPROCAL,
        swap_after=3,
    )
    firing = fire(RULE, facts)
    assert firing is not None
    assert (firing.level, firing.about) == (1, 3)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params == {"leader": "Sam", "other": "Maya"}


def test_not_while_the_last_session_before_the_swap_is_still_to_come() -> None:
    facts = pair(
        *before_swap(1, 2),
        *planned(3, leader="mentor"),
        *planned(4, 5, 6, leader="mentee"),
        kind=Kind.RECIPROCAL,
        swap_after=3,
    )
    assert fire(RULE, facts) is None


def test_a_missed_session_before_the_swap_is_behind_them_too() -> None:
    missed = session(3, answer("mentor", happened=False), status="missed", leader="mentor")
    facts = pair(
        *before_swap(1, 2),
        missed,
        *planned(4, 5, 6, leader="mentee"),
        kind=Kind.RECIPROCAL,
        swap_after=3,
    )
    firing = fire(RULE, facts)
    assert firing is not None and firing.about == 3


def test_no_planned_swap_no_nudge() -> None:
    facts = pair(*before_swap(1, 2, 3), *planned(4, 5, 6, leader="mentee"), kind=Kind.RECIPROCAL)
    assert fire(RULE, facts) is None


def test_no_session_left_after_the_swap_no_nudge() -> None:
    facts = pair(
        *before_swap(1, 2, 3),
        session(4, *both(), leader="mentee"),
        kind=Kind.RECIPROCAL,
        swap_after=3,
    )
    assert fire(RULE, facts) is None


def test_no_second_announcement_after_an_early_swap() -> None:
    # They typed `swap` after session 1: Sam has led since session 2, so nothing changes at 3.
    facts = pair(
        *before_swap(1),
        *(session(n, *both(), leader="mentee") for n in (2, 3)),
        *planned(4, 5, 6, leader="mentee"),
        kind=Kind.RECIPROCAL,
        swap_after=3,
    )
    assert fire(RULE, facts) is None


@pytest.mark.parametrize("kind", [Kind.REVERSE, Kind.CLASSIC, Kind.SPONSORSHIP])
def test_only_reciprocal_pairs_swap(kind: Kind) -> None:
    facts = pair(*before_swap(1, 2, 3), *planned(4, 5, 6, leader="mentee"), kind=kind, swap_after=3)
    assert fire(RULE, facts) is None
    assert RULE.kinds == frozenset({Kind.RECIPROCAL})
