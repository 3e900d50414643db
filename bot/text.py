"""Reply text that keeps the engine's own wording apart from what people typed.

A `Text` is a sequence of spans. An engine span is Tandem's own wording with its light markup
(`*bold*`, `_italic_`, `` `code` ``, `- ` bullets, `> ` quotes). A typed span is something a
person typed (a name, a goal, a note): it is never read as markup, and it remembers whose words
it is, so erasure can find it by reference instead of by searching text.

`Text` is a `str` whose value is the plain text, so it reads, compares and logs like one. Only
the functions here keep the spans: `compose` (the template filler the content files use),
`typed`, `Text.join` and `+`. An f-string or `"".join` of a Text gives a plain `str`, and a
plain `str` in a reply counts as engine wording; so typed text goes through these functions.

`lines()` parses the markup once, platform-neutrally, into styled runs; every renderer (Slack,
Teams, console) escapes each run for its platform and applies the run's style, so a typed
`*Eve*` (or a Slack broadcast, or a Teams mention) is shown exactly as typed everywhere.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple


class Span(NamedTuple):
    text: str
    typed: bool = False
    person_id: int | None = None  # whose words (or name) a typed span is, when known


class Text(str):
    """Plain text as a `str`, with the spans that say which parts were typed by people."""

    spans: tuple[Span, ...]

    def __new__(cls, spans: Iterable[Span] = ()) -> Text:
        # Neighbours of the same kind merge; a span with nothing to merge is kept as it is, not
        # rebuilt. Written for speed: a sweep builds a dozen per message, thousands per sweep.
        merged: list[Span] = []
        last: Span | None = None  # the latest span kept, still open to merging
        texts: list[str] | None = None  # the texts merged into `last` so far, when any
        for span in spans:
            if not span[0]:
                continue
            if type(span) is not Span:
                span = Span(*span)
            if last is not None and span[1] == last[1] and span[2] == last[2]:
                if texts is None:
                    texts = [last[0]]
                texts.append(span[0])
                continue
            if last is not None:
                merged.append(last if texts is None else _span("".join(texts), last))
            last, texts = span, None
        if last is not None:
            merged.append(last if texts is None else _span("".join(texts), last))
        obj = super().__new__(cls, "".join([span[0] for span in merged]))
        obj.spans = tuple(merged)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle keep the spans
        return (Text, (self.spans,))

    def __add__(self, other: str) -> Text:  # type: ignore[override]
        return Text((*self.spans, *as_text(other).spans))

    def __radd__(self, other: str) -> Text:
        return Text((*as_text(other).spans, *self.spans))

    @classmethod
    def engine(cls, text: str) -> Text:
        """Tandem's own wording, with its light markup."""
        return text if isinstance(text, Text) else cls((Span(str(text)),))

    @staticmethod
    def join(parts: Iterable[str], sep: str = "\n") -> Text:
        spans: list[Span] = []
        between = Span(str(sep))  # engine wording, and a plain str as every span's text is
        for index, part in enumerate(parts):
            if index:
                spans.append(between)
            spans.extend(as_text(part).spans)
        return Text(spans)

    @property
    def people(self) -> frozenset[int]:
        """The people whose names or words this text contains."""
        return frozenset(s.person_id for s in self.spans if s.person_id is not None)

    def to_json(self) -> list[list[Any]]:
        return [[s.text, s.typed, s.person_id] for s in self.spans]

    @classmethod
    def from_json(cls, data: Iterable[Iterable[Any]]) -> Text:
        return cls(Span(str(t), bool(typed), person) for t, typed, person in data)


def _span(text: str, like: Span) -> Span:
    """A span of `like`'s kind holding `text` (tuple.__new__: NamedTuple's own is slower)."""
    return tuple.__new__(Span, (text, like[1], like[2]))  # type: ignore[arg-type]


def as_text(value: str) -> Text:
    """A Text as it is; a plain `str` as engine wording."""
    return value if isinstance(value, Text) else Text.engine(value)


def typed(value: object, *, person_id: int | None = None) -> Text:
    """Something a person typed, shown exactly as typed."""
    if isinstance(value, Text):
        return value
    return Text((Span(str(value), typed=True, person_id=person_id),))


def compose(template: str, /, **params: object) -> Text:
    """Fill `{name}` fields: a Text parameter keeps its spans, anything else counts as typed.

    Counting plain values as typed is the safe default: a number or date shown literally loses
    nothing, while typed text read as markup could format, mention or link for someone else.
    """
    plan = _plan(template)
    if plan is None:
        return _constant(template)
    spans: list[Span] = []
    formatter: string.Formatter | None = None
    for literal, name, spec, conversion in plan:
        if literal is not None:
            spans.append(literal)
        if name is None:
            continue
        if name.isidentifier():
            value = params[name]
        else:  # "{a.b}" or "{a[0]}": the formatter's own lookup
            formatter = formatter or string.Formatter()
            value = formatter.get_field(name, (), params)[0]
        if isinstance(value, Text) and not spec and not conversion:
            spans.extend(value.spans)
            continue
        if conversion:
            formatter = formatter or string.Formatter()
            value = formatter.convert_field(value, conversion)
        person = value.people if isinstance(value, Text) else frozenset()
        spans.append(
            Span(format(value, spec or ""), typed=True, person_id=min(person) if person else None)
        )
    return Text(spans)


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in _parsed(template) if name}


