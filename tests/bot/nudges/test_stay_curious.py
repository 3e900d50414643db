"""Stay curious: the senior jumped to a solution; a private note to them, a tip to the junior."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges.stay_curious import RULE
from bot.programmes import Kind

JUMPED = answer("mentor", senior_jumped=True)
CALM = answer("mentee")


@pytest.mark.parametrize(
    ("kind", "senior", "junior"),
    [
        (Kind.REVERSE, "Sam", "Maya"),  # the mentee is the senior colleague
        (Kind.RECIPROCAL, "Maya", "Sam"),
        (Kind.CLASSIC, "Maya", "Sam"),
        (Kind.SPONSORSHIP, "Maya", "Sam"),
    ],
)
def test_one_check_in_saying_the_senior_jumped_fires_for_every_kind(
    kind: Kind, senior: str, junior: str
) -> None:
    firing = fire(RULE, pair(session(1), session(2, JUMPED, CALM), kind=kind))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 2)
    # Two private messages, never one to the pair: the senior's note and the junior's tip.
    assert targets(firing) == [("senior", "senior"), ("junior", "tip")]
    assert firing.params == {"senior": senior, "junior": junior}


def test_no_one_jumping_is_quiet() -> None:
    assert fire(RULE, pair(session(1, *both()), session(2, *both()))) is None


def test_only_the_latest_held_session_counts() -> None:
    # Session 1's jump was already dealt with; session 2 went well.
    assert fire(RULE, pair(session(1, JUMPED, CALM), session(2, *both()))) is None


def test_a_missed_session_after_the_jump_does_not_hide_it() -> None:
    missed = session(2, answer("mentor", happened=False), status="missed")
    firing = fire(RULE, pair(session(1, JUMPED, CALM), missed))
    assert firing is not None and firing.about == 1


def test_nothing_held_yet_is_quiet() -> None:
    assert fire(RULE, pair(session(1, status="planned"))) is None
