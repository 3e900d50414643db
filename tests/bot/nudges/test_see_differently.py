"""See it differently: the two check-ins of the latest session disagree on what happened."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges.see_differently import RULE
from bot.programmes import Kind


@pytest.mark.parametrize("kind", list(Kind))
def test_disagreeing_on_whether_it_happened_fires_for_every_kind(kind: Kind) -> None:
    split = session(2, answer("mentor"), answer("mentee", happened=False))
    firing = fire(RULE, pair(session(1, *both()), split, kind=kind))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 2)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params == {"number": 2}


def test_disagreeing_on_who_set_the_agenda_fires() -> None:
    split = session(
        1, answer("mentor", agenda_set_by="mentor"), answer("mentee", agenda_set_by="mentee")
    )
    firing = fire(RULE, pair(split))
    assert firing is not None and firing.about == 1


def test_one_saying_both_and_the_other_naming_one_side_is_a_disagreement() -> None:
    split = session(
        1, answer("mentor", agenda_set_by="both"), answer("mentee", agenda_set_by="mentor")
    )
    assert fire(RULE, pair(split)) is not None


def test_agreeing_is_quiet() -> None:
    assert fire(RULE, pair(session(1, *both(agenda_set_by="mentor")))) is None


def test_both_saying_it_did_not_happen_is_agreement() -> None:
    missed = session(
        1, answer("mentor", happened=False), answer("mentee", happened=False), status="missed"
    )
    assert fire(RULE, pair(missed)) is None


def test_an_unanswered_agenda_is_not_a_disagreement() -> None:
    split = session(1, answer("mentor", agenda_set_by="mentor"), answer("mentee"))
    assert fire(RULE, pair(split)) is None


def test_one_check_in_alone_cannot_disagree() -> None:
    assert fire(RULE, pair(session(1, answer("mentor", agenda_set_by="mentee")))) is None


def test_only_the_latest_answered_session_counts() -> None:
    split = session(
        1, answer("mentor", agenda_set_by="mentor"), answer("mentee", agenda_set_by="mentee")
    )
    assert fire(RULE, pair(split, session(2, *both(agenda_set_by="mentor")))) is None
    # Session 2 has one check-in so far: wait for the second rather than reuse session 1.
    assert fire(RULE, pair(split, session(2, answer("mentor")))) is None
