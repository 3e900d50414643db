"""`tandem serve`: one aiohttp server for Slack (and Teams), with the sweep and delivery beside it.

Start-up builds everything once (tandem.bootstrap), enables each platform whose settings are
present, and runs until SIGTERM or SIGINT. Shutdown is ordered so that nothing is half-done:
stop accepting requests, let the ones in flight finish, let the message being delivered finish,
stop the schedule, then close the database.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from aiohttp import web
from sqlalchemy import make_url, text

from bot.clock import Clock
from bot.delivery import AsyncSender, deliver_pending_async, prune
from scheduler.worker import Worker
from storage.lease import LeaderLease
from tandem import bootstrap
from tandem.settings import ConfigError, Settings

log = logging.getLogger(__name__)

UNAUTHENTICATED = "UNAUTHENTICATED: local testing only (MICROSOFT_APP_ID is not set)"
PRUNE_EVERY = timedelta(hours=1)
HEALTH_TIMEOUT = 3.0  # seconds the database may take to answer /healthz
SHUTDOWN_TIMEOUT = 30.0  # seconds in-flight requests get to finish


@dataclass
class Server:
    """Everything `tandem serve` runs, built but not started (tests start it on a free port)."""

    settings: Settings
    built: bootstrap.App
    web_app: web.Application
    worker: Worker
    platforms: dict[str, str] = field(default_factory=dict)  # name -> mode, for /healthz
    senders: dict[str, AsyncSender] = field(default_factory=dict)  # platform -> outbox sender
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    starters: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    drains: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    single_process: IO[bytes] | None = None  # SQLite: the lock file held while serving

    async def start(self, *, port: int | None = None) -> int:
        """Listen, start the platforms and the worker; return the port actually bound."""
        if self.single_process is None:
            self.single_process = hold_sqlite_file(self.settings.database_url)
        self.runner = web.AppRunner(self.web_app, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self.runner.setup()
        site = web.TCPSite(
            self.runner,
            self.settings.host,
            self.settings.port if port is None else port,
        )
        await site.start()
        for start in self.starters:
            await start()
        self.worker.start()
        bound = self.runner.addresses[0][1]
        log.info("tandem serve listening on %s:%s (%s)", self.settings.host, bound, self.platforms)
        return int(bound)

    async def settle(self) -> None:
        """Wait until every answer being sent and every delivery run has finished."""
        for _ in range(3):  # an answer can kick a delivery, which is awaited in the next round
            for drain in self.drains:
                await drain()
            await self.worker.idle()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()  # no new requests; the ones in flight finish first
        for drain in self.drains:
            await drain()
        await self.worker.stop()
        for close in self.closers:
            try:
                await close()
            except Exception:
                log.exception("closing a platform client failed")
        self.built.close()
        if self.single_process is not None:
            self.single_process.close()  # closing the file lets the lock go
            self.single_process = None


def hold_sqlite_file(url: str) -> IO[bytes] | None:
    """SQLite serves one process: lock `<database>.serve.lock` for this process's lifetime.

    A second `tandem serve` on the same file is refused with a clear message (ConfigError).
    The lock is the operating system's, so it goes with the process, however it ends.
    Nothing to hold for PostgreSQL (several workers share it) or an in-memory database.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).resolve().with_name(Path(parsed.database).name + ".serve.lock")
    handle = path.open("a+b")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().decode(errors="replace").strip() or "another process"
        handle.close()
        raise ConfigError(
            f"DATABASE_URL: {parsed.database} is already served by {holder}; SQLite serves "
            "one process. Stop that one first, or use PostgreSQL for several workers."
        ) from None
    handle.truncate(0)
    handle.write(f"tandem serve (pid {os.getpid()})".encode())
    handle.flush()
    return handle


def build_server(settings: Settings, *, clock: Clock) -> Server:
    """The server for these settings: ConfigError (naming the variable) when they cannot work."""
    built = bootstrap.build(settings, clock=clock)
    web_app = web.Application()
    senders: dict[str, AsyncSender] = {}
    server = Server(
        settings=settings,
        built=built,
        web_app=web_app,
        senders=senders,
        worker=Worker(
            lease=LeaderLease(
                db=built.db,
                clock=clock,
                holder=settings.worker_id,
                # The lease outlives three sweep intervals, so a slow sweep keeps it, and a
                # dead leader is replaced within a few minutes.
                ttl=timedelta(seconds=3 * settings.sweep_seconds),
            ),
            # Only the workspaces this server can deliver to: the console sweeps its own.
            # (read when it runs: `senders` is filled in below, after the worker is built)
            sweep=_sweeping(built, clock, senders),
            deliver=lambda stop: deliver_pending_async(
                db=built.db, clock=clock, senders=senders, stop=stop
            ),
            interval_seconds=settings.sweep_seconds,
            # Tried five times per lease: a dead leader is replaced within the lease's time
            # to live plus a fifth of it, and the leader renews well before it lapses.
            lease_seconds=3 * settings.sweep_seconds / 5,
        ),
    )
    if settings.slack_enabled:
        _add_slack(server, senders)
    _add_teams(server, senders)  # DESIGN.md section 9: Teams is always served
    web_app.router.add_get("/healthz", _healthz(server))
    return server


