"""Tandem as a Teams bot: POST /api/messages, through botbuilder's CloudAdapter.

Each turn runs in a worker thread with its own event loop: the SDK authenticates and replies
with blocking HTTP calls, and the engine and its database are synchronous, so keeping the whole
turn off the server's loop lets Slack requests and other turns be answered meanwhile.

Teams has no modal with per-field errors like Slack's: a refused form comes back as the same
card, each error beside its field and the typed values kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.teams import render, translate
from adapters.teams.auth import TeamsEndpoints, build_authentication
from adapters.teams.sender import TeamsSender, to_activity
from adapters.words import words
from bot import wire
from bot.engine import Engine
from bot.events import Action, Command, Submission
from bot.lifecycle.contracting import OPEN_FORM
from bot.replies import Outcome, Reply

log = logging.getLogger(__name__)


class TeamsApp:
    def __init__(
        self,
        *,
        engine: Engine,
        adapter: CloudAdapter,
        app_id: str | None,
        tenant_id: str | None,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.adapter = adapter
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.changed = changed
        adapter.on_turn_error = self._on_turn_error

    @property
    def language(self) -> str:
        """The app's default language (the operator's): for what is said before any workspace
        is known, and for a reply that does not name its own."""
        return self.engine.content.language

    def _say(self, key: str, language: str | None = None) -> str:
        return str(words(language or self.language).text(f"adapters.teams.{key}"))

    async def handle(self, request: web.Request) -> web.Response:
        """POST /api/messages: authenticate, then run the turn off the event loop."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except Exception:  # not JSON, or not an activity
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)
        auth = request.headers.get("Authorization", "")
        try:
            invoke = await asyncio.to_thread(
                asyncio.run, self.adapter.process_activity(auth, activity, self.on_turn)
            )
        except PermissionError:
            return web.json_response({"error": "unauthorized"}, status=401)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    # -- one turn (in a worker thread) -------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity: dict[str, Any] = turn_context.activity.serialize()
        try:
            tenant = translate.tenant_of(activity)
            actor = translate.to_actor(activity)
        except translate.TeamsActivityError:
            return  # no tenant or sender: nothing the engine could act for
        if self.tenant_id and tenant != self.tenant_id:
            log.warning("refused an activity from tenant %s", tenant)
            await turn_context.send_activity(self._say("other_tenant"))
            return
        if translate.is_uninstall(activity):
            self.engine.lose_address(actor, reason="removed the Tandem app in Teams")
            return
        # Storing an address releases the messages that waited for it (someone who had not
        # installed the app): deliver them now, not at the next sweep an hour away.
        if _is_personal(activity) and self.engine.remember_address(
            actor, translate.to_reference(activity)
        ):
            self.changed()
        if translate.is_install(activity):
            if activity.get("type") == "installationUpdate":  # Teams also sends conversationUpdate
                await self._answer(turn_context, self._handle(Command(actor=actor, text="")))
            return
        try:
            event = translate.to_event(activity, bot_id=self.app_id)
        except translate.TeamsActivityError:
            await turn_context.send_activity(self._say("unreadable"))
            return
        if event is None:
            return
        if isinstance(event, Command):
            for person in translate.to_mentioned(activity, bot_id=self.app_id):
                self.engine.meet(person)  # their name, before a command enrols or pairs them
        outcome = self._handle(event)
        if isinstance(event, Submission) and outcome.field_errors:
            await self._form_again(turn_context, event, outcome)
            return
        await self._answer(turn_context, outcome)

    def _handle(self, event: Any) -> Outcome:
        outcome = self.engine.handle(event)
        if outcome.queued:  # only a grown outbox is worth a delivery run
            self.changed()
        return outcome

    async def _answer(self, turn_context: TurnContext, outcome: Outcome) -> None:
        answer = outcome.answer
        if answer is None or not (answer.text.strip() or answer.form):
            return
        if answer.form is not None and not answer.files:  # the form's inputs speak its language
            card = render.to_form_card(answer.form, language=answer.language or self.language)
            activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
            activity.summary = render.summary(answer)
        else:
            activity = to_activity(answer)
        await turn_context.send_activity(activity)

    async def _form_again(
        self, turn_context: TurnContext, submission: Submission, outcome: Outcome
    ) -> None:
        """The refused form again, values kept, each error beside its field."""
        opened = self.engine.handle(
            Action(
                actor=submission.actor,
                action=OPEN_FORM,
                value=wire.encode(submission.form_id, submission.context),
            )
        )
        form = opened.answer.form if opened.answer is not None else None
        if form is None:  # the form can no longer be opened: say why in words
            text = "\n".join(f"{name}: {message}" for name, message in outcome.field_errors.items())
            await turn_context.send_activity(to_activity(Reply(text=text)))
            return
        language = opened.answer.language if opened.answer is not None else None
        card = render.to_form_card(
            form,
            values=dict(submission.values),
            errors=_known(outcome.field_errors, form),
            language=language or self.language,
        )
        reply = MessageFactory.attachment(CardFactory.adaptive_card(card))
        reply.summary = self._say("check_answers", language)
        await turn_context.send_activity(reply)

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        log.exception("a Teams turn failed", exc_info=error)
        try:
            await turn_context.send_activity(self._say("sorry"))
        except Exception:  # the channel may be the thing that failed
            log.warning("could not tell the person that their turn failed")


def _is_personal(activity: Mapping[str, Any]) -> bool:
    conversation = activity.get("conversation") or {}
    return conversation.get("conversationType") in (None, "personal")


def _known(errors: Mapping[str, str], form: Any) -> dict[str, str]:
    """Errors for fields the card shows; one about no field goes beside the first."""
    names = [f.name for f in form.fields]
    shown: dict[str, str] = {}
    for name, message in errors.items():
        target = name if name in names else names[0]
        shown[target] = f"{shown[target]} {message}" if target in shown else message
    return shown


def build(
    *,
    engine: Engine,
    app_id: str | None,
    app_password: str | None,
    app_type: str | None,
    tenant_id: str | None,
    endpoints: TeamsEndpoints | None = None,
    changed: Callable[[], None] = lambda: None,
) -> tuple[TeamsApp, TeamsSender]:
    """The Teams bot and its sender, sharing one CloudAdapter (ValueError: bad credentials)."""
    adapter = CloudAdapter(
        build_authentication(
            app_id=app_id,
            app_password=app_password,
            app_type=app_type,
            tenant_id=tenant_id,
            endpoints=endpoints,
        )
    )
    bot = TeamsApp(
        engine=engine, adapter=adapter, app_id=app_id, tenant_id=tenant_id, changed=changed
    )
    return bot, TeamsSender(adapter=adapter, app_id=app_id)
