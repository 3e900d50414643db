"""Delivering outbox rows through platform senders: at least once, one message in flight.

Each message goes through three steps, each in its own short transaction:

1. a batch is *claimed* (`storage.outbox.claim_pending`): the rows belong to this worker for a
   while, and the tenants, people, pairs and stored addresses behind them are read in a fixed
   number of queries, whatever the batch size;
2. the *attempt is recorded* before the send, so a message whose send kills the worker is
   counted, and after `MAX_ATTEMPTS` it is quarantined instead of killing the next worker too;
3. right after the send the row is *marked* delivered (or failed, with a back-off).

Steps 3 and 2 of two consecutive messages share one transaction: marking message N delivered
also records the attempt of message N+1, so a message costs one commit, not two. That commit
comes after N's send and before N+1's, so at any moment at most one message is sent but not
marked: a crash re-sends at most the one message that was in flight (at-least-once, at most
one duplicate per crash per worker), and everything it had not reached waits for the claim to
lapse and goes out then. A message that cannot go (a permanent platform error, attempts used up) is
quarantined and the coordinators are told once, in words; it is never retried for ever nor
dropped in silence.

The package, one concept a module: `messages` (what a sender is given and returns),
`courier` (the three steps and quarantine), `loops` (the sync and asyncio runs), `batch`
(reading a claimed batch), `addresses` (what sending taught us), `reports` (telling the
coordinators), `retention` (pruning) and `pacing` (sends per workspace under the platform's
limit). Import from `bot.delivery`; the modules are its layout, not its interface.
"""

from __future__ import annotations

from bot.delivery.addresses import mark_unreachable, release_waiting, save_address
from bot.delivery.courier import (
    BATCH,
    CLAIM_HOLD,
    IN_FLIGHT,
    NO_RECIPIENT,
    UNFINISHED,
    WAIT_FOR_ADDRESS,
    Courier,
)
from bot.delivery.loops import deliver_pending, deliver_pending_async
from bot.delivery.messages import (
    AsyncSender,
    Delivery,
    NotYetReachable,
    Recipient,
    Sender,
    Sent,
    Undeliverable,
)
from bot.delivery.pacing import Throttle
from bot.delivery.reports import REPORT
from bot.delivery.retention import prune

__all__ = [
    "BATCH",
    "CLAIM_HOLD",
    "IN_FLIGHT",
    "NO_RECIPIENT",
    "REPORT",
    "UNFINISHED",
    "WAIT_FOR_ADDRESS",
    "AsyncSender",
    "Courier",
    "Delivery",
    "NotYetReachable",
    "Recipient",
    "Sender",
    "Sent",
    "Throttle",
    "Undeliverable",
    "deliver_pending",
    "deliver_pending_async",
    "mark_unreachable",
    "prune",
    "release_waiting",
    "save_address",
]
