"""adapters/slack/clients.py: tandem serve's two Slack clients over one HTTP session."""

from __future__ import annotations

import asyncio

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from adapters.slack.clients import slack_clients


def test_both_clients_share_one_session_that_keeps_slack_sdks_timeout() -> None:
    async def check() -> None:
        clients = slack_clients(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
        await clients.open()
        session = clients.app.session
        assert session is not None and clients.sender.session is session
        # slack_sdk gives up on a request after its `timeout` (30 s) only with a session of its
        # own; ours carries the same, not aiohttp's default of 300 s.
        assert session.timeout.total == clients.app.timeout == 30
        await clients.close()
        assert session.closed and clients.app.session is None and clients.sender.session is None

    asyncio.run(check())


def test_only_the_interactive_client_retries_429s_itself() -> None:
    """The outbox's sender waits out a 429 for the whole workspace (adapters/slack/sender.py);
    an answer to one person may wait on its own."""
    clients = slack_clients(token="xoxb-test")

    def retries_429(client: object) -> bool:
        handlers = getattr(client, "retry_handlers", [])
        return any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in handlers)

    assert retries_429(clients.app) and not retries_429(clients.sender)
