"""Delivering the outbox: each row once, to the right people, and no bad row blocks the rest."""

from __future__ import annotations

import threading

from flow import Flow, RecordingSender
from scenario import active, proposed, rows
from sqlalchemy import update

from bot.delivery import Delivery, deliver_pending
from bot.replies import Audience
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import MAX_ATTEMPTS


class FailingFor:
    """A sender that fails for messages whose text contains `marker`, like a platform error."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.sent: list[Delivery] = []

    def send(self, delivery: Delivery) -> None:
        if self.marker in delivery.reply.text:
            raise RuntimeError("channel_not_found")
        self.sent.append(delivery)


def pending(db: Database) -> list[OutboxMessage]:
    return [row for row in rows(db, OutboxMessage) if row.delivered_at is None]


def test_private_and_pair_messages_reach_exactly_their_people(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    f.press("maya", "intro", f"{pair_id}:yes")
    f.press("sam", "intro", f"{pair_id}:yes")
    audiences = {(d.audience, tuple(r.user_id for r in d.recipients)) for d in f.sender.deliveries}
    assert (Audience.PERSON, ("maya",)) in audiences and (Audience.PERSON, ("sam",)) in audiences
    assert (Audience.PAIR, ("maya", "sam")) in audiences  # the chemistry invitation
    assert pending(sqlite_db) == []


def test_a_failing_send_is_kept_for_later_and_does_not_hold_up_the_others(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    f.deliver = lambda: 0  # type: ignore[method-assign]  # nothing delivered behind our back
    proposed(f)
    waiting = len(pending(sqlite_db))
    sender = FailingFor("Maya")  # every message that names Maya fails, the rest go out
    delivered = deliver_pending(db=sqlite_db, clock=f.clock, sender=sender)
    failed = pending(sqlite_db)
    assert delivered == len(sender.sent) == waiting - len(failed) and failed
    assert all(row.attempts == 1 and row.last_error == "channel_not_found" for row in failed)

    assert deliver_pending(db=sqlite_db, clock=f.clock, sender=RecordingSender()) == len(failed)
    assert pending(sqlite_db) == []


def test_an_unreadable_row_is_set_aside_and_given_up_after_its_attempts(
    sqlite_db: Database,
) -> None:
    f = Flow(sqlite_db)
    f.deliver = lambda: 0  # type: ignore[method-assign]
    proposed(f)
    with sqlite_db.transaction() as db:
        broken = db.scalars(
            update(OutboxMessage)
            .values(payload={"nonsense": True})
            .where(OutboxMessage.id == 1)
            .returning(OutboxMessage.id)
        ).one()
    sender = RecordingSender()
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_pending(db=sqlite_db, clock=f.clock, sender=sender)
    assert [row.id for row in pending(sqlite_db)] == [broken]
    [row] = pending(sqlite_db)
    assert row.attempts == MAX_ATTEMPTS and row.last_error.startswith("unreadable")
    assert broken not in {d.message_id for d in sender.deliveries}


def test_two_workers_never_send_the_same_row(postgresql_db: Database) -> None:
    f = Flow(postgresql_db)
    pair_id = active(f)
    f.deliver = lambda: 0  # type: ignore[method-assign]
    for number in range(6):
        f.command("hana", f"nudge {pair_id} Note number {number}")
    waiting = len(pending(postgresql_db))
    assert waiting == 6
    claimed, finish = threading.Event(), threading.Event()
    first_sent: list[int] = []

    class Slow:
        def send(self, delivery: Delivery) -> None:
            first_sent.append(delivery.message_id)
            claimed.set()  # worker one holds its rows from here on ...
            finish.wait(timeout=30)  # ... until worker two has had its go

    worker = threading.Thread(
        target=deliver_pending, kwargs={"db": postgresql_db, "clock": f.clock, "sender": Slow()}
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
