"""Resolving platform identities to stored tenants and people."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import rights
from bot.content import Content, default_content
from bot.events import Actor
from bot.text import Text, typed
from bot.turn import Refusal
from storage.models import Person, Tenant

MAX_USER_ID = 128  # the width of people.platform_user_id
MAX_NAME = 200  # the width of people.display_name and people.team


def resolve_tenant(
    session: Session,
    *,
    platform: str,
    external_id: str,
    now: datetime,
    content: Content | None = None,
) -> Tenant:
    """`content` words the refusal (no workspace yet: the operator's language)."""
    if not _fits(platform, 16) or not _fits(external_id, 128):
        raise Refusal((content or default_content()).text("identity.unknown_workspace"))
    tenant = session.scalar(
        select(Tenant).where(Tenant.platform == platform, Tenant.external_id == external_id)
    )
    if tenant is None:
        tenant = Tenant(platform=platform, external_id=external_id, name="", created_at=now)
        session.add(tenant)
        session.flush()
    return tenant


def resolve_actor(
    session: Session,
    tenant: Tenant,
    actor: Actor,
    *,
    now: datetime,
    coordinators: Collection[str] | rights.Grants,
    content: Content | None = None,
) -> Person:
    """The stored person behind an actor, created on first contact (`content` words the
    refusal of an actor that cannot be told apart: the workspace's language).

    TANDEM_COORDINATORS is applied whenever they are seen (bot.rights): it makes the people it
    names in this workspace coordinators, and takes back a right it gave and no longer does;
    everyone else becomes one only through `coordinator add`.
    The platform's name and zone are cleaned first: they come from outside and must fit the
    columns on every database, or the whole event would fail.
    """
    if not _fits(actor.user_id, MAX_USER_ID):
        raise Refusal((content or default_content()).text("identity.unknown_sender"))
    display_name = clean_name(actor.display_name or "")[:MAX_NAME].strip()
    person = session.scalar(
        select(Person).where(
            Person.tenant_id == tenant.id, Person.platform_user_id == actor.user_id
        )
    )
    if person is None:
        person = Person(
            tenant_id=tenant.id,
            platform_user_id=actor.user_id,
            # No name from the platform: the id stands in, normalised like any name.
            display_name=display_name or clean_name(actor.user_id)[:MAX_NAME] or actor.user_id,
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
    if actor.from_directory:
        person.profile_checked_at = now
    session.flush()
    change = rights.apply_setting(person, tenant, rights.as_grants(coordinators))
    if change is not None:
        verb = f"setting {change}"
        details: dict[str, object] = {"person_id": person.id}
        rights.record(session, tenant_id=tenant.id, actor=None, verb=verb, details=details, now=now)
        session.flush()
    return person


def name_of(person: Person) -> Text:
    """The person's name as they (or their platform) typed it: a typed span that remembers
    whose name it is, so every renderer shows it as typed and erasure finds it by reference."""
    return typed(person.display_name, person_id=person.id)


def normalise_ref(ref: str) -> str:
    """`@U123` and `U123` name the same platform user. A platform's own mention syntax is
    turned into the id by that platform's adapter (its translate step), never here."""
    return ref.strip().removeprefix("@")


def find_person(session: Session, tenant: Tenant, ref: str) -> Person | None:
    """A person named in a command, by platform user id only: a mention (which the Slack and
    Teams adapters hand over as the id) or the id itself. Never by display name: anyone can call
    themselves anything, and a name that matches someone else must never reach them."""
    ref = normalise_ref(ref)
    if not ref:
        return None
    return session.scalar(
        select(Person).where(
            Person.tenant_id == tenant.id,
            Person.forgotten_at.is_(None),
            Person.platform_user_id == ref,
        )
    )


def forgotten_name(content: Content) -> str:
    """What a forgotten person is called from then on, in the workspace's language."""
    return str(content.text("identity.forgotten_name"))


def unknown_person(ref: str, content: Content | None = None) -> Text:
    """The refusal for a reference that is no one's platform id (pass the turn's content)."""
    return (content or default_content()).text(
        "identity.unknown_person", ref=normalise_ref(ref) or ref
    )


# What clean_text removes: bidirectional overrides, embeddings, isolates and marks (they make
# a name read differently to others than it was typed), and zero-width characters.
INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff"
)
_DROPPED = ("Cc", "Cs")  # not user-facing: Unicode categories (control characters, surrogates)
# A whole ANSI escape sequence: CSI (ESC [ or U+009B, parameters, one final byte), OSC (ESC ]
# up to BEL or ST, or the end of the text), or ESC and any one other character.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[^\x1b\x9b\x9d]?",  # an ESC before another escape is alone: the next one starts
)


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Text from outside (commands, forms, files, platform profiles), normalised once on the
    way in, so what is stored and shown is what others will read:

    1. whole ANSI escape sequences go (not just their ESC, which left "[31m" behind);
    2. line ends become "\n"; control characters other than "\n" and "\t" go (PostgreSQL
       refuses NUL), and so do lone surrogates (no database can encode them) and INVISIBLE;
       with `multiline` False, "\n" and "\t" become spaces (a name is one line);
    3. the result is NFC, so "Zoë" typed two ways is stored one way.

    It is idempotent: clean_text(clean_text(t)) == clean_text(t).
    """
    text = _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        c
        for c in text
        if c in "\n\t" or (unicodedata.category(c) not in _DROPPED and c not in INVISIBLE)
    )
    if not multiline:
        kept = kept.replace("\n", " ").replace("\t", " ")
    return unicodedata.normalize("NFC", kept)


def clean_name(text: str) -> str:
    """A name or another one-line value: clean_text on one line, runs of spaces made one."""
    return " ".join(clean_text(text, multiline=False).split())


def is_time_zone(name: str | None) -> bool:
    return bool(name) and len(name or "") <= 64 and name in _zones()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the tz database from disk: once is enough


def _fits(identifier: str, width: int) -> bool:
    return 0 < len(identifier) <= width and clean_text(identifier) == identifier
