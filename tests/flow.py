"""A conversation script for engine tests: say, press, submit, let time pass, read the inbox.

In the spirit of botbuilder's TestFlow: a scenario reads as a few lines, and every message
goes through the real engine, the real database and the real outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot import wire
from bot.clock import FakeClock
from bot.content import default_content
from bot.delivery import Delivery, deliver_pending
from bot.engine import Engine
from bot.events import Action, Actor, Command, Submission
from bot.replies import Button, Outcome, Reply
from storage.db import Database

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class RecordingSender:
    deliveries: list[Delivery] = field(default_factory=list)

    def send(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)


class Flow:
    def __init__(
        self, db: Database, *, coordinators: Iterable[str] = ("hana",), start: datetime = START
    ):
        self.db = db
        self.clock = FakeClock(start)
        self.engine = Engine(
            db=db, clock=self.clock, content=default_content(), coordinators=frozenset(coordinators)
        )
        self.sender = RecordingSender()
        self._read: dict[str, int] = {}

    @staticmethod
    def actor(who: str) -> Actor:
        return Actor(platform="console", tenant="test", user_id=who, display_name=who.capitalize())

    # -- acting ---------------------------------------------------------------------------

    def command(self, who: str, text: str, *, attachment: str | None = None) -> Outcome:
        outcome = self.engine.handle(
            Command(actor=self.actor(who), text=text, attachment=attachment)
        )
        self.deliver()
        return outcome

    def press(self, who: str, action: str, value: str) -> Outcome:
        outcome = self.engine.handle(Action(actor=self.actor(who), action=action, value=value))
        self.deliver()
        return outcome

    def press_button(self, who: str, action: str) -> Outcome:
        """Press the newest button `who` received for `action` (like tapping it in Slack)."""
        return self.press(who, action, self.button(who, action).value)

    def submit(self, who: str, form_id: str, context: str, **values: str) -> Outcome:
        outcome = self.engine.handle(
            Submission(actor=self.actor(who), form_id=form_id, context=context, values=values)
        )
        self.deliver()
        return outcome

    def advance(self, *, days: int = 0, hours: int = 0) -> None:
        """Let time pass the way production does: a sweep every hour, delivery after each."""
        end = self.clock.now() + timedelta(days=days, hours=hours)
        while self.clock.now() < end:
            self.clock.advance(min(timedelta(hours=1), end - self.clock.now()))
            self.engine.sweep()
            self.deliver()

    def deliver(self) -> int:
        return deliver_pending(db=self.db, clock=self.clock, sender=self.sender)

    # -- reading --------------------------------------------------------------------------

    def received(self, who: str) -> list[Reply]:
        """Everything delivered to `who`, privately or with their pair, oldest first."""
        return [
            d.reply for d in self.sender.deliveries if any(r.user_id == who for r in d.recipients)
        ]

    def new(self, who: str) -> list[Reply]:
        """What `who` received since the last call to `new` for them."""
        everything = self.received(who)
        start = self._read.get(who, 0)
        self._read[who] = len(everything)
        return everything[start:]

    def texts(self, who: str) -> str:
        return "\n---\n".join(reply.text for reply in self.received(who))

    def button(self, who: str, action: str) -> Button:
        for reply in reversed(self.received(who)):
            for button in reply.buttons:
                if button.action == action:
                    return button
        raise AssertionError(f"{who} has no button for {action!r}")

    def invitation(self, who: str, answer: str = "accept") -> Button:
        """The newest invitation button (bot.consent) `who` received: accept or decline; where
        a test holds delivery back, the one waiting for them in the outbox."""
        for reply in reversed([*self.received(who), *self._waiting_for(who)]):
            for button in reply.buttons:
                if button.action == "consent" and unversioned(button.value).endswith(":" + answer):
                    return button
        raise AssertionError(f"{who} has no invitation to {answer}")

    def _waiting_for(self, who: str) -> list[Reply]:
        from sqlalchemy import select

        from storage.models import OutboxMessage, Person

        with self.db.transaction() as session:
            payloads = session.scalars(
                select(OutboxMessage.payload)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(Person.platform_user_id == who, OutboxMessage.delivered_at.is_(None))
                .order_by(OutboxMessage.id)
            ).all()
        return [Reply.from_dict(payload) for payload in payloads]

    def answer_invitation(self, who: str, answer: str = "accept") -> Outcome:
        """Press Accept (or Decline) on `who`'s newest invitation, as they would."""
        return self.press(who, "consent", self.invitation(who, answer).value)

    def form_value(self, who: str, form_prefix: str) -> str:
        """The arguments of the newest open_form button for a form (e.g. 'checkin:3')."""
        for reply in reversed(self.received(who)):
            for button in reply.buttons:
                if button.action == "open_form" and unversioned(button.value).startswith(
                    form_prefix + ":"
                ):
                    return unversioned(button.value)
        raise AssertionError(f"{who} has no {form_prefix} form button")


def accept_invitations(engine: Engine, people: Iterable[Actor]) -> None:
    """Each person accepts every invitation still waiting for them (bot.consent), pressing its
    Accept button through the engine as they would; for tests that drive the engine directly."""
    from sqlalchemy import select

    from storage.models import Enrolment, Person, Tenant

    for actor in people:
        with engine.db.transaction() as session:
            waiting = session.scalars(
                select(Enrolment.id)
                .join(Person, Person.id == Enrolment.person_id)
                .join(Tenant, Tenant.id == Person.tenant_id)
                .where(
                    Tenant.platform == actor.platform,
                    Tenant.external_id == actor.tenant,
                    Person.platform_user_id == actor.user_id,
                    Enrolment.invited_at.is_not(None),
                    Enrolment.consent_at.is_(None),
                    Enrolment.declined_at.is_(None),
                    Enrolment.left_at.is_(None),
                )
            ).all()
        for enrolment_id in waiting:
            outcome = engine.handle(
                Action(actor=actor, action="consent", value=wire.encode(enrolment_id, "accept"))
            )
            assert outcome.changed, outcome.answer


def unversioned(value: str) -> str:
    """A button value's arguments without its wire version: `v1:checkin:3` -> `checkin:3`."""
    return ":".join(wire.decode(value, default_content())[1])
