"""`tandem serve` on its own event loop in a thread, on a free 127.0.0.1 port, for the e2e worlds.

The Slack, Teams and mixed harnesses each fake their platforms differently but run the server
the same way: built once from settings, started on port 0, stopped in order at the end.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from tandem.serve import Server, build_server
from tandem.settings import Settings


@dataclass(frozen=True)
class Served:
    server: Server
    port: int
    loop: asyncio.AbstractEventLoop

    def run(self, work: Any, *, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=timeout)


@contextmanager
def serving(settings: Settings, *, clock: FakeClock) -> Iterator[Served]:
    """The server for `settings`, listening until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="tandem-serve", daemon=True)
    thread.start()
    server = build_server(settings, clock=clock)
    try:
        port = asyncio.run_coroutine_threadsafe(server.start(port=0), loop).result(timeout=30)
        served = Served(server, port, loop)
        served.run(server.settle())
        yield served
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass(frozen=True)
class Answer:
    """An HTTP answer from `tandem serve`."""

    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class ServedWorld:
    """What every e2e world does with its running server: time passing, background work."""

    server: Server
    loop: asyncio.AbstractEventLoop
    clock: FakeClock
    port: int

    def advance(self, *, days: int = 0, hours: int = 0) -> None:
        """Let time pass as production does: the scheduler's job once per simulated hour."""
        end = self.clock.now() + timedelta(days=days, hours=hours)
        while self.clock.now() < end:
            self.clock.advance(min(timedelta(hours=1), end - self.clock.now()))
            self.run(self.server.worker.run_due_work())
        self.settle()

    def run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=120)

    def http(
        self, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """A GET (no body) or POST to the server, exactly as given; background work settled."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            headers=headers or {},
            method="GET" if body is None else "POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local
                answer = Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read().decode())
        self.settle()
        return answer

    def settle(self) -> None:
        """Wait until every answer being sent and every delivery run has finished."""
        self.run(self.server.settle())
