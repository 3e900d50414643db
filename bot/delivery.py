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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.content import Content, content_for, default_content
from bot.replies import Audience, Reply
from bot.text import Text, typed
from storage.db import Database
from storage.models import (
    ConversationAddress,
    OutboxMessage,
    Pair,
    Person,
    ProcessedEvent,
    Tenant,
)
from storage.outbox import MAX_ATTEMPTS, claim_pending, mark_delivered, record_attempt

log = logging.getLogger(__name__)

CLAIM_HOLD = timedelta(minutes=5)  # a claimed row waits this long for a worker that died
BATCH = 100
REPORT = "delivery-report"  # marks the coordinators' reports, which are never reported on
# What outbox.last_error holds between and after attempts: states for the operator's eyes
# (`tandem status`, the database), never shown to people, who get bot/content's words.
IN_FLIGHT = "in flight"  # not user-facing: an outbox state for operators
NO_RECIPIENT = "no recipient"  # not user-facing: an outbox state for operators
UNFINISHED = "its sending never finished"  # not user-facing: an outbox state for operators


@dataclass(frozen=True, kw_only=True)
class Recipient:
    person_id: int
    user_id: str  # the platform's id for this person
    name: str
    address: Mapping[str, Any] | None = None  # where the platform reached them before
    # The stored address works as far as we know: a send that reports it back changes nothing.
    address_current: bool = False


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One outbox row, resolved to platform identities and addresses, ready for a sender."""

    message_id: int
    platform: str
    tenant: str
    audience: Audience
    recipients: tuple[Recipient, ...]  # one for a person, both people for a pair
    pair_id: int | None
    reply: Reply
    pair_address: Mapping[str, Any] | None = None  # e.g. the pair's Slack group DM
    pair_address_current: bool = False  # as Recipient.address_current


@dataclass(frozen=True, kw_only=True)
class Sent:
    """What a sender learned while sending: addresses to keep for next time."""

    person_addresses: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    pair_address: Mapping[str, Any] | None = None


class Undeliverable(Exception):
    """A permanent failure (account gone, bot removed): retrying cannot help.

    `person_ids` are the recipients who cannot be reached; their stored address is marked
    unreachable so the coordinators can act.
    """

    def __init__(self, reason: str, *, person_ids: Collection[int] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person_ids = tuple(person_ids)


class NotYetReachable(Exception):
    """No way to reach these people yet (Teams: they never installed the app).

    The message waits, without using up its attempts, and the coordinators are told once per
    person who must install Tandem; storing an address releases it (Engine.remember_address).
    """

    def __init__(self, reason: str, *, person_ids: Collection[int]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person_ids = tuple(person_ids)


WAIT_FOR_ADDRESS = timedelta(hours=1)  # how often a message for someone unreachable is retried


class Sender(Protocol):
    def send(self, delivery: Delivery) -> Sent | None:
        """Deliver, or raise: Undeliverable for permanent failures, anything else to retry."""
        ...


class AsyncSender(Protocol):
    async def send(self, delivery: Delivery) -> Sent | None: ...


# -- the three steps --------------------------------------------------------------------------


@dataclass(kw_only=True)
class Courier:
    """The database side of delivery, shared by the sync and the asyncio loops below."""

    db: Database
    clock: Clock
    platforms: Collection[str] | None = None  # None: every platform (tests, one-off tools)
    # The words of reports; read on the first report, not when a delivery run starts.
    given_content: Content | None = None

    @property
    def content(self) -> Content:
        if self.given_content is None:
            self.given_content = default_content()
        return self.given_content

    def claim(self, limit: int = BATCH) -> list[Delivery]:
        with self.db.transaction() as session:
            rows = claim_pending(
                session,
                now=self.clock.now(),
                hold=CLAIM_HOLD,
                limit=limit,
                platforms=self.platforms,
            )
            return _resolve_all(session, rows, on_unreadable=self._quarantine)

    def begin(self, delivery: Delivery) -> bool:
        """Record the attempt before sending; False when the message must not be sent again."""
        with self.db.transaction() as session:
            return self._begin(session, delivery)

    def _begin(self, session: Session, delivery: Delivery) -> bool:
        # The common case in one statement; "in flight" is what stays if the process dies
        # during the send.
        if delivery.recipients and record_attempt(session, delivery.message_id):
            return True
        row = session.get(OutboxMessage, delivery.message_id)
        if row is None or row.delivered_at is not None or row.quarantined_at is not None:
            return False
        if row.attempts >= MAX_ATTEMPTS:
            # Its earlier attempts never finished: most likely it crashed its sender.
            self._quarantine(session, row, _unfinished(row.last_error))
            return False
        row.attempts += 1
        row.last_error = IN_FLIGHT  # what stays if the process dies during the send
        if not delivery.recipients:
            row.delivered_at = self.clock.now()  # nobody left to tell: done, not stuck
            row.last_error = NO_RECIPIENT
            return False
        return True

    def delivered(
        self, delivery: Delivery, sent: Sent | None, *, then: Delivery | None = None
    ) -> bool:
        """Mark `delivery` delivered and, in the same transaction, record the attempt of `then`
        (the next message, about to be sent); True when `then` may be sent.

        One commit per message instead of two, and the duplicate bound is unchanged: this
        commit happens after `delivery` was sent and before `then` is, so a crash on either
        side of it leaves exactly one message sent but not marked. If it fails, neither
        change is kept: `delivery` goes again (it was the one in flight), `then` is untouched.
        """
        with self.db.transaction() as session:
            mark_delivered(session, delivery.message_id, now=self.clock.now())
            if sent is not None:
                _remember(session, delivery, sent, now=self.clock.now())
            return then is not None and self._begin(session, then)

    def failed(self, delivery: Delivery, error: BaseException) -> None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, delivery.message_id)
            if row is None:
                return
            if isinstance(error, NotYetReachable):
                row.attempts -= 1  # waiting for someone to install the app is not a failure
                row.last_error = error.reason[:2000]
                row.claimed_until = self.clock.now() + WAIT_FOR_ADDRESS
                _ask_to_install(session, row, error, content=self.content, now=self.clock.now())
            elif isinstance(error, Undeliverable):
                _mark_unreachable(session, delivery, error, now=self.clock.now())
                self._quarantine(session, row, error.reason)
            elif row.attempts >= MAX_ATTEMPTS:
                self._quarantine(session, row, _describe(error))
            else:
                row.last_error = _describe(error)[:2000]
                # Back off: 1, 2, 4, 8 minutes, so a platform outage is not hammered.
                row.claimed_until = self.clock.now() + timedelta(minutes=2 ** (row.attempts - 1))
                log.warning("delivery of outbox row %s failed, will retry: %s", row.id, error)

    def _quarantine(self, session: Session, row: OutboxMessage, reason: str | None) -> None:
        row.quarantined_at = self.clock.now()
        row.claimed_until = None
        row.last_error = (reason or UNFINISHED)[:2000]
        log.error("outbox row %s quarantined after %s attempts: %s", row.id, row.attempts, reason)
        if row.payload.get("kind") != REPORT:
            _report(session, row, reason, content=self.content, now=self.clock.now())


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


# -- reading a batch --------------------------------------------------------------------------


def _resolve_all(session: Session, rows: Any, *, on_unreadable: Any) -> list[Delivery]:
    """Every row's people, pair, tenant and addresses, in four queries for the whole batch."""
    rows = list(rows)
    if not rows:
        return []
    tenants = _by_id(session, Tenant, {r.tenant_id for r in rows})
    pairs = _by_id(session, Pair, {r.pair_id for r in rows if r.pair_id is not None})
    person_ids = {r.person_id for r in rows if r.person_id is not None}
    for pair in pairs.values():
        person_ids |= {pair.mentor_id, pair.mentee_id}
    people = _by_id(session, Person, person_ids)
    addresses = session.scalars(
        select(ConversationAddress).where(
            ConversationAddress.person_id.in_(person_ids)
            | ConversationAddress.pair_id.in_(set(pairs))
        )
    ).all()
    known = _Addresses.index(addresses)
    deliveries = []
    for row in rows:
        try:
            deliveries.append(_resolve(row, tenants, pairs, people, known))
        except Exception as error:  # an unreadable row must not block the others
            on_unreadable(session, row, f"unreadable: {error}")
    return deliveries


