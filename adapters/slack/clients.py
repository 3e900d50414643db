"""The two Slack Web API clients `tandem serve` uses, over one kept-alive HTTP session.

- `app`: Bolt's client, for answers to what a person just did (views.open, users.info,
  ephemeral replies). A 429 is waited out and retried per request: one person is waiting.
- `sender`: the outbox's client. It retries dropped connections but not 429s, so a 429
  reaches `SlackSender`, which holds every send to that workspace for the Retry-After instead
  of letting each request discover the limit on its own.

Both share one `aiohttp.ClientSession`, opened on the running loop (`open`) and closed at
shutdown (`close`). Without it slack_sdk opens a new session, and so a new connection, for
every request: a backlog then pays a TCP (and on Slack, TLS) handshake per message.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

RATE_LIMIT_RETRIES = 3  # an interactive answer's 429s, waited out by slack_sdk
CONNECTION_RETRIES = 2


@dataclass
class SlackClients:
    app: AsyncWebClient
    sender: AsyncWebClient

    async def open(self) -> None:
        """One session for both, on the running loop (aiohttp binds a session to its loop).

        With a session of the caller's, slack_sdk no longer applies its own request timeout
        (30 s), and aiohttp's default is 300 s: a stalled request would then hold a delivery
        run for as long as its claim on the batch lasts. So the session carries slack_sdk's.
        """
        if self.app.session is None:
            timeout = aiohttp.ClientTimeout(total=self.app.timeout)
            session = aiohttp.ClientSession(timeout=timeout)
            self.app.session = self.sender.session = session

    async def close(self) -> None:
        session = self.app.session
        self.app.session = self.sender.session = None
        if session is not None:
            await session.close()


def slack_clients(*, token: str | None, base_url: str | None = None) -> SlackClients:
    """The clients, not yet connected: call `open` on the loop that will use them."""
    base = base_url or AsyncWebClient.BASE_URL
    return SlackClients(
        app=AsyncWebClient(
            token=token,
            base_url=base,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
                AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
            ],
        ),
        sender=AsyncWebClient(
            token=token,
            base_url=base,
            retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES)],
        ),
    )
