"""Telling the coordinators, in words, about a message that could not go: someone must
install Tandem first, or a message was quarantined.

Apart from the courier because it is about words and who reads them (the workspace's
language, every coordinator but the way that failed), not about the outbox's steps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import Content, content_for
from bot.delivery.messages import NotYetReachable
from bot.replies import Audience, Reply
from bot.text import Text, typed
from storage.models import ConversationAddress, OutboxMessage, Pair, Person, Tenant

REPORT = "delivery-report"  # marks the coordinators' reports, which are never reported on


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