def _resolve(
    row: OutboxMessage,
    tenants: Mapping[int, Tenant],
    pairs: Mapping[int, Pair],
    people: Mapping[int, Person],
    known: Mapping[str, _Addresses],
) -> Delivery:
    tenant = tenants[row.tenant_id]
    if row.pair_id is not None:
        pair = pairs[row.pair_id]
        who = [people[pair.mentor_id], people[pair.mentee_id]]
    else:
        who = [people[row.person_id]] if row.person_id is not None else []
    mine = known.get(tenant.platform) or _Addresses()
    by_person = mine.of_person
    stored_pair = mine.of_pair.get(row.pair_id) if row.pair_id is not None else None
    pair_address = stored_pair.address if stored_pair is not None else None
    return Delivery(
        message_id=row.id,
        platform=tenant.platform,
        tenant=tenant.external_id,
        audience=Audience(row.audience),
        recipients=tuple(
            Recipient(
                person_id=p.id,
                user_id=p.platform_user_id,
                name=p.display_name,
                address=by_person[p.id].address if p.id in by_person else None,
                address_current=_current(by_person.get(p.id)),
            )
            for p in who
            if p.forgotten_at is None
        ),
        pair_id=row.pair_id,
        reply=Reply.from_dict(row.payload),
        pair_address=pair_address if row.pair_id is not None else None,
        pair_address_current=row.pair_id is not None and _current(stored_pair),
    )


