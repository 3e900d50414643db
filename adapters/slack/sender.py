"""Delivering outbox messages to Slack: a person's DM, a pair's group DM, through AsyncWebClient.

Sends are paced per workspace (bot.delivery.Throttle) just under Slack's limit for
chat.postMessage, so a backlog goes out at the rate Slack allows instead of learning the limit
from 429s. When the client has no rate-limit retry handler of its own, a 429 that still comes
holds every call of that method to that workspace (posts, or opening DMs, which Slack limits
apart) for its Retry-After, and the call is tried again after it (up to TRIES times). A client
with slack_sdk's handler waits and retries per request instead: the sender leaves 429s to it,
and what it gives up on to the outbox's back-off.

A dropped connection is the client's to retry. What still fails is raised: `Undeliverable` for
errors no retry can mend (the account is gone, the channel archived), so bot.delivery
quarantines the message and tells the coordinators; anything else is retried later with a
back-off.

With several `tandem serve` processes the workspace's limit is shared: give each a share of
it (`rate` = the workspace's rate / the number of processes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from bot.delivery import Delivery, Recipient, Sent, Throttle, Undeliverable
from bot.replies import Audience

# chat.postMessage is in Slack's "special" rate-limit tier: about one message a second per
# channel, with short bursts, and a workspace-wide limit that Slack states only as "several
# hundred messages per minute", with generous bursts (api.slack.com/methods/chat.postMessage,
# "Rate limiting"; api.slack.com/apis/rate-limits). Tandem posts to many people's DMs, so the
# workspace limit is the one a backlog meets: 600 a minute with a burst of 100 by default
# (TANDEM_SLACK_RATE), and a 429 beyond it is honoured for the whole workspace.
RATE = 10.0  # chat.postMessage a second, per workspace, for this process
BURST = 100.0
TRIES = 5  # sends of one message through 429s, when the client does not retry them itself

# Slack's error codes that mean "this person or conversation cannot be reached", for good.
PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "channel_not_found",
        "is_archived",
        "cannot_dm_bot",
        "not_in_channel",
        "invalid_users",
        "user_is_restricted",
        "restricted_action",
    }
)


class SlackSender:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        rate: float | None = RATE,
        burst: float | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        """`rate`: chat.postMessage a second per workspace (None: no pacing); `burst`: how
        many may go at once. A `throttle` given (tests: a fake clock) replaces both."""
        self.client = client
        self.throttle = throttle or Throttle(
            rate=rate,
            burst=burst if burst is not None else BURST,
            now=time.monotonic,
            sleep=asyncio.sleep,
        )
        handlers = getattr(client, "retry_handlers", None) or ()
        self._client_retries_429 = any(
            isinstance(h, AsyncRateLimitErrorRetryHandler) for h in handlers
        )

    async def send(self, delivery: Delivery) -> Sent:
        message = render.to_message(delivery.reply)
        workspace = delivery.tenant
        try:
            if delivery.audience is Audience.PAIR:
                channel = _channel(delivery.pair_address) or await self._open(
                    workspace, delivery.recipients
                )
                await self._post(workspace, channel, message)
                return Sent(pair_address={"channel": channel})
            [person] = delivery.recipients
            channel = _channel(person.address) or await self._open(workspace, [person])
            await self._post(workspace, channel, message)
            return Sent(person_addresses={person.person_id: {"channel": channel}})
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in PERMANENT:
                raise Undeliverable(
                    f"Slack answered {code}", person_ids=[r.person_id for r in delivery.recipients]
                ) from error
            raise

    async def _open(self, workspace: str, people: Sequence[Recipient]) -> str:
        """The DM (one person) or group DM (a pair) the bot opens itself: nobody invites it.

        conversations.open has a limit of its own (Slack's tier 3, about 50 a minute), which
        the first messages of a new programme can reach: its 429s are waited out like a post's,
        under a key of their own, so they do not hold the posts to conversations already open.
        """
        users = ",".join(p.user_id for p in people)
        answer = await self._paced(
            f"{workspace} conversations.open", lambda: self.client.conversations_open(users=users)
        )
        return str(answer["channel"]["id"])

    async def _post(self, workspace: str, channel: str, message: dict[str, Any]) -> None:
        await self._paced(
            workspace, lambda: self.client.chat_postMessage(channel=channel, **message)
        )

    async def _paced(self, key: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """`call` paced under `key`'s limit, tried again after a 429 (up to TRIES times)."""
        for attempt in range(1, TRIES + 1):
            await self.throttle.wait(key)
            try:
                return await call()
            except SlackApiError as error:
                if _status(error) != 429 or self._client_retries_429:
                    raise  # a client that retries 429s itself has waited and tried already
                # Slack's bucket for this method is empty: every call under the key waits, not
                # just this one (a 429 means nothing was done, so trying again is safe).
                self.throttle.hold(key, _retry_after(error))
                if attempt == TRIES:
                    raise
        raise AssertionError("unreachable: the last try returns or raises")


def _status(error: SlackApiError) -> int:
    return int(getattr(error.response, "status_code", 0) or 0)


def _retry_after(error: SlackApiError, default: float = 1.0) -> float:
    """Retry-After in seconds, whatever the case of the header's name (slack_sdk keeps both)."""
    headers: Mapping[str, Any] = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return default
    return default


def _channel(address: Any) -> str | None:
    if isinstance(address, dict) and isinstance(address.get("channel"), str):
        return address["channel"]
    return None
