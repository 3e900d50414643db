"""The engine: (event, stored state, clock) -> (new state, replies), one transaction per event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
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
from storage.models import Pair, Person, ProcessedEvent, Programme, Tenant

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)

SWEEP_BATCH = 200  # due pair ids read per query; each pair is then handled on its own
# The database refused a second live pair for one mentee (migration 0003): someone else paired
# them at the same moment, and a second try found it so again.
DOUBLE_PAIRING = (
    "Someone else paired one of these people at the same moment, so nothing was changed. "
    "Run it again to see who is still free."
)

SORRY = (
    "Something went wrong on my side and nothing was changed. Please try again in a minute; "
    "if it keeps happening, tell your programme coordinator."
)


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
                        return Outcome(answer=Reply(text=DOUBLE_PAIRING))
            except Exception:
                log.exception("handling %r failed", event)
                break
        return Outcome(answer=Reply(text=SORRY))

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
        tenant = resolve_tenant(session, platform=actor.platform, external_id=actor.tenant, now=now)
        person = resolve_actor(session, tenant, actor, now=now, coordinators=self.coordinators)
        # Immediate: an answer to what someone just did goes at once, whatever the hour.
        turn = Turn(
            session=session, now=now, content=self.content_for(tenant), tenant=tenant, immediate=True
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
        raise Refusal("I don't know what to do with that.")

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
            return (Reply(text=SORRY),)

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
        """Handle every pair due now, each in its own transaction; return the items done.

        Reads only `pairs.due_at <= now` through its index, a batch at a time; programmes and
        tenants are read once per sweep. `platforms` limits it to those platforms' workspaces
        (the console sweeps only its own). `fence` (the leader lease's check) runs inside each
        pair's transaction just before it commits: when it says the lease is lost, that pair is
        rolled back and the sweep stops, so a worker that lost the lead changes nothing more.
        """
        started = self.clock.now()
        places: dict[int, tuple[Programme, Tenant] | None] = {}
        seen: set[int] = set()
        done = 0
        while True:
            try:
                with self.db.transaction() as session:
                    batch = due.due_pairs(
                        session, started, limit=SWEEP_BATCH, skip=seen, platforms=platforms
                    )
            except Exception:  # a database hiccup must not stop the scheduler or the console
                log.exception("finding due work failed")
                break
            if not batch:
                break
            for pair_id in batch:
                seen.add(pair_id)  # tried once per sweep, whatever happens to it
                result = self._sweep_pair(pair_id, started, fence, places)
                if result is None:
                    log.warning("the scheduler lease was lost mid-sweep: stopping")
                    return done
                done += result
        self._record_sweep(started, done, platforms)  # issue 7: for `tandem status`
        return done

    def _sweep_pair(
        self,
        pair_id: int,
        due_by: datetime,
        fence: Callable[[Session], bool] | None,
        places: dict[int, tuple[Programme, Tenant] | None],
    ) -> int | None:
        """One due pair in one transaction: the items done, or None when the lease was lost."""
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
                tenant = self._place_of(session, pair, places)
                if tenant is None:
                    return 0
                now = self.clock.now()
                turn = Turn(
                    session=session, now=now, content=self.content_for(tenant), tenant=tenant
                )
                schedule = due.schedules(session, [pair])[pair.id]
                done = due.run(turn, pair, schedule)
                if fence is not None and not fence(session):
                    raise _LeaseLost
                due_at.settle(session, schedule, now)  # moved on, even when nothing was done
                return done
        except _LeaseLost:
            return None
        except StaleDataError:
            return 0  # a writer changed this pair meanwhile; its due_at is current again
        except Exception:
            log.exception("sweeping pair %s failed", pair_id)
            return 0

    @staticmethod
    def _place_of(
        session: Session, pair: Pair, places: dict[int, tuple[Programme, Tenant] | None]
    ) -> Tenant | None:
        """The pair's programme and tenant, read once per sweep and attached to this session
        without a query (the rows rarely change, and never within one sweep)."""
        if pair.programme_id not in places:
            programme = session.get(Programme, pair.programme_id)
            tenant = session.get(Tenant, programme.tenant_id) if programme else None
            places[pair.programme_id] = (programme, tenant) if programme and tenant else None
            return tenant
        place = places[pair.programme_id]
        if place is None:
            return None
        session.merge(place[0], load=False)  # pair.programme then comes from the identity map
        return session.merge(place[1], load=False)

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
