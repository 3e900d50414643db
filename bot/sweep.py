"""The sweep: the due work of every pair whose pairs.due_at has come, a chunk per transaction.

Apart from bot.engine, which handles what a person just did, one event per transaction: the
sweep is the scheduler's (and the console's) side, driven by the clock rather than by anyone,
and its chunking, lease fence and failing-pair redo are its own concern.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from bot import due, due_at, due_rows
from bot.clock import Clock
from bot.content import Content
from bot.turn import Turn
from storage import sweeps
from storage.db import Database
from storage.models import OutboxMessage, Pair, Programme, Tenant

log = logging.getLogger(__name__)
OUTBOX = cast(Table, OutboxMessage.__table__)

SWEEP_CHUNK = 200  # due pairs handled per transaction (locked and read together)


class Sweep:
    """One engine's due work: its database, its clock, and its choice of each workspace's text
    (Engine.content_for), which the turns of the due pairs are written in."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        content_for: Callable[[Tenant], Content],
    ) -> None:
        self.db = db
        self.clock = clock
        self.content_for = content_for

    def run(
        self,
        *,
        platforms: Collection[str] | None = None,
        fence: Callable[[Session], bool] | None = None,
    ) -> int:
        """Handle every pair due now, a chunk of them per transaction; return the items done.

        Reads only `pairs.due_at <= now` through its index, SWEEP_CHUNK pairs at a time (locked,
        `SKIP LOCKED`, on PostgreSQL); programmes and tenants are read once per sweep. Each
        chunk is one transaction with a fixed number of statements for the reads and the bulk
        writes, whatever its size (the handlers of rarer work, nudges and wrap-ups, still read
        per pair). When one pair of a chunk fails, the whole chunk is rolled back and its pairs
        are done again one transaction each, so the failing pair is the only one left undone.
        `platforms` limits the sweep to those platforms' workspaces (the console sweeps only its
        own). `fence` (the leader lease's check) runs inside each transaction just before it
        commits: when it says the lease is lost, that transaction is rolled back and the sweep
        stops, so a worker that lost the lead changes nothing more.
        """
        started = self.clock.now()
        places: dict[int, tuple[Programme, Tenant] | None] = {}
        seen: set[int] = set()
        done = 0
        while True:
            chunk = self._sweep_chunk(started, seen, platforms, fence, places, done)
            if chunk is None:
                log.warning("the scheduler lease was lost mid-sweep: stopping")
                return done
            chunk_done, taken, recorded = chunk
            done += chunk_done
            if recorded:
                return done
            if taken < SWEEP_CHUNK:
                break
        self._record_sweep(started, done, platforms)  # issue 7: for `tandem status`
        return done

    def _sweep_chunk(
        self,
        due_by: datetime,
        seen: set[int],
        platforms: Collection[str] | None,
        fence: Callable[[Session], bool] | None,
        places: dict[int, tuple[Programme, Tenant] | None],
        done_before: int,
    ) -> tuple[int, int, bool] | None:
        """Up to SWEEP_CHUNK due pairs in one transaction: (items done, pairs taken, whether the
        sweep was recorded in it, as the last chunk records it), or None when the lease was
        lost. A failing pair sends the chunk's pairs through `_sweep_pair`, one at a time."""
        taken: list[int] = []
        try:
            with self.db.transaction() as session:
                pairs = due_rows.lock_due(
                    session, due_by, limit=SWEEP_CHUNK, skip=seen, platforms=platforms
                )
                taken = [pair.id for pair in pairs]
                seen.update(taken)  # tried once per sweep, whatever happens to them
                done = self._do_due(session, pairs, places)
                last = len(pairs) < SWEEP_CHUNK
                if last:  # the sweep's record rides with its last chunk: no commit of its own
                    sweeps.record_sweep(
                        session, at=due_by, ticks=done_before + done, platforms=platforms
                    )
                if fence is not None and not fence(session):
                    raise _LeaseLost
                return done, len(pairs), last
        except _LeaseLost:
            return None
        except Exception:  # a database hiccup must not stop the scheduler or the console
            if not taken:
                log.exception("finding due work failed")
                return 0, 0, False
            log.warning("a chunk of %s due pairs failed: doing them one at a time", len(taken))
        done = 0
        for pair_id in taken:
            result = self._sweep_pair(pair_id, due_by, fence, places)
            if result is None:
                return None
            done += result
        return done, len(taken), False

    def _do_due(
        self,
        session: Session,
        pairs: list[Pair],
        places: dict[int, tuple[Programme, Tenant] | None],
    ) -> int:
        """The due work of these locked pairs, in this session; due_at moved on for each (also
        when nothing was done). Reads in a fixed number of statements for all of them, writes
        in bulk at the end (the flush, then one update of due_at). Raises what a handler raised."""
        if not pairs:
            return 0
        tenants = self._places_of(session, pairs, places)
        schedules = due_rows.schedules(session, pairs)
        actions = due_rows.open_actions(session, [pair.id for pair in pairs])
        now = self.clock.now()
        done = 0
        settled = []
        outbox: list[dict[str, Any]] = []  # every message the chunk queues, inserted at once
        for pair in pairs:
            tenant = tenants.get(pair.programme_id)
            if tenant is None:
                continue  # a pair of a programme or workspace that is gone: left as it is
            turn = Turn(
                session=session,
                now=now,
                content=self.content_for(tenant),
                tenant=tenant,
                outbox=outbox,
            )
            schedule = schedules[pair.id]
            done += due.run(turn, pair, schedule, actions=actions[pair.id])
            settled.append(schedule)
        if outbox:  # Core, not the ORM's bulk insert: no objects to track, a third of the CPU
            session.connection().execute(insert(OUTBOX), outbox)
        due_at.settle_many(session, settled, now)
        return done

    def _sweep_pair(
        self,
        pair_id: int,
        due_by: datetime,
        fence: Callable[[Session], bool] | None,
        places: dict[int, tuple[Programme, Tenant] | None],
    ) -> int | None:
        """One due pair in one transaction (after its chunk failed): the items done, or None
        when the lease was lost."""
        try:
            with self.db.transaction() as session:
                pair = session.scalar(
                    select(Pair)
                    .where(Pair.id == pair_id, Pair.due_at <= due_by)
                    .options(
                        joinedload(Pair.mentor, innerjoin=True),
                        joinedload(Pair.mentee, innerjoin=True),
                    )
                    # A pair a writer holds is skipped: the writer recomputes its due_at anyway.
                    .with_for_update(of=Pair, skip_locked=True)
                )
                if pair is None:
                    return 0  # done meanwhile by a write, or locked by one
                done = self._do_due(session, [pair], places)
                if fence is not None and not fence(session):
                    raise _LeaseLost
                return done
        except _LeaseLost:
            return None
        except StaleDataError:
            return 0  # a writer changed this pair meanwhile; its due_at is current again
        except Exception:
            log.exception("sweeping pair %s failed", pair_id)
            return 0

    @staticmethod
    def _places_of(
        session: Session, pairs: list[Pair], places: dict[int, tuple[Programme, Tenant] | None]
    ) -> dict[int, Tenant]:
        """The tenant of each pair's programme (by programme id), with the programme attached
        to each pair: read once per sweep (one query for the programmes not seen yet), then
        merged into each chunk's session without a query (the rows rarely change, and never
        within one sweep)."""
        missing = {pair.programme_id for pair in pairs} - set(places)
        if missing:
            for programme_id in missing:
                places[programme_id] = None
            for programme, tenant in session.execute(
                select(Programme, Tenant)
                .join(Tenant, Tenant.id == Programme.tenant_id)
                .where(Programme.id.in_(missing))
            ):
                places[programme.id] = (programme, tenant)
        here: dict[int, tuple[Programme, Tenant]] = {}
        for programme_id in {pair.programme_id for pair in pairs}:
            place = places[programme_id]
            if place is None:
                continue
            programme, tenant = place
            if programme_id not in missing:  # loaded by an earlier chunk's session
                programme = session.merge(programme, load=False)
                tenant = session.merge(tenant, load=False)
            here[programme_id] = (programme, tenant)
        for pair in pairs:
            if pair.programme_id in here:
                set_committed_value(pair, "programme", here[pair.programme_id][0])
        return {programme_id: place[1] for programme_id, place in here.items()}

    # -- issue 7 (operator commands) ---------------------------------------------------------

    def _record_sweep(
        self, started: datetime, handled: int, platforms: Collection[str] | None
    ) -> None:
        try:
            with self.db.transaction() as session:
                sweeps.record_sweep(session, at=started, ticks=handled, platforms=platforms)
        except Exception:  # bookkeeping must never fail a sweep that did its work
            log.exception("recording the sweep failed")

    # -- end issue 7 ---------------------------------------------------------------------------


class _LeaseLost(Exception):
    """The fence found another worker leading: roll this pair back and stop the sweep."""
