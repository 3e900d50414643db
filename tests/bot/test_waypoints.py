"""A sponsorship's route and a reverse pair's parked list, as both people see them.

Driven through the real engine: the commands, the session reminders, `status` and the wrap-up.
"""

from __future__ import annotations

from flow import Flow
from nudge_pairs import COORDINATOR, MENTEE, MENTOR, active_pair, both_check_in, check_in

from bot.content import default_content
from bot.text import Text
from bot.waypoints import MAX_TEXT, MAX_WAYPOINTS
from storage.db import Database

CONTENT = default_content()


def say(key: str, **params: object) -> str:
    return CONTENT.text(key, **params)


def answer(flow: Flow, who: str, command: str) -> Text:
    outcome = flow.command(who, command)
    assert outcome.answer is not None
    return outcome.answer.text  # type: ignore[return-value]


def test_the_pair_records_waypoints_and_both_see_the_route(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    active_pair(flow, kind="sponsorship", cadence="weekly")
    route = answer(flow, MENTEE, "waypoints")
    assert say("waypoints.destination", destination="Head of product") in route
    assert say("waypoints.none_yet") in route

    added = answer(flow, MENTEE, "waypoints add Present the roadmap to the board *now*")
    assert "1. [ ] Present the roadmap to the board *now*" in added
    # Typed words stay typed: Sam's, by reference, never read as markup.
    spans = [s for s in added.spans if "roadmap" in s.text]
    assert spans and all(s.typed and s.person_id is not None for s in spans)
    assert "Present the roadmap" in flow.texts(MENTOR)  # the partner sees the route change
    answer(flow, MENTOR, "waypoints add Run one cross-team project")

    reached = answer(flow, MENTOR, "waypoints reached 1")
    assert reached.startswith("Waypoint reached: Present the roadmap")
    route = answer(flow, MENTOR, "waypoints")
    assert say("waypoints.progress", reached=1, total=2) in route
    assert "1. [✓] Present the roadmap to the board *now*" in route
    assert "2. [ ] Run one cross-team project" in route
    # `status` shows the same route to each of them.
    for who in (MENTOR, MENTEE):
        assert "2. [ ] Run one cross-team project" in answer(flow, who, "status")


def test_waypoints_are_refused_kindly(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    active_pair(flow, kind="sponsorship", cadence="weekly")
    too_long = answer(flow, MENTEE, "waypoints add " + "x" * (MAX_TEXT + 1))
    assert too_long == say("waypoints.too_long", limit=MAX_TEXT, length=MAX_TEXT + 1)
    assert answer(flow, MENTEE, "waypoints reached 1") == say(
        "waypoints.no_such", number=1, count=0
    )
    for number in range(MAX_WAYPOINTS):
        assert flow.command(MENTEE, f"waypoints add Step {number + 1}").changed
    assert answer(flow, MENTEE, "waypoints add One more") == say(
        "waypoints.too_many", limit=MAX_WAYPOINTS
    )
    assert flow.command(MENTOR, "waypoints reached 3").changed
    assert answer(flow, MENTOR, "waypoints reached 3").startswith("That waypoint is already")


def test_waypoints_belong_to_sponsorship(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    active_pair(flow, kind="classic", cadence="weekly")
    assert answer(flow, MENTEE, "waypoints add A step") == say("waypoints.not_sponsorship")


def test_each_reminder_shows_the_route_and_asks_the_sponsor_to_act(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    active_pair(flow, kind="sponsorship", cadence="weekly")
    assert flow.command(MENTEE, "waypoints add Lead the spring planning").changed
    flow.advance(days=10)  # past the first session's reminder
    sponsor = [r.text for r in flow.received(MENTOR) if "session 1 of 6" in r.text]
    protege = [r.text for r in flow.received(MENTEE) if "session 1 of 6" in r.text]
    assert sponsor and protege
    for text in (sponsor[0], protege[0]):
        assert "1. [ ] Lead the spring planning" in text
        assert say("waypoints.destination", destination="Head of product") in text
    act = say("waypoints.reminder_act", kind="sponsorship", role="mentor", partner="Sam")
    assert act in sponsor[0] and act not in protege[0]
    assert (
        say("waypoints.reminder_act", kind="sponsorship", role="mentee", partner="Maya")
        in (protege[0])
    )


def test_the_wrap_up_shows_where_the_route_got_to(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="sponsorship", sessions=2, cadence="weekly")
    assert flow.command(MENTEE, "waypoints add Lead the spring planning").changed
    assert flow.command(MENTEE, "waypoints reached 1").changed
    both_check_in(flow, pair_id, 1, goals_moved="yes")
    both_check_in(flow, pair_id, 2, goals_moved="yes")
    flow.advance(days=2)
    for who in (MENTOR, MENTEE):
        [wrap] = [r.text for r in flow.received(who) if "Here is where your route got to" in r.text]
        assert "1. [✓] Lead the spring planning" in wrap


def test_the_parked_list_is_shown_and_handed_back(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", sessions=2, cadence="weekly")
    empty = answer(flow, MENTEE, "parked")
    assert say("waypoints.parked.empty", kind="reverse") in empty
    check_in(flow, pair_id, 1, MENTOR, agenda_set_by="mentor", career_talk="yes")
    # The nudge says it is on the parked list; the list shows it, to both.
    item = "- career advice (came up in session 1)"
    for who in (MENTOR, MENTEE):
        shown = answer(flow, who, "parked")
        assert say("waypoints.parked.waiting") in shown and item in shown
        assert item in answer(flow, who, "status")
    assert item not in answer(flow, COORDINATOR, "status")  # the pair's list, not a report
    both_check_in(flow, pair_id, 2, agenda_set_by="mentor")
    flow.advance(days=2)
    assert say("wrap_up.parked", kind="reverse", items=item) in flow.texts(MENTEE)
    assert say("waypoints.parked.handed_back") in answer(flow, MENTEE, "parked")
