"""Delivering outbox messages to Slack: a person's DM, a pair's group DM, through AsyncWebClient.

The client carries slack_sdk's retry handlers: a 429 waits its Retry-After, a dropped
connection is tried again. What still fails is raised: `Undeliverable` for errors no retry can
mend (the account is gone, the channel archived), so bot.delivery quarantines the message and
tells the coordinators; anything else is retried later with a back-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from bot.delivery import Delivery, Recipient, Sent, Undeliverable
from bot.replies import Audience

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
    def __init__(self, *, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, delivery: Delivery) -> Sent:
        message = render.to_message(delivery.reply)
        try:
            if delivery.audience is Audience.PAIR:
                channel = _channel(delivery.pair_address) or await self._open(delivery.recipients)
                await self._post(channel, message)
                return Sent(pair_address={"channel": channel})
            [person] = delivery.recipients
            channel = _channel(person.address) or await self._open([person])
            await self._post(channel, message)
            return Sent(person_addresses={person.person_id: {"channel": channel}})
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in PERMANENT:
                raise Undeliverable(
                    f"Slack answered {code}", person_ids=[r.person_id for r in delivery.recipients]
                ) from error
            raise

    async def _open(self, people: Sequence[Recipient]) -> str:
        """The DM (one person) or group DM (a pair) the bot opens itself: nobody invites it."""
        answer = await self.client.conversations_open(users=",".join(p.user_id for p in people))
        return str(answer["channel"]["id"])

    async def _post(self, channel: str, message: dict[str, Any]) -> None:
        await self.client.chat_postMessage(channel=channel, **message)


def _channel(address: Any) -> str | None:
    if isinstance(address, dict) and isinstance(address.get("channel"), str):
        return address["channel"]
    return None
