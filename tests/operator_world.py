"""Workspaces on several platforms in one database, for the operator-command tests."""

from __future__ import annotations

from flow import accept_invitations
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.content import default_content
from bot.engine import Engine
from bot.events import Actor, Command
from storage.db import Database
from storage.models import OutboxMessage, Tenant

SLACK_TEAM = "T0TANDEM"  # the fake Slack's team (tests/slack_fake.py)
SLACK_PEOPLE = ("U0HANA", "U0MAYA", "U0SAM")  # coordinator, mentor, mentee: in the fake's cast
CONSOLE_PEOPLE = ("hana", "ola", "bo")


def engine_for(db: Database, clock: FakeClock) -> Engine:
    return Engine(
        db=db,
        clock=clock,
        content=default_content(),
        coordinators=frozenset({SLACK_PEOPLE[0], CONSOLE_PEOPLE[0]}),
    )


def paired(engine: Engine, *, platform: str, tenant: str, people: tuple[str, str, str]) -> None:
    """A programme with one pair, just introduced: the intros wait in the outbox."""
    coordinator, mentor, mentee = people
    actor = Actor(platform=platform, tenant=tenant, user_id=coordinator, display_name="Hana")
    for text in (
        "programme create P --kind classic",
        f"enrol {mentor} --programme P --role mentor --level 8",
        f"enrol {mentee} --programme P --role mentee --level 2",
        f"pair {mentor} {mentee} --programme P",
    ):
        if text.startswith("pair"):  # both accept their invitations first (bot.consent)
            accept_invitations(
                engine,
                [
                    Actor(platform=platform, tenant=tenant, user_id=who, display_name=who)
                    for who in (mentor, mentee)
                ],
            )
        outcome = engine.handle(Command(actor=actor, text=text))
        assert outcome.changed, (text, outcome.answer)


def outbox_by_platform(db: Database, *, delivered: bool | None = None) -> dict[str, int]:
    query = (
        select(Tenant.platform, func.count())
        .join(OutboxMessage, OutboxMessage.tenant_id == Tenant.id)
        .group_by(Tenant.platform)
    )
    if delivered is not None:
        query = query.where(
            OutboxMessage.delivered_at.is_not(None)
            if delivered
            else OutboxMessage.delivered_at.is_(None)
        )
    with db.transaction() as session:
        return {platform: count for platform, count in session.execute(query)}


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)
