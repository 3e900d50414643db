"""A fake Slack Web API on 127.0.0.1 that answers like Slack, records every call and can fail."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from types import TracebackType
from typing import Any

from aiohttp import web
from slack_fake_workspace import (
    CAST,
    REFERENCE_INSTANT,
    FakeUser,
    Message,
    SlackError,
    UploadedFile,
    View,
    Workspace,
    decode_params,
    split_ids,
)

__all__ = ["CAST", "Call", "FakeSlack", "FakeUser", "Message", "UploadedFile", "View"]


@dataclass(frozen=True)
class Call:
    """One request as the fake received it; `response` is None when the connection was dropped."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]  # names lower-cased, since HTTP header names are case-insensitive
    status: int
    response: dict[str, Any] | None
    peer: tuple[str, int] | None = None  # the client's end of the connection it came over

    @property
    def token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme == "Bearer" and token else None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))


@dataclass
class _Failure:
    method: str | None  # None: any method
    remaining: int
    error: str = ""
    status: int = 200
    retry_after: int | None = None
    drop: bool = False


class FakeSlack:
    """Run it with `async with FakeSlack() as slack:` or, from sync code, `slack.in_background()`.

    State is guarded by one lock because the server may answer on another thread's event loop
    while the test thread reads the calls.
    """

    def __init__(
        self,
        *,
        users: Iterable[FakeUser] = CAST,
        team_id: str = "T0TANDEM",
        team_name: str = "Tandem Test",
        bot_user_id: str = "U0TANDEM",
        bot_id: str = "B0TANDEM",
        now: datetime = REFERENCE_INSTANT,
    ) -> None:
        self._lock = threading.Lock()
        self._workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            users=users,
            now=now,
        )
        self._calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._user_errors: dict[str, str] = {}
        self._channel_errors: dict[str, str] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ---- running ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The `base_url` for WebClient/AsyncWebClient: "http://127.0.0.1:PORT/api/"."""
        if self._port is None:
            raise RuntimeError("FakeSlack is not running")
        return f"http://127.0.0.1:{self._port}/api/"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/respond/{name}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # port 0: the OS picks a free port, so tests run in parallel
        await web.SockSite(self._runner, sock).start()
        self._port = sock.getsockname()[1]
        self._workspace.upload_base = f"http://127.0.0.1:{self._port}/upload/v1/"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner, self._port = None, None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @contextmanager
    def in_background(self) -> Iterator[FakeSlack]:
        """Serve from a thread with its own loop, for sync code and for tests that own a loop."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-slack", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    # ---- the workspace ----------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._workspace.team_id

    @property
    def bot_user_id(self) -> str:
        return self._workspace.bot_user_id

    def add_user(self, user: FakeUser) -> None:
        with self._lock:
            self._workspace.add_user(user)

    def add_channel(self, channel_id: str) -> None:
        """A public or private channel the bot is in; unknown channels are channel_not_found."""
        with self._lock:
            self._workspace.channels.add(channel_id)

    def dm_channel(self, user_id: str) -> str:
        """The id conversations.open answers for a DM with this user, stable across runs."""
        return self._workspace.dm_channel(user_id)

    def response_url(self, name: str = "1") -> str:
        """A response_url for slash commands and actions; posts to it are calls("response_url")."""
        return f"{self.url.removesuffix('/api/')}/respond/{name}"

    def members_of(self, channel: str) -> frozenset[str]:
        """The people of a group DM the bot opened (empty for any other channel)."""
        with self._lock:
            return self._workspace.group_members.get(channel, frozenset())

    def group_dm_channel(self, *user_ids: str) -> str:
        """The id conversations.open answers for these users, whatever their order."""
        return self._workspace.group_dm_channel(set(user_ids) - {self.bot_user_id})

    # ---- what was received ------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def methods_called(self) -> list[str]:
        with self._lock:
            return [c.method for c in self._calls]

    def messages(self) -> list[Message]:
        """Every stored message, in order, ephemeral ones and file shares included."""
        with self._lock:
            return list(self._workspace.messages)

    def messages_to(self, channel_or_user: str) -> list[Message]:
        """Messages everyone in the conversation sees; a user id means the bot's DM with them."""
        with self._lock:
            channel = self._channel_of(channel_or_user)
            return [
                m for m in self._workspace.messages if m.channel == channel and not m.ephemeral_for
            ]

    def ephemerals_to(self, user_id: str, channel: str | None = None) -> list[Message]:
        with self._lock:
            wanted = self._channel_of(channel) if channel else None
            return [
                m
                for m in self._workspace.messages
                if m.ephemeral_for == user_id and wanted in (None, m.channel)
            ]

    def home_of(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab view last published for this user, as it was sent."""
        with self._lock:
            homes = [v for v in self._workspace.views.values() if v.user_id == user_id]
            return homes[-1].view if homes else None

    def views(self) -> list[View]:
        with self._lock:
            return list(self._workspace.views.values())

    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._workspace.files.values())

    def reset(self) -> None:
        """Forget calls and failures but keep users, channels, messages and views."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._user_errors.clear()
            self._channel_errors.clear()

    def _channel_of(self, channel_or_user: str) -> str:
        if channel_or_user in self._workspace.users:
            return self._workspace.dm_channel(channel_or_user)
        return channel_or_user

    # ---- failure injection ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail; Retry-After is sent with any non-200 status."""
        with self._lock:
            self._failures.append(_Failure(method, times, error, status, retry_after))

    def drop_next(self, method: str | None = None, *, times: int = 1) -> None:
        """Close the connection without answering, as a network failure does (any method: None)."""
        with self._lock:
            self._failures.append(_Failure(method, times, drop=True))

    def fail_user(self, user_id: str, error: str = "account_inactive") -> None:
        """Every call naming this user, or their DM, answers ok false with `error` from now on."""
        with self._lock:
            self._user_errors[user_id] = error

    def fail_channel(self, channel_id: str, error: str = "channel_not_found") -> None:
        """Every call to this channel answers ok false with `error` (is_archived, ...)."""
        with self._lock:
            self._channel_errors[channel_id] = error

    def _take_failure(self, method: str, *, drop: bool) -> _Failure | None:
        for failure in self._failures:
            if failure.drop == drop and failure.method in (None, method) and failure.remaining:
                failure.remaining -= 1
                return replace(failure)
        return None

    def _standing_error(self, params: dict[str, Any]) -> str | None:
        users = [str(params[k]) for k in ("user", "user_id") if params.get(k)]
        users += split_ids(params.get("users"))
        channels = [str(params[k]) for k in ("channel", "channel_id") if params.get(k)]
        channels += split_ids(params.get("channels"))
        for channel in channels:
            if channel in self._channel_errors:
                return self._channel_errors[channel]
            owner = self._workspace.dm_owner.get(channel, channel)
            users.append(owner)  # a DM fails the way its user does
        return next((self._user_errors[u] for u in users if u in self._user_errors), None)

    # ---- HTTP -------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = decode_params({**request.query, **await _read_body(request)})
        headers = {name.lower(): value for name, value in request.headers.items()}
        peer = request.transport.get_extra_info("peername") if request.transport else None
        with self._lock:
            status, body, extra = self._answer(method, params, headers)
            self._calls.append(Call(method, params, headers, status, body, peer))
        if body is None:
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never reaches the client: the socket is already closed
        return web.json_response(body, status=status, headers=extra)

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if self._take_failure(method, drop=True):
            return 0, None, {}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not token.startswith("xoxb-"):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if method not in self._workspace.methods:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        failure = self._take_failure(method, drop=False)
        if failure is not None:
            extra = {}
            if failure.status != 200 and failure.retry_after is not None:
                extra["Retry-After"] = str(failure.retry_after)
            return failure.status, {"ok": False, "error": failure.error}, extra
        standing = self._standing_error(params) if method != "auth.test" else None
        if standing:
            return 200, {"ok": False, "error": standing}, {}
        try:
            return 200, {"ok": True, **self._workspace.methods[method](params)}, {}
        except SlackError as error:
            return 200, {"ok": False, "error": error.error}, {}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        content = await request.read()
        with self._lock:
            received = self._workspace.receive_upload(request.match_info["file_id"], content)
        if not received:
            return web.Response(status=404, text="Not Found")
        return web.Response(text=f"OK - {len(content)}")

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        # Slack's response_url takes JSON without a token; the URL itself is the credential.
        params = {"name": request.match_info["name"], **await _read_body(request)}
        headers = {name.lower(): value for name, value in request.headers.items()}
        with self._lock:
            self._calls.append(Call("response_url", params, headers, 200, {"ok": True}))
        return web.Response(text="ok")


async def _read_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    return {name: value for name, value in (await request.post()).items()}
