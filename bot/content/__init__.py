"""Coaching text, loaded from the YAML files beside this module, never written in code.

A leaf is a string or a list of strings. Any node may instead be a mapping keyed by programme
kind (`reverse`, `reciprocal`, `classic`, `sponsorship`) and then by role (`mentor`, `mentee`,
`senior`, `junior`, `coordinator`), with `default` as the fallback at either level. So
`text("intro.body", kind="reverse", role="mentor")` finds `intro.body.reverse.mentor`, else
`intro.body.reverse.default`, else `intro.body.default.mentor`, and so on. Placeholders are
`{name}` fields filled from keyword arguments.

A node may also be a plural map keyed by CLDR plural category (`zero`, `one`, `two`, `few`,
`many`, `other`): `text(key, count=n)` picks the language's form for n (Babel knows the rules)
and fills `{count}` with n written for the language. Dates, times and numbers are written by
`date`, `when`, `day_month` and `number`, with patterns from the language's own `formats`
section, so "Mon 04 Jan" in English is "Mo., 4. Jan." in German.

One folder per language (`en`, `de`, ...); a workspace's language is `tenants.language`,
else TANDEM_LANGUAGE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from bot.text import Text, compose, fields_of

HERE = Path(__file__).parent
KINDS = ("reverse", "reciprocal", "classic", "sponsorship")
ROLES = ("mentor", "mentee", "senior", "junior", "coordinator")
PLURALS = ("zero", "one", "two", "few", "many", "other")
DEFAULT_LANGUAGE = "en"


class ContentError(LookupError):
    """A key, a variant or a placeholder the content files do not provide."""


class Content:
    def __init__(self, tree: Mapping[str, Any], *, language: str = DEFAULT_LANGUAGE) -> None:
        self._tree = tree
        self.language = language
        self._bullets: dict[tuple[str, str | None, str | None], Text] = {}
        try:
            self.locale = Locale.parse(language)
        except (UnknownLocaleError, ValueError) as error:
            raise ContentError(f"{language!r} is not a language Babel knows") from error

    @classmethod
    def load(cls, *, language: str = "en", directory: Path | None = None) -> Content:
        folder = (directory or HERE) / language
        if not folder.is_dir():
            raise ContentError(f"no content for language {language!r} in {folder.parent}")
        tree: dict[str, Any] = {}
        for path in sorted(folder.glob("*.yaml")):
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            overlap = tree.keys() & loaded.keys()
            if overlap:
                raise ContentError(f"{path.name} repeats top-level keys {sorted(overlap)}")
            tree.update(loaded)
        return cls(tree, language=language)

    @classmethod
    def languages(cls, directory: Path | None = None) -> list[str]:
        """The languages there is content for."""
        root = directory or HERE
        return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.yaml")))

    def text(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: Any
    ) -> Text:
        node = self._plural(key, self._resolve(key, kind, role), params)
        if not isinstance(node, str):
            raise ContentError(f"{key} is a list; use lines()")
        return _fill(key, node.strip(), params)

    def lines(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: Any
    ) -> list[Text]:
        node = self._plural(key, self._resolve(key, kind, role), params)
        items = [node] if isinstance(node, str) else list(node)
        return [_fill(key, str(item).strip(), params) for item in items]

    def bullets(self, key: str, *, kind: str | None = None, role: str | None = None) -> Text:
        """The lines of `key` (a list without fields) as "- " bullets, one per line: built once
        per key and variant, as a sweep puts the same preparation tips in thousands of
        reminders."""
        found = self._bullets.get((key, kind, role))
        if found is None:
            found = Text.join("- " + line for line in self.lines(key, kind=kind, role=role))
            self._bullets[(key, kind, role)] = found
        return found

    # -- the language's way of writing numbers and moments --------------------------------------

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, day: dt.date) -> str:
        """A calendar day, e.g. "Mon 04 Jan 2027" / "Mo., 4. Jan. 2027"."""
        return format_date(day, self._format("date"), locale=self.locale)

    def day_month(self, day: dt.date) -> str:
        """A day without its year, e.g. "04 Jan" / "4. Jan."."""
        return format_date(day, self._format("day_month"), locale=self.locale)

    def when(self, moment: dt.datetime, zone: str) -> str:
        """A moment in someone's zone, naming the zone: "Mon 04 Jan 2027, 10:00 (Europe/London)"."""
        return _when(moment, zone, self._format("datetime"), self.language)

    def _format(self, name: str) -> str:
        return str(self._resolve(f"formats.{name}", None, None))

    def _plural(self, key: str, node: Any, params: dict[str, Any]) -> Any:
        """The form of a plural map for params["count"], which is then written as a number."""
        if not (isinstance(node, Mapping) and _is_plural_map(node)):
            return node
        if "count" not in params:
            raise ContentError(f"{key!r} has plural forms: pass count=")
        count = params["count"]
        form = self.locale.plural_form(abs(count))
        params["count"] = self.number(count)
        return node.get(form, node["other"])

    def template(self, key: str, *, kind: str | None = None, role: str | None = None) -> str:
        """The text of `key` with its `{fields}` unfilled (one text, not a list or plural map):
        for checks that look for a sentence whatever the language."""
        node = self._resolve(key, kind, role)
        if not isinstance(node, str):
            raise ContentError(f"{key!r} is not a single text")
        return node.strip()

    def has(self, key: str, *, kind: str | None = None, role: str | None = None) -> bool:
        try:
            self._resolve(key, kind, role)
        except ContentError:
            return False
        return True

    def keys(self) -> list[str]:
        """Every addressable key (variants folded away), for checks that all text is there."""
        found: list[str] = []

        def walk(node: Any, path: str) -> None:
            if isinstance(node, Mapping) and not _is_variant_map(node) and not _is_plural_map(node):
                for name, child in node.items():
                    walk(child, f"{path}.{name}" if path else str(name))
            else:
                found.append(path)

        walk(self._tree, "")
        return found

    def _resolve(self, key: str, kind: str | None, role: str | None) -> Any:
        node: Any = self._tree
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ContentError(f"no content for {key!r}")
            node = node[part]
        for selector in (kind, role):
            if isinstance(node, Mapping) and _is_variant_map(node):
                if selector in node:
                    node = node[selector]
                elif "default" in node:
                    node = node["default"]
                else:
                    raise ContentError(f"{key!r} has no variant for {selector!r} and no default")
        if isinstance(node, Mapping) and not _is_plural_map(node):
            raise ContentError(f"{key!r} is a section, not a text")
        return node


