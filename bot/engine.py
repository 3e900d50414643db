"""The engine: (event, stored state, clock) -> (new state, replies), one transaction per event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot import due, home, routes
from bot.clock import Clock
from bot.commands import dispatch as commands
from bot.content import Content
from bot.delivery import mark_unreachable, release_waiting, save_address
from bot.events import Action, Actor, Command, Event, Message, Submission, Tick
from bot.identity import clean_text, resolve_actor, resolve_tenant
from bot.replies import Outcome, Reply
from bot.turn import Refusal, Turn
from storage import sweeps
from storage.db import Database
from storage.models import Pair, Person, ProcessedEvent, Programme, Tenant

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)

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
        self.content = content
        self.coordinators = frozenset(coordinators)

    # -- inbound events -------------------------------------------------------------------

    def handle(self, event: Event) -> Outcome:
        """Handle one event; refused input changes nothing and gets a clear answer."""
        for attempt in (1, 2):
            try:
                return self._handle_once(event)
            except Refusal as refusal:
                return Outcome(answer=refusal.reply, field_errors=refusal.field_errors)
            except (StaleDataError, IntegrityError):
                # Another worker changed the same pair, or created the same person or tenant,
                # meanwhile: run again on fresh state.
                if attempt == 2:
                    log.warning("gave up on %r after a second concurrent change", event)
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
            answer = self._route(turn, person, event)
            if event_key:
                session.add(ProcessedEvent(event_id=event_key, processed_at=turn.now))
        return Outcome(answer=answer, changed=True, queued=bool(turn.sent))

    def _turn_as(self, session: Session, actor: Actor) -> tuple[Turn, Person]:
        """A turn in `actor`'s workspace, and the stored person behind the actor."""
        now = self.clock.now()
        tenant = resolve_tenant(session, platform=actor.platform, external_id=actor.tenant, now=now)
        person = resolve_actor(session, tenant, actor, now=now, coordinators=self.coordinators)
        # Immediate: an answer to what someone just did goes at once, whatever the hour.
        turn = Turn(session=session, now=now, content=self.content, tenant=tenant, immediate=True)
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
                return home.build(*self._turn_as(session, actor))
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

    def sweep(self, *, platforms: Collection[str] | None = None) -> int:
        """Find and handle everything due now, each tick in its own transaction.

        `platforms` limits it to those platforms' workspaces: the console sweeps only its own.
        """
        started = self.clock.now()
        try:
            with self.db.transaction() as session:
                ticks = due.find(session, self.clock.now())
                # -- issue 7 (operator commands): a sweep scoped to some platforms ------------
                if platforms is not None:
                    mine = sweeps.pairs_on(session, {t.pair_id for t in ticks}, platforms)
                    ticks = [t for t in ticks if t.pair_id in mine]
                # -- end issue 7 -------------------------------------------------------------
        except Exception:  # a database hiccup must not stop the scheduler or the console
            log.exception("finding due work failed")
            return 0
        handled = sum(self.tick(tick) for tick in ticks)
        self._record_sweep(started, handled, platforms)  # issue 7: for `tandem status`
        return handled

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

    def tick(self, tick: Tick) -> bool:
        try:
            with self.db.transaction() as session:
                pair = session.get(Pair, tick.pair_id)
                if pair is None:
                    return False
                programme = session.get(Programme, pair.programme_id)
                tenant = session.get(Tenant, programme.tenant_id) if programme else None
                if tenant is None:
                    return False
                turn = Turn(
                    session=session, now=self.clock.now(), content=self.content, tenant=tenant
                )
                return due.handle(turn, tick)
        except StaleDataError:
            return False  # another worker handled this pair meanwhile; the next sweep sees it
        except Exception:
            log.exception("tick %r failed", tick)
            return False


def _event_key(event: Event) -> str:
    """Event ids are unique per platform and workspace, not across them; a hostile or long one
    must still fit the column, so it is hashed."""
    key = f"{event.actor.platform}:{event.actor.tenant}:{event.event_id}"
    if len(key) <= 128 and clean_text(key) == key:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
