"""Tandem as a Slack app: Bolt listeners that translate, run the engine and render its answer.

Every listener answers Slack within its 3 seconds. The engine and its database are synchronous
(SQLAlchemy sessions), so each engine call runs in a worker thread (`asyncio.to_thread`):
the event loop stays free to ack other requests while one waits on the database. A slash
command is acked *with* its answer when the engine is quick (it nearly always is: one round
trip, no response_url needed); past `ANSWER_BUDGET` it is acked empty and answered through
the response_url.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render, translate
from adapters.words import words
from bot.engine import Engine
from bot.events import Actor, Event
from bot.replies import Outcome, Reply

log = logging.getLogger(__name__)

COMMAND = "/tandem"
ANSWER_BUDGET = 2.0  # seconds: beyond this a command is acked first and answered afterwards
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")  # as Slack sends a user mention
UNHANDLED = json.dumps({"error": "unhandled request"})  # Bolt's 404 body: no listener matched

# What manifest.yml must declare, kept beside the listeners that need it; tests/test_manifest.py
# checks that the manifest asks for exactly these, and that each scope's Web API method is used.
EVENTS = ("app_home_opened", "message.im")
COMMANDS = (COMMAND,)
SCOPES = {
    "chat:write": "chat_postMessage",  # every message, in DMs and group DMs
    "commands": "bolt.command",  # the /tandem slash command
    "files:write": "files_upload_v2",  # a report's CSV and chart, a my-data export
    "im:history": "message.im",  # the bot hears what people type in its DM
    "im:write": "conversations_open",  # the bot opens each person's DM itself
    "mpim:write": "conversations_open",  # ... and each pair's group DM
    "users:read": "users_info",  # names and time zones
}


class SlackApp:
    """The Bolt app and its listeners; `changed` is called whenever the outbox may have grown."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: AsyncWebClient,
        signing_secret: str | None,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.changed = changed
        self.signing_secret = signing_secret
        self.verifier = SignatureVerifier(signing_secret) if signing_secret is not None else None
        # Listeners keep running after their ack (process_before_response=False); shutdown
        # waits for them, so an answer is never cut off half-way.
        self._inflight: set[asyncio.Task[Any]] = set()
        self.bolt = AsyncApp(
            client=client,
            # Socket Mode needs no signature: the socket itself is authenticated.
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            process_before_response=False,
            # A typo'd or removed listener must not turn into a 404 storm of Slack retries.
            raise_error_for_unhandled_request=False,
        )
        self.bolt.middleware(self._only_the_installed_workspace)
        self.bolt.command(COMMAND)(self.handle_command)
        self.bolt.event("message")(self.handle_message)
        self.bolt.event("app_home_opened")(self.handle_home_opened)
        self.bolt.action(re.compile(".+"))(self.handle_action)
        self.bolt.view(re.compile(".+"))(self.handle_submission)

    @property
    def language(self) -> str:
        """The app's default language (the operator's): for what is said before any workspace
        is known, and for a reply that does not name its own."""
        return self.engine.content.language

    def _say(self, key: str) -> str:
        return str(words(self.language).text(f"adapters.slack.{key}"))

    async def dispatch(self, request: AsyncBoltRequest) -> BoltResponse:
        problem = translate.unreadable(request.body)
        if problem is not None and self._is_signed(request):
            # Bolt itself would fail on it (a 500 and a stack trace); only a signed request
            # learns that, so a forger still gets Bolt's 401.
            log.warning("refused an unreadable Slack payload: %s", problem)
            return BoltResponse(status=400, body=self._say("unreadable"))
        response = await self.bolt.async_dispatch(request)
        if response.status == 404 and response.body == UNHANDLED:
            # No listener for it: an event Tandem does not use is acknowledged (a 404 would
            # make Slack retry it, and disable the app's events after enough of them); anything
            # else was not something Slack sends.
            if request.body.get("type") == "event_callback":
                return BoltResponse(status=200, body="")
            return BoltResponse(status=400, body=self._say("unreadable"))
        return response

    def _is_signed(self, request: AsyncBoltRequest) -> bool:
        if self.verifier is None:
            return True  # Socket Mode: the socket is authenticated
        return self.verifier.is_valid(
            request.raw_body,
            request.headers.get("x-slack-request-timestamp", ["0"])[0],
            request.headers.get("x-slack-signature", [""])[0],
        )

    async def unparsable(self, request: web.Request) -> web.Response:
        """A body Bolt cannot even parse: 401 unless Slack signed it, then a clear 400."""
        body = await request.text()
        if self.signing_secret is not None and not SignatureVerifier(
            self.signing_secret
        ).is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid signature"}, status=401)
        return web.json_response({"text": self._say("unreadable")}, status=400)

    async def drain(self) -> None:
        """Wait for the listeners still running after their ack."""
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    # -- listeners --------------------------------------------------------------------------

    async def handle_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        self._track()
        try:
            event = translate.to_command(body)
        except translate.SlackPayloadError:
            await ack(text=self._say("unreadable"), response_type="ephemeral")
            return
        # The budget covers the profile look-ups too: all of it must fit in Slack's 3 seconds.
        work = asyncio.ensure_future(self._run_command(event, str(body.get("text", ""))))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), ANSWER_BUDGET)
        except TimeoutError:
            await ack()
            outcome = await work
            if outcome.answer is not None and outcome.answer.form is None:
                await respond(response_type="ephemeral", **self._ephemeral(outcome.answer))
            return
        answer = outcome.answer
        if answer is not None and answer.form is not None:
            await ack()
            await self._open_form(body.get("trigger_id"), answer)
        elif answer is not None:
            await ack(response_type="ephemeral", **self._ephemeral(answer))
            if answer.files:  # an ephemeral answer cannot carry files: they go to the DM
                await self._upload_to_person(event.actor.user_id, answer)
        else:
            await ack()

    async def handle_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._track()
        if event.get("channel_type") != "im":
            return  # the bot only listens in its own DMs (message.im)
        try:
            message = translate.to_message_event(event, team_id=str(body.get("team_id", "")))
        except translate.SlackPayloadError:
            return
        if message is None:
            return  # the bot's own messages, edits and other subtypes
        message = _with_event_id(message, body.get("event_id"))
        outcome = await self._run_command(message, str(event.get("text", "")))
        if outcome.answer is not None:
            await self._post(str(event["channel"]), outcome.answer)

    async def handle_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._track()
        actor = translate.to_home_actor(body)
        if actor is None or event.get("tab", "home") != "home":
            return
        await self._publish_home(await self._fresh(actor))

    async def handle_action(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        self._track()
        await ack()
        try:
            action = translate.to_action(body)
        except translate.SlackPayloadError:
            return
        outcome = await self._run(await self._with_profile(action))
        answer = outcome.answer
        if answer is not None and answer.form is not None:
            await self._open_form(body.get("trigger_id"), answer)
        elif answer is not None:
            await self._answer_privately(body, respond, answer)
        if (body.get("view") or {}).get("type") == "home":
            await self._publish_home(action.actor)  # what the button changed shows at once

    async def handle_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        self._track()
        try:
            submission = translate.to_submission(body)
        except translate.SlackPayloadError:
            await ack()
            return
        outcome = await self._run(await self._with_profile(submission))
        if outcome.field_errors:
            await ack(**_errors_for(body, outcome))
            return
        await ack()
        if outcome.answer is not None:
            await self._post_to_person(submission.actor.user_id, outcome.answer)

    # -- the workspace check ----------------------------------------------------------------

    async def _only_the_installed_workspace(
        self,
        context: AsyncBoltContext,
        body: dict[str, Any],
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse:
        authorized = context.authorize_result
        installed = authorized.team_id if authorized is not None else None
        if installed is None or context.team_id in (None, installed):
            return await next()
        log.warning(
            "refused a request from workspace %s (installed: %s)", context.team_id, installed
        )
        if body.get("type") == "block_actions" and context.respond is not None:
            await context.respond(text=self._say("foreign_workspace"), response_type="ephemeral")
            return BoltResponse(status=200, body="")
        if body.get("command"):
            return BoltResponse(
                status=200,
                body={"response_type": "ephemeral", "text": self._say("foreign_workspace")},  # type: ignore[arg-type]
            )
        return BoltResponse(status=200, body="")  # events: acknowledged, nothing done

    # -- engine calls, off the event loop ---------------------------------------------------

    async def _run(self, event: Event) -> Outcome:
        outcome = await asyncio.to_thread(self.engine.handle, event)
        if outcome.queued:  # only a grown outbox is worth a delivery run
            self.changed()
        return outcome

    async def _run_command(self, event: Any, raw_text: str) -> Outcome:
        """A typed command: the profiles of the people it mentions first, then the engine.

        `enrol <@U123> ...` may name someone who has never written to Tandem; asking Slack
        for their name and zone now means their intro greets them by name, and matching and
        reminders use their real working hours.
        """
        for user_id in dict.fromkeys(_MENTION.findall(raw_text)):
            mentioned = replace(event.actor, user_id=user_id, display_name=None, timezone=None)
            fresh = await self._fresh(mentioned)
            if fresh.from_directory:
                await asyncio.to_thread(self.engine.meet, fresh)
        return await self._run(await self._with_profile(event))

    async def _with_profile(self, event: Any) -> Any:
        return replace(event, actor=await self._fresh(event.actor))

    async def _fresh(self, actor: Actor) -> Actor:
        """The actor with name and time zone from users.info when the stored ones are a day old."""
        if not await asyncio.to_thread(self.engine.profile_due, actor):
            return actor
        try:
            answer = await self.client.users_info(user=actor.user_id)
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", actor.user_id, error.response.get("error"))
            return actor
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        return replace(
            actor, display_name=name or None, timezone=user.get("tz") or None, from_directory=True
        )

    # -- answering ---------------------------------------------------------------------------

    def _ephemeral(self, answer: Reply) -> dict[str, Any]:
        return render.to_ephemeral(answer, language=self.language)

    async def _open_form(self, trigger_id: Any, answer: Reply) -> None:
        if not isinstance(trigger_id, str) or answer.form is None:
            return
        view = render.to_modal(answer.form, language=answer.language or self.language)
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def _answer_privately(
        self, body: dict[str, Any], respond: AsyncRespond, answer: Reply
    ) -> None:
        if body.get("response_url"):
            await respond(
                response_type="ephemeral", replace_original=False, **self._ephemeral(answer)
            )
        else:  # a button on the Home tab has no response_url: the answer goes to the DM
            await self._post_to_person(str(body["user"]["id"]), answer)

    async def _post_to_person(self, user_id: str, answer: Reply) -> None:
        opened = await self.client.conversations_open(users=user_id)
        await self._post(str(opened["channel"]["id"]), answer)

    async def _post(self, channel: str, answer: Reply) -> None:
        message = render.to_message(answer, language=self.language)
        await self.client.chat_postMessage(channel=channel, **message)
        if answer.files:
            await self._upload(channel, answer)

    # -- files (a report's CSV and chart, a my-data export) --------------------------------

    async def _upload_to_person(self, user_id: str, answer: Reply) -> None:
        opened = await self.client.conversations_open(users=user_id)
        await self._upload(str(opened["channel"]["id"]), answer)

    async def _upload(self, channel: str, answer: Reply) -> None:
        await self.client.files_upload_v2(channel=channel, file_uploads=render.to_uploads(answer))

    async def _publish_home(self, actor: Actor) -> None:
        sections = await asyncio.to_thread(self.engine.home, actor)
        view = render.to_home_view(sections, language=self.language)
        await self.client.views_publish(user_id=actor.user_id, view=view)


def _with_event_id(event: Any, event_id: Any) -> Any:
    """Slack's event id: a retried delivery of the same event takes effect once (see Engine)."""
    if not isinstance(event_id, str) or not event_id:
        return event
    return replace(event, event_id=event_id)


def _errors_for(body: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    """Field errors under their fields; an error about no field goes under the first one."""
    blocks = [b.get("block_id") for b in (body.get("view") or {}).get("blocks", [])]
    errors: dict[str, str] = {}
    for name, message in outcome.field_errors.items():
        target = name if name in blocks else (blocks[0] if blocks else name)
        errors[target] = f"{errors[target]} {message}" if target in errors else message
    return render.to_field_errors(errors)
