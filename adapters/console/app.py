"""The interactive console, `tandem chat`: act as anyone and see exactly what each person gets.

Everything goes through the real engine, database and outbox. Deliveries land in an in-process
inbox per person; the console prints those addressed to whoever you are acting as, and tells
you when someone else has news. Simulated time moves only when you say `:wait`.

The console stays in its own world: it sweeps and delivers only its own workspace, and on a
database that also holds real (Slack or Teams) workspaces it says so and refuses `:wait`, so
simulated time is never written beside real data.
"""

from __future__ import annotations

import contextlib
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape

from adapters.console import render
from adapters.console.translate import (
    CANCEL,
    ConsoleInputError,
    Directive,
    split_redirect,
    to_directive,
    to_duration,
    to_event,
    to_field_value,
    wants_attachment,
)
from bot.clock import FakeClock
from bot.delivery import Delivery, Sender
from bot.engine import Engine
from bot.events import Actor, Event, Submission
from bot.replies import Button, FieldKind, File, Form, FormField, Outcome, Reply

PLATFORM = "console"
TENANT = "console"
STEP = timedelta(hours=1)  # the simulated scheduler sweeps once per simulated hour
HELP = """\
[bold]Console[/bold]
  :as <user> [Display Name]   act as someone else (their new messages are shown)
  :who                        who you are, the simulated time, and who has unread messages
  :inbox                      everything you (the current person) have received
  :wait 3d | 5h | 1w2d        let simulated time pass: the scheduler sweeps every hour
  :csv <file>                 attach a CSV file to your next `enrol --csv` command
  :help                       this list          :quit   leave
[bold]Buttons[/bold]: type the number shown, like [green]\\[1][/green], to press it.
[bold]Commands[/bold]: anything else goes to Tandem exactly as typed (the /tandem prefix is
  optional); `help` lists them. `enrol --csv --programme "X" < people.csv` attaches a file
  too; after any other command `<` is just text, as in a note ending in <3."""


class ConsoleIO(Protocol):
    def ask(self, prompt: str) -> str:
        """Read one line after showing `prompt` (Rich markup); raise EOFError when input ends."""
        ...

    def show(self, markup: str = "") -> None:
        """Print Rich markup."""
        ...


