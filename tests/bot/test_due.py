"""Due work: pairs.due_at follows each write, and the sweep finds exactly what is due, reads
nothing else, and after downtime sends each pair at most one message per kind of work."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flow import Flow
from scenario import active, ok, person, proposed, rows
from sqlalchemy import insert, select
from statements import counting, on_fresh_databases

from bot import due, due_rows, hours
from bot.lifecycle import planning, sessions, waiting
from storage.db import Database
from storage.models import MentoringSession, NudgeSent, OutboxMessage, Pair, Person, Programme

IDLE_FAR = timedelta(days=300)


# -- helpers ----------------------------------------------------------------------------------


def first_session(f: Flow, pair_id: int) -> MentoringSession:
    return min(rows(f.db, MentoringSession, pair_id=pair_id), key=lambda s: s.number)


def due_at(f: Flow, pair_id: int) -> datetime | None:
    return rows(f.db, Pair, id=pair_id)[0].due_at


def reminder_at(f: Flow, pair_id: int, planned_at: datetime) -> datetime:
    """When the session's reminder is due: a day ahead, or the last working moment of both
    people before that (bot.lifecycle.planning.reminder_due)."""
    pair = rows(f.db, Pair, id=pair_id)[0]
    people = [hours.of(rows(f.db, Person, id=p)[0]) for p in (pair.mentor_id, pair.mentee_id)]
    return planning.reminder_due(people, planned_at)


def due_now(f: Flow) -> list[int]:
    with f.db.transaction() as db:
        return due_rows.due_pairs(db, f.clock.now(), limit=1000)


def kinds_due(f: Flow, pair_id: int) -> list[str]:
    """What the sweep would do for this pair now (nudge checks aside)."""
    with f.db.transaction() as db:
        pair = db.get(Pair, pair_id)
        assert pair is not None
        schedule = due_rows.schedules(db, [pair])[pair_id]
        now = f.clock.now()
        return sorted(
            {i.kind for i in due.moments(schedule, now) if i.at <= now and i.kind != due.NUDGES}
        )


def outbox_count(f: Flow) -> int:
    return len(rows(f.db, OutboxMessage))


def add_idle_pairs(f: Flow, count: int, *, like: int) -> None:
    """`count` more active pairs in the programme of pair `like`, each with a planned session,
    nothing due for months: bulk rows, as a big organisation's table would hold."""
    now = f.clock.now()
    with f.db.transaction() as db:
        model = db.get(Pair, like)
        assert model is not None
        programme = db.get(Programme, model.programme_id)
        assert programme is not None
        people = [
            {
                "tenant_id": programme.tenant_id,
                "platform_user_id": f"idle{n}",
                "display_name": f"Idle {n}",
                "timezone": "UTC",
                "work_start_hour": 9,
                "work_end_hour": 17,
                "is_coordinator": False,
                "created_at": now,
            }
            for n in range(2 * count)
        ]
        db.execute(insert(Person), people)
        ids = {p.platform_user_id: p.id for p in db.scalars(select(Person))}
        pairs = [
            {
                "programme_id": programme.id,
                "mentor_id": ids[f"idle{2 * n}"],
                "mentee_id": ids[f"idle{2 * n + 1}"],
                "stage": "active",
                "stage_changed_at": now,
                "created_at": now,
                "version": 1,
                "match_reason": "",
                "due_at": now + IDLE_FAR,
            }
            for n in range(count)
        ]
        db.execute(insert(Pair), pairs)
        idle = db.scalars(select(Pair.id).where(Pair.due_at == now + IDLE_FAR)).all()
        db.execute(
            insert(MentoringSession),
            [
                {
                    "pair_id": pair_id,
                    "number": 1,
                    "planned_at": now + IDLE_FAR + planning.REMIND_BEFORE,
                    "checkin_due_at": now + IDLE_FAR + timedelta(days=2),
                    "status": "planned",
                }
                for pair_id in idle
            ],
        )


# -- what is due when ---------------------------------------------------------------------------


