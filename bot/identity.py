"""Resolving platform identities to stored tenants and people."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.events import Actor
from storage.models import Person, Tenant

FORGOTTEN_NAME = "(a former participant)"


def resolve_tenant(session: Session, *, platform: str, external_id: str, now: datetime) -> Tenant:
    tenant = session.scalar(
        select(Tenant).where(Tenant.platform == platform, Tenant.external_id == external_id)
    )
    if tenant is None:
        tenant = Tenant(platform=platform, external_id=external_id, name="", created_at=now)
        session.add(tenant)
        session.flush()
    return tenant


def resolve_actor(
    session: Session, tenant: Tenant, actor: Actor, *, now: datetime, coordinators: Collection[str]
) -> Person:
    """The stored person behind an actor, created on first contact.

    People named in TANDEM_COORDINATORS become coordinators the first time they are seen; after
    that the flag is stored state, changed only by the `coordinator add` command.
    """
    person = session.scalar(
        select(Person).where(
            Person.tenant_id == tenant.id, Person.platform_user_id == actor.user_id
        )
    )
    if person is None:
        person = Person(
            tenant_id=tenant.id,
            platform_user_id=actor.user_id,
            display_name=actor.display_name or actor.user_id,
            timezone=actor.timezone or "UTC",
            is_coordinator=False,
            created_at=now,
        )
        session.add(person)
    elif actor.display_name and person.forgotten_at is None:
        person.display_name = actor.display_name
    if actor.user_id in coordinators and not person.is_coordinator:
        person.is_coordinator = True
    session.flush()
    return person


_MENTION = re.compile(r"^<@([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>$")


def find_person(session: Session, tenant: Tenant, ref: str) -> Person | None:
    """A person named in a command: a platform user id, a mention, or a unique display name."""
    ref = ref.strip()
    mention = _MENTION.match(ref)
    if mention:
        ref = mention.group(1)
    ref = ref.removeprefix("@")
    if not ref:
        return None
    base = select(Person).where(Person.tenant_id == tenant.id, Person.forgotten_at.is_(None))
    exact = session.scalar(base.where(Person.platform_user_id == ref))
    if exact is not None:
        return exact
    named = session.scalars(base.where(func.lower(Person.display_name) == ref.lower())).all()
    if len(named) == 1:
        return named[0]
    first = session.scalars(
        base.where(func.lower(Person.display_name).like(f"{_escape_like(ref.lower())} %", "\\"))
    ).all()
    return first[0] if len(first) == 1 else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
