"""Purpose over friendship: 3 held sessions in a row with no goal or action moving."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges.purpose_over_friendship import RULE, WINDOW
from bot.programmes import Kind

STATIC = both()  # happened, nothing moved


@pytest.mark.parametrize("kind", list(Kind))
def test_three_static_sessions_tell_the_pair_for_every_kind(kind: Kind) -> None:
    firing = fire(RULE, pair(*(session(n, *STATIC) for n in (1, 2, 3)), kind=kind))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 3)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params == {"sessions": WINDOW} == {"sessions": 3}


def test_two_static_sessions_are_not_enough() -> None:
    assert fire(RULE, pair(session(1, *STATIC), session(2, *STATIC))) is None


@pytest.mark.parametrize(
    "movement",
    [
        {"checkin": answer("mentee", goals_moved=True)},
        {"actions_agreed": 1},
        {"actions_done": 1},
        {"goals_met": 1},
    ],
)
def test_any_movement_in_the_window_keeps_it_quiet(movement: dict[str, object]) -> None:
    checkin = movement.pop("checkin", None)
    middle = session(2, *((answer("mentor"), checkin) if checkin else STATIC), **movement)
    assert fire(RULE, pair(session(1, *STATIC), middle, session(3, *STATIC))) is None


def test_movement_before_the_window_does_not_count() -> None:
    moved = session(1, answer("mentor", goals_moved=True), answer("mentee"))
    firing = fire(RULE, pair(moved, *(session(n, *STATIC) for n in (2, 3, 4))))
    assert firing is not None and firing.about == 4


def test_missed_sessions_do_not_break_the_run() -> None:
    missed = session(2, answer("mentor", happened=False), status="missed")
    firing = fire(RULE, pair(session(1, *STATIC), missed, session(3, *STATIC), session(4, *STATIC)))
    assert firing is not None and firing.about == 4
