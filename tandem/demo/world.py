"""The demo's world: real engine, storage and outbox, people acting on it, and simulated time.

Time moves like a scheduler that sweeps on the hour: every hour while something is due or
someone has just acted, and once each morning otherwise. Quiet hours are skipped, which is
what lets six months run in seconds; `hourly=True` sweeps every simulated hour instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from string import Formatter

from bot import due, wire
from bot.clock import FakeClock
from bot.content import Content
from bot.delivery import Delivery
from bot.events import Action, Actor, Command, Event, Submission
from bot.lifecycle.contracting import OPEN_FORM
from bot.replies import Button, Form, Outcome
from tandem.bootstrap import App
from tandem.demo.checks import StorylineError
from tandem.demo.printer import Printer

HOUR = timedelta(hours=1)
MORNING = time(9, 0)  # the daily sweep, local time: nudges and end dates are judged by the day


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    about: str


@dataclass(frozen=True)
class Received:
    at: datetime
    delivery: Delivery


class World:
    def __init__(
        self,
        *,
        app: App,
        clock: FakeClock,
        printer: Printer,
        zone: tzinfo,
        hourly: bool = False,
        tenant: str = "demo",
    ) -> None:
        self.app = app
        self.clock = clock
        self.printer = printer
        self.zone = zone
        self.hourly = hourly
        self.tenant = tenant
        self.received: list[Received] = []
        self.sweeps = 0
        self._acted = False  # someone acted since the last sweep: sweep again on the hour
        self.content = app.content  # the demo workspace reads the operator's language
        self._opened: dict[tuple[str, str, str], str] = {}  # (who, form, context) -> button

    # -- the sender: every delivery is recorded and printed as it arrives ---------------------

    def send(self, delivery: Delivery) -> None:
        self.received.append(Received(self.clock.now(), delivery))
        self.printer.delivery(self.clock.now(), delivery)

    # -- people acting --------------------------------------------------------------------------

    def actor(self, who: Person) -> Actor:
        return Actor(
            platform="console",
            tenant=self.tenant,
            user_id=who.user_id,
            display_name=who.name,
            timezone=str(self.zone),
        )

    def command(self, who: Person, text: str, *, attachment: str | None = None) -> Outcome:
        outcome = self._handle(Command(actor=self.actor(who), text=text, attachment=attachment))
        self.printer.command(self.clock.now(), who.name, text, outcome, attachment)
        self._deliver()
        return outcome

    def words(self, key: str, **params: object) -> str:
        """What Tandem calls something in the demo's language (a button's label, say): the
        story presses buttons by what people see on them, in whatever language that is."""
        return str(self.content.text(key, **params))

    def says(self, text: str, key: str, **known: str) -> bool:
        """Whether `text` holds the sentence `key` in the demo's language, with the `known`
        fields as given and any others as whatever they were: checks that hold in any language.
        """
        template = self.content.template(key)
        pattern = ""
        for literal, field, _spec, _conversion in Formatter().parse(template):
            pattern += re.escape(literal)
            if field is not None:
                pattern += re.escape(known[field]) if field in known else ".*?"
        return re.search(pattern, text, flags=re.DOTALL) is not None

    def press(self, who: Person, action: str, *, value: str = "", label: str = "") -> Outcome:
        """Press the newest button `who` received for `action` (and value prefix, or label)."""
        button = self.button(who, action, value=value, label=label)
        outcome = self._handle(
            Action(actor=self.actor(who), action=button.action, value=button.value)
        )
        self.printer.press(self.clock.now(), who.name, button.label, outcome)
        self._deliver()
        return outcome

    def open_form(self, who: Person, form_id: str, *, label: str = "") -> Form:
        """Press the button that opens a form; it is printed with the first submission."""
        button = self.button(who, OPEN_FORM, value=form_id + ":", label=label)
        outcome = self._handle(
            Action(actor=self.actor(who), action=button.action, value=button.value)
        )
        if outcome.answer is None or outcome.answer.form is None:
            self.printer.press(self.clock.now(), who.name, button.label, outcome)
            raise StorylineError(f"{who.name}'s {button.label!r} button opened no form")
        form = outcome.answer.form
        self._opened[(who.user_id, form.form_id, form.context)] = button.label
        return form

    def submit(
        self,
        who: Person,
        form: Form,
        typed: Mapping[str, str],
        *,
        base: Mapping[str, str] | None = None,
    ) -> tuple[Outcome, dict[str, str]]:
        """Submit `form` with the suggested values, then `base`, then what `who` typed."""
        names = {f.name for f in form.fields}
        if typed.keys() - names:
            raise StorylineError(f"{form.form_id} has no field {sorted(typed.keys() - names)}")
        values = {f.name: f.initial or "" for f in form.fields} | dict(base or {}) | dict(typed)
        outcome = self._handle(
            Submission(
                actor=self.actor(who), form_id=form.form_id, context=form.context, values=values
            )
        )
        opened_with = self._opened.pop((who.user_id, form.form_id, form.context), None)
        self.printer.submit(
            self.clock.now(), who.name, form, typed, outcome, opened_with=opened_with
        )
        self._deliver()
        return outcome, values

    def narrate(self, text: str) -> None:
        self.printer.narrate(self.clock.now(), text)

    # -- reading what people received -----------------------------------------------------------

    def inbox(self, who: Person, *, since: int = 0) -> list[Received]:
        return [
            r
            for r in self.received[since:]
            if any(p.user_id == who.user_id for p in r.delivery.recipients)
        ]

    def button(self, who: Person, action: str, *, value: str = "", label: str = "") -> Button:
        for received in reversed(self.inbox(who)):
            for button in received.delivery.reply.buttons:
                if (
                    button.action == action
                    and _arguments(button.value, self.content).startswith(value)
                    and (not label or button.label == label)
                ):
                    return button
        raise StorylineError(f"{who.name} has no {action!r} button {value or label!r} to press")

    def has_button(self, who: Person, action: str, value: str, *, since: int) -> Callable[[], bool]:
        def check() -> bool:
            return any(
                b.action == action and _arguments(b.value, self.content).startswith(value)
                for r in self.inbox(who, since=since)
                for b in r.delivery.reply.buttons
            )

        return check

    def mark(self) -> int:
        return len(self.received)

    # -- time -------------------------------------------------------------------------------------

    def at(self, moment: datetime) -> None:
        """Let time pass until `moment`, sweeping as the scheduler would on the way."""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=self.zone)
        if moment < self.clock.now():
            raise StorylineError(f"the story went back in time to {moment}")
        while (sweep := self._next_sweep()) <= moment:
            self._sweep_at(sweep)
        self.clock.set(moment)

    def later(self, **delta: float) -> None:
        self.at(self.clock.now() + timedelta(**delta))

    def until(self, happened: Callable[[], bool], *, within: timedelta, what: str) -> None:
        """Let time pass until `happened()`; the storyline breaks if that takes over `within`."""
        deadline = self.clock.now() + within
        while not happened():
            sweep = self._next_sweep()
            if sweep > deadline:
                raise StorylineError(f"{what} did not happen within {within.days} days")
            self._sweep_at(sweep)

    def local(self, day_offset: int, hour: int, minute: int = 0) -> datetime:
        """`day_offset` days after today (simulated, local time), at hour:minute."""
        today = self.clock.now().astimezone(self.zone).date() + timedelta(days=day_offset)
        return datetime.combine(today, time(hour, minute), tzinfo=self.zone)

    def _sweep_at(self, moment: datetime) -> None:
        self.clock.set(moment)
        self._acted = False
        self.sweeps += 1
        self.app.engine.sweep()
        self._deliver()

    def _next_sweep(self) -> datetime:
        now = self.clock.now()
        on_the_hour = _next_hour(now)
        if self.hourly or self._acted:
            return on_the_hour
        local = now.astimezone(self.zone)
        morning = datetime.combine(local.date(), MORNING, tzinfo=self.zone)
        if morning <= local:
            morning = datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=self.zone)
        candidates = [morning]
        for moment in self._due_moments():
            candidates.append(on_the_hour if moment <= now else _hour_from(moment))
        return min(candidates)

    def _due_moments(self) -> list[datetime]:
        with self.app.db.transaction() as db:
            return due.session_moments(db, self.clock.now())

    # -- engine -----------------------------------------------------------------------------------

    def _handle(self, event: Event) -> Outcome:
        self._acted = True
        return self.app.engine.handle(event)

    def _deliver(self) -> None:
        self.app.deliver(self)


def _hour_from(moment: datetime) -> datetime:
    """The first whole hour at or after `moment`."""
    whole = moment.replace(minute=0, second=0, microsecond=0)
    return whole if whole == moment else whole + HOUR


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour strictly after `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0) + HOUR


def _arguments(value: str, content: Content) -> str:
    """A button value without its wire version, as the story names buttons: `1:yes`."""
    return ":".join(wire.decode(value, content)[1])