@dataclass
class _Addresses:
    """A batch's stored addresses on one platform, by person and by pair (looked up per row)."""

    of_person: dict[int, ConversationAddress] = field(default_factory=dict)
    of_pair: dict[int, ConversationAddress] = field(default_factory=dict)

    @classmethod
    def index(cls, addresses: Collection[ConversationAddress]) -> dict[str, _Addresses]:
        found: dict[str, _Addresses] = {}
        for a in addresses:
            mine = found.setdefault(a.platform, cls())
            if a.person_id is not None:
                mine.of_person[a.person_id] = a
            if a.pair_id is not None:
                mine.of_pair.setdefault(a.pair_id, a)
        return found


def _current(stored: ConversationAddress | None) -> bool:
    return stored is not None and bool(stored.address) and stored.unreachable_at is None


def _by_id(session: Session, model: Any, ids: Collection[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {item.id: item for item in session.scalars(select(model).where(model.id.in_(ids)))}


# -- what sending taught us -------------------------------------------------------------------


def _remember(session: Session, delivery: Delivery, sent: Sent, *, now: Any) -> None:
    """Store what the send taught us; an address the batch read as current is not read again."""
    known = {
        r.person_id: dict(r.address)
        for r in delivery.recipients
        if r.address_current and r.address is not None
    }
    for person_id, address in sent.person_addresses.items():
        if known.get(person_id) == dict(address):
            continue  # the send went where we knew: nothing to write
        save_address(
            session, platform=delivery.platform, person_id=person_id, address=address, now=now
        )
    if (
        sent.pair_address is not None
        and delivery.pair_address_current
        and delivery.pair_address is not None
        and dict(delivery.pair_address) == dict(sent.pair_address)
    ):
        return
    if sent.pair_address is not None and delivery.pair_id is not None:
        save_address(
            session,
            platform=delivery.platform,
            pair_id=delivery.pair_id,
            address=sent.pair_address,
            now=now,
        )


def save_address(
    session: Session,
    *,
    platform: str,
    address: Mapping[str, Any],
    now: Any,
    person_id: int | None = None,
    pair_id: int | None = None,
) -> ConversationAddress:
    """Store (or replace) where `platform` reaches a person or a pair; it is reachable again."""
    column = ConversationAddress.person_id if person_id is not None else ConversationAddress.pair_id
    owner = person_id if person_id is not None else pair_id
    stored = session.scalar(
        select(ConversationAddress).where(ConversationAddress.platform == platform, column == owner)
    )
    if stored is None:
        stored = ConversationAddress(
            platform=platform,
            person_id=person_id,
            pair_id=pair_id,
            address=dict(address),
            updated_at=now,
        )
        session.add(stored)
    elif stored.address == dict(address) and stored.unreachable_at is None:
        pass  # nothing new: no write (Teams sends the same reference with every message)
    else:
        stored.address = dict(address)
        stored.updated_at = now
        stored.unreachable_at = None
        stored.unreachable_reason = None
        stored.reported_at = None
    return stored


def release_waiting(session: Session, *, person_id: int) -> int:
    """Messages for this person (or their pairs) held back for lack of an address go now;
    returns how many were released."""
    pairs = select(Pair.id).where((Pair.mentor_id == person_id) | (Pair.mentee_id == person_id))
    released = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.quarantined_at.is_(None),
            (OutboxMessage.person_id == person_id) | OutboxMessage.pair_id.in_(pairs),
            OutboxMessage.claimed_until.is_not(None),
        )
        .values(claimed_until=None)
    )
    return int(getattr(released, "rowcount", 0) or 0)


