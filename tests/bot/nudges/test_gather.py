"""gather.facts_for: what is stored becomes the facts the rules read, field by field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flow import Flow
from nudge_pairs import (
    MENTEE,
    MENTOR,
    active_pair,
    both_check_in,
    check_in,
    facts_of,
    session_row,
)

from bot.nudges.facts import CheckInFacts
from bot.programmes import Kind
from storage.db import Database


def test_the_pair_itself(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="classic", sessions=4, cadence="fortnightly")
    facts = facts_of(flow, pair_id)
    assert (facts.pair_id, facts.kind, facts.now) == (pair_id, Kind.CLASSIC, flow.clock.now())
    assert (facts.mentor, facts.mentee, facts.programme) == ("Maya", "Sam", "Pilot")
    assert facts.gap == timedelta(days=14)  # the agreed cadence
    assert facts.swap_after_session is None
    assert [(s.number, s.status) for s in facts.sessions] == [(n, "planned") for n in (1, 2, 3, 4)]
    assert [s.planned_at for s in facts.sessions] == [
        session_row(flow, pair_id, n)[1] for n in (1, 2, 3, 4)
    ]
    assert facts.sent == ()


@pytest.mark.parametrize(
    ("kind", "leaders"),
    [
        ("reverse", ["mentor"] * 4),  # the junior mentor sets every agenda
        ("reciprocal", ["mentor", "mentee", "mentee", "mentee"]),  # swap after session 1
        ("classic", ["mentee"] * 4),  # mentee-driven, the contract's default
        ("sponsorship", [None] * 4),  # shared: nobody in particular
    ],
)
def test_who_should_lead_each_session(
    sqlite_db: Database, kind: str, leaders: list[str | None]
) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind=kind, sessions=4, cadence="weekly", swap_after=1)
    facts = facts_of(flow, pair_id)
    assert [s.leader_role for s in facts.sessions] == leaders
    assert facts.swap_after_session == (1 if kind == "reciprocal" else None)
    assert facts.gap == timedelta(days=7)


def test_check_ins_become_facts_on_both_backends(database: Database) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="reverse", sessions=4, cadence="weekly")
    check_in(
        flow,
        pair_id,
        1,
        MENTOR,
        agenda_set_by="mentor",
        challenge="4",
        breadth="3",
        career_talk="yes",
    )
    check_in(
        flow,
        pair_id,
        1,
        MENTEE,
        agenda_set_by="mentee",
        jumped_to_solutions="senior",
        goals_moved="yes",
    )
    check_in(flow, pair_id, 2, MENTOR, happened="no", agenda_set_by="mentee", challenge="1")
    check_in(flow, pair_id, 2, MENTEE, happened="no")

    first, second, third, _ = facts_of(flow, pair_id).sessions
    assert (first.status, second.status, third.status) == ("held", "missed", "planned")
    assert first.checkins == (
        CheckInFacts(
            by_role="mentor",
            happened=True,
            agenda_set_by="mentor",
            challenge=4,
            breadth=3,
            senior_jumped=False,
            career_talk=True,
            goals_moved=False,
        ),
        CheckInFacts(
            by_role="mentee",
            happened=True,
            agenda_set_by="mentee",
            challenge=None,
            breadth=None,
            senior_jumped=True,
            career_talk=False,
            goals_moved=True,
        ),
    )
    # A session that did not happen has no leader and no scores, whatever else was ticked.
    assert second.checkins == (
        CheckInFacts(by_role="mentor", happened=False),
        CheckInFacts(by_role="mentee", happened=False),
    )
    assert third.checkins == ()


@pytest.mark.parametrize(("answer", "jumped"), [("senior", True), ("junior", False), ("no", False)])
def test_only_the_senior_jumping_counts(sqlite_db: Database, answer: str, jumped: bool) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="classic", cadence="weekly")
    check_in(flow, pair_id, 1, MENTEE, jumped_to_solutions=answer)
    [checkin] = facts_of(flow, pair_id).sessions[0].checkins
    assert checkin.senior_jumped is jumped


def test_a_second_check_in_from_the_same_person_replaces_the_first(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    check_in(flow, pair_id, 1, MENTOR, agenda_set_by="mentee")
    check_in(flow, pair_id, 1, MENTOR, agenda_set_by="mentor")
    [checkin] = facts_of(flow, pair_id).sessions[0].checkins
    assert checkin.agenda_set_by == "mentor"


def test_career_talk_is_only_asked_in_reverse_pairs(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="classic", cadence="weekly")
    check_in(flow, pair_id, 1, MENTOR, career_talk="yes")
    [checkin] = facts_of(flow, pair_id).sessions[0].checkins
    assert checkin.career_talk is False


def test_actions_and_goals_are_counted_in_the_session_they_moved_in(database: Database) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="classic", sessions=4, cadence="weekly")
    # Session 1: two actions agreed in the check-in.
    check_in(flow, pair_id, 1, MENTOR, actions="Try the app\n- Read the post")
    check_in(flow, pair_id, 1, MENTEE)
    # Between sessions 1 and 2: one done, one goal met, one more action added by command.
    flow.clock.advance(timedelta(days=2))
    for who, command in (
        (MENTEE, "actions done 1"),
        (MENTEE, "goals met 1"),
        (MENTOR, "actions add Share a post with the team"),
    ):
        assert flow.command(who, command).changed
    both_check_in(flow, pair_id, 2)
    # Session 3: nothing moved in between.
    both_check_in(flow, pair_id, 3)
    # Before session 4 resolves, a second action is done: it counts for session 4 so far.
    flow.clock.advance(timedelta(days=1))
    assert flow.command(MENTOR, "actions done 2").changed

    movement = [
        (s.number, s.actions_agreed, s.actions_done, s.goals_met)
        for s in facts_of(flow, pair_id).sessions
    ]
    assert movement == [(1, 2, 0, 0), (2, 1, 1, 1), (3, 0, 0, 0), (4, 0, 1, 0)]


def test_nudges_sent_are_part_of_the_facts(database: Database) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    both_check_in(flow, pair_id, 1, agenda_set_by="mentee", goals_moved="yes")
    both_check_in(flow, pair_id, 2, agenda_set_by="mentee", goals_moved="yes")
    sent_at = flow.clock.now()
    assert flow.command("hana", f"nudge {pair_id} Keep going!").changed
    sent = facts_of(flow, pair_id).sent
    assert sorted((nudge, level, about) for nudge, level, about, _ in sent) == [
        ("manual", 1, 0),
        ("mentor_leading", 1, 2),
    ]
    assert all(at == sent_at for *_, at in sent)  # time-zone aware and comparable to `now`
