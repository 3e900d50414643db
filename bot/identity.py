"""Resolving platform identities to stored tenants and people."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.events import Actor
from bot.text import Text, typed
from bot.turn import Refusal
from storage.models import Person, Tenant

FORGOTTEN_NAME = "(a former participant)"
MAX_USER_ID = 128  # the width of people.platform_user_id
MAX_NAME = 200  # the width of people.display_name and people.team


def resolve_tenant(session: Session, *, platform: str, external_id: str, now: datetime) -> Tenant:
    if not _fits(platform, 16) or not _fits(external_id, 128):
        raise Refusal("I can't tell which workspace this came from, so I did nothing.")
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

    People named in TANDEM_COORDINATORS are made coordinators whenever they are seen (so an
    operator can add one later); everyone else becomes one only through `coordinator add`.
    The platform's name and zone are cleaned first: they come from outside and must fit the
    columns on every database, or the whole event would fail.
    """
    if not _fits(actor.user_id, MAX_USER_ID):
        raise Refusal("I can't tell who sent this, so I did nothing.")
    display_name = clean_text(actor.display_name or "")[:MAX_NAME].strip()
    person = session.scalar(
        select(Person).where(
            Person.tenant_id == tenant.id, Person.platform_user_id == actor.user_id
        )
    )
    if person is None:
        person = Person(
            tenant_id=tenant.id,
            platform_user_id=actor.user_id,
            display_name=display_name or actor.user_id,
            timezone=actor.timezone if is_time_zone(actor.timezone) else "UTC",
            is_coordinator=False,
            created_at=now,
        )
        session.add(person)
    else:
        if display_name and person.forgotten_at is None:
            person.display_name = display_name
        # The platform knows where someone is now (they travel, they move); a coordinator's
        # guess at enrolment, or the UTC default, gives way to it.
        if is_time_zone(actor.timezone) and actor.timezone != person.timezone:
            person.timezone = actor.timezone  # type: ignore[assignment]
    if actor.user_id in coordinators and not person.is_coordinator:
        person.is_coordinator = True
    session.flush()
    return person


_MENTION = re.compile(r"^<@([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>$")


def name_of(person: Person) -> Text:
    """The person's name as they (or their platform) typed it: a typed span that remembers
    whose name it is, so every renderer shows it as typed and erasure finds it by reference."""
    return typed(person.display_name, person_id=person.id)


def normalise_ref(ref: str) -> str:
    """`<@U123|maya>`, `@U123` and `U123` all name the same platform user."""
    ref = ref.strip()
    mention = _MENTION.match(ref)
    if mention:
        ref = mention.group(1)
    return ref.removeprefix("@")


def find_person(session: Session, tenant: Tenant, ref: str) -> Person | None:
    """A person named in a command: a platform user id, a mention, or a unique display name."""
    ref = normalise_ref(ref)
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


def clean_text(text: str) -> str:
    """Text from outside, fit to store: no control characters (PostgreSQL refuses NUL) and no
    lone surrogates (no database can encode them); newlines and tabs stay."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))


def is_time_zone(name: str | None) -> bool:
    return bool(name) and len(name or "") <= 64 and name in _zones()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the tz database from disk: once is enough


def _fits(identifier: str, width: int) -> bool:
    return 0 < len(identifier) <= width and clean_text(identifier) == identifier
