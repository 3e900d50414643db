"""Keeping `pairs.due_at` in step with every write, in the same transaction as the write.

The lifecycle modules never set due_at themselves. A session event collects the pairs a flush
touched (the pair row, or a row the due rule reads: its sessions, contracts, nudges sent, and
check-ins through their session), and just before the transaction commits their due_at is
recomputed from bot.due's rule in a fixed number of statements, however many pairs were touched.
On PostgreSQL the pair rows are locked first, so the rows the rule reads are the latest committed
ones and two transactions recomputing one pair take turns.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from datetime import datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bot import due, due_rows
from bot.clock import Clock
from bot.stages import Stage
from storage.db import Database
from storage.models import CheckIn, Contract, MentoringSession, NudgeSent, Pair

PENDING = "tandem.due_pairs"  # session.info: pair id -> whether the nudges should look again
CHECKINS = "tandem.due_checkin_sessions"  # session.info: session ids of check-ins written
SENT = "tandem.due_sent_pairs"  # session.info: pairs a NudgeSent row was written for
FACTS = (MentoringSession, Contract, NudgeSent)  # rows with a pair_id the due rule reads

# Which clock each database's writes are dated by: the engine's (a fake one in tests and the demo).
_clocks: weakref.WeakKeyDictionary[Any, Clock] = weakref.WeakKeyDictionary()


def watch(db: Database, clock: Clock) -> None:
    """Keep due_at in step for every transaction on `db`, dated by `clock`."""
    _clocks[db.engine] = clock
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _recompute_pending)


def touch(session: Session, pair_id: int, *, nudges: bool = False) -> None:
    """Recompute this pair's due_at at commit even if nothing it reads was written."""
    pending: dict[int, bool] = session.info.setdefault(PENDING, {})
    pending[pair_id] = pending.get(pair_id, False) or nudges


def settle(session: Session, schedule: due.Schedule, now: datetime) -> None:
    """The sweep's shortcut for one pair: see `settle_many`."""
    settle_many(session, [schedule], now)


def settle_many(session: Session, schedules: Collection[due.Schedule], now: datetime) -> None:
    """The sweep's shortcut: it holds the pairs locked and has their schedules in hand (the rows
    its handlers changed in place), so due_at is set from those, without reading them all
    again: a flush, one read of what was sent, one update, for any number of pairs."""
    if not schedules:
        return
    session.flush()  # what the handlers queued and changed, in bulk
    # What was sent may have grown (a waiting reminder, a nudge): read it again for those.
    grown = session.info.pop(SENT, set()) & {schedule.pair.id for schedule in schedules}
    sent = due_rows.sent_of(session, grown) if grown else {}
    pending = session.info.get(PENDING, {})
    values = []
    for schedule in schedules:
        if schedule.pair.id in sent:
            schedule.sent = sent[schedule.pair.id]
        pending.pop(schedule.pair.id, None)
        values.append({"pair_id": schedule.pair.id, "due": due.next_due(schedule, now)})
    _write(session, values)
    for schedule, row in zip(schedules, values, strict=True):
        set_committed_value(schedule.pair, "due_at", row["due"])


def _write(session: Session, values: list[dict[str, Any]]) -> None:
    """Set due_at of many pairs in one statement (executemany)."""
    table = cast(Table, Pair.__table__)
    session.connection().execute(
        update(table).where(table.c.id == bindparam("pair_id")).values(due_at=bindparam("due")),
        values,
    )


def recompute(session: Session, pending: dict[int, bool], now: datetime) -> None:
    """Set due_at of these pairs from their stored rows: five statements for any number."""
    if not pending:
        return
    query = (
        select(Pair)
        .where(Pair.id.in_(pending))
        .order_by(Pair.id)
        # Both people: a session reminder is due on a moment inside their working hours.
        .options(joinedload(Pair.mentor, innerjoin=True), joinedload(Pair.mentee, innerjoin=True))
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Pair)  # the latest rows, and one recomputer at a time
    pairs = session.scalars(query).unique().all()
    schedules = due_rows.schedules(session, pairs, fresh=True)
    values = [
        {
            "pair_id": pair.id,
            "due": due.next_due(schedules[pair.id], now, nudges_now=pending[pair.id]),
        }
        for pair in pairs
    ]
    if not values:
        return
    _write(session, values)
    for pair, row in zip(pairs, values, strict=True):
        set_committed_value(pair, "due_at", row["due"])


def _collect(session: Session, _context: object) -> None:
    if session.get_bind() not in _clocks:
        return
    checkins: set[int] = session.info.setdefault(CHECKINS, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Pair):
            touch(session, obj.id, nudges=_became_active(obj))
        elif isinstance(obj, CheckIn):
            checkins.add(obj.session_id)
        elif isinstance(obj, FACTS):
            # A new or changed contract can change what the nudges see (a swap moved earlier).
            touch(session, obj.pair_id, nudges=isinstance(obj, Contract))
            if isinstance(obj, NudgeSent):
                session.info.setdefault(SENT, set()).add(obj.pair_id)


def _became_active(pair: Pair) -> bool:
    """Resumed (or agreed): the nudges look again at what happened before."""
    state = inspect(pair)
    if "stage" not in state.committed_state:  # cheap: most flushed pairs kept their stage
        return False
    added = state.attrs.stage.history.added
    return Stage.ACTIVE.value in (added or ())


def _recompute_pending(session: Session) -> None:
    clock = _clocks.get(session.get_bind())
    if clock is None:
        return
    session.flush()  # whatever is still pending is part of this transaction too
    checkins: set[int] = session.info.pop(CHECKINS, set())
    if checkins:
        for session_id in checkins:
            known = session.identity_map.get(identity_key(MentoringSession, session_id))
            if known is not None:
                touch(session, cast(MentoringSession, known).pair_id)
                continue
            pair_id = session.scalar(
                select(MentoringSession.pair_id).where(MentoringSession.id == session_id)
            )
            if pair_id is not None:
                touch(session, pair_id)
    pending: dict[int, bool] = session.info.pop(PENDING, {})
    recompute(session, pending, clock.now())
