"""Is the mentor still leading? Agenda lost in 2 of the last 3 held sessions: tell the pair;
in 3 of 3: the coordinator too."""

from __future__ import annotations

import pytest
from nudge_facts import answer, both, fire, pair, session, targets

from bot.nudges import mentor_leading
from bot.nudges.mentor_leading import RULE
from bot.programmes import Kind

LED = both(agenda_set_by="mentor")  # Maya, the reverse mentor, set the agenda
LOST = both(agenda_set_by="mentee")  # Sam, the senior mentee, took it back


def test_two_of_the_last_three_lost_tells_the_pair() -> None:
    firing = fire(RULE, pair(session(1, *LED), session(2, *LOST), session(3, *LOST)))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 3)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params["count"] == 2
    assert (firing.params["leader"], firing.params["other"]) == ("Maya", "Sam")


def test_the_two_lost_sessions_need_not_be_consecutive() -> None:
    firing = fire(RULE, pair(session(1, *LOST), session(2, *LED), session(3, *LOST)))
    assert firing is not None and firing.level == 1


def test_one_of_the_last_three_lost_is_not_enough() -> None:
    assert fire(RULE, pair(session(1, *LED), session(2, *LED), session(3, *LOST))) is None


def test_a_single_lost_session_is_not_enough() -> None:
    assert fire(RULE, pair(session(1, *LOST))) is None


def test_only_the_last_three_held_sessions_count() -> None:
    # Sessions 1 and 2 were lost long ago; of 3..5 only session 5 was.
    sessions = [
        session(1, *LOST),
        session(2, *LOST),
        session(3, *LED),
        session(4, *LED),
        session(5, *LOST),
    ]
    assert fire(RULE, pair(*sessions)) is None


def test_stops_once_the_leader_leads_again() -> None:
    assert fire(RULE, pair(session(1, *LOST), session(2, *LOST), session(3, *LED))) is None


def test_three_of_three_escalates_to_the_coordinator() -> None:
    firing = fire(RULE, pair(session(1, *LOST), session(2, *LOST), session(3, *LOST)))
    assert firing is not None
    assert (firing.level, firing.about) == (2, 3)
    assert targets(firing) == [("pair", "pair"), ("coordinator", "coordinator")]
    assert firing.params["count"] == 3
    # The coordinator's text names the pair and the programme.
    assert {"mentor": "Maya", "mentee": "Sam", "programme": "Pilot", "pair_id": 7}.items() <= (
        firing.params.items()
    )


def test_four_sessions_with_the_oldest_lost_is_still_level_one() -> None:
    sessions = [session(1, *LOST), session(2, *LOST), session(3, *LED), session(4, *LOST)]
    firing = fire(RULE, pair(*sessions))
    assert firing is not None and (firing.level, firing.about, firing.params["count"]) == (1, 4, 2)


def test_one_check_in_saying_the_other_side_led_is_enough() -> None:
    split = (answer("mentor", agenda_set_by="mentor"), answer("mentee", agenda_set_by="mentee"))
    firing = fire(RULE, pair(session(1, *split), session(2, *split)))
    assert firing is not None and firing.level == 1


@pytest.mark.parametrize("agenda", ["both", None])
def test_a_shared_or_unanswered_agenda_is_not_lost(agenda: str | None) -> None:
    shared = both(agenda_set_by=agenda)
    assert fire(RULE, pair(session(1, *LOST), session(2, *shared), session(3, *shared))) is None
    assert mentor_leading.lost_the_agenda(session(1, *shared)) is False


def test_sessions_that_did_not_happen_are_skipped() -> None:
    missed = session(2, answer("mentor", happened=False), status="missed")
    firing = fire(RULE, pair(session(1, *LOST), missed, session(3, *LOST)))
    assert firing is not None and (firing.level, firing.about) == (1, 3)


def test_reciprocal_follows_whoever_leads_each_session() -> None:
    # Maya led sessions 1-3; after the swap Sam leads, and Maya keeps taking the agenda back.
    sessions = [
        session(3, *LED, leader="mentor"),
        session(4, *both(agenda_set_by="mentor"), leader="mentee"),
        session(5, *both(agenda_set_by="mentor"), leader="mentee"),
    ]
    firing = fire(RULE, pair(*sessions, kind=Kind.RECIPROCAL))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 5)
    assert (firing.params["leader"], firing.params["other"]) == ("Sam", "Maya")


def test_reciprocal_before_the_swap_watches_the_mentor() -> None:
    sessions = [session(1, *LOST), session(2, *LOST)]
    firing = fire(RULE, pair(*sessions, kind=Kind.RECIPROCAL))
    assert firing is not None and firing.params["leader"] == "Maya"


@pytest.mark.parametrize("kind", [Kind.CLASSIC, Kind.SPONSORSHIP])
def test_kinds_without_a_single_leader_are_never_checked(kind: Kind) -> None:
    sessions = [session(1, *LOST), session(2, *LOST), session(3, *LOST)]
    assert fire(RULE, pair(*sessions, kind=kind)) is None
    assert RULE.kinds == frozenset({Kind.REVERSE, Kind.RECIPROCAL})


def test_a_session_without_a_leader_never_counts_as_lost() -> None:
    assert mentor_leading.lost_the_agenda(session(1, *LOST, leader=None)) is False
