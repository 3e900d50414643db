"""What sending taught us: where a platform reaches a person or a pair, stored for next time,
marked unreachable when it stops working, and the messages that waited for it released.

Apart from the courier because the engine uses it too (an app installed, an uninstall), with
no delivery under way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.delivery.messages import Delivery, Sent, Undeliverable
from storage.models import ConversationAddress, OutboxMessage, Pair, Person, Tenant


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
