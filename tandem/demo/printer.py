"""The demo transcript: one rule line per simulated day, then who did what and who got what.

Every message and answer is printed from what the engine produced. To keep six months
readable, what was already printed is not printed again, and always visibly so: a sentence
seen before (names aside) becomes (…), a bullet list seen before becomes a note saying when
it was shown, and a message identical to the one just above says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from adapters.console import render
from bot.delivery import Delivery
from bot.replies import FieldKind, Form, Outcome, Reply

INDENT = 7  # "HH:MM  "
MIN_BULLETS = 3  # shorter lists are cheaper to repeat than to refer back to
MIN_SENTENCE = 25  # short sentences ("Lovely.") are cheaper to repeat than to elide
ELIDED = "[dim](…)[/dim]"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*_\"'(])")


class Printer:
    def __init__(self, console: Console, *, zone: tzinfo, names: Iterable[str] = ()) -> None:
        self.console = console
        self.zone = zone
        self.day: date | None = None
        self.lists: dict[tuple[str, ...], str] = {}  # a bullet list -> when it was first shown
        self.sentences: set[str] = set()
        self.previous: tuple[str, str, datetime] | None = None  # (text, names, at) just shown
        # Longest first, so "Maya Lind" is folded before "Maya".
        parts = {n for full in names for n in (full, full.split()[0])}
        self._names = re.compile("|".join(map(re.escape, sorted(parts, key=len, reverse=True))))

    # -- the frame ------------------------------------------------------------------------------

    def title(self, markup: str) -> None:
        self.console.rule(markup, characters="═")

    def note(self, markup: str) -> None:
        for line in Text.from_markup(markup).wrap(self.console, self.console.width):
            line.rstrip()
            self.console.print(line, soft_wrap=True)

    def narrate(self, at: datetime, text: str) -> None:
        """The story's own words (what people do off-line), never made to look like Tandem."""
        self._day(at)
        self._emit(self._time(at), f"[italic yellow]▸ {escape(text)}[/italic yellow]")

    # -- what people do -------------------------------------------------------------------------

    def command(
        self, at: datetime, who: str, text: str, outcome: Outcome, attachment: str | None = None
    ) -> None:
        self._day(at)
        self._emit(
            self._time(at),
            f"[bold cyan]{escape(who)}[/bold cyan] › [cyan]/tandem {escape(text)}[/cyan]",
        )
        if attachment:
            self._emit("", "[dim]with the file:[/dim]")
            for line in attachment.strip().splitlines():
                self._emit("", f"[dim]  {escape(line)}[/dim]")
        self._answer(outcome)

    def press(self, at: datetime, who: str, label: str, outcome: Outcome) -> None:
        self._day(at)
        self._emit(
            self._time(at),
            f"[bold cyan]{escape(who)}[/bold cyan] presses [green]\\[{escape(label)}][/green]",
        )
        self._answer(outcome)

    def submit(
        self,
        at: datetime,
        who: str,
        form: Form,
        typed: Mapping[str, str],
        outcome: Outcome,
        *,
        opened_with: str | None,
    ) -> None:
        self._day(at)
        doing = (
            f"presses [green]\\[{escape(opened_with)}][/green] and fills in"
            if opened_with
            else "corrects"
        )
        kept = any(f.initial for f in form.fields if f.name not in typed)
        rest = ", keeping the suggested answers for the rest" if kept and opened_with else ""
        self._emit(
            self._time(at),
            f"[bold cyan]{escape(who)}[/bold cyan] {doing} “{escape(form.title)}”{rest}:",
        )
        by_name = {f.name: f for f in form.fields}
        answers = []
        for name, value in typed.items():
            field = by_name[name]
            shown = value
            if field.kind is FieldKind.CHOICE:
                shown = next((c.label for c in field.choices if c.value == value), value)
            shown = " / ".join(part for part in shown.splitlines() if part) or "(empty)"
            answers.append(f"[dim]{escape(field.label)}[/dim] {escape(shown)}")
        self._emit("", " [dim]·[/dim] ".join(answers))
        self._answer(outcome, form)

    # -- what Tandem sends ----------------------------------------------------------------------

    def delivery(self, at: datetime, delivery: Delivery) -> None:
        self._day(at)
        text = delivery.reply.text
        names = render.names(delivery)
        self._emit(self._time(at), f"→ {render.to_header(delivery)}")
        previous = self.previous
        if previous and previous[0] == text and previous[2] == at and previous[1] != names:
            self._emit(
                "",
                f"[italic]word for word the same message as {escape(previous[1])} "
                "got just above[/italic]",
            )
        else:
            self._emit("", self._reply(delivery.reply, to=names, at=at))
        self.previous = (text, names, at)

    # -- helpers ----------------------------------------------------------------------------------

    def _answer(self, outcome: Outcome, form: Form | None = None) -> None:
        answer = outcome.answer
        if answer is None or (answer.form is not None and not answer.text):
            return
        shown = self._reply(answer, to="", at=None)
        if outcome.field_errors:
            shown += "\n" + render.to_field_errors(outcome.field_errors, form)
        self._emit("", f"[dim]↳[/dim] {shown}")

    def _reply(self, reply: Reply, *, to: str, at: datetime | None) -> str:
        """The reply as markup, with what was printed before left out, visibly."""
        out: list[str] = []
        lines = reply.text.splitlines()
        index = 0
        hidden = 0  # whole lines shown before, in a row: one marker says how many
        while index < len(lines):
            end = index
            while end < len(lines) and lines[end].startswith("- "):
                end += 1
            block = tuple(lines[index:end])
            shown: list[str] = []
            if len(block) >= MIN_BULLETS and at is not None:
                if block in self.lists:
                    shown.append(
                        f"[dim italic](the same {len(block)} points as on "
                        f"{self.lists[block]}, not repeated here)[/dim italic]"
                    )
                else:
                    self.lists[block] = f"{self._local(at):%a %d %b} to {to}"
                    shown.extend(render.to_markup(line) for line in block)
            elif block:
                shown.extend(render.to_markup(line) for line in block)
            else:
                end = index + 1
                line = self._elide(lines[index], first=index == 0)
                if line == ELIDED:
                    hidden += 1
                    index = end
                    continue
                shown.append(line)
            if hidden:
                out.append(_hidden(hidden))
                hidden = 0
            out.extend(shown)
            index = end
        if hidden:
            out.append(_hidden(hidden))
        if reply.buttons:
            out.append(render.to_buttons(reply.buttons))
        return "\n".join(out)

    def _elide(self, line: str, *, first: bool) -> str:
        """The line's sentences as markup, those printed before (names aside) as (…)."""
        if line.rstrip().endswith(":"):
            return render.to_markup(line)  # it introduces what follows: keep it
        out: list[str] = []
        for number, sentence in enumerate(_SENTENCE_END.split(line)):
            key = self._names.sub("§", sentence) if self._names.pattern else sentence
            seen = key in self.sentences
            self.sentences.add(key)
            # A question is kept: it is what the buttons under it answer.
            if (
                seen
                and len(sentence) >= MIN_SENTENCE
                and not sentence.endswith("?")
                and not (first and number == 0)
            ):
                if not out or out[-1] != ELIDED:
                    out.append(ELIDED)
            else:
                out.append(render.to_markup(sentence))
        return " ".join(out)

    def _emit(self, prefix: str, markup: str) -> None:
        """Print `markup` after `prefix`, wrapped with a hanging indent and no trailing spaces."""
        width = max(30, self.console.width - INDENT)
        first = True
        for line in Text.from_markup(markup).wrap(self.console, width):
            line.rstrip()
            head = Text.from_markup(prefix) if first else Text("")
            if line.plain or first:
                head.pad_right(INDENT - head.cell_len)
            self.console.print(Text.assemble(head, line), soft_wrap=True)
            first = False

    def _day(self, at: datetime) -> None:
        day = self._local(at).date()
        if day != self.day:
            self.day = day
            self.previous = None
            self.console.print()
            self.console.rule(f"[bold]{self._local(at):%A %d %B %Y}[/bold]", style="blue")

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    def _time(self, at: datetime) -> str:
        return f"[dim]{self._local(at):%H:%M}[/dim]"


def _hidden(lines: int) -> str:
    return ELIDED if lines == 1 else f"[dim](… {lines} lines shown before)[/dim]"
