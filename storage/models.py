"""The stored state of every tenant, person, programme and pair. UTC timestamps throughout."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are never stored; use the injected clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Tenant(Base):
    """A Slack workspace, a Teams tenant, or the console."""

    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    # The language its people read Tandem in (a folder of bot/content); None: the operator's
    # TANDEM_LANGUAGE.
    language: Mapped[str | None] = mapped_column(String(16), default=None)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start_hour: Mapped[int] = mapped_column(Integer, default=9)
    work_end_hour: Mapped[int] = mapped_column(Integer, default=17)
    # ISO weekdays (Monday = 1) on which a working day starts, and the first day back from
    # leave: scheduled messages wait for these (bot.hours).
    work_days: Mapped[str] = mapped_column(String(7), default="12345", server_default="12345")
    away_until: Mapped[date | None] = mapped_column(Date)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the coordinator right came from: "setting" (TANDEM_COORDINATORS, taken back when
    # the setting stops naming them) or "command" (`coordinator add`); None: not one.
    coordinator_source: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(200))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    forgotten_at: Mapped[datetime | None]
    # When the platform last told us this person's name and time zone (Slack's users.info);
    # adapters refresh it when it is older than a day.
    profile_checked_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship()


class CoordinatorAction(Base):
    """The audit trail: every coordinator action that changed something, who did it and when.

    People are stored by reference (`actor_id`, and person ids inside `details`), never by
    name, so erasing a person needs no text search; participants' free text is never kept.
    """

    __tablename__ = "coordinator_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the setting
    verb: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # bot.programmes.Kind
    default_sessions: Mapped[int] = mapped_column(Integer, default=6)
    default_cadence: Mapped[str] = mapped_column(String(16), default="monthly")
    default_length_minutes: Mapped[int] = mapped_column(Integer, default=60)
    focus_topics: Mapped[list[str]] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # mentor / mentee (reciprocal: either)
    seniority: Mapped[int] = mapped_column(Integer)  # 1 (newest) .. 10 (executive)
    topics_offered: Mapped[list[str]] = mapped_column(default=list)
    topics_wanted: Mapped[list[str]] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Consent (bot.consent): invited, then accepted (consent_at) or declined; left at any time.
    # Only an accepted enrolment that has not been left is matched. A decline or a leave is
    # kept, not deleted, so nobody is asked twice.
    invited_at: Mapped[datetime | None]
    consent_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship()


# The stages in which a pair is live: it holds its people (bot.stages; terminal ones do not).
LIVE_STAGES = ("proposed", "chemistry", "contracting", "active", "wrap_up", "paused")
_LIVE = text("stage IN (" + ", ".join(f"'{stage}'" for stage in LIVE_STAGES) + ")")


class Pair(Base):
    __tablename__ = "pairs"
    __table_args__ = (
        # A mentee is in at most one live pair per programme, whoever runs `match` or `pair`
        # at the same moment (migration 0003 says why the mentee side, not the mentor's).
        Index(
            "uq_pairs_live_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(16))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # who leads now
    match_reason: Mapped[str] = mapped_column(Text, default="")
    stage_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The next moment the scheduler has work for this pair (bot.due_at keeps it in step with
    # every write); None: nothing until someone acts. The sweep reads `due_at <= now` only.
    due_at: Mapped[datetime | None] = mapped_column(index=True)

    programme: Mapped[Programme] = relationship()
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])

    # Optimistic locking: two workers changing one pair at once cannot both win.
    __mapper_args__ = {"version_id_col": version}


class StageTransition(Base):
    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    from_stage: Mapped[str] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the bot
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Answer(Base):
    """A private answer at a gate: the intro ("happy to meet") and the chemistry meeting."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("pair_id", "person_id", "gate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    gate: Mapped[str] = mapped_column(String(16))  # intro / chemistry
    answer: Mapped[str] = mapped_column(String(16))  # yes / no / talk
    at: Mapped[datetime]


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("pair_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)
    length_minutes: Mapped[int] = mapped_column(Integer)
    cadence: Mapped[str] = mapped_column(String(16))
    medium: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    mentor_goals: Mapped[str] = mapped_column(Text)
    mentee_goals: Mapped[str] = mapped_column(Text)
    mentor_motivation: Mapped[str] = mapped_column(Text)
    agenda_owner: Mapped[str] = mapped_column(String(16))  # mentor / mentee / shared / alternate
    waits_until_end: Mapped[str] = mapped_column(Text, default="")
    confidentiality: Mapped[str] = mapped_column(Text, default="")
    destination: Mapped[str] = mapped_column(Text, default="")  # sponsorship only
    swap_after_session: Mapped[int | None] = mapped_column(Integer)  # reciprocal only
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed_at: Mapped[datetime]
    mentor_confirmed_at: Mapped[datetime | None]
    mentee_confirmed_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]


class MentoringSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("pair_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    planned_at: Mapped[datetime] = mapped_column(index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # who should lead
    # planned / held / missed / unreported (nobody checked in within a week)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # When the check-in goes out: an hour after the planned end, fixed when it is planned.
    checkin_due_at: Mapped[datetime] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    checkin_sent_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    happened: Mapped[bool] = mapped_column(Boolean)
    agenda_set_by: Mapped[str | None] = mapped_column(String(16))  # mentor / mentee / both
    challenge: Mapped[int | None] = mapped_column(Integer)  # 1..5
    breadth: Mapped[int | None] = mapped_column(Integer)  # 1..5
    jumped_to_solutions: Mapped[bool] = mapped_column(Boolean, default=False)
    career_talk: Mapped[bool] = mapped_column(Boolean, default=False)
    goals_moved: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")  # private: never shown to the partner
    submitted_at: Mapped[datetime]


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / met / dropped
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ActionItem(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / done / dropped
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class ParkedItem(Base):
    """Career advice or sponsorship raised during a reverse contract: handed back at wrap-up."""

    __tablename__ = "parked_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    topic: Mapped[str] = mapped_column(String(32))  # career_advice / sponsorship
    note: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime]
    handed_back_at: Mapped[datetime | None]


class Waypoint(Base):
    """A step on a sponsorship's route to the protégé's destination (bot/waypoints.py)."""

    __tablename__ = "waypoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))  # whose words the text is
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    reached_at: Mapped[datetime | None]


class NudgeSent(Base):
    """Every nudge sent, so cool-downs and escalations are decided from stored facts."""

    __tablename__ = "nudges_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    nudge: Mapped[str] = mapped_column(String(48))
    level: Mapped[int] = mapped_column(Integer, default=1)
    # What the nudge was about (usually a session number), so new evidence can fire it again
    # but the same evidence never does.
    about: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime]


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("pair_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    goals_met: Mapped[int] = mapped_column(Integer)  # 1..5
    take_back: Mapped[str] = mapped_column(Text, default="")
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_to_change: Mapped[str] = mapped_column(Text, default="")
    continue_as: Mapped[str] = mapped_column(String(24))  # bot.lifecycle.wrap_up.CONTINUE_AS
    submitted_at: Mapped[datetime]


class OutboxMessage(Base):
    """A reply waiting for delivery, written in the same transaction as the change behind it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    # A worker that claimed the row owns it until then; after that (it crashed) another may.
    claimed_until: Mapped[datetime | None]
    # Given up on: attempts used up, a permanent platform error, or it crashed its sender.
    # The coordinators were told; an operator can re-queue it by clearing this.
    quarantined_at: Mapped[datetime | None]
    # Not to be sent before: the start of the recipients' next working hours, for what the
    # scheduler queued outside them. None (answers to what someone just did) goes at once.
    not_before: Mapped[datetime | None]

    # The claim reads undelivered rows whose hold has passed: indexing not_before over the
    # undelivered rows only keeps it small however long the delivered history grows.
    __table_args__ = (
        Index(
            "ix_outbox_pending_not_before",
            "not_before",
            sqlite_where=text("delivered_at IS NULL AND quarantined_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL AND quarantined_at IS NULL"),
        ),
    )


class ConversationAddress(Base):
    """Where a platform reaches a person or a pair later (DESIGN.md section 11).

    Slack: the DM channel of a person, the group DM of a pair. Teams: a person's conversation
    reference (service URL, conversation, tenant, bot and user ids). Exactly one of person_id
    and pair_id is set. `unreachable_at` marks an address that stopped working (the app was
    uninstalled, the account deactivated); `reported_at` that the coordinators were told.
    """

    __tablename__ = "conversation_addresses"
    __table_args__ = (
        UniqueConstraint("platform", "person_id", name="uq_conversation_addresses_platform_person"),
        UniqueConstraint("platform", "pair_id", name="uq_conversation_addresses_platform_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"), index=True)
    address: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Inbound event ids already handled: platforms retry, and a retry must change nothing."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime]


class SchedulerLease(Base):
    """Which worker runs the scheduler: one row per lease name, held until `expires_at`."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class LastSweep(Base):
    """When the due work was last swept, per scope: "*" (every workspace: `tandem serve`,
    `tandem sweep`) or a comma-separated list of platforms (the console sweeps only its own).

    One row per scope, overwritten by each sweep, for `tandem status`.
    """

    __tablename__ = "last_sweeps"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    swept_at: Mapped[datetime]  # the moment the sweep judged due work at (its clock's now)
    ticks: Mapped[int] = mapped_column(Integer)  # how many due items it handled
