"""The nudge runner: cool-downs, the stored record, and who receives each message.

The first tests are pure (the decision on plain PairFacts). The rest drive real pairs through
the engine: a check-in runs the rules, the sweep runs them every hour, and what arrives is
read from the recording sender, exactly as a platform adapter would receive it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flow import Flow
from nudge_facts import FIRST, MONTH, answer, both, pair, planned, session
from nudge_pairs import (
    COORDINATOR,
    MENTEE,
    MENTOR,
    active_pair,
    both_check_in,
    check_in,
    facts_of,
    nudges_sent,
    session_row,
    sweep,
)
from sqlalchemy import select

from bot.content import default_content
from bot.delivery import Delivery
from bot.nudges import RULES, runner
from bot.nudges.facts import PairFacts
from bot.nudges.rule import Firing
from bot.programmes import Kind
from bot.replies import Audience
from bot.turn import Turn
from storage.db import Database
from storage.models import NudgeSent, Pair, Programme, Tenant

CONTENT = default_content()
RULE = {rule.key: rule for rule in RULES}
DAY = timedelta(days=1)
# The pure decisions are taken the day after session 3: sessions from the fourth are ahead.
NOW = FIRST + 2 * MONTH + DAY


def text(key: str, kind: str, **params: Any) -> str:
    return CONTENT.text(f"nudges.{key}", kind=kind, **params)


def deliveries(flow: Flow, body: str) -> list[Delivery]:
    return [d for d in flow.sender.deliveries if d.reply.text == body]


def who(delivery: Delivery) -> set[str]:
    return {r.user_id for r in delivery.recipients}


def received(flow: Flow, person: str, body: str) -> int:
    return sum(reply.text == body for reply in flow.received(person))


# --- the decision, pure ------------------------------------------------------------------------

LOST = both(agenda_set_by="mentee", goals_moved=True)  # only the agenda is wrong
MENTOR_LEADING_FIRES = (session(1, *LOST), session(2, *LOST), *planned(3, 4, 5, 6))


def lost_twice(
    *, now: datetime = NOW, sent: tuple[tuple[str, int, int, datetime], ...] = ()
) -> PairFacts:
    return pair(*MENTOR_LEADING_FIRES, now=now, sent=sent)


def decided(facts: PairFacts) -> list[tuple[str, int, int]]:
    return [(rule.key, firing.level, firing.about) for rule, firing in runner.decide(facts)]


def test_a_fresh_firing_is_due() -> None:
    assert decided(lost_twice()) == [("mentor_leading", 1, 2)]


def test_the_same_evidence_is_never_sent_twice() -> None:
    long_ago = NOW - 365 * DAY
    assert decided(lost_twice(sent=(("mentor_leading", 1, 2, long_ago),))) == []


def test_new_evidence_waits_for_the_cool_down_at_the_same_level() -> None:
    cooldown = RULE["mentor_leading"].cooldown
    earlier = (("mentor_leading", 1, 1, NOW - cooldown + timedelta(hours=1)),)
    assert decided(lost_twice(sent=earlier)) == []
    earlier = (("mentor_leading", 1, 1, NOW - cooldown),)
    assert decided(lost_twice(sent=earlier)) == [("mentor_leading", 1, 2)]


def test_a_new_level_is_not_held_back_by_the_lower_level_cool_down() -> None:
    three = pair(
        session(1, *LOST),
        session(2, *LOST),
        session(3, *LOST),
        *planned(4, 5, 6),
        now=NOW,
        sent=(("mentor_leading", 1, 2, NOW - DAY),),
    )
    assert decided(three) == [("mentor_leading", 2, 3)]


def test_other_nudges_do_not_count_against_the_cool_down() -> None:
    others = (
        ("stay_curious", 1, 2, NOW - DAY),
        ("manual", 1, 0, NOW - DAY),
        ("midpoint_review", 1, 2, NOW - DAY),
    )
    assert decided(lost_twice(sent=others)) == [("mentor_leading", 1, 2)]


def test_rules_for_other_kinds_are_not_checked() -> None:
    # Agenda lost, career talk and a due swap: only the kinds' own rules answer.
    evidence = both(agenda_set_by="mentee", career_talk=True, goals_moved=True)
    sessions = (session(1, *evidence), session(2, *evidence), *planned(3, 4, leader="mentee"))
    keys = {
        kind: {key for key, _, _ in decided(pair(*sessions, kind=kind, swap_after=2, now=NOW))}
        for kind in Kind
    }
    assert keys[Kind.REVERSE] == {"mentor_leading", "park_it"}
    assert keys[Kind.RECIPROCAL] == {"mentor_leading", "your_turn"}
    assert keys[Kind.CLASSIC] == keys[Kind.SPONSORSHIP] == set()


# --- content: every message of every rule renders for every kind it applies to ----------------

# Facts that make each rule fire at each of its levels, for any kind (leader and swap details
# only matter where the rule applies).
TRIGGERS: list[tuple[str, PairFacts]] = [
    ("mentor_leading", pair(session(1, *LOST), session(2, *LOST), session(3, *LOST), *planned(4))),
    ("stay_curious", pair(session(1, answer("mentor", senior_jumped=True)), *planned(2))),
    (
        "too_polite",
        pair(
            session(1, *both(challenge=1, breadth=1)),
            session(2, *both(challenge=2, breadth=1)),
            *planned(3),
        ),
    ),
    ("park_it", pair(session(1, answer("mentee", career_talk=True)), *planned(2))),
    (
        "see_differently",
        pair(session(1, answer("mentor"), answer("mentee", happened=False)), *planned(2)),
    ),
    (
        "steam",
        pair(
            session(1, *both()),
            session(2, status="unreported"),
            *planned(3, 4),
            now=FIRST + MONTH + 8 * DAY,
        ),
    ),
    ("steam", pair(session(1, status="unreported"), *planned(2, 3), now=FIRST + 8 * DAY)),
    (
        "steam",
        pair(
            session(1, *both()),
            session(2, status="unreported"),
            *planned(3, 4),
            now=FIRST + 2 * MONTH + 8 * DAY,
            sent=(("steam", 1, 1, FIRST + MONTH + 8 * DAY),),
        ),
    ),
    ("purpose", pair(*(session(n, *both()) for n in (1, 2, 3)), *planned(4))),
    ("your_turn", pair(session(1, *both()), *planned(2, leader="mentee"), swap_after=1)),
]
# Texts the rules never address directly: the coordinator's own note, and the pieces that
# the runner slots into a rule's text.
NOT_A_MESSAGE = ("nudges.manual.", "nudges.too_polite.starters", "nudges.park_it.topics.")


@pytest.mark.parametrize("kind", list(Kind))
def test_every_message_renders_for_every_kind(sqlite_db: Database, kind: Kind) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind=kind.value)
    rendered: set[str] = set()
    with flow.db.transaction() as db:
        stored = db.get(Pair, pair_id)
        assert stored is not None
        tenant = db.get(Tenant, db.get(Programme, stored.programme_id).tenant_id)  # type: ignore[union-attr]
        turn = Turn(session=db, now=flow.clock.now(), content=CONTENT, tenant=tenant)  # type: ignore[arg-type]
        for key, facts in TRIGGERS:
            rule = RULE[key]
            if not rule.applies_to(kind):
                continue
            facts = PairFacts(**{**facts.__dict__, "kind": kind})
            firing = rule.check(facts)
            assert isinstance(firing, Firing), key
            before = len(turn.sent)
            runner.deliver(turn, stored, rule, firing, facts)  # a ContentError would raise here
            messages = turn.sent[before:]
            assert len(messages) >= len(firing.messages), key
            for outgoing in messages:
                assert outgoing.reply.text.strip(), key
                assert "{" not in outgoing.reply.text and "}" not in outgoing.reply.text, key
            rendered |= {f"nudges.{rule.key}.{message}" for _, message in firing.messages}
        db.rollback()
    expected = {
        k
        for k in CONTENT.keys()
        if k.startswith("nudges.")
        and not k.startswith(NOT_A_MESSAGE)
        and RULE[k.split(".")[1]].applies_to(kind)
    }
    assert rendered == expected


# --- delivery through the engine ----------------------------------------------------------------


def test_a_pair_nudge_is_recorded_and_reaches_both_people(database: Database) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    both_check_in(flow, pair_id, 1, agenda_set_by="mentee", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == []
    both_check_in(flow, pair_id, 2, agenda_set_by="mentee", goals_moved="yes")

    assert nudges_sent(flow, pair_id) == [("mentor_leading", 1, 2)]
    body = text("mentor_leading.pair", "reverse", leader="Maya", other="Sam")
    [delivery] = deliveries(flow, body)  # one message to the pair, sent once
    assert delivery.audience is Audience.PAIR and delivery.pair_id == pair_id
    assert who(delivery) == {MENTOR, MENTEE}
    assert received(flow, COORDINATOR, body) == 0
    with flow.db.transaction() as db:
        row = db.scalar(select(NudgeSent).where(NudgeSent.nudge == "mentor_leading"))
        assert row is not None and (row.pair_id, row.sent_at) == (pair_id, flow.clock.now())


def test_three_lost_sessions_also_tell_the_coordinator_and_only_the_coordinator(
    database: Database,
) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    for number in (1, 2, 3):
        both_check_in(flow, pair_id, number, agenda_set_by="mentee", goals_moved="yes")

    assert nudges_sent(flow, pair_id) == [("mentor_leading", 1, 2), ("mentor_leading", 2, 3)]
    body = text(
        "mentor_leading.coordinator",
        "reverse",
        mentor="Maya",
        mentee="Sam",
        programme="Pilot",
        pair_id=pair_id,
        count=3,
        leader="Maya",
    )
    [delivery] = deliveries(flow, body)
    assert delivery.audience is Audience.COORDINATOR and who(delivery) == {COORDINATOR}
    assert received(flow, MENTOR, body) == received(flow, MENTEE, body) == 0
    # The escalation is the coordinator's own message: a week after the pair's nudge, inside
    # its cool-down, the pair does not get it again.
    pair_body = text("mentor_leading.pair", "reverse", leader="Maya", other="Sam")
    assert received(flow, MENTOR, pair_body) == received(flow, MENTEE, pair_body) == 1


def test_every_coordinator_gets_their_own_copy(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db, coordinators=(COORDINATOR, "ola"))
    flow.command("ola", "programme list")  # Ola is known once seen
    pair_id = active_pair(flow, kind="reciprocal", cadence="weekly", swap_after=4)
    for number in (1, 2, 3):
        both_check_in(flow, pair_id, number, agenda_set_by="mentee", goals_moved="yes")
    body = text(
        "mentor_leading.coordinator",
        "reciprocal",
        mentor="Maya",
        mentee="Sam",
        programme="Pilot",
        pair_id=pair_id,
        count=3,
        leader="Maya",
    )
    assert sorted(who(d).pop() for d in deliveries(flow, body)) == [COORDINATOR, "ola"]


@pytest.mark.parametrize(
    ("kind", "senior", "junior"),
    [
        ("reverse", MENTEE, MENTOR),
        ("classic", MENTOR, MENTEE),
    ],
)
def test_stay_curious_speaks_to_each_side_privately(
    sqlite_db: Database, kind: str, senior: str, junior: str
) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind=kind, cadence="weekly")
    check_in(flow, pair_id, 1, MENTOR, jumped_to_solutions="senior", goals_moved="yes")

    assert nudges_sent(flow, pair_id) == [("stay_curious", 1, 1)]
    names = {MENTOR: "Maya", MENTEE: "Sam"}
    note = text("stay_curious.senior", kind, name=names[senior], partner=names[junior])
    tip = text("stay_curious.tip", kind, name=names[junior], partner=names[senior])
    [to_senior] = deliveries(flow, note)
    [to_junior] = deliveries(flow, tip)
    assert to_senior.audience is to_junior.audience is Audience.PERSON
    assert who(to_senior) == {senior} and who(to_junior) == {junior}
    assert received(flow, COORDINATOR, note) == received(flow, COORDINATOR, tip) == 0


def test_a_junior_jumping_is_not_the_senior_jumping(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    both_check_in(flow, pair_id, 1, jumped_to_solutions="junior", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == []


def test_cool_down_holds_new_evidence_back_then_lets_it_through(database: Database) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="classic", cadence="weekly")
    jumped = {"jumped_to_solutions": "senior", "goals_moved": "yes"}
    cooldown = RULE["stay_curious"].cooldown  # 21 days; sessions are a week apart
    both_check_in(flow, pair_id, 1, **jumped)
    first_at = flow.clock.now()
    note = text("stay_curious.senior", "classic", name="Maya", partner="Sam")
    assert received(flow, MENTOR, note) == 1

    for number in (2, 3):  # new evidence, inside the cool-down
        both_check_in(flow, pair_id, number, **jumped)
        assert flow.clock.now() - first_at < cooldown
        assert received(flow, MENTOR, note) == 1
    both_check_in(flow, pair_id, 4, **jumped)  # three weeks on: the cool-down is over
    assert flow.clock.now() - first_at == cooldown
    assert received(flow, MENTOR, note) == 2
    assert [n for n in nudges_sent(flow, pair_id) if n[0] == "stay_curious"] == [
        ("stay_curious", 1, 1),
        ("stay_curious", 1, 4),
    ]


def test_the_same_evidence_is_not_resent_after_the_cool_down(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="classic", cadence="monthly")
    check_in(flow, pair_id, 1, MENTEE, jumped_to_solutions="senior", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == [("stay_curious", 1, 1)]
    told_at = flow.clock.now()
    # Sweeps well past the 21-day cool-down, with no new session held, stay quiet about it.
    for days in (22, 30, 45):
        flow.clock.set(told_at + days * DAY)
        sweep(flow)
    assert [n for n in nudges_sent(flow, pair_id) if n[0] == "stay_curious"] == [
        ("stay_curious", 1, 1)
    ]
    note = text("stay_curious.senior", "classic", name="Maya", partner="Sam")
    assert received(flow, MENTOR, note) == 1


def test_running_out_of_steam_tells_the_pair_then_the_coordinator_after_two_cadences(
    database: Database,
) -> None:
    flow = Flow(database)
    pair_id = active_pair(flow, kind="classic", cadence="weekly")
    both_check_in(flow, pair_id, 1, goals_moved="yes")  # Mon 11 Jan, then silence
    _, held_at = session_row(flow, pair_id, 1)
    pair_body = text("steam.pair", "classic", days=14)

    # Session 2 goes unreported a week after its check-in was asked: 14 days since they met.
    flow.advance(days=13, hours=23)
    assert nudges_sent(flow, pair_id) == []
    flow.advance(hours=1)
    assert flow.clock.now() - held_at == timedelta(days=14, hours=2)
    assert nudges_sent(flow, pair_id) == [("steam", 1, 1)]
    [delivery] = deliveries(flow, pair_body)
    assert delivery.audience is Audience.PAIR and who(delivery) == {MENTOR, MENTEE}
    told_at = flow.clock.now()

    # Not the coordinator until two weekly cadences plus grace have passed without a meeting
    # (21 days) and the pair had a whole grace period to answer.
    flow.advance(days=6, hours=23)
    assert nudges_sent(flow, pair_id) == [("steam", 1, 1)]
    flow.advance(hours=1)
    assert flow.clock.now() - told_at == timedelta(days=7)
    assert flow.clock.now() - held_at == timedelta(days=21, hours=2)
    assert nudges_sent(flow, pair_id) == [("steam", 1, 1), ("steam", 2, 1)]
    days = (flow.clock.now() - held_at).days
    coordinator_body = text(
        "steam.coordinator",
        "classic",
        mentor="Maya",
        mentee="Sam",
        programme="Pilot",
        pair_id=pair_id,
        days=days,
    )
    [delivery] = deliveries(flow, coordinator_body)
    assert delivery.audience is Audience.COORDINATOR and who(delivery) == {COORDINATOR}
    assert received(flow, MENTOR, pair_body) == 1  # the pair is not told twice

    # Nothing further about the same stall, however long it lasts.
    flow.advance(days=3)
    assert nudges_sent(flow, pair_id) == [("steam", 1, 1), ("steam", 2, 1)]


def test_no_steam_when_the_last_session_lapses(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="classic", sessions=3, cadence="weekly")
    for number in (1, 2):
        both_check_in(flow, pair_id, number, goals_moved="yes")
    flow.advance(days=20)  # session 3 goes unreported; the wrap-up starts instead
    assert nudges_sent(flow, pair_id) == []
    with flow.db.transaction() as db:
        assert db.get(Pair, pair_id).stage == "wrap_up"  # type: ignore[union-attr]


def test_park_it_and_see_differently_go_to_the_pair(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    check_in(flow, pair_id, 1, MENTOR, agenda_set_by="mentor", career_talk="yes", goals_moved="yes")
    check_in(flow, pair_id, 1, MENTEE, agenda_set_by="both", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == [("park_it", 1, 1), ("see_differently", 1, 1)]
    park = text("park_it.pair", "reverse", topic="career advice")
    differ = text("see_differently.pair", "reverse", number=1)
    for body in (park, differ):
        [delivery] = deliveries(flow, body)
        assert delivery.audience is Audience.PAIR and who(delivery) == {MENTOR, MENTEE}


def test_your_turn_is_announced_once_at_the_planned_swap(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reciprocal", cadence="weekly", swap_after=2)
    both_check_in(flow, pair_id, 1, agenda_set_by="mentor", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == []
    both_check_in(flow, pair_id, 2, agenda_set_by="mentor", goals_moved="yes")
    assert nudges_sent(flow, pair_id) == [("your_turn", 1, 2)]
    body = text("your_turn.pair", "reciprocal", leader="Sam", other="Maya")
    assert received(flow, MENTOR, body) == received(flow, MENTEE, body) == 1
    both_check_in(flow, pair_id, 3, agenda_set_by="mentee", goals_moved="yes")
    assert received(flow, MENTEE, body) == 1


def test_too_polite_suggests_a_starter_and_purpose_asks_for_a_goal_review(
    sqlite_db: Database,
) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="sponsorship", cadence="monthly")
    for number, score in ((1, "2"), (2, "2"), (3, "3")):  # session 3 is livelier
        both_check_in(flow, pair_id, number, challenge=score, breadth=score)
    assert nudges_sent(flow, pair_id) == [("too_polite", 1, 2), ("purpose", 1, 3)]
    starter = CONTENT.lines("nudges.too_polite.starters", kind="sponsorship")[2]
    polite = text("too_polite.pair", "sponsorship", starter=starter)
    purpose = text("purpose.pair", "sponsorship", sessions=3)
    for body in (polite, purpose):
        [delivery] = deliveries(flow, body)
        assert delivery.audience is Audience.PAIR and who(delivery) == {MENTOR, MENTEE}


def test_a_pair_in_wrap_up_is_not_nudged(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    both_check_in(flow, pair_id, 1, agenda_set_by="mentor", goals_moved="yes")
    assert flow.command(COORDINATOR, f"end {pair_id}").changed
    # A late check-in is still welcome, but the wrap-up has handed back the parked list.
    check_in(
        flow,
        pair_id,
        2,
        MENTEE,
        agenda_set_by="mentee",
        career_talk="yes",
        jumped_to_solutions="senior",
    )
    assert nudges_sent(flow, pair_id) == []


def test_the_runner_reads_what_it_stored(sqlite_db: Database) -> None:
    flow = Flow(sqlite_db)
    pair_id = active_pair(flow, kind="reverse", cadence="weekly")
    for number in (1, 2):
        both_check_in(flow, pair_id, number, agenda_set_by="mentee", goals_moved="yes")
    facts = facts_of(flow, pair_id)
    assert [(n, level, about) for n, level, about, _ in facts.sent] == [("mentor_leading", 1, 2)]
    assert all(at.tzinfo is not None for *_, at in facts.sent)
    assert runner.decide(facts) == []


def test_no_nudge_once_no_session_is_left_to_act_on() -> None:
    # Sessions 2 and 3 led by the mentee would fire "is the mentor still leading?" ...
    lost = both(agenda_set_by="mentee", goals_moved=True)
    with_one_left = pair(
        session(1, *both(agenda_set_by="mentor", goals_moved=True)),
        session(2, *lost),
        session(3, *lost),
        *planned(4),
        now=NOW,
    )
    assert [rule.key for rule, _ in runner.decide(with_one_left)] == ["mentor_leading"]
    # ... but after the final session, advice about next time is noise: wrap-up comes next.
    finished = pair(
        session(1, *both(agenda_set_by="mentor")), session(2, *lost), session(3, *lost), now=NOW
    )
    assert runner.decide(finished) == []
