"""Reading a submitted form field by field, collecting one clear error per field.

Every form (contract, check-in, evaluation) validates the same kinds of value the same way, so
a person sees the same wording for the same mistake wherever they make it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

MAX_TEXT = 2000
E = TypeVar("E", bound=StrEnum)
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: str.isdigit() accepts "²", int() doesn't


class FormValues:
    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)  # the first problem with a field is the one shown

    def raw(self, name: str) -> str:
        value = self._values.get(name)
        return value.strip() if isinstance(value, str) else ""

    def text(
        self, name: str, *, required: bool = False, missing: str = "Please fill this in."
    ) -> str:
        value = self.raw(name)
        if required and not value:
            self.fail(name, missing)
        elif len(value) > MAX_TEXT:
            self.fail(name, f"Please keep this under {MAX_TEXT} characters.")
        return value

    def number(self, name: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, "Please fill this in.")
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            self.fail(name, f"Please give a whole number from {low} to {high}.")
            return None
        if not low <= int(value) <= high:
            self.fail(name, f"Please give a number from {low} to {high}.")
            return None
        return int(value)

    def choice(
        self, name: str, allowed: Iterable[str], *, required: bool = False, missing: str = ""
    ) -> str | None:
        options = tuple(allowed)
        value = self.raw(name).lower()
        if not value:
            if required:
                self.fail(name, missing or "Please answer this one.")
            return None
        if value not in options:
            self.fail(name, f"Please pick one of: {', '.join(options)}.")
            return None
        return value

    def member(self, name: str, enum: type[E]) -> E | None:
        """A required choice that is one of an enum's values."""
        values = [m.value for m in enum]
        missing = f"Please pick one of: {', '.join(values)}."
        value = self.choice(name, values, required=True, missing=missing)
        return None if value is None else enum(value)

    def day(self, name: str) -> date | None:
        try:
            return date.fromisoformat(self.raw(name))
        except ValueError:
            self.fail(name, "Please give a date as YYYY-MM-DD, for example 2027-03-01.")
            return None

    def lines(self, name: str) -> list[str]:
        """A long text typed one item per line, bullets and blank lines dropped."""
        return [line.strip("-• \t") for line in self.text(name).splitlines() if line.strip("-• \t")]
