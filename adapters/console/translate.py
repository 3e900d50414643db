"""Typed console lines -> engine events, and typed form answers -> raw values (pure functions).

A line is one of: a `:directive` the console handles itself (`:as maya`, `:wait 3d`), a number
that presses the Nth button of the newest message with buttons, or a command (`/tandem` is
optional), sent exactly as typed. Files are attached only to `enrol --csv`: by `:csv people.csv`
before it, or by `enrol --csv ... < people.csv`. Nowhere else does `<` mean a file, so a note
ending in `<3` or holding a `<https://…|link>` reaches the engine as typed.

What the console says itself (a refused line, a refused answer) is in `language`, the one of
the workspace or form it is about, else the default (bot/content/<language>/adapters.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.words import words
from bot.commands import grammar
from bot.events import Action, Actor, Command
from bot.replies import Button, FieldKind, FormField

PREFIX = "/tandem"
DIRECTIVES = ("as", "who", "inbox", "wait", "csv", "help", "quit")
CANCEL = ":cancel"
CLEAR = "-"  # typed into an optional form field: leave it empty even if it has a default
MAX_WAIT = timedelta(days=400)

_DURATION = re.compile(r"(\d{1,4})\s*([wdhm])")
_REDIRECT = re.compile(r"\s<\s*(\S+)\s*$")


class ConsoleInputError(ValueError):
    """Input the console itself can't use; the message tells the person what to type instead."""


def _refuse(language: str | None, key: str, **params: Any) -> ConsoleInputError:
    return ConsoleInputError(str(words(language).text(f"adapters.{key}", **params)))


@dataclass(frozen=True, kw_only=True)
class Directive:
    """A line starting with ':' that the console app handles rather than the engine."""

    name: str
    argument: str = ""


def to_directive(line: str, *, language: str | None = None) -> Directive | None:
    """`:as maya` -> Directive("as", "maya"); anything not starting with ':' -> None."""
    text = line.strip()
    if not text.startswith(":"):
        return None
    name, _, argument = text[1:].partition(" ")
    name = name.lower()
    if name in ("q", "exit"):
        name = "quit"
    if name not in DIRECTIVES:
        known = ", ".join(f":{d}" for d in DIRECTIVES)
        raise _refuse(language, "console.unknown_directive", name=name, known=known)
    return Directive(name=name, argument=argument.strip())


def to_event(
    line: str,
    *,
    actor: Actor,
    buttons: Sequence[Button] = (),
    attachment: str | None = None,
    language: str | None = None,
) -> Command | Action | None:
    """A typed line as an engine event; None for a blank line.

    A bare number presses that button of the newest message with buttons, like a tap in Slack.
    """
    text = line.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        if not buttons:
            raise _refuse(language, "console.no_buttons")
        number = int(text)
        if not 1 <= number <= len(buttons):
            raise _refuse(language, "console.pick_button", high=len(buttons))
        button = buttons[number - 1]
        return Action(actor=actor, action=button.action, value=button.value)
    return Command(actor=actor, text=strip_prefix(text), attachment=attachment)


def strip_prefix(text: str) -> str:
    """`/tandem match X` and `match X` mean the same; the engine wants the words after /tandem."""
    if text.lower() == PREFIX or text.lower().startswith(PREFIX + " "):
        return text[len(PREFIX) :].strip()
    return text


def split_redirect(text: str) -> tuple[str, str | None]:
    """`enrol --csv --programme X < people.csv` -> (the command, "people.csv"); any other line
    -> (the line as typed, None).

    Only `enrol --csv` takes a file, so only after it can `<` name one; a `<` inside quotes is
    part of the text. Whether the file exists is the app's question (this stays pure).
    """
    match = _REDIRECT.search(text)
    if match is None or text[: match.start()].count('"') % 2:
        return text, None
    command = text[: match.start()].rstrip()
    if not wants_attachment(command):
        return text, None
    return command, match.group(1)


def wants_attachment(text: str) -> bool:
    """Is this a well-formed `enrol --csv` command, the one command that takes a file?

    The engine's own grammar decides, so `goals add learn --csv` or a note naming `--csv`
    never takes (or uses up) a file.
    """
    try:
        parsed = grammar.parse(strip_prefix(text.strip()))
    except grammar.UsageError:
        return False
    return parsed.verb == "enrol" and parsed.options.get("csv") is True


def to_duration(text: str, *, language: str | None = None) -> timedelta:
    """`3d`, `5h`, `2w`, `1d12h`, `90m` -> a timedelta; anything else is refused."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise _refuse(language, "console.wait_how_long")
    unit = {
        "w": timedelta(weeks=1),
        "d": timedelta(days=1),
        "h": timedelta(hours=1),
        "m": timedelta(minutes=1),
    }
    total = sum((int(n) * unit[u] for n, u in parts), timedelta())
    if total <= timedelta(0):
        raise _refuse(language, "console.wait_at_least")
    if total > MAX_WAIT:
        raise _refuse(language, "console.wait_at_most", count=MAX_WAIT.days)
    return total


def to_field_value(field: FormField, typed: str, *, language: str | None = None) -> str:
    """A typed answer as the raw value the engine expects, checked as the engine checks it.

    Empty input keeps the field's initial value; `-` clears an optional field. Choices may be
    given by number, by value or by label. Rules that involve several fields (an end date after
    the start) are the engine's: they come back as field errors after submitting.
    """
    text = typed.strip()
    if not text:
        if field.initial:
            return field.initial
        if field.required:
            raise _refuse(language, "common.fill_in")
        return ""
    if text == CLEAR and not field.required:
        return ""
    if field.kind is FieldKind.INTEGER:
        return _integer(field, text, language)
    if field.kind is FieldKind.CHOICE:
        return _choice(field, text, language)
    if field.kind is FieldKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise _refuse(language, "console.date") from None
    return text


def _integer(field: FormField, text: str, language: str | None) -> str:
    low, high = field.minimum, field.maximum
    if low is not None and high is not None:
        refusal = _refuse(language, "common.whole_number", low=low, high=high)
    else:
        refusal = _refuse(language, "console.a_whole_number")
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) < 10):
        raise refusal
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        raise refusal
    return str(number)


def _choice(field: FormField, text: str, language: str | None) -> str:
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(field.choices):
        return field.choices[int(text) - 1].value
    for choice in field.choices:
        if text.lower() in (choice.value.lower(), choice.label.lower()):
            return choice.value
    raise _refuse(language, "console.pick_number", high=len(field.choices))
