"""The courier: the database side of delivery's three steps (claim, record the attempt, mark
delivered or failed) and quarantine, shared by the sync and the asyncio loops.

Apart from the loops so that what each step writes, and in which transaction, reads in one
place; reading a batch, storing addresses and telling coordinators are in their own modules.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.content import Content, default_content
from bot.delivery.addresses import _mark_unreachable, _remember
from bot.delivery.batch import _resolve_all
from bot.delivery.messages import Delivery, NotYetReachable, Sent, Undeliverable
from bot.delivery.reports import REPORT, _ask_to_install, _report
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import MAX_ATTEMPTS, claim_pending, mark_delivered, record_attempt

log = logging.getLogger(__name__)

CLAIM_HOLD = timedelta(minutes=5)  # a claimed row waits this long for a worker that died
BATCH = 100
# What outbox.last_error holds between and after attempts: states for the operator's eyes
# (`tandem status`, the database), never shown to people, who get bot/content's words.
IN_FLIGHT = "in flight"  # not user-facing: an outbox state for operators
NO_RECIPIENT = "no recipient"  # not user-facing: an outbox state for operators
UNFINISHED = "its sending never finished"  # not user-facing: an outbox state for operators

WAIT_FOR_ADDRESS = timedelta(hours=1)  # how often a message for someone unreachable is retried


@dataclass(kw_only=True)
class Courier:
    """The database side of delivery, shared by the sync and the asyncio loops (`loops`)."""

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


def _unfinished(last_error: str | None) -> str | None:
    """What to report for a message whose attempts never finished: the last error a finished
    attempt recorded, else None (Tandem's own words: the sending never finished)."""
    return None if last_error in (None, IN_FLIGHT) else last_error


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
