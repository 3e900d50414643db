"""Park it: career advice came up during a reverse contract, so it goes on the parked list."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges.park_it import RULE
from bot.programmes import Kind

CAREER = (answer("mentor", career_talk=True), answer("mentee"))


def test_career_talk_in_the_latest_session_tells_the_pair() -> None:
    firing = fire(RULE, pair(session(1, *both()), session(2, *CAREER)))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 2)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params == {"topic_key": "career_advice"}


def test_no_career_talk_is_quiet() -> None:
    assert fire(RULE, pair(session(1, *both()), session(2, *both()))) is None


def test_career_talk_in_an_earlier_session_is_not_raised_again() -> None:
    assert fire(RULE, pair(session(1, *CAREER), session(2, *both()))) is None


@pytest.mark.parametrize("kind", [Kind.RECIPROCAL, Kind.CLASSIC, Kind.SPONSORSHIP])
def test_only_reverse_contracts_park_career_talk(kind: Kind) -> None:
    assert fire(RULE, pair(session(1, *CAREER), kind=kind)) is None
    assert RULE.kinds == frozenset({Kind.REVERSE})
