"""The engine: (event, stored state, clock) -> (new state, replies), one transaction per event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot import due_at, home, rights, routes
from bot.clock import Clock
from bot.commands import dispatch as commands
from bot.content import Content, content_for
from bot.delivery import mark_unreachable, release_waiting, save_address
from bot.events import Action, Actor, Command, Event, Message, Submission
from bot.identity import clean_text, resolve_actor, resolve_tenant
from bot.replies import Outcome, Reply
from bot.sweep import Sweep
from bot.turn import Refusal, Turn
from storage.db import Database
from storage.models import Person, ProcessedEvent, Tenant

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)


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
        """Handle every pair due now; return the items done (bot.sweep, which says how)."""
        sweep = Sweep(db=self.db, clock=self.clock, content_for=self.content_for)
        return sweep.run(platforms=platforms, fence=fence)


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
