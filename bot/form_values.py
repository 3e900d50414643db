"""Reading a submitted form field by field, collecting one clear error per field.

Every form (contract, check-in, evaluation) validates the same kinds of value the same way, so
a person sees the same wording for the same mistake wherever they make it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from bot.content import Content, default_content

# Stated limits on what people type. A note, a contract field or an evaluation answer: MAX_TEXT
# characters. A goal or an action: MAX_ITEM characters, at most MAX_ITEMS in one field (one a
# line). A pair holds at most MAX_GOALS goals and MAX_OPEN_ACTIONS open actions, so a reminder
# listing them all stays far under Slack's 40,000 characters a message (and a section's 3,000
# per item).
MAX_TEXT = 2000
MAX_ITEM = 300
MAX_ITEMS = 10
MAX_GOALS = 20
MAX_OPEN_ACTIONS = 20
E = TypeVar("E", bound=StrEnum)
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: str.isdigit() accepts "²", int() doesn't


class FormValues:
    """The values of one submitted form. `content` words the errors in the reader's language
    (the turn's content); without it they are in the operator's default language."""

    def __init__(self, values: Mapping[str, object], content: Content | None = None) -> None:
        self._values = values
        self._content = content or default_content()
        self.errors: dict[str, str] = {}

    def _error(self, key: str, **params: Any) -> str:
        return self._content.text(f"forms.errors.{key}", **params)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)  # the first problem with a field is the one shown

    def raw(self, name: str) -> str:
        value = self._values.get(name)
        return value.strip() if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, missing: str = "") -> str:
        value = self.raw(name)
        if required and not value:
            self.fail(name, missing or self._error("fill_in"))
        elif len(value) > MAX_TEXT:
            self.fail(name, self._error("too_long", limit=MAX_TEXT))
        return value

    def number(self, name: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, self._error("fill_in"))
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            self.fail(name, self._error("whole_number", low=low, high=high))
            return None
        if not low <= int(value) <= high:
            self.fail(name, self._error("number_range", low=low, high=high))
            return None
        return int(value)

    def choice(
        self, name: str, allowed: Iterable[str], *, required: bool = False, missing: str = ""
    ) -> str | None:
        options = tuple(allowed)
        value = self.raw(name).lower()
        if not value:
            if required:
                self.fail(name, missing or self._error("answer"))
            return None
        if value not in options:
            self.fail(name, self._pick_one(options))
            return None
        return value

    def member(self, name: str, enum: type[E]) -> E | None:
        """A required choice that is one of an enum's values."""
        values = [m.value for m in enum]
        missing = self._pick_one(values)
        value = self.choice(name, values, required=True, missing=missing)
        return None if value is None else enum(value)

    def day(self, name: str) -> date | None:
        try:
            return date.fromisoformat(self.raw(name))
        except ValueError:
            self.fail(name, self._error("date"))
            return None

    def lines(self, name: str, *, required: bool = False) -> list[str]:
        """A long text typed one item per line, bullets and blank lines dropped; at most
        MAX_ITEMS lines of at most MAX_ITEM characters each."""
        text = self.text(name, required=required)
        items = [line.strip("-• \t") for line in text.splitlines() if line.strip("-• \t")]
        if len(items) > MAX_ITEMS:
            self.fail(name, self._error("too_many_lines", limit=MAX_ITEMS, count=len(items)))
        elif any(len(item) > MAX_ITEM for item in items):
            self.fail(name, self._error("line_too_long", limit=MAX_ITEM))
        return items

    def _pick_one(self, options: Iterable[str]) -> str:
        # The options are the values a person types or picks, the same in every language.
        return self._error("pick_one", options=", ".join(options))
