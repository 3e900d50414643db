"""Too polite, too narrow: challenge and breadth average 2 or less over the last 2 held sessions."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges.too_polite import RULE, THRESHOLD, mean_score
from bot.programmes import Kind


def scored(number: int, challenge: int | None, breadth: int | None, **extra: object):  # type: ignore[no-untyped-def]
    return session(number, *both(challenge=challenge, breadth=breadth), **extra)


@pytest.mark.parametrize("kind", list(Kind))
def test_a_mean_of_two_fires_for_every_kind(kind: Kind) -> None:
    facts = pair(scored(1, 2, 2), scored(2, 1, 3), kind=kind)
    assert mean_score(facts) == THRESHOLD == 2.0
    firing = fire(RULE, facts)
    assert firing is not None
    assert (firing.level, firing.about) == (1, 2)
    assert targets(firing) == [("pair", "pair")]
    # The runner picks the conversation starter by this index, so a repeat suggests another.
    assert firing.params == {"starter_index": 2}


def test_a_mean_of_two_and_a_half_is_quiet() -> None:
    facts = pair(scored(1, 2, 3), scored(2, 3, 2))
    assert mean_score(facts) == 2.5
    assert fire(RULE, facts) is None


def test_one_held_session_is_not_enough() -> None:
    assert fire(RULE, pair(scored(1, 1, 1))) is None


def test_only_the_last_two_held_sessions_count() -> None:
    # Session 1 was very low, but 2 and 3 were fine.
    assert fire(RULE, pair(scored(1, 1, 1), scored(2, 3, 3), scored(3, 2, 2))) is None


def test_missed_sessions_are_skipped() -> None:
    missed = session(2, answer("mentor", happened=False), status="missed")
    firing = fire(RULE, pair(scored(1, 2, 2), missed, scored(3, 1, 2)))
    assert firing is not None and firing.about == 3


def test_unanswered_scores_are_left_out_of_the_mean() -> None:
    facts = pair(scored(1, 2, None), scored(2, None, 2))
    assert mean_score(facts) == 2.0
    assert fire(RULE, facts) is not None


def test_no_scores_at_all_is_quiet() -> None:
    assert fire(RULE, pair(scored(1, None, None), scored(2, None, None))) is None


def test_an_unscored_latest_session_never_reuses_old_low_scores() -> None:
    # Session 2's low scores already fired about session 2; session 3 brings no new evidence.
    assert fire(RULE, pair(scored(1, 1, 1), scored(2, 1, 1), scored(3, None, None))) is None