def test_due_at_follows_a_session_through_reminder_check_in_and_give_up(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    planned = first_session(f, pair_id).planned_at
    remind_at = reminder_at(f, pair_id, planned)
    assert due_at(f, pair_id) == remind_at

    f.clock.set(remind_at - timedelta(minutes=1))
    assert due_now(f) == []
    f.clock.set(remind_at)
    assert due_now(f) == [pair_id]
    assert kinds_due(f, pair_id) == [due.REMINDER]
    f.engine.sweep()
    assert first_session(f, pair_id).reminded_at == f.clock.now()
    assert due_now(f) == []  # reminded once
    check_in_at = planned + timedelta(minutes=60) + planning.CHECKIN_AFTER  # its end + 1h
    assert due_at(f, pair_id) == check_in_at

    f.clock.set(check_in_at)
    assert kinds_due(f, pair_id) == [due.CHECKIN]
    f.engine.sweep()
    asked = first_session(f, pair_id).checkin_sent_at
    assert asked == f.clock.now()
    assert due_at(f, pair_id) == asked + sessions.UNREPORTED_AFTER

    f.clock.set(asked + sessions.UNREPORTED_AFTER)
    assert kinds_due(f, pair_id) == [due.UNREPORTED]
    f.engine.sweep()
    assert first_session(f, pair_id).status == "unreported"
    assert due_now(f) == []


def test_a_check_in_moves_due_at_in_its_own_transaction(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    session = first_session(f, pair_id)
    f.clock.set(session.checkin_due_at)
    f.engine.sweep()
    assert due_at(f, pair_id) == f.clock.now() + sessions.UNREPORTED_AFTER

    for who in ("maya", "sam"):
        assert not f.submit(who, "checkin", str(session.id), happened="yes").field_errors

    # Held: nothing waits on session 1; the pair is next due at session 2's reminder.
    second = sorted(rows(f.db, MentoringSession, pair_id=pair_id), key=lambda s: s.number)[1]
    assert due_at(f, pair_id) == reminder_at(f, pair_id, second.planned_at)


def test_a_pair_is_due_for_its_wrap_up_once_no_session_is_left(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f, sessions="1", end_date="2027-01-31")
    assert kinds_due(f, pair_id) == []
    with f.db.transaction() as db:
        for session in db.scalars(select(MentoringSession)):
            session.status = "held"
    assert due_at(f, pair_id) is not None and due_at(f, pair_id) <= f.clock.now()
    assert kinds_due(f, pair_id) == [due.WRAP_UP]
    f.engine.sweep()
    assert rows(f.db, Pair, id=pair_id)[0].stage == "wrap_up"


def test_a_pair_waiting_for_answers_is_due_at_its_reminder_then_its_alert(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    since = rows(f.db, Pair, id=pair_id)[0].stage_changed_at
    assert due_at(f, pair_id) == since + waiting.REMIND_AFTER
    f.clock.set(since + waiting.REMIND_AFTER)
    f.engine.sweep()
    assert due_at(f, pair_id) == since + waiting.ALERT_AFTER


def test_paused_and_ended_pairs_are_never_due(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    ok(f.command("hana", f"pause {pair_id}"))
    assert due_at(f, pair_id) is None
    ok(f.command("hana", f"resume {pair_id}"))
    assert due_at(f, pair_id) is not None


# -- the sweep reads only what is due -----------------------------------------------------------


def test_the_sweep_touches_only_the_due_pairs(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    add_idle_pairs(f, 50, like=pair_id)
    versions = {p.id: p.version for p in rows(f.db, Pair) if p.id != pair_id}
    before = outbox_count(f)
    f.clock.set(first_session(f, pair_id).planned_at - planning.REMIND_BEFORE)

    assert f.engine.sweep() == 1

    assert {p.id: p.version for p in rows(f.db, Pair) if p.id != pair_id} == versions
    assert all(m.pair_id in (None, pair_id) for m in rows(f.db, OutboxMessage)[before:])
    assert outbox_count(f) - before == 2  # the reminder, to each of the two


def statements_per_sweep(db: Database, idle: int) -> tuple[int, int]:
    """(statements, items done) of a sweep with three reminders due among `idle` + 3 pairs."""
    f = Flow(db)
    pairs = [
        active(f, mentor=f"mentor{n}", mentee=f"mentee{n}", name=f"Programme {n}") for n in range(3)
    ]
    add_idle_pairs(f, idle, like=pairs[0])
    f.clock.set(max(first_session(f, p).planned_at for p in pairs) - planning.REMIND_BEFORE)
    with counting(db) as statements:
        done = f.engine.sweep()
    return len(statements), done


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_statements_of_a_sweep_do_not_grow_with_the_pairs_that_are_not_due(
    backend: str, migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    counts = on_fresh_databases(
        backend, migrated_sqlite_template, tmp_path, (20, 200), statements_per_sweep
    )
    (small, done_small), (large, done_large) = counts
    assert done_small == done_large == 3
    assert large == small, (small, large)


# -- downtime ------------------------------------------------------------------------------------


def test_after_weeks_down_each_pair_gets_one_message_per_kind_and_nothing_twice(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f, cadence="weekly")
    by_number = sorted(rows(f.db, MentoringSession, pair_id=pair_id), key=lambda s: s.number)
    first, second, third = by_number[:3]
    before = outbox_count(f)
    # Down from before session 1 until just inside session 3's reminder window: sessions 1 and
    # 2 went by unseen.
    f.clock.set(third.planned_at - planning.REMIND_BEFORE + timedelta(hours=1))

    f.engine.sweep()

    sent = rows(f.db, OutboxMessage)[before:]
    texts = [m.payload["text"] for m in sent]
    assert len(sent) == 4, texts  # one reminder (session 3) and one check-in (session 2), each
    assert sum(f"session {second.number}" in t.lower() for t in texts) == 2
    by_number = {s.number: s for s in rows(f.db, MentoringSession, pair_id=pair_id)}
    assert by_number[1].reminded_at is None  # a reminder for a session already past: not sent
    assert by_number[1].status == "unreported"  # too late to ask about: given up, not asked
    assert by_number[1].checkin_sent_at is None
    assert by_number[2].checkin_sent_at == f.clock.now()
    assert by_number[3].reminded_at == f.clock.now()

    f.engine.sweep()  # and again: nothing is sent twice
    assert outbox_count(f) - before == 4
    assert due_at(f, pair_id) is not None and due_at(f, pair_id) > f.clock.now()


def test_a_pair_stuck_while_the_scheduler_was_down_is_flagged_and_reminded_once(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    f.deliver()
    before = outbox_count(f)
    f.clock.advance(waiting.ALERT_AFTER + timedelta(days=10))

    f.engine.sweep()
    f.engine.sweep()

    sent = rows(f.db, OutboxMessage)[before:]
    audiences = sorted(m.audience for m in sent)
    assert audiences == ["coordinator", "person", "person"]  # one alert, one reminder each
    levels = sorted(n.level for n in rows(f.db, NudgeSent, pair_id=pair_id))
    assert levels == [1, 2]
    assert due_at(f, pair_id) is None  # nothing more to come at this stage


# -- the lease fence and the live-pair index ----------------------------------------------------


def test_a_sweep_whose_lease_is_lost_changes_nothing(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    f.clock.set(first_session(f, pair_id).planned_at - planning.REMIND_BEFORE)
    before = outbox_count(f)

    assert f.engine.sweep(fence=lambda _session: False) == 0

    assert outbox_count(f) == before
    assert first_session(f, pair_id).reminded_at is None
    assert due_now(f) == [pair_id]  # still due: the next leader does it
    assert f.engine.sweep(fence=lambda _session: True) == 1


def test_the_database_refuses_a_second_live_pair_for_one_mentee(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from bot.engine import _is_double_pairing

    f = Flow(database)
    pair_id = proposed(f)
    model = rows(f.db, Pair, id=pair_id)[0]
    other = {
        "programme_id": model.programme_id,
        "mentor_id": person(f.db, "hana").id,
        "mentee_id": model.mentee_id,
        "stage": "proposed",
        "stage_changed_at": f.clock.now(),
        "created_at": f.clock.now(),
        "version": 1,
        "match_reason": "",
    }
    with pytest.raises(IntegrityError) as refused:
        with f.db.transaction() as db:
            db.execute(insert(Pair), [other])
    assert _is_double_pairing(refused.value)
    with f.db.transaction() as db:  # a dissolved pair holds nobody
        db.execute(insert(Pair), [{**other, "stage": "dissolved"}])
