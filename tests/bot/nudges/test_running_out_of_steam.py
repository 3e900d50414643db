"""Running out of steam: nothing held for the cadence plus 7 days; later, the coordinator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nudge_facts import FIRST, MONTH, answer, both, fire, pair, planned, session, targets

from bot.nudges import runner
from bot.nudges.running_out_of_steam import ANSWER_AT_MOST, GRACE, RULE, answer_window
from bot.programmes import Kind

DAY = timedelta(days=1)
HELD_1 = session(1, *both())
UNREPORTED_2 = session(2, status="unreported")
AHEAD = planned(3, 4, 5, 6)
STALL = FIRST + MONTH + GRACE  # session 1 held at FIRST, monthly cadence, grace used up


def stalled(now, **changes):  # type: ignore[no-untyped-def]
    return pair(HELD_1, UNREPORTED_2, *AHEAD, now=now, **changes)


def test_exactly_cadence_plus_grace_is_still_quiet() -> None:
    assert fire(RULE, stalled(STALL)) is None


@pytest.mark.parametrize("kind", list(Kind))
def test_one_day_more_tells_the_pair_for_every_kind(kind: Kind) -> None:
    firing = fire(RULE, stalled(STALL + DAY, kind=kind))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 1)
    assert targets(firing) == [("pair", "pair")]
    assert firing.params["days"] == 39  # since session 1
    assert {"mentor": "Maya", "mentee": "Sam", "programme": "Pilot", "pair_id": 7}.items() <= (
        firing.params.items()
    )


def test_the_threshold_follows_the_cadence() -> None:
    week = timedelta(days=7)
    weekly = [session(1, *both()), session(2, status="missed")]
    ahead = [session(n, status="planned") for n in (3, 4)]
    quiet = pair(*weekly, *ahead, gap=week, now=FIRST + week + GRACE)
    assert fire(RULE, quiet) is None
    assert fire(RULE, pair(*weekly, *ahead, gap=week, now=FIRST + week + GRACE + DAY)) is not None


def test_a_session_still_waiting_for_its_check_in_is_no_evidence() -> None:
    waiting = session(2, status="planned")
    assert fire(RULE, pair(HELD_1, waiting, *AHEAD, now=STALL + 10 * DAY)) is None


def test_a_pair_that_never_met_counts_from_the_first_session() -> None:
    first = session(1, answer("mentor", happened=False), status="missed")
    ahead = planned(2, 3, 4, 5, 6)
    assert fire(RULE, pair(first, *ahead, now=FIRST + GRACE)) is None
    firing = fire(RULE, pair(first, *ahead, now=FIRST + GRACE + DAY))
    assert firing is not None
    assert (firing.level, firing.about) == (1, 0)
    assert firing.params["days"] == 8  # since the first session was due, not a month more


def test_no_nudge_once_no_session_is_left_to_come() -> None:
    # The last session went unreported: the wrap-up is next, not a new date.
    last = [HELD_1, session(2, status="unreported")]
    assert fire(RULE, pair(*last, now=STALL + DAY)) is None
    # A last session still waiting for its check-in is not one to come either.
    overdue = [HELD_1, UNREPORTED_2, session(3, status="planned")]
    assert fire(RULE, pair(*overdue, now=FIRST + 2 * MONTH + 2 * DAY)) is None


def test_stops_once_a_session_is_held_again() -> None:
    recovered = pair(
        HELD_1,
        UNREPORTED_2,
        session(3, *both()),
        *planned(4, 5, 6),
        now=FIRST + 2 * MONTH + 3 * DAY,
    )
    assert fire(RULE, recovered) is None


def test_a_monthly_pair_reaches_the_coordinator_two_weeks_after_its_reminder() -> None:
    told = STALL + DAY
    sent = (("steam", 1, 1, told),)
    # Inside the answer window the pair may still meet or check in: the coordinator waits,
    # and the pair is not told again (same evidence).
    almost = told + ANSWER_AT_MOST - timedelta(seconds=1)
    firing = fire(RULE, stalled(almost, sent=sent))
    assert firing is not None and firing.level == 1
    assert runner.decide(stalled(almost, sent=sent)) == []
    # Two weeks on, with no session held: the coordinator, not a second month later.
    at = told + ANSWER_AT_MOST
    firing = fire(RULE, stalled(at, sent=sent))
    assert firing is not None
    assert (firing.level, firing.about) == (2, 1)
    assert targets(firing) == [("coordinator", "coordinator")]
    assert firing.params["days"] == (at - FIRST).days
    assert [(r.key, f.level) for r, f in runner.decide(stalled(at, sent=sent))] == [("steam", 2)]


@pytest.mark.parametrize(
    ("gap", "window"),
    [
        (timedelta(days=7), timedelta(days=7)),
        (timedelta(days=14), timedelta(days=14)),
        (MONTH, timedelta(days=14)),
        (2 * MONTH, timedelta(days=14)),
    ],
)
def test_the_answer_window_is_a_cadence_but_never_more_than_two_weeks(
    gap: timedelta, window: timedelta
) -> None:
    assert answer_window(gap) == window <= ANSWER_AT_MOST
    assert answer_window(gap) >= GRACE


def test_a_session_held_after_the_reminder_is_an_answer() -> None:
    told = STALL + DAY
    met = pair(
        HELD_1,
        UNREPORTED_2,
        session(3, *both()),
        *planned(4, 5, 6),
        now=FIRST + 2 * MONTH + 3 * DAY,
        sent=(("steam", 1, 1, told),),
    )
    assert fire(RULE, met) is None


def test_no_escalation_before_the_pair_had_a_grace_period_to_answer() -> None:
    late_nudge = (("steam", 1, 1, FIRST + 2 * MONTH + GRACE),)
    firing = fire(RULE, stalled(FIRST + 2 * MONTH + GRACE + DAY, sent=late_nudge))
    assert firing is not None and firing.level == 1


def test_no_escalation_without_a_first_nudge_to_the_pair() -> None:
    firing = fire(RULE, stalled(STALL + 30 * DAY))
    assert firing is not None and firing.level == 1


def test_a_first_nudge_about_an_earlier_stall_does_not_escalate_a_new_one() -> None:
    # The pair was told about a stall after session 0 (before they first met), then met.
    sent = (("steam", 1, 0, FIRST - 10 * DAY),)
    firing = fire(RULE, stalled(STALL + 20 * DAY, sent=sent))
    assert firing is not None and (firing.level, firing.about) == (1, 1)


def test_nothing_planned_at_all_is_quiet() -> None:
    assert fire(RULE, pair(now=STALL + DAY)) is None
