"""Who is a coordinator of which workspace: TANDEM_COORDINATORS grants, and the audit trail.

An entry of the setting is `platform:workspace:user` (`slack:T123:U456`, `teams:<tenant id>:
<AAD object id>`, `console:console:hana`) or a plain user id. A plain id means "the only
configured workspace": it applies to a workspace only when the setting names no *other*
workspace explicitly. So `U456` alone applies wherever U456 writes; `U456,slack:T1:U9` applies
in slack:T1 only; and a plain id beside entries for two different workspaces names no single
workspace, which `parse_grants` refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CoordinatorAction, Person, Tenant

PLATFORMS = ("slack", "teams", "console")
SETTING = "setting"  # Person.coordinator_source for a right the setting grants
COMMAND = "command"  # ... and for one `coordinator add` grants


@dataclass(frozen=True)
class Grants:
    """The parsed TANDEM_COORDINATORS: qualified (platform, workspace, user) and plain ids."""

    qualified: frozenset[tuple[str, str, str]] = frozenset()
    plain: frozenset[str] = frozenset()

    @property
    def workspaces(self) -> frozenset[tuple[str, str]]:
        return frozenset((platform, workspace) for platform, workspace, _ in self.qualified)

    def covers(self, *, platform: str, workspace: str, user_id: str) -> bool:
        if (platform, workspace, user_id) in self.qualified:
            return True
        others = self.workspaces - {(platform, workspace)}
        return user_id in self.plain and not others


def parse_grants(entries: Iterable[str]) -> Grants:
    """The setting's entries, checked; ValueError says what is wrong with which entry."""
    qualified: set[tuple[str, str, str]] = set()
    plain: set[str] = set()
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        if ":" not in entry or entry.split(":", 1)[0] not in PLATFORMS:
            plain.add(entry)  # a plain id, which may hold a colon (Bot Framework's `29:...`)
            continue
        # The user id is the last part; a Teams tenant or user id never holds a colon.
        parts = entry.split(":")
        if len(parts) != 3 or not all(parts) or parts[0] not in PLATFORMS:
            raise ValueError(
                f"{entry!r} must be platform:workspace:user (platform one of "
                f"{', '.join(PLATFORMS)}), like slack:T123:U456, or a plain user id"
            )
        qualified.add((parts[0], parts[1], parts[2]))
    grants = Grants(qualified=frozenset(qualified), plain=frozenset(plain))
    if plain and len(grants.workspaces) > 1:
        raise ValueError(
            f"the plain id(s) {', '.join(sorted(plain))} could mean any of "
            f"{len(grants.workspaces)} workspaces named in it; write them as "
            "platform:workspace:user"
        )
    return grants


def apply_setting(person: Person, tenant: Tenant, grants: Grants) -> str | None:
    """Give or take back what the setting grants `person`; returns "granted", "revoked" or
    None (nothing changed). A right from `coordinator add` is never taken back here."""
    covered = grants.covers(
        platform=tenant.platform, workspace=tenant.external_id, user_id=person.platform_user_id
    )
    if covered and not person.is_coordinator and person.forgotten_at is None:
        person.is_coordinator, person.coordinator_source = True, SETTING
        return "granted"
    if not covered and person.is_coordinator and person.coordinator_source != COMMAND:
        person.is_coordinator, person.coordinator_source = False, None
        return "revoked"
    return None


def apply_setting_everywhere(session: Session, grants: Grants, *, now: datetime) -> int:
    """At start: take back every right the setting granted and no longer does. Returns how
    many were taken back. (Rights it grants are given when each person next appears.)"""
    taken = 0
    rows = session.execute(
        select(Person, Tenant)
        .join(Tenant, Tenant.id == Person.tenant_id)
        .where(Person.is_coordinator.is_(True), Person.coordinator_source == SETTING)
    ).all()
    for person, tenant in rows:
        if apply_setting(person, tenant, grants) == "revoked":
            record(
                session,
                tenant_id=tenant.id,
                actor=None,
                verb="setting revoked",  # not user-facing: an audit code; commands/audit words it
                details={"person_id": person.id},
                now=now,
            )
            taken += 1
    session.flush()
    return taken


def record(
    session: Session,
    *,
    tenant_id: int,
    actor: Person | None,
    verb: str,
    details: dict[str, object],
    now: datetime,
) -> None:
    """One line of the audit trail (people by id, never by name or free text)."""
    session.add(
        CoordinatorAction(
            tenant_id=tenant_id,
            actor_id=actor.id if actor is not None else None,
            verb=verb[:32],
            details=details,
            at=now,
        )
    )


def coordinators_of(session: Session, tenant_id: int) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .where(Person.tenant_id == tenant_id, Person.is_coordinator.is_(True))
            .order_by(Person.id)
        )
    )


def as_grants(entries: Collection[str] | Grants) -> Grants:
    return entries if isinstance(entries, Grants) else parse_grants(entries)
