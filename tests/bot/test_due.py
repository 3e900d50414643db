"""Due work: what the sweep finds at each moment of a session's life, and when it next will."""

from __future__ import annotations

from datetime import timedelta

from flow import Flow
from scenario import active, rows

from bot import due
from bot.lifecycle import planning, sessions
from storage.db import Database
from storage.models import MentoringSession


def first_session(f: Flow) -> MentoringSession:
    return min(rows(f.db, MentoringSession), key=lambda s: s.number)


def kinds_due(f: Flow) -> list[str]:
    with f.db.transaction() as db:
        return sorted({t.kind for t in due.find(db, f.clock.now()) if t.kind != due.NUDGES})


def test_each_session_falls_due_at_its_reminder_check_in_and_give_up(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f)
    planned = first_session(f).planned_at
    with f.db.transaction() as db:
        moments = due.session_moments(db, f.clock.now())
    assert planned - planning.REMIND_BEFORE in moments
    assert planned + timedelta(minutes=60) + planning.CHECKIN_AFTER in moments  # its end + 1h

    f.clock.set(planned - planning.REMIND_BEFORE - timedelta(minutes=1))
    assert kinds_due(f) == []
    f.clock.set(planned - planning.REMIND_BEFORE)
    assert kinds_due(f) == [due.REMINDER]
    f.engine.sweep()
    assert kinds_due(f) == []  # reminded once

    f.clock.set(planned + timedelta(minutes=60) + planning.CHECKIN_AFTER)
    assert kinds_due(f) == [due.CHECKIN]
    f.engine.sweep()
    asked = first_session(f).checkin_sent_at
    assert asked == f.clock.now()
    with f.db.transaction() as db:
        assert asked + sessions.UNREPORTED_AFTER in due.session_moments(db, f.clock.now())

    f.clock.set(asked + sessions.UNREPORTED_AFTER)
    assert kinds_due(f) == [due.UNREPORTED]
    f.engine.sweep()
    assert first_session(f).status == "unreported"


def test_a_check_in_is_not_asked_before_the_session_has_ended(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f, length_minutes="90")
    planned = first_session(f).planned_at
    f.clock.set(planned + timedelta(minutes=90))  # still within the hour after it ends
    f.engine.sweep()
    assert first_session(f).checkin_sent_at is None
    f.clock.set(planned + timedelta(minutes=90) + planning.CHECKIN_AFTER)
    f.engine.sweep()
    assert first_session(f).checkin_sent_at == f.clock.now()


def test_a_pair_is_finished_when_no_session_is_left(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f, sessions="1", end_date="2027-01-31")
    assert kinds_due(f) == []
    with f.db.transaction() as db:
        for session in db.query(MentoringSession):
            session.status = "held"
    assert kinds_due(f) == [due.WRAP_UP]


def test_a_contract_starting_today_never_plans_a_session_in_the_past(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    f.clock.advance(timedelta(hours=7))  # Monday 15:00 UTC: today's 10:00 has gone
    active(f, start_date=f.clock.now().date().isoformat())
    first = first_session(f).planned_at
    assert first > f.clock.now()
    assert (first.date() - f.clock.now().date()).days == 1 and first.hour == 10