def mark_unreachable(
    session: Session, *, platform: str, tenant: str, user_id: str, reason: str, now: Any
) -> None:
    """The stored address of a platform user no longer works (an uninstall, say)."""
    person = (
        select(Person.id)
        .join(Tenant, Tenant.id == Person.tenant_id)
        .where(
            Tenant.platform == platform,
            Tenant.external_id == tenant,
            Person.platform_user_id == user_id,
        )
    )
    session.execute(
        update(ConversationAddress)
        .where(ConversationAddress.platform == platform, ConversationAddress.person_id.in_(person))
        .values(unreachable_at=now, unreachable_reason=reason[:200])
    )


def _ask_to_install(
    session: Session, row: OutboxMessage, error: NotYetReachable, *, content: Content, now: Any
) -> None:
    """Tell the coordinators, once per person, who must install Tandem before it can reach them."""
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None:
        return
    key = f"delivery.install.{tenant.platform}"
    if not content.has(key):
        key = "delivery.install.default"
    for person_id in error.person_ids:
        stored = session.scalar(
            select(ConversationAddress).where(
                ConversationAddress.platform == tenant.platform,
                ConversationAddress.person_id == person_id,
            )
        )
        if stored is not None and stored.reported_at is not None:
            continue  # told already
        if stored is None:
            stored = ConversationAddress(
                platform=tenant.platform, person_id=person_id, address={}, updated_at=now
            )
            session.add(stored)
        stored.unreachable_at = stored.unreachable_at or now
        stored.unreachable_reason = error.reason[:200]
        stored.reported_at = now
        person = session.get(Person, person_id)
        if person is not None:
            name = typed(person.display_name, person_id=person.id)
            _to_coordinators(session, row, content.text(key, name=name), now=now, skip=person_id)


def _mark_unreachable(
    session: Session, delivery: Delivery, error: Undeliverable, *, now: Any
) -> None:
    if not error.person_ids:
        return
    session.execute(
        update(ConversationAddress)
        .where(
            ConversationAddress.platform == delivery.platform,
            ConversationAddress.person_id.in_(error.person_ids),
        )
        .values(unreachable_at=now, unreachable_reason=error.reason[:200])
    )


def _report(
    session: Session, row: OutboxMessage, reason: str | None, *, content: Content, now: Any
) -> None:
    """Tell each coordinator of the tenant, once, who did not get a message and why, in the
    workspace's language. `reason` is the platform's own answer (a technical detail, shown as
    it came); None: the sending never finished (it crashed its sender, or the process died)."""
    content = content_for(session.get(Tenant, row.tenant_id), content)
    names = _recipient_names(session, row)
    if reason is None:
        text = content.text("delivery.quarantined_unfinished", names=names)
    else:
        text = content.text("delivery.quarantined", names=names, reason=Text.engine(reason))
    skip = row.person_id if row.audience == Audience.COORDINATOR.value else None
    _to_coordinators(session, row, text, now=now, skip=skip)


def _to_coordinators(
    session: Session, row: OutboxMessage, text: Text, *, now: Any, skip: int | None
) -> None:
    """A report about `row` to each coordinator of its tenant but `skip` (the way that failed)."""
    coordinators = session.scalars(
        select(Person).where(
            Person.tenant_id == row.tenant_id,
            Person.is_coordinator.is_(True),
            Person.forgotten_at.is_(None),
        )
    ).all()
    for coordinator in coordinators:
        if coordinator.id == skip:
            continue  # the report would go the way that just failed
        payload = Reply(text=text).to_dict()
        payload["kind"] = REPORT
        session.add(
            OutboxMessage(
                tenant_id=row.tenant_id,
                audience=Audience.COORDINATOR.value,
                person_id=coordinator.id,
                pair_id=None,
                payload=payload,
                created_at=now,
                attempts=0,
            )
        )


