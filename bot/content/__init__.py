"""Coaching text, loaded from the YAML files beside this module, never written in code.

A leaf is a string or a list of strings. Any node may instead be a mapping keyed by programme
kind (`reverse`, `reciprocal`, `classic`, `sponsorship`) and then by role (`mentor`, `mentee`,
`senior`, `junior`, `coordinator`), with `default` as the fallback at either level. So
`text("intro.body", kind="reverse", role="mentor")` finds `intro.body.reverse.mentor`, else
`intro.body.reverse.default`, else `intro.body.default.mentor`, and so on. Placeholders are
`{name}` fields filled from keyword arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.text import Text, compose, fields_of

HERE = Path(__file__).parent
KINDS = ("reverse", "reciprocal", "classic", "sponsorship")
ROLES = ("mentor", "mentee", "senior", "junior", "coordinator")


class ContentError(LookupError):
    """A key, a variant or a placeholder the content files do not provide."""


class Content:
    def __init__(self, tree: Mapping[str, Any]) -> None:
        self._tree = tree

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
        return cls(tree)

    def text(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: Any
    ) -> Text:
        node = self._resolve(key, kind, role)
        if not isinstance(node, str):
            raise ContentError(f"{key} is a list; use lines()")
        return _fill(key, node.strip(), params)

    def lines(
        self, key: str, *, kind: str | None = None, role: str | None = None, **params: Any
    ) -> list[Text]:
        node = self._resolve(key, kind, role)
        items = [node] if isinstance(node, str) else list(node)
        return [_fill(key, str(item).strip(), params) for item in items]

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
            if isinstance(node, Mapping) and not _is_variant_map(node):
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
        if isinstance(node, Mapping):
            raise ContentError(f"{key!r} is a section, not a text")
        return node


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
def default_content() -> Content:
    return Content.load()
