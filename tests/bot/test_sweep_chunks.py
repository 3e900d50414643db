"""The sweep handles due pairs a chunk per transaction: its statements do not grow with the pairs
in a chunk, a failing pair is the only one left undone, a lost lease stops it between chunks,
and a session reminder is due on the last working moment before the session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flow import Flow
from scenario import active, rows
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from statements import counting, on_fresh_databases

from bot import sweep as sweep_module
from bot.lifecycle import planning, sessions
from storage.db import Database
from storage.models import MentoringSession, OutboxMessage, Pair, Person, Programme

# -- helpers ----------------------------------------------------------------------------------


def add_due_pairs(f: Flow, count: int, *, like: int, prefix: str) -> list[int]:
    """`count` active pairs in the programme of pair `like`, each with a session tomorrow whose
    reminder is due now: bulk rows, people working around the clock."""
    now = f.clock.now()
    with f.db.transaction() as db:
        model = db.get(Pair, like)
        assert model is not None
        programme = db.get(Programme, model.programme_id)
        assert programme is not None
        db.execute(
            insert(Person),
            [
                {
                    "tenant_id": programme.tenant_id,
                    "platform_user_id": f"{prefix}{n}",
                    "display_name": f"Due {n}",
                    "timezone": "UTC",
                    "work_start_hour": 0,
                    "work_end_hour": 24,
                    "work_days": "1234567",
                    "is_coordinator": False,
                    "created_at": now,
                }
                for n in range(2 * count)
            ],
        )
        ids = {
            p.platform_user_id: p.id
            for p in db.scalars(select(Person).where(Person.platform_user_id.like(f"{prefix}%")))
        }
        db.execute(
            insert(Pair),
            [
                {
                    "programme_id": programme.id,
                    "mentor_id": ids[f"{prefix}{2 * n}"],
                    "mentee_id": ids[f"{prefix}{2 * n + 1}"],
                    "stage": "active",
                    "stage_changed_at": now,
                    "created_at": now,
                    "version": 1,
                    "match_reason": "",
                    "due_at": now - timedelta(minutes=1),
                }
                for n in range(count)
            ],
        )
        mentors = [ids[f"{prefix}{2 * n}"] for n in range(count)]
        pair_ids = list(db.scalars(select(Pair.id).where(Pair.mentor_id.in_(mentors))))
        db.execute(
            insert(MentoringSession),
            [
                {
                    "pair_id": pair_id,
                    "number": 1,
                    "planned_at": now + timedelta(hours=12),
                    "checkin_due_at": now + timedelta(hours=14),
                    "status": "planned",
                }
                for pair_id in pair_ids
            ],
        )
    return pair_ids


def reminded(f: Flow, pair_ids: list[int]) -> set[int]:
    return {
        s.pair_id
        for s in rows(f.db, MentoringSession)
        if s.pair_id in pair_ids and s.reminded_at is not None
    }


def due_ids(f: Flow) -> set[int]:
    now = f.clock.now()
    return {p.id for p in rows(f.db, Pair) if p.due_at is not None and p.due_at <= now}


def sweep_statements(db: Database, due: int) -> tuple[int, int]:
    """(statements, items done) of a sweep with `due` reminders due in one chunk."""
    f = Flow(db)
    like = active(f)
    f.clock.advance(timedelta(days=1))  # nothing of the model pair due: its session is later
    pair_ids = add_due_pairs(f, due, like=like, prefix="due")
    assert due_ids(f) == set(pair_ids)
    with counting(db) as statements:
        done = f.engine.sweep()
    assert reminded(f, pair_ids) == set(pair_ids)
    return len(statements), done


# -- statements per chunk ---------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_statements_of_a_chunk_do_not_grow_with_the_due_pairs_in_it(
    backend: str, migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    counts = on_fresh_databases(
        backend, migrated_sqlite_template, tmp_path, (3, 40), sweep_statements
    )
    (small, done_small), (large, done_large) = counts
    assert (done_small, done_large) == (3, 40)
    # The chunk's reads, its bulk writes and the sweep's record: as many for 40 due pairs as
    # for 3, and few.
    assert large == small, (small, large)
    assert small <= 16, small


# -- one failing pair -------------------------------------------------------------------------


def test_a_pair_whose_work_fails_is_the_only_one_left_undone(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = Flow(database)
    like = active(f)
    f.clock.advance(timedelta(days=1))
    pair_ids = add_due_pairs(f, 5, like=like, prefix="due")
    broken = pair_ids[2]
    remind = sessions.remind

    def failing(turn, pair, session, **kwargs):  # type: ignore[no-untyped-def]
        remind(turn, pair, session, **kwargs)  # its writes must be rolled back too
        if pair.id == broken:
            raise RuntimeError("a bug in one pair's reminder")

    monkeypatch.setattr(sessions, "remind", failing)
    before = len(rows(f.db, OutboxMessage))

    assert f.engine.sweep() == 4

    assert reminded(f, pair_ids) == set(pair_ids) - {broken}
    outbox = rows(f.db, OutboxMessage)[before:]
    assert len(outbox) == 8  # two per reminded pair, none for the broken one
    broken_pair = rows(f.db, Pair, id=broken)[0]
    assert {m.person_id for m in outbox}.isdisjoint({broken_pair.mentor_id, broken_pair.mentee_id})
    assert due_ids(f) == {broken}  # still due: the next sweep tries again


# -- the lease fence between chunks -----------------------------------------------------------


def test_a_lease_lost_between_chunks_keeps_the_chunks_before_and_stops(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_module, "SWEEP_CHUNK", 2)
    f = Flow(database)
    like = active(f)
    f.clock.advance(timedelta(days=1))
    pair_ids = add_due_pairs(f, 5, like=like, prefix="due")
    answers = iter([True, False])
    checked: list[Session] = []

    def fence(session: Session) -> bool:
        checked.append(session)
        return next(answers)

    before = len(rows(f.db, OutboxMessage))

    assert f.engine.sweep(fence=fence) == 2

    assert len(checked) == 2  # once per chunk, and not after the one that failed
    assert len(reminded(f, pair_ids)) == 2  # the first chunk, committed
    assert len(rows(f.db, OutboxMessage)) - before == 4
    assert len(due_ids(f)) == 3  # the second chunk rolled back entirely, the third never read
    assert f.engine.sweep(fence=lambda _session: True) == 3
    assert due_ids(f) == set()


# -- a reminder on the last working moment before the session ----------------------------------


def test_a_monday_session_is_reminded_on_the_friday_before_not_held_past_its_start(
    database: Database,
) -> None:
    f = Flow(database)
    pair_id = active(f)  # both work Monday to Friday, 09:00-17:00 UTC
    first = min(rows(f.db, MentoringSession, pair_id=pair_id), key=lambda s: s.number)
    assert first.planned_at.weekday() == 0, first.planned_at  # a Monday
    friday = first.planned_at - timedelta(days=3)
    assert rows(f.db, Pair, id=pair_id)[0].due_at == friday
    before = len(rows(f.db, OutboxMessage))

    f.clock.set(friday - timedelta(minutes=1))
    assert f.engine.sweep() == 0
    f.clock.set(friday)
    assert f.engine.sweep() == 1

    sent = rows(f.db, OutboxMessage)[before:]
    assert len(sent) == 2
    # Inside both people's hours now: it goes on Friday, long before the session begins.
    assert all(m.not_before is None for m in sent)
    assert all(m.created_at < first.planned_at - planning.REMIND_BEFORE for m in sent)
