"""Engine replies -> terminal text with Rich markup (pure functions).

Everything a person typed can reach a reply (names, goals, notes). `bot.text.lines` has already
told Tandem's own markup apart from typed text, so every run is escaped for Rich and only the
engine's styles become tags: a name like "[bold]Sam" or "*Eve*" prints exactly as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rich.markup import escape

from adapters.words import words
from bot.delivery import Delivery
from bot.replies import Audience, Button, FieldKind, Form, FormField, Outcome, Reply
from bot.text import Line, lines

_STYLES = (("bold", "bold"), ("italic", "italic"))  # Run attribute -> Rich style
_EMPTY_TAG = "[dim][/dim]"  # styles nothing; only splits the text Rich scans for emoji codes
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # what Rich would read as a tag


def to_markup(text: str) -> str:
    """Light markup (`*bold*`, `_italic_`, `code`, `- ` bullets, `> ` quotes) as Rich markup."""
    shown = []
    for line in lines(text):
        prefix = "  • " if line.bullet else "  [dim]│[/dim] " if line.quote else ""
        shown.append(prefix + _line_markup(line))
    return "\n".join(shown)


def _line_markup(line: Line) -> str:
    """The line's runs as text and tags; each stretch of text is escaped as a whole."""
    out: list[str] = []
    pending: list[str] = []  # text not yet escaped: adjacent runs escape together
    for piece, is_tag in _pieces(line):
        if is_tag:
            # Rich's escape doubles a final backslash so that it cannot escape the tag after it.
            out.append(escape("".join(pending)))
            pending.clear()
            out.append(piece)
        else:
            pending.append(piece)
    out.append(_escape_end("".join(pending)))
    return "".join(out)


def _pieces(line: Line) -> Iterator[tuple[str, bool]]:
    """(text, False) and (tag, True) pieces: code runs share one pair of backticks."""
    in_code = False
    for run in line.runs:
        if run.code and not in_code:
            yield "[cyan]", True
            yield "`", False
        elif in_code and not run.code:
            yield "`", False
            yield "[/cyan]", True
        in_code = run.code
        styles = [style for attribute, style in _STYLES if getattr(run, attribute)]
        for style in styles:
            yield f"[{style}]", True
        if run.typed and ":" in run.text:
            yield from _without_emoji(run.text)
        else:
            yield run.text, False
        for style in reversed(styles):
            yield f"[/{style}]", True
    if in_code:
        yield "`", False
        yield "[/cyan]", True


def _without_emoji(typed: str) -> Iterator[tuple[str, bool]]:
    """Typed text with an empty tag after each colon, and around it.

    Rich turns `:smile:` into an emoji inside any one stretch of text, and markup escaping
    cannot prevent it; an empty tag between the colons can, and shows nothing.
    """
    yield _EMPTY_TAG, True
    for part in typed.split(":")[:-1]:
        yield part + ":", False
        yield _EMPTY_TAG, True
    yield typed.split(":")[-1], False
    yield _EMPTY_TAG, True


def _escape_end(text: str) -> str:
    """Like rich.markup.escape, without doubling a final backslash.

    Rich doubles it so that a tag *appended* to the text stays a tag; the end of a line is
    never followed by a tag, so doubling it there would print two backslashes for one.
    """
    return _TAG.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", text)


def to_buttons(buttons: Sequence[Button]) -> str:
    """Buttons as numbered choices: `[1] Yes, happy to meet   [2] Not for me`."""
    shown = []
    for number, button in enumerate(buttons, start=1):
        label = escape(button.label)
        style = "bold green" if button.primary else "green"  # not user-facing: a Rich style
        shown.append(f"[{style}]\\[{number}] {label}[/{style}]")
    return "   ".join(shown)