# The content files hold a few hundred templates, filled thousands of times per sweep: parse
# each once. A Text is immutable, so a template without fields can be shared outright.
@lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    return tuple(string.Formatter().parse(template))


@lru_cache(maxsize=4096)
def _plan(
    template: str,
) -> tuple[tuple[Span | None, str | None, str | None, str | None], ...] | None:
    """The template as (literal span, field name, spec, conversion) steps; None without fields."""
    parsed = _parsed(template)
    if all(name is None for _, name, _, _ in parsed):
        return None
    return tuple(
        (Span(literal) if literal else None, name, spec, conversion)
        for literal, name, spec, conversion in parsed
    )


@lru_cache(maxsize=4096)
def _constant(template: str) -> Text:
    return Text(Span(literal) for literal, _, _, _ in _parsed(template))


# -- parsing the light markup into styled runs, for renderers ---------------------------------


@dataclass(frozen=True, kw_only=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    typed: bool = False


@dataclass(frozen=True, kw_only=True)
class Line:
    runs: tuple[Run, ...]
    bullet: bool = False
    quote: bool = False

    @property
    def plain(self) -> str:
        return "".join(run.text for run in self.runs)


# Typed spans stand in the markup as one private-use character each while it is parsed, so
# nothing a person typed can open or close a style, start a bullet or end a line.
_FIRST_SLOT = 0xF0000  # Supplementary Private Use Area-A: 65,534 slots
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code", re.compile(r"`([^`\n]+)`")),
    ("bold", re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")),
    ("italic", re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")),
)


def lines(text: str) -> list[Line]:
    """The text's lines, each as runs of one style; bullets and quotes marked per line."""
    source, typed_texts = _with_slots(as_text(text))
    parsed: list[Line] = []
    for raw in source.split("\n"):
        bullet = raw.startswith("- ")
        quote = raw.startswith("> ")
        body = raw[2:] if bullet or quote else raw
        parsed.append(Line(runs=tuple(_runs(body, typed_texts)), bullet=bullet, quote=quote))
    return parsed


def _with_slots(text: Text) -> tuple[str, list[str]]:
    source: list[str] = []
    typed_texts: list[str] = []
    for span in text.spans:
        if span.typed and len(typed_texts) < 65534:
            source.append(chr(_FIRST_SLOT + len(typed_texts)))
            typed_texts.append(span.text)
        else:
            # Beyond the slots (never in practice), typed text still cannot become markup:
            # its characters are shown, styled as their surroundings, never parsed.
            source.append(span.text if not span.typed else _neutral(span.text))
    return "".join(source), typed_texts


def _neutral(text: str) -> str:
    return text.replace("*", "\u2217").replace("_", "\uff3f").replace("`", "\u02cb")


def _runs(body: str, typed_texts: list[str]) -> list[Run]:
    # Styles change only at the edges of markup matches and typed slots, so the line is cut
    # into segments at those edges and each segment becomes a run: no work per character.
    width = len(body)
    styles: dict[str, list[tuple[int, int]]] = {"code": [], "bold": [], "italic": []}
    hidden: set[int] = set()  # the markup characters themselves are not shown
    for name, pattern in _STYLES:
        for match in pattern.finditer(body):
            start, end = match.span(1)
            if any(a < end and start < b for a, b in styles["code"]):
                continue  # no styles inside code
            hidden |= {match.start(), match.end() - 1}
            styles[name].append((start, end))
    slots = (
        {
            index
            for index, char in enumerate(body)
            if 0 <= ord(char) - _FIRST_SLOT < len(typed_texts)
        }
        if typed_texts
        else set()
    )
    edges = {0, width, *hidden, *(i + 1 for i in hidden), *slots, *(i + 1 for i in slots)}
    for spans in styles.values():
        for start, end in spans:
            edges |= {start, end}
    cuts = sorted(edge for edge in edges if 0 <= edge <= width)
    runs: list[Run] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start in hidden:
            continue
        style = {name: any(a <= start < b for a, b in spans) for name, spans in styles.items()}
        if start in slots:
            runs.append(Run(text=typed_texts[ord(body[start]) - _FIRST_SLOT], typed=True, **style))
            continue
        run = Run(text=body[start:end], **style)
        if runs and not runs[-1].typed and _same_style(runs[-1], run):
            runs[-1] = Run(text=runs[-1].text + run.text, **style)
        else:
            runs.append(run)
    return runs


def _same_style(a: Run, b: Run) -> bool:
    return (a.bold, a.italic, a.code) == (b.bold, b.italic, b.code)


def plain(text: str) -> str:
    """The text without markup characters: for notifications and summaries."""
    out = []
    for line in lines(text):
        prefix = "• " if line.bullet else "> " if line.quote else ""
        out.append(prefix + line.plain)
    return "\n".join(out)
