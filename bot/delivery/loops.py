"""The two delivery loops, sync and asyncio: claim a batch, send each message, and mark it
with the next one's attempt, so a message costs one commit and at most one is ever in flight.

Apart from the courier, which they drive, so that the order of sends and commits (the
duplicate bound in the package docstring) reads in one place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping

from bot.clock import Clock
from bot.delivery.courier import BATCH, Courier
from bot.delivery.messages import AsyncSender, Delivery, Sender, Sent
from storage.db import Database


def deliver_pending(
    *,
    db: Database,
    clock: Clock,
    sender: Sender,
    limit: int = 10_000,
    platforms: Collection[str] | None = None,
) -> int:
    """Send what is waiting (up to `limit` messages), batch after batch; return how many went."""
    courier = Courier(db=db, clock=clock, platforms=platforms)
    delivered = 0
    handled = 0
    unmarked: tuple[Delivery, Sent | None] | None = None  # sent; marked with the next attempt
    while handled < limit:
        batch = courier.claim(min(BATCH, limit - handled))
        if not batch:
            break
        for delivery in batch:
            handled += 1
            ready = _ready(courier, delivery, unmarked)
            unmarked = None
            if not ready:
                continue
            try:
                sent = sender.send(delivery)
            except Exception as error:  # one failing message must not hold up the others
                courier.failed(delivery, error)
                continue
            unmarked = (delivery, sent)
            delivered += 1
    if unmarked is not None:
        courier.delivered(*unmarked)
    return delivered


def _ready(
    courier: Courier, delivery: Delivery, unmarked: tuple[Delivery, Sent | None] | None
) -> bool:
    """Record the attempt of `delivery`, marking the message sent before it in the same commit."""
    if unmarked is None:
        return courier.begin(delivery)
    return courier.delivered(*unmarked, then=delivery)


async def deliver_pending_async(
    *,
    db: Database,
    clock: Clock,
    senders: Mapping[str, AsyncSender],
    limit: int = 10_000,
    stop: asyncio.Event | None = None,
) -> int:
    """The same for asyncio platform clients; the database steps run in worker threads.

    The engine's database work is synchronous (SQLAlchemy sessions), so it runs in threads to
    keep the event loop free for the requests Slack and Teams expect answered within seconds.
    `stop` ends the run between two messages, never during one (a clean shutdown).
    """
    courier = Courier(db=db, clock=clock, platforms=tuple(senders))
    delivered = 0
    handled = 0
    unmarked: tuple[Delivery, Sent | None] | None = None  # sent; marked with the next attempt
    while handled < limit and not (stop and stop.is_set()):
        batch = await asyncio.to_thread(courier.claim, min(BATCH, limit - handled))
        if not batch:
            break
        for delivery in batch:
            if stop and stop.is_set():
                break  # the rest of the claim lapses and another run takes it
            handled += 1
            ready = await asyncio.to_thread(_ready, courier, delivery, unmarked)
            unmarked = None
            if not ready:
                continue
            try:
                sent = await senders[delivery.platform].send(delivery)
            except Exception as error:
                await asyncio.to_thread(courier.failed, delivery, error)
                continue
            unmarked = (delivery, sent)
            delivered += 1
    if unmarked is not None:
        await asyncio.to_thread(courier.delivered, *unmarked)
    return delivered
