"""`tandem status`: per workspace, what is due in the next day, the outbox and the last sweep.

Read-only: everything is counted in a handful of grouped queries, whatever the size, so an
operator can run it against a busy production database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import (
    LastSweep,
    MentoringSession,
    OutboxMessage,
    Pair,
    Programme,
    SchedulerLease,
    Tenant,
)
from storage.sweeps import EVERYWHERE

AHEAD = timedelta(days=1)
CONSOLE = "console"


@dataclass(frozen=True, kw_only=True)
class Workspace:
    platform: str
    external_id: str
    name: str
    due: int
    backlog: int
    oldest_waiting: datetime | None
    quarantined: int
    last_sweep: datetime | None

    @property
    def label(self) -> str:
        return f"{self.platform} {self.external_id}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True, kw_only=True)
class Lease:
    name: str
    holder: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class Status:
    now: datetime
    due_meaning: str  # what the "due" column counts
    workspaces: tuple[Workspace, ...]
    leases: tuple[Lease, ...]
    last_sweep: datetime | None  # of every workspace at once (the scheduler's)
    last_sweep_ticks: int | None


def has_due_at() -> bool:
    """Whether pairs carry their next due moment (issue 7, item 1) in this version."""
    return "due_at" in Pair.__table__.c


def gather(db: Database, *, now: datetime) -> Status:
    with db.transaction() as session:
        tenants = session.scalars(select(Tenant).order_by(Tenant.platform, Tenant.id)).all()
        due, meaning = _due(session, now)
        backlog, oldest = _backlog(session)
        quarantined = _count_by_tenant(
            session,
            select(OutboxMessage.tenant_id, func.count()).where(
                OutboxMessage.quarantined_at.is_not(None)
            ),
        )
        sweeps = {row.scope: row for row in session.scalars(select(LastSweep))}
        leases = tuple(
            Lease(name=row.name, holder=row.holder, expires_at=row.expires_at)
            for row in session.scalars(select(SchedulerLease).order_by(SchedulerLease.name))
        )
    everywhere = sweeps.get(EVERYWHERE)
    workspaces = tuple(
        Workspace(
            platform=tenant.platform,
            external_id=tenant.external_id,
            name=tenant.name,
            due=due.get(tenant.id, 0),
            backlog=backlog.get(tenant.id, 0),
            oldest_waiting=oldest.get(tenant.id),
            quarantined=quarantined.get(tenant.id, 0),
            last_sweep=_last_sweep_of(tenant.platform, sweeps.values()),
        )
        for tenant in tenants
    )
    return Status(
        now=now,
        due_meaning=meaning,
        workspaces=workspaces,
        leases=leases,
        last_sweep=everywhere.swept_at if everywhere else None,
        last_sweep_ticks=everywhere.ticks if everywhere else None,
    )


def real_workspaces(db: Database) -> list[str]:
    """The workspaces in this database that are not the console's: real people's data."""
    with db.transaction() as session:
        tenants = session.scalars(
            select(Tenant).where(Tenant.platform != CONSOLE).order_by(Tenant.platform, Tenant.id)
        ).all()
        return [
            f"{t.platform} {t.external_id}" + (f" ({t.name})" if t.name else "") for t in tenants
        ]


def _due(session: Session, now: datetime) -> tuple[dict[int, int], str]:
    until = now + AHEAD
    by_tenant = (
        select(Programme.tenant_id, func.count())
        .select_from(Pair)
        .join(Programme, Programme.id == Pair.programme_id)
    )
    if has_due_at():
        due_at = Pair.__table__.c["due_at"]
        query = by_tenant.where(due_at.is_not(None), due_at <= until)
        return _count_by_tenant(session, query), "pairs with something due by then (pairs.due_at)"
    query = by_tenant.join(MentoringSession, MentoringSession.pair_id == Pair.id).where(
        MentoringSession.status == "planned",
        MentoringSession.planned_at > now,
        MentoringSession.planned_at <= until,
    )
    return (
        _count_by_tenant(session, query),
        "sessions planned by then (this version has no pairs.due_at to count due pairs by)",
    )


def _backlog(session: Session) -> tuple[dict[int, int], dict[int, datetime]]:
    rows = session.execute(
        select(OutboxMessage.tenant_id, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.quarantined_at.is_(None))
        .group_by(OutboxMessage.tenant_id)
    ).all()
    counts = {tenant_id: count for tenant_id, count, _ in rows}
    # min() of a timestamp comes back as it is stored (SQLite: naive text), so read it back
    # through the column's type rather than trusting the driver.
    oldest = {tenant_id: _aware(first) for tenant_id, _, first in rows if first is not None}
    return counts, oldest


def _count_by_tenant(session: Session, query: Any) -> dict[int, int]:
    """`query` selects (tenant id, count); grouped here by its first column."""
    return {
        tenant_id: count
        for tenant_id, count in session.execute(query.group_by(query.selected_columns[0]))
    }


def _last_sweep_of(platform: str, sweeps: Iterable[LastSweep]) -> datetime | None:
    covering = [
        row.swept_at
        for row in sweeps
        if row.scope == EVERYWHERE or platform in row.scope.split(",")
    ]
    return max(covering, default=None)


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- output -------------------------------------------------------------------------------------


def show(status: Status, *, console: Console, plain: bool, database: str) -> None:
    """Rich tables on a terminal; aligned plain text (for logs and scripts) otherwise."""
    lines = _summary(status, database)
    headers = (
        "Workspace",
        "Due ≤ 1 day",
        "Outbox waiting",
        "Oldest waiting",
        "Quarantined",
        "Last sweep",
    )
    rows = [
        (
            w.label,
            str(w.due),
            str(w.backlog),
            _when(w.oldest_waiting),
            str(w.quarantined),
            _when(w.last_sweep),
        )
        for w in status.workspaces
    ]
    if plain:
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        console.print(markup=False)
        for line in _aligned([headers, *rows]):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if not rows:
            console.print("(no workspaces yet)", markup=False)
        return
    for line in lines:
        console.print(line, markup=False, highlight=False)
    table = Table(title="Workspaces", title_justify="left")
    for header in headers:
        table.add_column(header, justify="left" if header in {"Workspace"} else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _summary(status: Status, database: str) -> list[str]:
    now = status.now
    leaders = [
        f"{lease.holder} (lease {lease.name!r} until {_when(lease.expires_at)})"
        for lease in status.leases
        if lease.expires_at > now
    ]
    lapsed = [
        f"{lease.holder}'s lease {lease.name!r} lapsed at {_when(lease.expires_at)}"
        for lease in status.leases
        if lease.expires_at <= now
    ]
    leader = (
        ", ".join(leaders) if leaders else "none" + (f" ({'; '.join(lapsed)})" if lapsed else "")
    )
    if status.last_sweep is None:
        swept = "never (no sweep of every workspace recorded)"
    else:
        swept = f"{_when(status.last_sweep)}, {status.last_sweep_ticks} due items handled"
    return [
        f"Tandem status at {_when(now)}: {database}",
        f"Leader: {leader}",
        f"Last sweep: {swept}",
        f"Due ≤ 1 day counts {status.due_meaning}.",
    ]


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"
