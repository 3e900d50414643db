"""Delivering the outbox: each row once, to the right people, nothing lost and nothing stuck."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flow import Flow, RecordingSender
from scenario import active, person, proposed, rows
from sqlalchemy import event, update
from statements import counting

from bot.delivery import (
    CLAIM_HOLD,
    REPORT,
    Delivery,
    Sent,
    Undeliverable,
    deliver_pending,
    deliver_pending_async,
)
from bot.replies import Audience
from storage.db import Database
from storage.models import ConversationAddress, OutboxMessage
from storage.outbox import MAX_ATTEMPTS


class FailingFor:
    """A sender that fails for messages whose text contains `marker`, like a platform error."""

    def __init__(self, marker: str, error: Exception | None = None) -> None:
        self.marker = marker
        self.error = error or RuntimeError("connection reset")
        self.sent: list[Delivery] = []

    def send(self, delivery: Delivery) -> None:
        if self.marker in delivery.reply.text:
            raise self.error
        self.sent.append(delivery)


class Crash(BaseException):
    """What a dying worker looks like to the loop: not an Exception, so nothing catches it."""


def pending(db: Database) -> list[OutboxMessage]:
    return [row for row in rows(db, OutboxMessage) if row.delivered_at is None]


def quiet(f: Flow) -> Flow:
    f.deliver = lambda: 0  # type: ignore[method-assign]  # nothing delivered behind our back
    return f


def test_private_and_pair_messages_reach_exactly_their_people(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    f.press_button("maya", "intro")
    f.press_button("sam", "intro")
    audiences = {(d.audience, tuple(r.user_id for r in d.recipients)) for d in f.sender.deliveries}
    assert (Audience.PERSON, ("maya",)) in audiences and (Audience.PERSON, ("sam",)) in audiences
    assert (Audience.PAIR, ("maya", "sam")) in audiences  # the chemistry invitation
    assert pending(sqlite_db) == []
    assert pair_id


def test_a_failing_send_backs_off_and_does_not_hold_up_the_others(sqlite_db: Database) -> None:
    f = quiet(Flow(sqlite_db))
    proposed(f)
    waiting = len(pending(sqlite_db))
    sender = FailingFor("Maya")  # every message that names Maya fails, the rest go out
    delivered = deliver_pending(db=sqlite_db, clock=f.clock, sender=sender)
    failed = pending(sqlite_db)
    assert delivered == len(sender.sent) == waiting - len(failed) and failed
    assert all(row.attempts == 1 and "connection reset" in row.last_error for row in failed)

    # Not hammered: nothing is retried until its back-off has passed ...
    assert deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender()) == 0
    f.clock.advance(timedelta(minutes=1))
    # ... and then it goes, once.
    assert deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender()) == len(failed)
    assert pending(sqlite_db) == []


def test_attempts_used_up_are_quarantined_and_the_coordinators_told_once(
    sqlite_db: Database,
) -> None:
    f = quiet(Flow(sqlite_db))
    proposed(f)
    sender = FailingFor("Maya")
    for _ in range(MAX_ATTEMPTS + 3):
        deliver_pending(db=sqlite_db, clock=f.clock, sender=sender)
        f.clock.advance(timedelta(hours=1))
    stuck = [row for row in rows(sqlite_db, OutboxMessage) if row.quarantined_at is not None]
    assert stuck and all(row.attempts == MAX_ATTEMPTS for row in stuck)
    reports = [row for row in rows(sqlite_db, OutboxMessage) if row.payload.get("kind") == REPORT]
    assert len(reports) == len(stuck)  # one report per message, to the one coordinator
    deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender())
    f.clock.advance(timedelta(hours=1))
    assert len([r for r in rows(sqlite_db, OutboxMessage) if r.payload.get("kind") == REPORT]) == (
        len(stuck)
    )


def test_a_permanent_error_stops_at_once_and_marks_the_address(sqlite_db: Database) -> None:
    f = quiet(Flow(sqlite_db))
    proposed(f)
    maya = person(sqlite_db, "maya")
    with sqlite_db.transaction() as session:
        session.add(
            ConversationAddress(
                platform="console",
                person_id=maya.id,
                address={"channel": "D1"},
                updated_at=f.clock.now(),
            )
        )

    class MayaIsGone(RecordingSender):
        def send(self, delivery: Delivery) -> None:
            if any(r.user_id == "maya" for r in delivery.recipients):
                raise Undeliverable("account_inactive", person_ids=[maya.id])
            super().send(delivery)

    report = MayaIsGone()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=report)
    failed = [row for row in rows(sqlite_db, OutboxMessage) if row.quarantined_at is not None]
    assert failed and all(row.attempts == 1 for row in failed)
    [address] = rows(sqlite_db, ConversationAddress)
    assert address.unreachable_at is not None and address.unreachable_reason == "account_inactive"
    # The same run tells the coordinator, once.
    told = [d for d in report.deliveries if d.recipients[0].user_id == "hana"]
    assert told and all("account_inactive" in d.reply.text for d in told)


def test_an_unreadable_row_is_quarantined_without_blocking_the_rest(sqlite_db: Database) -> None:
    f = quiet(Flow(sqlite_db))
    proposed(f)
    with sqlite_db.transaction() as db:
        db.execute(
            update(OutboxMessage).values(payload={"nonsense": True}).where(OutboxMessage.id == 1)
        )
    sender = RecordingSender()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=sender)
    [row] = [r for r in rows(sqlite_db, OutboxMessage) if r.id == 1]
    assert row.quarantined_at is not None and row.last_error.startswith("unreadable")
    assert 1 not in {d.message_id for d in sender.deliveries}
    assert [r.id for r in pending(sqlite_db) if r.quarantined_at is None] == []


def test_a_crash_mid_batch_resends_at_most_the_message_in_flight(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    for number in range(10):
        f.command("hana", f"nudge {pair_id} Note number {number}")
    waiting = {row.id for row in pending(sqlite_db)}
    sends: list[int] = []

    class DiesOnFifth:
        def send(self, delivery: Delivery) -> None:
            sends.append(delivery.message_id)
            if len(sends) == 5:
                raise Crash()  # the process dies after the platform took the message

    with pytest.raises(Crash):
        deliver_pending(db=sqlite_db, clock=f.clock, sender=DiesOnFifth())
    f.clock.advance(CLAIM_HOLD)  # the dead worker's claim lapses
    after = RecordingSender()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=after)
    resent = set(sends) & {d.message_id for d in after.deliveries}
    assert len(resent) <= 1  # the documented bound: one duplicate per crash per worker
    assert set(sends) | {d.message_id for d in after.deliveries} == waiting  # nothing lost


def nine_notes(sqlite_db: Database) -> tuple[Flow, set[int]]:
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    for number in range(9):
        f.command("hana", f"nudge {pair_id} Note number {number}")
    return f, {row.id for row in pending(sqlite_db)}


def commits_of(db: Database) -> Iterator[int]:
    """How many delivery transactions committed so far, counted as they commit."""
    count = 0

    def counted(_session) -> None:  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1

    event.listen(db._sessions, "after_commit", counted)  # noqa: SLF001 - the unit of work
    try:
        while True:
            yield count
    finally:
        event.remove(db._sessions, "after_commit", counted)  # noqa: SLF001


@pytest.mark.parametrize("moment", ["before", "after"])
@pytest.mark.parametrize("step", range(12))
def test_a_crash_at_any_commit_resends_at_most_the_message_in_flight(
    sqlite_db: Database, step: int, moment: str
) -> None:
    """The worker dies at each of its bookkeeping commits in turn, just before it or just
    after it: the claim, the first attempt, each combined "N delivered + N+1's attempt",
    the last mark. Whatever the moment, at most one message reaches the platform twice."""
    f, waiting = nine_notes(sqlite_db)
    seen = 0

    def die(_session) -> None:  # type: ignore[no-untyped-def]
        nonlocal seen
        seen += 1
        if seen == step + 1:
            raise Crash()

    hook = "before_commit" if moment == "before" else "after_commit"
    event.listen(sqlite_db._sessions, hook, die)  # noqa: SLF001
    first = RecordingSender()
    try:
        deliver_pending(db=sqlite_db, clock=f.clock, sender=first)
    except Crash:
        pass
    finally:
        event.remove(sqlite_db._sessions, hook, die)  # noqa: SLF001
    f.clock.advance(CLAIM_HOLD)  # the dead worker's claim lapses
    after = RecordingSender()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=after)
    sent = [d.message_id for d in first.deliveries + after.deliveries]
    assert set(sent) == waiting  # nothing lost
    assert len(sent) - len(set(sent)) <= 1  # one duplicate per crash per worker, at most
    assert pending(sqlite_db) == []


@pytest.mark.parametrize("when", ["before the platform took it", "after the platform took it"])
@pytest.mark.parametrize("number", [1, 2, 5, 9])  # first, second, mid-batch, last
def test_a_crash_during_any_send_resends_at_most_that_message(
    sqlite_db: Database, number: int, when: str
) -> None:
    f, waiting = nine_notes(sqlite_db)
    sends: list[int] = []

    class Dies:
        def send(self, delivery: Delivery) -> None:
            if len(sends) + 1 == number and when.startswith("before"):
                raise Crash()
            sends.append(delivery.message_id)
            if len(sends) == number:
                raise Crash()

    with pytest.raises(Crash):
        deliver_pending(db=sqlite_db, clock=f.clock, sender=Dies())
    f.clock.advance(CLAIM_HOLD)
    after = RecordingSender()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=after)
    sent = sends + [d.message_id for d in after.deliveries]
    assert set(sent) == waiting
    duplicates = len(sent) - len(set(sent))
    assert duplicates == (1 if when.startswith("after") else 0)


def test_each_message_costs_one_commit(sqlite_db: Database) -> None:
    """Marking a message delivered and recording the next one's attempt share a commit."""
    f, waiting = nine_notes(sqlite_db)
    counter = commits_of(sqlite_db)
    before = next(counter)
    assert deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender()) == len(waiting)
    commits = next(counter) - before
    counter.close()
    # One per message, plus the claim, the last mark and the claim that finds nothing.
    assert commits == len(waiting) + 3


