"""The queries that read many pairs' schedules in a fixed number of statements, and lock the
due ones.

Apart from bot/due.py's pure rule (`moments`, `next_due`), so the rule is testable alone: the
sweep (bot/sweep.py) and the due_at upkeep (bot/due_at.py) read the rows here, then ask the rule.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.due import Schedule
from storage.models import (
    ActionItem,
    Contract,
    MentoringSession,
    NudgeSent,
    Pair,
    Programme,
    Tenant,
)


def schedules(db: Session, pairs: Collection[Pair], *, fresh: bool = False) -> dict[int, Schedule]:
    """The schedule of each pair, in three queries whatever the number of pairs.

    `fresh`: overwrite what this session already loaded with the stored rows (after a flush
    they are the same, unless another transaction committed meanwhile).
    """
    found = {pair.id: Schedule(pair=pair) for pair in pairs}
    if not found:
        return found
    ids = list(found)
    options = {"populate_existing": fresh}
    for s in db.scalars(
        select(MentoringSession)
        .where(MentoringSession.pair_id.in_(ids))
        .order_by(MentoringSession.pair_id, MentoringSession.number)
        .execution_options(**options)
    ):
        found[s.pair_id].sessions.append(s)
    for contract in db.scalars(
        select(Contract)
        .where(
            Contract.pair_id.in_(ids),
            Contract.mentor_confirmed_at.is_not(None),
            Contract.mentee_confirmed_at.is_not(None),
        )
        .order_by(Contract.pair_id, Contract.version)
        .execution_options(**options)
    ):
        found[contract.pair_id].contract = contract  # the newest agreed version wins
    for pair_id, sent in sent_of(db, ids).items():
        found[pair_id].sent = sent
    return found


def sent_of(db: Session, ids: Collection[int]) -> dict[int, list[tuple[str, int, int, datetime]]]:
    """The nudges (and waiting reminders) each pair was sent: (nudge, level, about, sent_at)."""
    found: dict[int, list[tuple[str, int, int, datetime]]] = {pair_id: [] for pair_id in ids}
    for row in db.execute(
        select(
            NudgeSent.pair_id, NudgeSent.nudge, NudgeSent.level, NudgeSent.about, NudgeSent.sent_at
        ).where(NudgeSent.pair_id.in_(list(ids)))
    ):
        found[row.pair_id].append((row.nudge, row.level, row.about, row.sent_at))
    return found


def due_pairs(
    db: Session,
    now: datetime,
    *,
    limit: int,
    skip: Collection[int] = (),
    platforms: Collection[str] | None = None,
) -> list[int]:
    """Pairs whose due_at has come, soonest first, read through the due_at index."""
    return list(db.scalars(_due_query(select(Pair.id), now, limit, skip, platforms)))


def lock_due(
    db: Session,
    now: datetime,
    *,
    limit: int,
    skip: Collection[int] = (),
    platforms: Collection[str] | None = None,
) -> list[Pair]:
    """Up to `limit` pairs whose due_at has come, soonest first, with both people, in one query
    through the due_at index. On PostgreSQL they stay locked until the caller's transaction
    ends, and pairs a writer holds are skipped (`SKIP LOCKED`): the writer recomputes their
    due_at anyway, and the next sweep finds them if they are still due."""
    query = _due_query(select(Pair), now, limit, skip, platforms).options(
        joinedload(Pair.mentor, innerjoin=True), joinedload(Pair.mentee, innerjoin=True)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Pair, skip_locked=True)
    return list(db.scalars(query).unique())


def _due_query(query, now, limit, skip, platforms):  # type: ignore[no-untyped-def]
    query = query.where(Pair.due_at <= now).order_by(Pair.due_at, Pair.id).limit(limit)
    if skip:
        query = query.where(Pair.id.not_in(list(skip)))
    if platforms is not None:
        query = (
            query.join(Programme, Programme.id == Pair.programme_id)
            .join(Tenant, Tenant.id == Programme.tenant_id)
            .where(Tenant.platform.in_(list(platforms)))
        )
    return query


def open_actions(db: Session, ids: Collection[int]) -> dict[int, list[ActionItem]]:
    """The open action items of each pair, in one query (a session reminder lists them)."""
    found: dict[int, list[ActionItem]] = {pair_id: [] for pair_id in ids}
    if not found:
        return found
    for item in db.scalars(
        select(ActionItem)
        .where(ActionItem.pair_id.in_(list(found)), ActionItem.status == "open")
        .order_by(ActionItem.id)
    ):
        found[item.pair_id].append(item)
    return found