@lru_cache(maxsize=4096)
def _when(moment: dt.datetime, zone: str, pattern: str, language: str) -> str:
    """Babel's formatting is the dearest part of a reminder, and sessions cluster on the hour:
    the same moment, zone and language are written once."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_datetime(local, pattern, locale=Locale.parse(language))} ({zone})"


def _is_plural_map(node: Mapping[str, Any]) -> bool:
    """A leaf with a form per plural category; `other` is the one every language has."""
    return "other" in node and set(node) <= set(PLURALS)


def _is_variant_map(node: Mapping[str, Any]) -> bool:
    names = set(node)
    return bool(names) and names <= {*KINDS, *ROLES, "default"}


def _fill(key: str, template: str, params: Mapping[str, Any]) -> Text:
    """The template with its fields filled; every value stays typed text (see bot.text)."""
    missing = fields_of(template) - params.keys()
    if missing:
        raise ContentError(f"{key!r} needs {sorted(missing)}")
    return compose(template, **params)


@cache
def default_content(language: str = DEFAULT_LANGUAGE) -> Content:
    """The content of a language, loaded once per process."""
    return Content.load(language=language)


def content_in(language: str | None, fallback: Content | None = None) -> Content:
    """The content of `language` (loaded once per process), else `fallback` (default: the
    default language's): for no language, and for one whose folder has gone since it was
    chosen, rather than leaving anyone without words."""
    fallback = fallback or default_content()
    if not language or language == fallback.language:
        return fallback
    try:
        return default_content(language)
    except ContentError:
        return fallback


def content_for(tenant: Any, fallback: Content) -> Content:
    """A workspace's content: its own language when it chose one, else `fallback` (the
    operator's)."""
    return content_in(getattr(tenant, "language", None), fallback)