def test_a_message_that_kills_its_sender_is_quarantined_after_its_attempts(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    f.command("hana", f"nudge {pair_id} poison")
    f.command("hana", f"nudge {pair_id} fine")
    deliver_until_poison_is_quarantined(f)
    poisoned = [r for r in rows(sqlite_db, OutboxMessage) if "poison" in r.payload["text"]]
    assert poisoned and all(r.quarantined_at is not None for r in poisoned)
    assert all(
        r.delivered_at is not None
        for r in rows(sqlite_db, OutboxMessage)
        if "fine" in r.payload["text"]
    )


def test_addresses_a_sender_learns_are_kept_for_next_time(sqlite_db: Database) -> None:
    f = quiet(Flow(sqlite_db))
    pair_id = proposed(f)

    class Learning:
        def __init__(self) -> None:
            self.seen: list[Delivery] = []

        def send(self, delivery: Delivery) -> Sent:
            self.seen.append(delivery)
            return Sent(
                person_addresses={
                    r.person_id: {"channel": f"D-{r.user_id}"} for r in delivery.recipients
                },
                pair_address={"channel": "G-pair"} if delivery.pair_id else None,
            )

    first = Learning()
    f.command("hana", f"nudge {pair_id} first")
    deliver_pending(db=sqlite_db, clock=f.clock, sender=first)
    assert all(r.address is None for d in first.seen for r in d.recipients)
    f.command("hana", f"nudge {pair_id} hello")
    second = Learning()
    deliver_pending(db=sqlite_db, clock=f.clock, sender=second)
    [nudge] = second.seen  # the pair's conversation and both people's, as learned
    assert nudge.pair_address == {"channel": "G-pair"}
    assert {r.address["channel"] for r in nudge.recipients} == {"D-maya", "D-sam"}  # type: ignore[index]


@pytest.mark.parametrize("notes", [4, 16])
def test_statements_per_message_do_not_grow_with_the_backlog(
    sqlite_db: Database, notes: int
) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender())
    for number in range(notes):
        f.command("hana", f"nudge {pair_id} Note {number}")
    with counting(sqlite_db) as statements:
        sent = deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender())
    assert sent == notes
    # Claim and read the batch in a fixed number of queries; then record and mark each message.
    fixed = len(statements) - 4 * notes
    assert fixed <= 10, statements


