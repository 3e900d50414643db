"""Reading a claimed batch: each outbox row resolved to its tenant, people, pair and stored
addresses, in a fixed number of queries whatever the batch size.

Apart from the courier because it only reads, and its one concern is the query count.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.messages import Delivery, Recipient
from bot.replies import Audience, Reply
from storage.models import ConversationAddress, OutboxMessage, Pair, Person, Tenant


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
