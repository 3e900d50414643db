"""A fake Bot Connector and Microsoft identity service on 127.0.0.1 for Teams tests.

What botbuilder 4.17 needs to run against it (read from the SDK, checked by
tests/adapters/teams/test_auth.py; adapters/teams/auth.py applies it):

Inbound tokens. ConfigurationBotFrameworkAuthentication reads upper-case attributes, not the
C# names: TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL, TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL, TO_CHANNEL_FROM_BOT_LOGIN_URL,
TO_CHANNEL_FROM_BOT_OAUTH_SCOPE, OAUTH_URL, CALLER_ID, VALIDATE_AUTHORITY, CHANNEL_SERVICE, and
APP_ID/APP_PASSWORD/APP_TYPE/APP_TENANTID for credentials. Setting any URL, the issuer or
CALLER_ID selects the "parameterized" cloud, which uses every one of them (unset ones are None).
It fetches the OpenID document, then its jwks_uri, with blocking `requests`, cached per URL for a
day process-wide (so each fake has its own path). A channel token passes when: `iss` equals the
issuer setting; its `kid` is in the JWKS (an unknown kid raises IndexError); the key's
`endorsements` include the activity's channelId; RS256; exp/nbf within 5 minutes' leeway; `aud`
is the app id; the lower-case `serviceurl` claim equals the activity's serviceUrl exactly.
Raw, the SDK answers an expired, forged or non-JWT token, or (in the parameterized cloud) a
missing header, with 500 (PyJWT errors, AttributeError); auth.py turns them into 401.

Outbound app tokens. A login URL off login.microsoftonline.com gives _PrivateCloudAppCredentials,
whose MSAL authority is that URL as given (APP_TENANTID is then ignored). MSAL accepts only https
authorities, so the login half of this fake is TLS with a self-signed certificate that `requests`
trusts through REQUESTS_CA_BUNDLE (see environment()). The SDK never passes VALIDATE_AUTHORITY
to MSAL, so MSAL asks login.microsoftonline.com/common/discovery/instance about any unknown host;
auth.py builds MSAL with instance_discovery=False instead. MSAL then GETs
{authority}/v2.0/.well-known/openid-configuration and POSTs grant_type=client_credentials with
client_id, client_secret and scope "https://api.botframework.com/.default" to token_endpoint.
The token request is blocking and runs on the bot's event loop, hence this fake's own thread.
The SDK fetches a new token for every turn and proactive send; auth.py caches credentials.
A wrong secret surfaces as PermissionError, which CloudAdapter.process answers with 401.

Sending. AppCredentials.trust_service_url/is_trusted_service are no-ops in 4.17; any
serviceUrl, http://127.0.0.1 included, is used as is. continue_conversation(reference, callback,
bot_app_id) sends to reference.service_url, as a reply to the continuation event's random id:
POST /v3/conversations/{id}/activities/{uuid}. Sends use `requests` through msrest.

Send errors. Any non-2xx raises botbuilder.schema.ErrorResponseException (the same class as
botframework.connector.models.ErrorResponseException; an msrest HttpOperationError):
`exc.response` is the requests.Response, so `exc.response.status_code` and
`exc.response.headers.get("Retry-After")` (a string of seconds); `exc.error.error.code` and
`.message` come from the connector's ErrorResponse body. The SDK makes exactly one attempt for
429/403/404/412/502/504: msrest's retry list names POST in `method_whitelist`, which urllib3 2
ignores. A refused connection is retried by urllib3 for ~5 s, then raises
msrest.exceptions.ClientRequestError. If adapter.on_turn_error is set, run_pipeline hands it
the exception and continue_conversation returns normally: catch send errors in the callback.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from ssl import PROTOCOL_TLS_SERVER, SSLContext
from typing import Any

from aiohttp import web
from teams_identity import ChannelTokenIssuer, self_signed_tls

TENANT = "botframework.com"  # the tenant multi-tenant bots get their channel tokens from


@dataclass(frozen=True)
class Received:
    """One request the fake connector answered, failed ones included."""

    method: str
    conversation_id: str
    reply_to_id: str | None  # the activity id in .../activities/{id}, for replies and updates
    activity: dict[str, Any]
    authorization: str | None
    status: int


@dataclass(frozen=True)
class IssuedToken:
    client_id: str
    scope: str
    access_token: str


@dataclass
class _Failure:
    status: int
    remaining: int | None  # None: fails every time
    retry_after: int | None


@dataclass
class _State:
    received: list[Received] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    issued: list[IssuedToken] = field(default_factory=list)
    failures: dict[str, _Failure] = field(default_factory=dict)


class FakeBotFramework:
    """The Bot Connector (http) and login.microsoftonline.com (https), in a thread of their own.

    The SDK calls MSAL and fetches OpenID keys with blocking `requests` on the event loop, so
    the fake cannot share the bot's loop: it always runs on a private loop in a daemon thread,
    from sync tests (`with FakeBotFramework(...) as fake`) and async ones (`async with`) alike.

        with FakeBotFramework(app_id=APP_ID, app_password=SECRET) as fake:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.environment()["REQUESTS_CA_BUNDLE"])
            endpoints = TeamsEndpoints(
                openid_metadata_url=fake.openid_metadata_url, login_url=fake.login_url
            )
            token = fake.issuer.token(app_id=APP_ID, service_url=fake.service_url)
            ...  # POST an activity with serviceUrl=fake.service_url and bearer(token)
            fake.fail("a:1dm", status=429, times=2, retry_after=3)
            assert fake.delivered[0].authorization == f"Bearer {fake.issued_tokens[0].access_token}"
    """

    def __init__(
        self,
        *,
        app_id: str | None = None,
        app_password: str | None = None,
        issuer: ChannelTokenIssuer | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.issuer = issuer or ChannelTokenIssuer()
        self._state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        # A fresh path per fake: the SDK caches OpenID keys per URL for a day, process-wide.
        self._instance = uuid.uuid4().hex[:12]
        self._folder = tempfile.TemporaryDirectory(prefix="fake-bot-framework-")
        self._tls = self_signed_tls(Path(self._folder.name))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.http_port = 0
        self.https_port = 0

    # -- addresses ----------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        """A conversation reference's serviceUrl; the SDK appends /v3/conversations/..."""
        return f"http://127.0.0.1:{self.http_port}/"

    @property
    def openid_metadata_url(self) -> str:
        return (
            f"http://127.0.0.1:{self.http_port}/{self._instance}/v1/.well-known/openidconfiguration"
        )

    @property
    def login_url(self) -> str:
        """The MSAL authority for the bot's own app token."""
        return f"https://127.0.0.1:{self.https_port}/{TENANT}"

    @property
    def ca_file(self) -> str:
        return str(self._tls.certificate)

    def environment(self) -> dict[str, str]:
        """Variables under which `requests` (MSAL, msrest) trusts the fake and skips proxies."""
        return {"REQUESTS_CA_BUNDLE": self.ca_file, "NO_PROXY": "127.0.0.1,localhost"}

    # -- what happened ------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._state.received)

    @property
    def delivered(self) -> list[Received]:
        """The activities the connector accepted."""
        return [request for request in self.received if request.status < 300]

    @property
    def created_conversations(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.created)

    @property
    def issued_tokens(self) -> list[IssuedToken]:
        with self._lock:
            return list(self._state.issued)

    def fail(
        self,
        conversation_id: str,
        *,
        status: int,
        times: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer sends to `conversation_id` with `status`, `times` times (None: forever)."""
        with self._lock:
            self._state.failures[conversation_id] = _Failure(status, times, retry_after)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeBotFramework:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-bot-framework", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the fake Bot Framework did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None
        self._folder.cleanup()

    def __enter__(self) -> FakeBotFramework:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeBotFramework:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    async def _serve(self) -> None:
        app = web.Application()
        prefix = f"/{self._instance}/v1/.well-known"
        app.router.add_get(f"{prefix}/openidconfiguration", self._channel_openid)
        app.router.add_get(f"{prefix}/keys", self._channel_keys)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{id}", self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{id}", self._activity)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._login_openid)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        plain = web.TCPSite(self._runner, "127.0.0.1", 0)
        await plain.start()
        tls = SSLContext(PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(self._tls.certificate, self._tls.private_key)
        secure = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=tls)
        await secure.start()
        self.http_port = _port(plain)
        self.https_port = _port(secure)

    # -- the channel's identity (inbound tokens) ----------------------------------------------

    async def _channel_openid(self, request: web.Request) -> web.Response:
        base = f"http://127.0.0.1:{self.http_port}/{self._instance}/v1/.well-known"
        return web.json_response(
            {
                "issuer": self.issuer.issuer,
                "authorization_endpoint": "https://invalid.botframework.test/",
                "jwks_uri": f"{base}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _channel_keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.issuer.jwks())

    # -- the bot's identity (outbound app tokens, via MSAL) -----------------------------------

    async def _login_openid(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"https://127.0.0.1:{self.https_port}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        if client_id != self.app_id or secret != self.app_password:
            return _oauth_error(401, "invalid_client")
        issued = IssuedToken(client_id, str(form.get("scope", "")), f"app-token-{next(self._ids)}")
        with self._lock:
            self._state.issued.append(issued)
        body = {"token_type": "Bearer", "expires_in": 3600, "access_token": issued.access_token}
        return web.json_response(body)

    # -- the Bot Connector --------------------------------------------------------------------

    def _authorised(self, authorization: str | None) -> bool:
        if self.app_id is None:
            return True  # an anonymous bot sends no token, as against the Emulator
        with self._lock:
            issued = {f"Bearer {token.access_token}" for token in self._state.issued}
        return authorization in issued

    async def _create_conversation(self, request: web.Request) -> web.Response:
        if not self._authorised(request.headers.get("Authorization")):
            return _connector_error(401, "Unauthorized", "Authorization has been denied")
        body = await request.json()
        with self._lock:
            self._state.created.append(body)
        return web.json_response({"id": f"a:conversation-{next(self._ids)}"}, status=201)

    async def _activity(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        authorization = request.headers.get("Authorization")
        status, retry_after = 200, None
        if not self._authorised(authorization):
            status = 401
        else:
            with self._lock:
                failure = self._state.failures.get(conversation_id)
                if failure is not None and failure.remaining != 0:
                    status, retry_after = failure.status, failure.retry_after
                    if failure.remaining is not None:
                        failure.remaining -= 1
        received = Received(
            request.method,
            conversation_id,
            request.match_info.get("id"),
            await request.json(),
            authorization,
            status,
        )
        with self._lock:
            self._state.received.append(received)
        if status >= 300:
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return _connector_error(status, "ServiceError", f"injected {status}", headers)
        return web.json_response({"id": f"activity-{next(self._ids)}"})


def _port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp keeps the bound socket here; port 0 is chosen by the OS
    assert isinstance(server, asyncio.base_events.Server)
    return int(server.sockets[0].getsockname()[1])


def _oauth_error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error, "error_description": f"fake: {error}"}, status=status)


def _connector_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    # The Bot Connector's ErrorResponse shape, which the SDK deserialises into exc.error.
    body = {"error": {"code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


@asynccontextmanager
async def serve_locally(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free 127.0.0.1 port of the running loop; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{_port(site)}"
    finally:
        await runner.cleanup()