def test_the_asyncio_loop_delivers_the_same_way_and_stops_between_messages(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    for number in range(5):
        f.command("hana", f"nudge {pair_id} Note {number}")
    stop = asyncio.Event()
    got: list[Delivery] = []

    class Async:
        async def send(self, delivery: Delivery) -> None:
            got.append(delivery)
            if len(got) == 2:
                stop.set()  # a shutdown arrives while the second message is being sent

    async def run() -> int:
        return await deliver_pending_async(
            db=sqlite_db, clock=f.clock, senders={"console": Async()}, stop=stop
        )

    assert asyncio.run(run()) == 2  # the second one finished; nothing was left half-sent
    stop.clear()
    f.clock.advance(CLAIM_HOLD)
    assert asyncio.run(run()) == 3  # the rest of the claim went out once it lapsed
    assert pending(sqlite_db) == []
    assert len({d.message_id for d in got}) == len(got)


def test_two_workers_never_send_the_same_row(postgresql_db: Database) -> None:
    f = Flow(postgresql_db)
    pair_id = active(f)
    quiet(f)
    for number in range(6):
        f.command("hana", f"nudge {pair_id} Note number {number}")
    waiting = len(pending(postgresql_db))
    assert waiting == 6
    claimed, finish = threading.Event(), threading.Event()
    first_sent: list[int] = []

    class Slow:
        def send(self, delivery: Delivery) -> None:
            first_sent.append(delivery.message_id)
            claimed.set()  # worker one holds its claim from here on ...
            finish.wait(timeout=30)  # ... until worker two has had its go

    worker = threading.Thread(
        target=deliver_pending,
        kwargs={"db": postgresql_db, "clock": f.clock, "sender": Slow(), "limit": 3},
    )
    worker.start()
    assert claimed.wait(timeout=30)
    second = RecordingSender()
    deliver_pending(db=postgresql_db, clock=f.clock, sender=second)
    finish.set()
    worker.join(timeout=30)
    sent_twice = set(first_sent) & {d.message_id for d in second.deliveries}
    assert not sent_twice
    assert len(first_sent) + len(second.deliveries) == waiting


def test_prune_removes_only_what_was_delivered_or_processed_before_the_retention(
    sqlite_db: Database,
) -> None:
    from bot.delivery import prune
    from storage.models import ProcessedEvent

    f = Flow(sqlite_db)
    proposed(f)  # delivered at once by the flow
    quiet(f)
    f.clock.advance(timedelta(days=31))
    f.command("hana", "nudge 1 still waiting")  # pending: never pruned
    with sqlite_db.transaction() as session:
        session.add(ProcessedEvent(event_id="old", processed_at=f.clock.now() - timedelta(days=40)))
        session.add(ProcessedEvent(event_id="new", processed_at=f.clock.now()))
    delivered_before = [r.id for r in rows(sqlite_db, OutboxMessage) if r.delivered_at is not None]
    removed = prune(db=sqlite_db, clock=f.clock, retention=timedelta(days=30), batch=2)
    left = rows(sqlite_db, OutboxMessage)
    assert removed == len(delivered_before) + 1
    assert all(row.delivered_at is None for row in left) and left  # the pending one stays
    assert [e.event_id for e in rows(sqlite_db, ProcessedEvent)] == ["new"]


def test_the_coordinators_hear_of_a_crashing_message_in_their_workspaces_language(
    sqlite_db: Database,
) -> None:
    """A message that crashed its sender has no platform answer to quote: the report says so in
    Tandem's own words, in the workspace's language, never an internal state like 'in flight'."""
    f = Flow(sqlite_db)
    pair_id = active(f)
    quiet(f)
    f.command("hana", "language de")
    f.command("hana", f"nudge {pair_id} poison")
    deliver_until_poison_is_quarantined(f)
    reports = [r for r in rows(sqlite_db, OutboxMessage) if r.payload.get("kind") == REPORT]
    assert len(reports) == 1
    text = reports[0].payload["text"]
    assert "Jeder Versuch brach ab" in text
    assert "in flight" not in text and "never finished" not in text


def deliver_until_poison_is_quarantined(f: Flow) -> None:
    """Delivery runs until every attempt is used, each killed by the message marked "poison"
    (the process dies mid-send: nothing is marked, the claim lapses, the next run tries again)."""

    class Poisoned:
        def send(self, delivery: Delivery) -> None:
            if "poison" in delivery.reply.text:
                raise Crash()

    for _ in range(MAX_ATTEMPTS + 2):
        try:
            deliver_pending(db=f.db, clock=f.clock, sender=Poisoned())
        except Crash:
            pass
        f.clock.advance(CLAIM_HOLD)
