"""Delivering outbox messages to Teams: proactive sends to each person's personal chat.

The bot cannot open a group chat on its own in Teams, so a pair message goes to each member's
personal chat, headed "To you and Sam". botframework-connector sends once and never retries,
so this module does: 429, 412, 502 and 504 are tried again with exponential back-off and
jitter, honouring Retry-After, and every send is paced within Teams' per-conversation limits
(7 a second, 60 in 30 seconds) and its global limit per app per tenant (50 a second). 403
and 404 mean the bot was removed or the person is gone: that is permanent (`Undeliverable`).
Someone with no stored conversation reference never installed the app: `NotYetReachable`, so
the message waits and the coordinators are told.

The SDK's sends are blocking HTTP calls (requests, through msrest), so each one runs in a
worker thread with its own event loop, leaving the server's loop free.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    ErrorResponseException,
)

from adapters.teams import render
from bot.delivery import Delivery, NotYetReachable, Recipient, Sent, Throttle, Undeliverable
from bot.replies import Audience, Reply

log = logging.getLogger(__name__)

RETRIED = frozenset({412, 429, 502, 504})
PERMANENT = frozenset({403, 404})
TRIES = 5
BASE_DELAY = 1.0  # seconds before the first retry; doubled each time, with jitter
MAX_DELAY = 60.0
NOT_INSTALLED = "has not installed Tandem in Teams"
# Teams' documented limits for bots (learn.microsoft.com/microsoftteams/platform/bots/how-to/
# rate-limit): per bot per conversation 7 a second and 60 in 30 seconds (the Pacer below), and
# 50 requests a second per app per tenant across all conversations (TENANT_RATE). A 429 is
# retried for its conversation only: Teams does not say which limit it hit, and the
# per-conversation ones are the ones a bot meets first.
TENANT_RATE = 50.0


async def pause(seconds: float) -> None:
    """The wait between two tries of a send.

    Looked up when a sender waits, so a test of the whole server (which builds its own
    sender) can record the waits instead of sleeping through them.
    """
    await asyncio.sleep(seconds)


def to_activity(reply: Reply, *, shared_with: str | None = None) -> Activity:
    """A reply as a Teams message: an Adaptive Card, with the plain text as its summary."""
    card = None
    if reply.form is not None:
        card = render.to_form_card(reply.form, language=reply.language)
    if card is None:
        card = render.to_card(reply, shared_with=shared_with)
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = render.summary(reply)
    if reply.files:  # a report's chart shows inline; see render.to_file_attachments
        activity.attachments = [
            *activity.attachments,
            *(
                Attachment(
                    content_type=a["contentType"], content_url=a["contentUrl"], name=a["name"]
                )
                for a in render.to_file_attachments(reply)
            ),
        ]
    return activity


class Pacer:
    """Teams' per-conversation limits: at most 7 sends a second and 60 in 30 seconds."""

    LIMITS = ((7, 1.0), (60, 30.0))

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.now = now  # a monotonic clock: pacing measures intervals, not the time of day
        self.sleep = sleep
        self._sent: dict[str, deque[float]] = {}

    async def wait(self, conversation: str) -> None:
        sent = self._sent.setdefault(conversation, deque(maxlen=60))
        while True:
            now = self.now()
            waits = [
                sent[-count] + window - now
                for count, window in self.LIMITS
                if len(sent) >= count and sent[-count] + window > now
            ]
            if not waits:
                sent.append(now)
                return
            await self.sleep(max(waits))


class TeamsSender:
    def __init__(
        self,
        *,
        adapter: CloudAdapter,
        app_id: str | None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        jitter: Callable[[], float] = random.random,
        throttle: Throttle | None = None,
    ) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.pacer = pacer or Pacer()
        # Every send to one tenant, whichever conversation: Teams' global limit per tenant,
        # evenly spaced (no burst), so no one-second window ever holds more than 50.
        self.throttle = throttle or Throttle(
            rate=TENANT_RATE, now=time.monotonic, sleep=asyncio.sleep
        )
        self.sleep = sleep  # None: the module's `pause`, read at each wait
        self.jitter = jitter
        # (message, person) pairs already sent: a pair message that failed for one member is
        # retried for that member only. In memory: a crash may repeat one, as documented.
        self._done: deque[tuple[int, int]] = deque(maxlen=10_000)

    async def send(self, delivery: Delivery) -> Sent | None:
        waiting = [r for r in delivery.recipients if not _reference(r.address)]
        for recipient in delivery.recipients:
            if recipient in waiting or (delivery.message_id, recipient.person_id) in self._done:
                continue
            partner = _partner(delivery, recipient)
            activity = to_activity(delivery.reply, shared_with=partner)
            await self._send_with_retries(delivery.tenant, recipient, activity)
            self._done.append((delivery.message_id, recipient.person_id))
        if waiting:
            raise NotYetReachable(NOT_INSTALLED, person_ids=[r.person_id for r in waiting])
        return None

    async def _send_with_retries(
        self, tenant: str, recipient: Recipient, activity: Activity
    ) -> None:
        reference = _reference(recipient.address)
        assert reference is not None
        for attempt in range(1, TRIES + 1):
            await self.pacer.wait(reference.conversation.id)
            await self.throttle.wait(tenant)
            try:
                await asyncio.to_thread(asyncio.run, self._continue(reference, activity))
                return
            except ErrorResponseException as error:
                status = error.response.status_code if error.response is not None else 0
                if status in PERMANENT:
                    raise Undeliverable(
                        f"Teams answered {status}", person_ids=[recipient.person_id]
                    ) from error
                if status not in RETRIED or attempt == TRIES:
                    raise
                delay = self._delay(attempt, error.response.headers.get("Retry-After"))
                log.info("Teams answered %s; trying again in %.1f s", status, delay)
                await (self.sleep or pause)(delay)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        backoff = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
        jittered = backoff * (0.5 + self.jitter() / 2)  # spread retries of many workers
        try:
            asked = float(retry_after) if retry_after is not None else 0.0
        except ValueError:
            asked = 0.0
        return max(jittered, min(asked, MAX_DELAY))

    async def _continue(self, reference: ConversationReference, activity: Activity) -> None:
        failures: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # CloudAdapter hands errors to on_turn_error and returns normally: keep them here.
            try:
                await turn_context.send_activity(activity)
            except BaseException as error:  # noqa: BLE001 - re-raised below, whatever it is
                failures.append(error)

        await self.adapter.continue_conversation(reference, callback, self.app_id)
        if failures:
            raise failures[0]


def _reference(address: Mapping[str, Any] | None) -> ConversationReference | None:
    """A stored reference (adapters.teams.translate.to_reference) as the SDK's object."""
    if not address or not address.get("conversation_id") or not address.get("service_url"):
        return None
    return ConversationReference(
        channel_id=address.get("channel_id") or "msteams",
        service_url=address["service_url"],
        conversation=ConversationAccount(
            id=address["conversation_id"],
            tenant_id=address.get("tenant_id"),
            conversation_type=address.get("conversation_type") or "personal",
        ),
        bot=ChannelAccount(id=address.get("bot_id")),
        user=ChannelAccount(id=address.get("user_id"), aad_object_id=address.get("aad_object_id")),
    )


def _partner(delivery: Delivery, recipient: Recipient) -> str | None:
    if delivery.audience is not Audience.PAIR:
        return None
    others = [r.name for r in delivery.recipients if r.person_id != recipient.person_id]
    return others[0] if others else None
