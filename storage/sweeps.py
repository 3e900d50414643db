"""The sweep's bookkeeping for operators: which pairs a scoped sweep may touch, and when the
last sweep of each scope ran (`tandem status` reads it)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import LastSweep, Pair, Programme, Tenant

EVERYWHERE = "*"

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def scope_of(platforms: Collection[str] | None) -> str:
    """The LastSweep key for a sweep limited to `platforms` (None: every workspace)."""
    return EVERYWHERE if platforms is None else ",".join(sorted(set(platforms)))


def pairs_on(session: Session, pair_ids: Iterable[int], platforms: Collection[str]) -> set[int]:
    """Those of `pair_ids` whose programme belongs to a workspace on one of `platforms`."""
    wanted = set(pair_ids)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Pair.id)
            .join(Programme, Programme.id == Pair.programme_id)
            .join(Tenant, Tenant.id == Programme.tenant_id)
            .where(Pair.id.in_(wanted), Tenant.platform.in_(list(platforms)))
        )
    )


def record_sweep(
    session: Session, *, at: datetime, ticks: int, platforms: Collection[str] | None = None
) -> None:
    """Remember that a sweep of this scope judged due work at `at` and handled `ticks`."""
    insert = _INSERTS[session.get_bind().dialect.name](LastSweep).values(
        scope=scope_of(platforms), swept_at=at, ticks=ticks
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[LastSweep.scope],
            set_={"swept_at": insert.excluded.swept_at, "ticks": insert.excluded.ticks},
        )
    )