class TerminalIO:
    """Reads with input() and prints with Rich."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        with contextlib.suppress(ImportError):  # line editing and history where available
            import readline  # noqa: F401

    def ask(self, prompt: str) -> str:
        return self.console.input(prompt)

    def show(self, markup: str = "") -> None:
        self.console.print(markup)


@dataclass(frozen=True)
class Received:
    at: datetime
    delivery: Delivery


@dataclass
class Inbox:
    """An in-process Sender: every delivery is kept per recipient, with the moment it arrived."""

    clock: FakeClock
    messages: dict[str, list[Received]] = field(default_factory=dict)
    read: dict[str, int] = field(default_factory=dict)

    def send(self, delivery: Delivery) -> None:
        for recipient in delivery.recipients:
            self.messages.setdefault(recipient.user_id, []).append(
                Received(self.clock.now(), delivery)
            )

    def all(self, user: str) -> list[Received]:
        return list(self.messages.get(user, ()))

    def take_unread(self, user: str) -> list[Received]:
        everything = self.messages.get(user, [])
        start = self.read.get(user, 0)
        self.read[user] = len(everything)
        return everything[start:]

    def unread_counts(self) -> dict[str, int]:
        counts = {user: len(got) - self.read.get(user, 0) for user, got in self.messages.items()}
        return {user: n for user, n in sorted(counts.items()) if n}


class ConsoleApp:
    def __init__(
        self,
        *,
        engine: Engine,
        deliver: Callable[[Sender], int],
        clock: FakeClock,
        io: ConsoleIO,
        user: str,
        tenant: str = TENANT,
        sweep: Callable[[], int] | None = None,
        real_workspaces: Callable[[], list[str]] = list,
    ) -> None:
        self.engine = engine
        self._deliver_to = deliver
        # Only the console's own pairs: a shared database may hold real workspaces' pairs.
        self._sweep = sweep or partial(engine.sweep, platforms=(PLATFORM,))
        # Descriptions of the real workspaces in this database (none: simulated time is safe).
        self._real_workspaces = real_workspaces
        self.clock = clock
        self.io = io
        self.user = user
        self.tenant = tenant
        self.inbox = Inbox(clock)
        self.names: dict[str, str] = {}
        self.buttons: dict[str, tuple[Button, ...]] = {}
        self.attachment: tuple[str, str] | None = None  # (file name, text) for the next enrol --csv
        self.seen: set[str] = {user}
        self._language: str | None = None  # of the newest reply shown: the workspace's

    @property
    def language(self) -> str:
        """What the console says itself is in the workspace's language, as its replies show
        it, else the app's default (the operator's)."""
        return self._language or self.engine.content.language

    def _heard(self, reply: Reply) -> None:
        if reply.language:
            self._language = reply.language

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, greeting: str = "") -> int:
        self.io.show(
            f"[bold]Tandem console[/bold]: you are [bold]{escape(self.user)}[/bold]. "
            f"Simulated time: {self._when(self.clock.now())}. Type :help for help."
        )
        if greeting:
            self.io.show(f"[dim]{escape(greeting)}[/dim]")
        real = self._real_workspaces()
        if real:
            self.io.show(
                "[yellow]This database also holds real workspaces: "
                f"{escape('; '.join(real))}. The console touches only its own workspace "
                f"({PLATFORM} {escape(self.tenant)!r}): it sweeps and delivers nothing else, "
                "and :wait is off, so simulated time is never written beside real data."
                "[/yellow]"
            )
        self._deliver()
        self._show_new()
        while True:
            try:
                line = self.io.ask(f"[bold cyan]{escape(self.user)}>[/bold cyan] ")
            except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: leave quietly
                self.io.show()
                return 0
            if not self.step(line):
                return 0

    def step(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to quit."""
        try:
            directive = to_directive(line, language=self.language)
            if directive is not None:
                return self._directive(directive)
            self._command(line)
        except ConsoleInputError as error:
            self.io.show(f"[yellow]{escape(str(error))}[/yellow]")
        return True

    # -- directives ---------------------------------------------------------------------------

    def _directive(self, directive: Directive) -> bool:
        name, argument = directive.name, directive.argument
        if name == "quit":
            return False
        if name == "help":
            self.io.show(HELP)
        elif name == "as":
            self._switch(argument)
        elif name == "who":
            self._who()
        elif name == "inbox":
            everything = self.inbox.all(self.user)
            if not everything:
                self.io.show("[dim]Nothing received yet.[/dim]")
            for received in everything:
                self._show_message(received)
            self.inbox.take_unread(self.user)
        elif name == "wait":
            self._wait(to_duration(argument, language=self.language))
        elif name == "csv":
            self._attach(argument)
        return True

    def _switch(self, argument: str) -> None:
        try:
            words = shlex.split(argument)
        except ValueError:
            raise ConsoleInputError('Close the quote: :as hana "Hana Sato".') from None
        if not words:
            raise ConsoleInputError('Say who: :as maya, or :as maya "Maya Lind" to set a name.')
        self.user = words[0].lstrip("@")
        if len(words) > 1:
            self.names[self.user] = " ".join(words[1:])
        self.seen.add(self.user)
        self.io.show(f"You are now [bold]{escape(self.user)}[/bold].")
        self._show_new()

    def _who(self) -> None:
        name = self.names.get(self.user)
        shown = f"{self.user} ({name})" if name else self.user
        self.io.show(
            f"You are [bold]{escape(shown)}[/bold]; simulated time is "
            f"{self._when(self.clock.now())}."
        )
        unread = self.inbox.unread_counts()
        people = sorted(self.seen | set(self.inbox.messages))
        listing = ", ".join(
            escape(p) + (f" ({unread[p]} unread)" if p in unread else "") for p in people
        )
        self.io.show(f"People in this session: {listing}")

    def _wait(self, delta: timedelta) -> None:
        real = self._real_workspaces()
        if real:
            raise ConsoleInputError(
                f":wait is off: this database also holds real workspaces ({'; '.join(real)}), "
                "and simulated time must not be written beside their data. Give the console a "
                "database of its own to simulate time, e.g. DATABASE_URL=sqlite:///console.db."
            )
        end = self.clock.now() + delta
        while self.clock.now() < end:
            self.clock.advance(min(STEP, end - self.clock.now()))
            self._sweep()
            self._deliver()
        self.io.show(f"[dim]Time passes… it is now {self._when(self.clock.now())}.[/dim]")
        self._show_new()

    def _attach(self, argument: str) -> None:
        path = Path(argument.strip().strip('"'))
        self.attachment = (path.name, _read(path))
        lines = len(self.attachment[1].splitlines())
        self.io.show(
            f"Attached {escape(path.name)} ({lines} lines): it goes with your next "
            "`enrol --csv` command."
        )

    # -- commands, buttons and forms ----------------------------------------------------------

    def _command(self, line: str) -> None:
        text, path = split_redirect(line)
        attachment = None
        if path is not None and not Path(path).expanduser().is_file():
            # Only an existing file is attached; otherwise the `<` is text, sent as typed.
            self.io.show(f"[dim]There is no file {escape(path)}, so `<` goes as typed.[/dim]")
            text, path = line, None
        if path is not None:  # only after `enrol --csv`: elsewhere `<` is part of what was typed
            attachment = _read(Path(path).expanduser())
        elif wants_attachment(text) and self.attachment is not None:
            attachment = self.attachment[1]
            self.attachment = None
        event = to_event(
            text,
            actor=self.actor(),
            buttons=self.buttons.get(self.user, ()),
            attachment=attachment,
            language=self.language,
        )
        if event is None:
            return
        outcome = self._handle(event)
        answer = outcome.answer
        if answer is not None and answer.form is not None:
            if answer.text.strip():
                self._show_answer(outcome)
            self._fill(answer.form, answer.language or self.language)
        else:
            self._show_answer(outcome)
        self._show_new()

    def _fill(self, form: Form, language: str) -> None:
        """Ask the form field by field; after a refusal, ask again only the refused fields."""
        self.io.show(render.to_form_title(form, language=language))
        by_name = {f.name: f for f in form.fields}
        numbers = {f.name: i for i, f in enumerate(form.fields, start=1)}
        values: dict[str, str] = {}
        asking = list(form.fields)
        while asking:
            for form_field in asking:
                value = self._ask_field(
                    form_field, numbers[form_field.name], len(form.fields), language
                )
                if value is None:
                    self.io.show(escape(render.say(language, "cancelled")))
                    return
                values[form_field.name] = value
            outcome = self._handle(
                Submission(
                    actor=self.actor(), form_id=form.form_id, context=form.context, values=values
                )
            )
            self._show_answer(outcome, form)
            asking = [by_name[name] for name in outcome.field_errors if name in by_name]
            if asking:
                self.io.show(f"[dim]{escape(render.say(language, 'fix_those'))}[/dim]")

    def _ask_field(
        self, form_field: FormField, number: int, total: int, language: str
    ) -> str | None:
        prompt = render.to_field_prompt(form_field, number=number, total=total, language=language)
        self.io.show(prompt)
        while True:
            try:
                typed = self._read_value(form_field)
            except (EOFError, KeyboardInterrupt):
                return None
            if typed.strip().lower() == CANCEL:
                return None
            try:
                return to_field_value(form_field, typed, language=language)
            except ConsoleInputError as error:
                self.io.show(f"  [red]✗ {escape(str(error))}[/red]")

    def _read_value(self, form_field: FormField) -> str:
        line = self.io.ask("  [dim]>[/dim] ")
        if form_field.kind is not FieldKind.LONG_TEXT:
            return line
        lines = []
        while line.endswith("\\"):
            lines.append(line[:-1].rstrip())
            line = self.io.ask("  [dim]…[/dim] ")
        lines.append(line)
        return "\n".join(lines)

    # -- engine and output --------------------------------------------------------------------

    def actor(self) -> Actor:
        return Actor(
            platform=PLATFORM,
            tenant=self.tenant,
            user_id=self.user,
            display_name=self.names.get(self.user),
        )

    def _handle(self, event: Event) -> Outcome:
        outcome = self.engine.handle(event)
        self._deliver()
        return outcome

    def _deliver(self) -> int:
        return self._deliver_to(self.inbox)

    def _show_answer(self, outcome: Outcome, form: Form | None = None) -> None:
        if outcome.answer is not None:
            self._heard(outcome.answer)
        shown = render.to_answer(outcome, form, language=self.language)
        if shown:
            self.io.show(shown)
        if outcome.answer is not None and outcome.answer.files:
            self._write_files(outcome.answer.files)
        if outcome.answer is not None and outcome.answer.buttons:
            self.buttons[self.user] = outcome.answer.buttons

    def _write_files(self, files: tuple[File, ...]) -> None:
        """A report's CSV and chart (a my-data export): written to disk, their paths shown."""
        folder = getattr(self, "files_dir", None)
        if folder is None:
            folder = self.files_dir = Path(tempfile.mkdtemp(prefix="tandem-files-"))
        for file in files:
            path = folder / Path(file.name).name  # a plain name: never a path out of the folder
            path.write_bytes(file.data)
            self.io.show(f"[dim]Saved {escape(file.media_type)}:[/dim] {escape(str(path))}")

    def _show_new(self) -> None:
        for received in self.inbox.take_unread(self.user):
            self._show_message(received)
        others = {u: n for u, n in self.inbox.unread_counts().items() if u != self.user}
        if others:
            waiting = ", ".join(f"{escape(u)} ({n})" for u, n in others.items())
            self.io.show(f"[dim]New messages for {waiting}: :as <user> to read them.[/dim]")

    def _show_message(self, received: Received) -> None:
        reply: Reply = received.delivery.reply
        self._heard(reply)
        header = render.to_header(received.delivery, language=self.language)
        self.io.show(f"[dim]{self._when(received.at)}[/dim] {header}")
        self.io.show(render.to_reply(reply, language=self.language))
        if reply.buttons:
            self.buttons[self.user] = reply.buttons

    @staticmethod
    def _when(moment: datetime) -> str:
        return f"{moment:%a %d %b %Y %H:%M} UTC"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConsoleInputError(f"Can't read {path}: {error}") from None
