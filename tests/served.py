"""`tandem serve` on its own event loop in a thread, on a free 127.0.0.1 port, for the e2e worlds.

The Slack, Teams and mixed harnesses each fake their platforms differently but run the server
the same way: built once from settings, started on port 0, stopped in order at the end.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