def _recipient_names(session: Session, row: OutboxMessage) -> Text:
    ids: list[int] = []
    if row.pair_id is not None:
        pair = session.get(Pair, row.pair_id)
        ids = [pair.mentor_id, pair.mentee_id] if pair else []
    elif row.person_id is not None:
        ids = [row.person_id]
    people = [session.get(Person, i) for i in ids]
    return Text.join(
        (typed(p.display_name, person_id=p.id) for p in people if p is not None), " and "
    )


def _unfinished(last_error: str | None) -> str | None:
    """What to report for a message whose attempts never finished: the last error a finished
    attempt recorded, else None (Tandem's own words: the sending never finished)."""
    return None if last_error in (None, IN_FLIGHT) else last_error


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# -- retention ------------------------------------------------------------------------------


def prune(*, db: Database, clock: Clock, retention: timedelta, batch: int = 5_000) -> int:
    """Delete delivered outbox rows and processed event ids older than `retention`.

    Delivered messages live on in Slack or Teams; keeping Tandem's copy for ever would only
    keep people's words longer than needed. Quarantined and waiting rows are never pruned.
    Deletes go in batches, so a first prune of a large backlog holds no long lock.
    """
    cutoff = clock.now() - retention
    removed = 0
    for key, stamp in (
        (OutboxMessage.id, OutboxMessage.delivered_at),
        (ProcessedEvent.event_id, ProcessedEvent.processed_at),
    ):
        table = key.class_
        while True:
            with db.transaction() as session:
                doomed = select(key).where(stamp.is_not(None), stamp < cutoff).limit(batch)
                done = session.execute(delete(table).where(key.in_(doomed.scalar_subquery())))
                count = int(getattr(done, "rowcount", 0) or 0)
            removed += count
            if count < batch:
                break
    return removed


# -- pacing ---------------------------------------------------------------------------------


class Throttle:
    """Sends to one workspace paced under the platform's limit, instead of learning it from 429s.

    A token bucket per key (a workspace, say): on average `rate` sends a second, at most `burst`
    at once; `rate` None paces nothing. `hold` is the platform saying "slow down" (a 429's
    Retry-After): every send to that key waits until then, and starts again without a burst,
    since the platform's own bucket is empty. Written as a virtual schedule (GCRA: one time
    stamp per key, the moment the bucket would be full again): each `wait` reserves its moment
    before it sleeps, so one sleep is enough and concurrent senders in a process are spaced as
    well. `now` is a monotonic clock and `sleep` waits on it; both are injected, so a test
    drives them and the pacing never reads the time of day.
    """

    def __init__(
        self,
        *,
        rate: float | None,
        burst: float = 1.0,
        now: Callable[[], float],
        sleep: Callable[[float], Awaitable[Any]],
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("a rate must be above zero (or None: no pacing)")
        self.rate = rate
        self.burst = max(1.0, burst)
        self.now = now
        self.sleep = sleep
        self._full_at: dict[str, float] = {}  # per key: when the bucket is full again

    @property
    def _interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    @property
    def _tolerance(self) -> float:
        return (self.burst - 1.0) * self._interval  # how far ahead of the schedule a send may go

    async def wait(self, key: str) -> None:
        """Return when one more send to `key` keeps within the limit (and any hold is over)."""
        now = self.now()
        full_at = max(self._full_at.get(key, now), now)
        at = max(now, full_at - self._tolerance)
        self._full_at[key] = full_at + self._interval
        if at > now:
            await self.sleep(at - now)

    def hold(self, key: str, seconds: float) -> None:
        """Nothing more goes to `key` for `seconds`; then sends resume at the rate, no burst."""
        until = self.now() + max(seconds, 0.0)
        self._full_at[key] = max(self._full_at.get(key, until), until + self._tolerance)