def to_reply(reply: Reply, *, language: str | None = None) -> str:
    """A whole reply: its text, then its buttons (a form is filled in separately); the
    console's own words in the reply's language, else in `language` (the app's default)."""
    parts = [to_markup(reply.text)] if reply.text.strip() else []
    if reply.buttons:
        parts.append(to_buttons(reply.buttons))
    if reply.form is not None and not reply.text.strip():
        a_form = say(reply.language or language, "a_form")
        parts.append(f"[bold]{escape(reply.form.title)}[/bold] {escape(a_form)}")
    return "\n".join(parts)


def names(delivery: Delivery) -> str:
    return " & ".join(r.name for r in delivery.recipients)


def to_header(delivery: Delivery, *, language: str | None = None) -> str:
    """Who it went to: `to Maya (private)`, `to Maya & Sam (pair)`, `to Hana (coordinator)`."""
    language = delivery.reply.language or language
    where = say(language, f"audience_{_AUDIENCES[delivery.audience]}")
    to = escape(say(language, "to", names=names(delivery)))
    return f"[bold magenta]{to}[/bold magenta] [dim]({escape(where)})[/dim]"


def to_answer(outcome: Outcome, form: Form | None = None, *, language: str | None = None) -> str:
    """What the engine answered the actor, with a refused form's errors under it."""
    answer = outcome.answer
    parts = [to_reply(answer, language=language)] if answer is not None else []
    if outcome.field_errors:
        parts.append(to_field_errors(outcome.field_errors, form))
    return "\n".join(p for p in parts if p)


def to_field_errors(errors: Mapping[str, str], form: Form | None = None) -> str:
    labels = {f.name: f.label for f in form.fields} if form else {}
    return "\n".join(
        f"  [red]✗ {escape(labels.get(name, name))}: {escape(message)}[/red]"
        for name, message in errors.items()
    )


def to_form_title(form: Form, *, language: str | None = None) -> str:
    """The form's title, how many questions it asks, and how to keep a default or stop."""
    title = "\ue000"  # stands in for the title, which is shown in bold
    intro = say(language, "form_intro", title=title, count=len(form.fields))
    before, _, after = intro.partition(title)
    return f"{escape(before)}[bold]{escape(form.title)}[/bold]{escape(after)}"


def to_field_prompt(
    field: FormField, *, number: int, total: int, language: str | None = None
) -> str:
    """One form question: label, hint, what is allowed, and the default kept on empty input."""

    def hint(key: str, **params: Any) -> str:
        return f"  [dim]{escape(say(language, key, **params))}[/dim]"

    optional = "" if field.required else f" [dim]{escape(say(language, 'optional'))}[/dim]"
    lines = [f"[bold]({number}/{total}) {escape(field.label)}[/bold]{optional}"]
    if field.hint:
        lines.append(f"  [dim]{escape(field.hint)}[/dim]")
    if field.kind is FieldKind.CHOICE:
        lines += [f"  {i}) {escape(c.label)}" for i, c in enumerate(field.choices, start=1)]
    elif field.kind is FieldKind.INTEGER and None not in (field.minimum, field.maximum):
        lines.append(hint("whole_number_hint", low=field.minimum, high=field.maximum))
    elif field.kind is FieldKind.DATE:
        lines.append(hint("date_hint"))
    elif field.kind is FieldKind.LONG_TEXT:
        lines.append(hint("more_lines_hint"))
    if field.initial:
        lines.append(hint("default", value=_shown_default(field)))
    if not field.required and field.initial:
        lines.append(hint("clear_hint"))
    return "\n".join(lines)


_AUDIENCES = {
    Audience.PERSON: "private",
    Audience.PAIR: "pair",
    Audience.COORDINATOR: "coordinator",
}


def say(language: str | None, key: str, **params: Any) -> str:
    """The console's own words, as plain text (the caller escapes them for Rich)."""
    return str(words(language).text(f"adapters.console.{key}", **params))


def _shown_default(field: FormField) -> str:
    initial = field.initial or ""
    if field.kind is FieldKind.CHOICE:
        for choice in field.choices:
            if choice.value == initial:
                return choice.label
    flat = " / ".join(part for part in initial.splitlines() if part.strip())
    return flat if len(flat) <= 120 else flat[:119] + "…"