def _sweeping(
    built: bootstrap.App, clock: Clock, senders: dict[str, AsyncSender]
) -> Callable[..., int]:
    """The leader's sweep, with the retention prune once an hour beside it."""
    retention = timedelta(days=built.settings.retention_days)
    pruned: list[datetime] = []

    def sweep(**fence: Any) -> int:
        handled = built.engine.sweep(platforms=tuple(senders), **fence)
        now = clock.now()
        if not pruned or now - pruned[-1] >= PRUNE_EVERY:
            removed = prune(db=built.db, clock=clock, retention=retention)
            if removed:
                log.info("pruned %s delivered messages and event ids past retention", removed)
            pruned[:] = [now]
        return handled

    return sweep


def _add_slack(server: Server, senders: dict[str, AsyncSender]) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    from adapters.slack.app import SlackApp
    from adapters.slack.clients import slack_clients
    from adapters.slack.sender import SlackSender

    settings = server.settings
    clients = slack_clients(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    server.starters.insert(0, clients.open)  # before anything sends
    server.closers.append(clients.close)  # after the last delivery and the socket are done
    slack = SlackApp(
        engine=server.built.engine,
        client=clients.app,
        signing_secret=None if settings.slack_socket_mode else settings.slack_signing_secret,
        changed=server.worker.kick,
    )
    # This process's share of the workspace's rate.
    senders["slack"] = SlackSender(client=clients.sender, rate=settings.slack_rate)
    server.drains.append(slack.drain)
    if settings.slack_socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(slack.bolt, settings.slack_app_token)
        server.starters.append(handler.connect_async)
        server.closers.insert(0, handler.close_async)
        server.platforms["slack"] = "socket mode"
    else:

        async def slack_events(request: web.Request) -> web.Response:
            try:
                bolt_request = await to_bolt_request(request)
            except ValueError:  # Bolt parses the body before it checks the signature
                return await slack.unparsable(request)
            return await to_aiohttp_response(await slack.dispatch(bolt_request))

        server.web_app.router.add_post("/slack/events", slack_events)
        server.platforms["slack"] = "http"


def _add_teams(server: Server, senders: dict[str, AsyncSender]) -> None:
    from adapters.teams import app as teams_app
    from adapters.teams.auth import TeamsEndpoints

    settings = server.settings
    overrides = {
        name: value
        for name, value in (
            ("openid_metadata_url", settings.teams_openid_metadata_url),
            ("token_issuer", settings.teams_token_issuer),
            ("login_url", settings.teams_login_url),
        )
        if value
    }
    try:
        teams, senders["teams"] = teams_app.build(
            engine=server.built.engine,
            app_id=settings.microsoft_app_id,
            app_password=settings.microsoft_app_password,
            app_type=settings.microsoft_app_type,
            tenant_id=settings.microsoft_app_tenant_id,
            endpoints=TeamsEndpoints(**overrides) if overrides else None,
            changed=server.worker.kick,
        )
    except ValueError as error:
        raise ConfigError(f"MICROSOFT_APP_ID: {error}") from None
    server.web_app.router.add_post("/api/messages", teams.handle)
    if settings.teams_authenticated:
        server.platforms["teams"] = "authenticated"
    else:
        server.platforms["teams"] = UNAUTHENTICATED
        log.warning(
            "TEAMS IS UNAUTHENTICATED: MICROSOFT_APP_ID is not set, so anyone who can reach "
            "/api/messages can act as any Teams user. Use this only for local testing."
        )


def _healthz(server: Server) -> Callable[[web.Request], Awaitable[web.Response]]:
    def ping() -> None:
        with server.built.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def healthz(_request: web.Request) -> web.Response:
        body: dict[str, Any] = {"platforms": server.platforms}
        try:
            await asyncio.wait_for(asyncio.to_thread(ping), HEALTH_TIMEOUT)
        except Exception as error:  # unreachable, locked or timed out: not ready
            log.warning("health check: the database did not answer: %s", error)
            return web.json_response(
                {**body, "status": "unavailable", "database": "down"}, status=503
            )
        return web.json_response({**body, "status": "ok", "database": "ok"})

    return healthz


async def run(settings: Settings, *, clock: Clock) -> None:
    """Serve until SIGTERM or SIGINT, then shut down in order."""
    server = build_server(settings, clock=clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await server.start()
        await stop.wait()
        log.info("stopping: finishing requests and the message in flight")
    finally:
        await server.stop()
