"""The engine: (event, stored state, clock) -> (new state, replies), one transaction per event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from bot import due, due_at, home, rights, routes
from bot.clock import Clock
from bot.commands import dispatch as commands
from bot.content import Content, content_for
from bot.delivery import mark_unreachable, release_waiting, save_address
from bot.events import Action, Actor, Command, Event, Message, Submission
from bot.identity import clean_text, resolve_actor, resolve_tenant
from bot.replies import Outcome, Reply
from bot.turn import Refusal, Turn
from storage import sweeps
from storage.db import Database
from storage.models import OutboxMessage, Pair, Person, ProcessedEvent, Programme, Tenant

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)

SWEEP_CHUNK = 200  # due pairs handled per transaction (locked and read together)


class Engine:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        content: Content,
        coordinators: Collection[str] = (),
    ) -> None:
        self.db = db
        self.clock = clock
        self.content = content  # the operator's language: workspaces that chose none read this
        # Parsed once (bot.rights); the settings object has already refused a malformed one.
        self.coordinators = rights.as_grants(coordinators)
        due_at.watch(db, clock)  # every write through this database keeps pairs.due_at in step

    def content_for(self, tenant: Tenant) -> Content:
        """The text of the workspace's language (loaded once per process per language)."""
        return content_for(tenant, self.content)

    def apply_coordinator_setting(self) -> int:
        """At start: take back every coordinator right the setting gave and no longer does
        (resolving each person applies it too, but someone who never writes again would keep
        receiving coordinators' messages). Returns how many were taken back."""
        with self.db.transaction() as session:
            return rights.apply_setting_everywhere(session, self.coordinators, now=self.clock.now())

    # -- inbound events -------------------------------------------------------------------

    def handle(self, event: Event) -> Outcome:
        """Handle one event; refused input changes nothing and gets a clear answer."""
        for attempt in (1, 2):
            try:
                return self._handle_once(event)
            except Refusal as refusal:
                return Outcome(answer=refusal.reply, field_errors=refusal.field_errors)
            except (StaleDataError, IntegrityError) as error:
                # Another worker changed the same pair, or created the same person, tenant or
                # live pair, meanwhile: run again on fresh state, where the checks see it.
                if attempt == 2:
                    log.warning("gave up on %r after a second concurrent change", event)
                    if _is_double_pairing(error):
                        # The database refused a second live pair for one mentee (migration
                        # 0003): someone else paired them at the same moment, and again.
                        return self._apology("engine.double_pairing", event.actor)
            except Exception:
                log.exception("handling %r failed", event)
                break
        return self._apology("engine.sorry", event.actor)

    def _apology(self, key: str, actor: Actor) -> Outcome:
        """An answer when handling failed and was rolled back: in the workspace's language when
        it can still be read, else the operator's."""
        content = self.content
        try:
            with self.db.transaction() as session:
                tenant = session.scalar(
                    select(Tenant).where(
                        Tenant.platform == actor.platform, Tenant.external_id == actor.tenant
                    )
                )
                if tenant is not None:
                    content = self.content_for(tenant)
        except Exception:  # the database may be what failed: the operator's language will do
            log.debug("no workspace language for an apology", exc_info=True)
        return Outcome(answer=Reply(text=content.text(key), language=content.language))

    def _handle_once(self, event: Event) -> Outcome:
        with self.db.transaction() as session:
            event_key = _event_key(event) if event.event_id else None
            if event_key and session.get(ProcessedEvent, event_key) is not None:
                return Outcome()  # a platform retry of something already done
            turn, person = self._turn_as(session, event.actor)
            try:
                answer = self._route(turn, person, event)
            except Refusal as refusal:  # still raised: the transaction rolls back all the same
                refusal.reply = _in_language(refusal.reply, turn)
                raise
            if event_key:
                session.add(ProcessedEvent(event_id=event_key, processed_at=turn.now))
        if answer is not None:
            answer = _in_language(answer, turn)
        return Outcome(answer=answer, changed=True, queued=bool(turn.sent))

    def _turn_as(self, session: Session, actor: Actor) -> tuple[Turn, Person]:
        """A turn in `actor`'s workspace, and the stored person behind the actor."""
        now = self.clock.now()
        tenant = resolve_tenant(
            session,
            platform=actor.platform,
            external_id=actor.tenant,
            now=now,
            content=self.content,  # no workspace yet: the operator's language
        )
        person = resolve_actor(
            session,
            tenant,
            actor,
            now=now,
            coordinators=self.coordinators,
            content=self.content_for(tenant),
        )
        # Immediate: an answer to what someone just did goes at once, whatever the hour.
        turn = Turn(
            session=session,
            now=now,
            content=self.content_for(tenant),
            tenant=tenant,
            immediate=True,
        )
        return turn, person

    def _route(self, turn: Turn, person: Person, event: Event) -> Reply | None:
        if isinstance(event, Command):
            return commands.run(turn, person, event.text, attachment=event.attachment)
        if isinstance(event, Message):
            return commands.run(turn, person, event.text, attachment=None)
        if isinstance(event, Action):
            return self._action(turn, person, event)
        if isinstance(event, Submission):
            return self._submission(turn, person, event)
        raise Refusal(turn.text("engine.unknown_event"))

    def _action(self, turn: Turn, person: Person, event: Action) -> Reply:
        return routes.run_action(turn, person, event.action, event.value)

    def _submission(self, turn: Turn, person: Person, event: Submission) -> Reply:
        # Form text goes into the database: drop what no database can store (NUL, surrogates).
        values = {clean_text(str(k)): clean_text(str(v)) for k, v in event.values.items()}
        return routes.run_submission(turn, person, event.form_id, event.context, values)

    def home(self, actor: Actor) -> tuple[Reply, ...]:
        """The person's dashboard (Slack's Home tab, a Teams card): sections, newest state.

        Reading it creates the person on first contact, like any event, and changes nothing
        else; an error answers with one section saying so rather than a broken tab.
        """
        try:
            with self.db.transaction() as session:
                turn, person = self._turn_as(session, actor)
                return tuple(_in_language(section, turn) for section in home.build(turn, person))
        except Refusal as refusal:
            return (refusal.reply,)
        except Exception:
            log.exception("building the home of %r failed", actor)
            return (Reply(text=self.content.text("engine.sorry"), language=self.content.language),)

    def profile_due(self, actor: Actor, *, max_age: timedelta = PROFILE_MAX_AGE) -> bool:
        """Whether the platform should be asked for this person's name and zone again: never
        asked, or asked longer than `max_age` ago (people travel and rename themselves)."""
        try:
            with self.db.transaction() as session:
                checked = session.scalar(
                    select(Person.profile_checked_at)
                    .join(Tenant, Tenant.id == Person.tenant_id)
                    .where(
                        Tenant.platform == actor.platform,
                        Tenant.external_id == actor.tenant,
                        Person.platform_user_id == actor.user_id,
                    )
                )
        except Exception:
            log.exception("reading the profile age of %r failed", actor)
            return False
        return checked is None or checked <= self.clock.now() - max_age

    def meet(self, actor: Actor) -> None:
        """Store what the platform says about someone a command names (a mention in Slack),
        so an intro greets them by name and in their zone before they have ever written."""
        try:
            with self.db.transaction() as session:
                self._turn_as(session, actor)
        except Refusal:
            pass  # an id that cannot be stored is refused by the command itself
        except Exception:
            log.exception("storing the profile of %r failed", actor)

    def remember_address(self, actor: Actor, address: Mapping[str, Any]) -> bool:
        """Store where the platform reaches this person (Teams: the conversation reference).

        Messages that were waiting for it are released at once rather than after their hold;
        returns True when there were any (worth a delivery run now).
        """
        try:
            with self.db.transaction() as session:
                turn, person = self._turn_as(session, actor)
                save_address(
                    session,
                    platform=actor.platform,
                    person_id=person.id,
                    address=address,
                    now=turn.now,
                )
                return release_waiting(session, person_id=person.id) > 0
        except Refusal:
            return False  # an actor we cannot identify has no address worth keeping
        except Exception:
            log.exception("storing the address of %r failed", actor)
            return False

    def lose_address(self, actor: Actor, *, reason: str) -> None:
        """The platform can no longer reach this person (they removed the app)."""
        try:
            with self.db.transaction() as session:
                mark_unreachable(
                    session,
                    platform=actor.platform,
                    tenant=actor.tenant,
                    user_id=actor.user_id,
                    reason=reason,
                    now=self.clock.now(),
                )
        except Exception:
            log.exception("marking the address of %r unreachable failed", actor)

    # -- due work ---------------------------------------------------------------------------

    def sweep(
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
                pairs = due.lock_due(
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
        schedules = due.schedules(session, pairs)
        actions = due.open_actions(session, [pair.id for pair in pairs])
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
        if outbox:
            session.execute(insert(OutboxMessage), outbox)
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


def _in_language(reply: Reply, turn: Turn) -> Reply:
    """The reply marked with the turn's language, so the adapter adds its own words in it."""
    if reply.language is not None:
        return reply
    return replace(reply, language=turn.content.language)


def _is_double_pairing(error: Exception) -> bool:
    """The live-pair index of migration 0003 refused a write (PostgreSQL names the index;
    SQLite names its columns)."""
    text = str(getattr(error, "orig", error))
    return "uq_pairs_live_mentee" in text or "pairs.programme_id, pairs.mentee_id" in text


def _event_key(event: Event) -> str:
    """Event ids are unique per platform and workspace, not across them; a hostile or long one
    must still fit the column, so it is hashed."""
    key = f"{event.actor.platform}:{event.actor.tenant}:{event.event_id}"
    if len(key) <= 128 and clean_text(key) == key:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
