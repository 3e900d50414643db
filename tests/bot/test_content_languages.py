"""Every language beside English carries the same text, shaped the same way.

English (bot/content/en) is the reference. For each other language directory, every English
file has a twin of the same name, and file by file the raw YAML trees match: the same keys at
every level (variant maps keyed by kind and role included), lists of the same length, and in
every string the same set of `{placeholder}` fields. Translating is free; the shape is not, or
the engine would ask for a key, a variant or a field the language does not have.

Plural maps are the one place the shape may differ: each language has its own CLDR categories
(English `one`/`other`, Polish `one`/`few`/`many`/`other`), so there a language needs `other`
and every category its locale distinguishes, and its forms together use the placeholders the
English forms together use (a `one` form may say "a pair" rather than "{count} pair").
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel import Locale

from bot.content import PLURALS, Content

CONTENT_DIR = Path(__file__).resolve().parents[2] / "bot" / "content"
REFERENCE = "en"

LANGUAGES = [language for language in Content.languages(CONTENT_DIR) if language != REFERENCE]
ENGLISH_FILES = sorted(path.name for path in (CONTENT_DIR / REFERENCE).glob("*.yaml"))


def _load(language: str, filename: str) -> Any:
    return yaml.safe_load((CONTENT_DIR / language / filename).read_text(encoding="utf-8")) or {}


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _is_plural(node: Any) -> bool:
    return isinstance(node, dict) and "other" in node and set(node) <= set(PLURALS)


def _all_fields(node: Any) -> set[str]:
    if isinstance(node, str):
        return _fields(node)
    if isinstance(node, dict):
        return set().union(*(_all_fields(child) for child in node.values()))
    if isinstance(node, list):
        return set().union(*(_all_fields(child) for child in node))
    return set()


def _plural_differences(english: Any, other: Any, where: str, language: str) -> list[str]:
    if not _is_plural(other):
        return [f"{where}: English has plural forms {sorted(english)}, this has {other!r:.60}"]
    if isinstance(english, str) and "count" not in _fields(english):
        return [f"{where}: plural forms where English has a string without {{count}}"]
    found: list[str] = []
    needed = set(Locale.parse(language).plural_form.tags) | {"other"}
    if needed - other.keys():
        found.append(f"{where}: lacks the plural forms {sorted(needed - other.keys())}")
    try:
        wanted, got = _all_fields(english), _all_fields(other)
    except ValueError as error:
        return [*found, f"{where}: unbalanced braces ({error})"]
    if wanted != got:
        found.append(f"{where}: placeholders {sorted(got)} where English has {sorted(wanted)}")
    return found


def _kind_of(node: Any) -> str:
    if isinstance(node, dict):
        return "mapping"
    if isinstance(node, list):
        return "list"
    if isinstance(node, str):
        return "string"
    return type(node).__name__


def _differences(english: Any, other: Any, path: str, language: str) -> list[str]:
    """Where `other` is not shaped like `english`, one line each (empty when they match)."""
    where = path or "(top)"
    if _is_plural(english) or (isinstance(english, str) and _is_plural(other)):
        # A language may need plural forms where English gets by with one string for {count}.
        return _plural_differences(english, other, where, language)
    if _kind_of(english) != _kind_of(other):
        return [f"{where}: {_kind_of(other)} where English has a {_kind_of(english)}"]
    found: list[str] = []
    if isinstance(english, dict):
        missing = english.keys() - other.keys()
        extra = other.keys() - english.keys()
        if missing:
            found.append(f"{where}: missing keys {sorted(map(str, missing))}")
        if extra:
            found.append(f"{where}: keys English does not have {sorted(map(str, extra))}")
        for name in english.keys() & other.keys():
            child = f"{path}.{name}" if path else str(name)
            found += _differences(english[name], other[name], child, language)
    elif isinstance(english, list):
        if len(english) != len(other):
            found.append(f"{where}: {len(other)} items where English has {len(english)}")
        for index, (a, b) in enumerate(zip(english, other, strict=False)):
            found += _differences(a, b, f"{path}[{index}]", language)
    elif isinstance(english, str):
        try:
            wanted, got = _fields(english), _fields(other)
        except ValueError as error:
            return [f"{where}: unbalanced braces ({error})"]
        if wanted != got:
            found.append(f"{where}: placeholders {sorted(got)} where English has {sorted(wanted)}")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_english_file_has_a_twin(language: str) -> None:
    present = {path.name for path in (CONTENT_DIR / language).glob("*.yaml")}
    missing = sorted(set(ENGLISH_FILES) - present)
    strays = sorted(present - set(ENGLISH_FILES))
    assert not missing, f"{language} lacks {missing}"
    assert not strays, f"{language} has files English does not: {strays}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_addressable_keys_match_english(language: str) -> None:
    english = set(Content.load(language=REFERENCE).keys())
    other = set(Content.load(language=language).keys())
    assert not english - other, f"{language} lacks {sorted(english - other)}"
    assert not other - english, f"{language} has keys English does not: {sorted(other - english)}"


@pytest.mark.parametrize(
    ("language", "filename"),
    [(language, filename) for language in LANGUAGES for filename in ENGLISH_FILES],
)
def test_file_is_shaped_like_english(language: str, filename: str) -> None:
    """Same keys and variant sub-keys, same list lengths, same placeholders in every string."""
    if not (CONTENT_DIR / language / filename).is_file():
        pytest.fail(f"{language}/{filename} does not exist yet")
    problems = _differences(_load(REFERENCE, filename), _load(language, filename), "", language)
    assert not problems, f"{language}/{filename}:\n" + "\n".join(sorted(problems))
