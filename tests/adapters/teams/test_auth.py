"""build_authentication through the real CloudAdapter, against a local channel and login."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from teams_fake import FakeBotFramework, serve_locally
from teams_identity import bearer

from adapters.teams.auth import TeamsEndpoints, build_authentication

APP_ID = "6f1d2c3b-0a9e-4e57-9d1c-2b7a0c5e8f41"
APP_PASSWORD = "not-a-real-secret"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


class EchoBot(ActivityHandler):
    """A throwaway bot: it answers every message, so a processed turn is visible at the fake."""

    def __init__(self) -> None:
        self.turns: list[str] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        self.turns.append(turn_context.activity.text)
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


def teams_message(*, service_url: str, text: str = "hello") -> dict[str, Any]:
    """A personal-chat message as Teams posts it (trimmed to what the SDK reads)."""
    return {
        "type": "message",
        "id": "1712345678901",
        "timestamp": "2027-01-04T08:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:1mentee", "name": "Ada", "aadObjectId": "0d4f9f6e-user"},
        "conversation": {"conversationType": "personal", "tenantId": TENANT_ID, "id": "a:1dm"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Tandem"},
        "text": text,
        "channelData": {"tenant": {"id": TENANT_ID}},
    }


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    with FakeBotFramework(app_id=APP_ID, app_password=APP_PASSWORD) as running:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        yield running


def authenticated_adapter(fake: FakeBotFramework) -> CloudAdapter:
    endpoints = TeamsEndpoints(
        openid_metadata_url=fake.openid_metadata_url, login_url=fake.login_url
    )
    return CloudAdapter(
        build_authentication(
            app_id=APP_ID,
            app_password=APP_PASSWORD,
            app_type="MultiTenant",
            tenant_id=None,
            endpoints=endpoints,
        )
    )


def post_to_bot(
    adapter: CloudAdapter, bot: EchoBot, activity: dict[str, Any], headers: dict[str, str]
) -> int:
    """POSTs `activity` to a real aiohttp server hosting the bot; returns the HTTP status."""

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=200)

    async def scenario() -> int:
        app = web.Application()
        app.router.add_post("/api/messages", messages)
        async with serve_locally(app) as base, ClientSession() as client:
            async with client.post(f"{base}/api/messages", json=activity, headers=headers) as r:
                return r.status

    return asyncio.run(scenario())


def reference(fake: FakeBotFramework, conversation_id: str) -> ConversationReference:
    return ConversationReference(
        channel_id="msteams",
        service_url=fake.service_url,
        conversation=ConversationAccount(id=conversation_id, tenant_id=TENANT_ID),
        bot=ChannelAccount(id=f"28:{APP_ID}"),
        user=ChannelAccount(id="29:1mentee"),
    )


def send_proactively(adapter: CloudAdapter, fake: FakeBotFramework, conversation_id: str) -> None:
    async def say(turn_context: TurnContext) -> None:
        await turn_context.send_activity("Your session with Ada is tomorrow.")

    asyncio.run(adapter.continue_conversation(reference(fake, conversation_id), say, APP_ID))


def test_a_signed_message_is_processed_and_answered_with_an_app_token(
    fake: FakeBotFramework,
) -> None:
    bot = EchoBot()
    token = fake.issuer.token(app_id=APP_ID, service_url=fake.service_url)

    status = post_to_bot(
        authenticated_adapter(fake), bot, teams_message(service_url=fake.service_url), bearer(token)
    )

    assert status == 201  # CloudAdapter's answer to a message that needs no invoke response
    assert bot.turns == ["hello"]
    [issued] = fake.issued_tokens
    assert (issued.client_id, issued.scope) == (APP_ID, "https://api.botframework.com/.default")
    [reply] = fake.delivered
    assert (reply.conversation_id, reply.reply_to_id) == ("a:1dm", "1712345678901")
    assert reply.activity["text"] == "echo: hello"
    assert reply.authorization == f"Bearer {issued.access_token}"


def test_the_app_token_is_reused_across_turns(fake: FakeBotFramework) -> None:
    adapter, bot = authenticated_adapter(fake), EchoBot()
    for text in ("one", "two"):
        token = fake.issuer.token(app_id=APP_ID, service_url=fake.service_url)
        message = teams_message(service_url=fake.service_url, text=text)
        assert post_to_bot(adapter, bot, message, bearer(token)) == 201
    send_proactively(adapter, fake, "a:1dm")

    assert len(fake.delivered) == 3
    assert len(fake.issued_tokens) == 1  # the SDK alone would fetch one per turn


def rejected_headers(kind: str, fake: FakeBotFramework) -> dict[str, str]:
    issuer, url = fake.issuer, fake.service_url
    match kind:
        case "no-authorization-header":
            return {}
        case "not-a-jwt":
            return {"Authorization": "Bearer not-a-jwt"}
        case "bad-signature":
            return bearer(issuer.forged_token(app_id=APP_ID, service_url=url))
        case "expired":
            return bearer(issuer.expired_token(app_id=APP_ID, service_url=url))
        case "wrong-audience":
            return bearer(issuer.token(app_id="someone-else", service_url=url))
        case "serviceurl-claim-not-the-activity's":
            return bearer(issuer.token(app_id=APP_ID, service_url="https://evil.test/"))
        case "wrong-issuer":
            return bearer(issuer.token(app_id=APP_ID, service_url=url, iss="https://evil.test"))
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "no-authorization-header",
        "not-a-jwt",
        "bad-signature",
        "expired",
        "wrong-audience",
        "serviceurl-claim-not-the-activity's",
        "wrong-issuer",
    ],
)
def test_a_request_without_a_valid_channel_token_is_401_and_never_reaches_the_bot(
    fake: FakeBotFramework, kind: str
) -> None:
    bot = EchoBot()
    message = teams_message(service_url=fake.service_url)

    status = post_to_bot(authenticated_adapter(fake), bot, message, rejected_headers(kind, fake))

    assert status == 401
    assert bot.turns == []
    assert fake.received == []


def test_without_an_app_id_an_unauthenticated_request_is_processed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeBotFramework() as fake:
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        adapter = CloudAdapter(
            build_authentication(app_id=None, app_password=None, app_type=None, tenant_id=None)
        )
        bot = EchoBot()

        status = post_to_bot(adapter, bot, teams_message(service_url=fake.service_url), {})

        assert status == 201
        [reply] = fake.delivered
        assert reply.activity["text"] == "echo: hello"
        assert reply.authorization is None
        assert fake.issued_tokens == []


def test_continue_conversation_sends_proactively_with_an_app_token(
    fake: FakeBotFramework,
) -> None:
    send_proactively(authenticated_adapter(fake), fake, "a:1dm")

    [sent] = fake.delivered
    assert sent.conversation_id == "a:1dm"
    # The SDK gives the continuation event a fresh uuid and send_activity "replies" to it, so a
    # proactive message is POSTed to .../activities/{that uuid}; Teams accepts this in a chat.
    assert sent.reply_to_id is not None
    assert sent.activity["text"] == "Your session with Ada is tomorrow."
    assert sent.authorization == f"Bearer {fake.issued_tokens[0].access_token}"


def test_a_429_surfaces_with_its_status_and_retry_after_and_the_sdk_does_not_retry(
    fake: FakeBotFramework,
) -> None:
    adapter = authenticated_adapter(fake)
    fake.fail("a:1dm", status=429, times=1, retry_after=7)

    with pytest.raises(ErrorResponseException) as raised:
        send_proactively(adapter, fake, "a:1dm")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.error.error.code == "ServiceError"  # the connector's ErrorResponse body
    assert [r.status for r in fake.received] == [429]
    send_proactively(adapter, fake, "a:1dm")  # `times=1`: the next attempt goes through
    assert [r.status for r in fake.received] == [429, 200]


@pytest.mark.parametrize("status", [403, 404, 412, 502, 504])
def test_every_connector_failure_surfaces_after_exactly_one_attempt(
    fake: FakeBotFramework, status: int
) -> None:
    # msrest asks urllib3 to retry 5xx, but urllib3 2 never retries a POST: one attempt each.
    fake.fail("a:1dm", status=status)

    with pytest.raises(ErrorResponseException) as raised:
        send_proactively(authenticated_adapter(fake), fake, "a:1dm")

    assert raised.value.response.status_code == status
    assert [r.status for r in fake.received] == [status]


def test_a_rejected_app_secret_surfaces_as_permission_error(fake: FakeBotFramework) -> None:
    # CloudAdapter.process maps PermissionError to 401, so inbound this looks like a bad token.
    adapter = CloudAdapter(
        build_authentication(
            app_id=APP_ID,
            app_password="the-old-secret",
            app_type="MultiTenant",
            tenant_id=None,
            endpoints=TeamsEndpoints(
                openid_metadata_url=fake.openid_metadata_url, login_url=fake.login_url
            ),
        )
    )

    with pytest.raises(PermissionError, match="invalid_client"):
        send_proactively(adapter, fake, "a:1dm")

    assert fake.received == []


def test_on_turn_error_swallows_a_proactive_failure(fake: FakeBotFramework) -> None:
    # Delivery code must catch send errors inside its callback if app.py sets on_turn_error.
    adapter, seen = authenticated_adapter(fake), []

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        seen.append(error)

    adapter.on_turn_error = on_turn_error
    fake.fail("a:1dm", status=403)

    send_proactively(adapter, fake, "a:1dm")

    assert [type(error) for error in seen] == [ErrorResponseException]


def test_a_personal_conversation_is_created_at_the_connector(fake: FakeBotFramework) -> None:
    adapter, created = authenticated_adapter(fake), []

    async def remember(turn_context: TurnContext) -> None:
        created.append(turn_context.activity.conversation.id)

    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=f"28:{APP_ID}"),
        members=[ChannelAccount(id="29:1mentee")],
        tenant_id=TENANT_ID,
        channel_data={"tenant": {"id": TENANT_ID}},
    )
    asyncio.run(
        adapter.create_conversation(APP_ID, remember, parameters, "msteams", fake.service_url)
    )

    [body] = fake.created_conversations
    assert body["members"] == [{"id": "29:1mentee"}]
    assert created and created[0].startswith("a:conversation-")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"app_password": None}, "app_password"),
        ({"app_type": "SingleTenant"}, "tenant_id"),
        ({"app_type": "Federated"}, "app_type"),
    ],
)
def test_an_incomplete_configuration_is_refused_by_name(
    arguments: dict[str, Any], message: str
) -> None:
    settings: dict[str, Any] = {
        "app_id": APP_ID,
        "app_password": APP_PASSWORD,
        "app_type": None,
        "tenant_id": None,
    }
    with pytest.raises(ValueError, match=message):
        build_authentication(**(settings | arguments))
