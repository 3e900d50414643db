"""Engine replies -> Adaptive Cards 1.5 for Teams, and their plain-text summaries (pure)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from adapters.words import words
from bot.content import Content
from bot.form_values import MAX_TEXT
from bot.replies import Button, FieldKind, Form, FormField, Reply
from bot.text import Line, Run, lines, plain

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses a message over 28 KB; the activity around the card needs some of that.
MAX_CARD_BYTES = 27_000
# Keys of the submit data. Teams merges the inputs' values into the same object at the top
# level, so a field with one of these names would overwrite them; `msteams` is Teams' own.
RESERVED_KEYS = frozenset({"tandem", "form_id", "context", "msteams"})

# Every character Teams' card markdown could read as syntax (emphasis, code, strike, links,
# images, headings, lists, quotes, HTML and entities). CommonMark lets a backslash escape any
# ASCII punctuation, so escaping them everywhere also covers list and heading markers.
_SPECIAL = re.compile(r"([\\*_~`\[\]()#+\-.!<>&|])")


CODE_MARK = "\\`"  # a shown backtick


class CardTooLarge(ValueError):
    """A card that cannot be cut to Teams' size limit (a form's fields cannot be left out)."""


def escape(text: str) -> str:
    """Text shown exactly as given in a TextBlock: every markdown character is escaped."""
    return _SPECIAL.sub(r"\\\1", text)


# -- text ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One body element and how many visible lines of the text it shows (for the cut notice)."""

    element: dict[str, Any]
    lines: int


def _markdown(run: Run) -> str:
    """One run as card markdown; only the engine's own runs get emphasis."""
    text = escape(run.text)
    if run.typed or run.code:  # code's backticks are placed around the whole code stretch
        return text
    if not (run.bold or run.italic) or not run.text.strip():
        return text
    # Markdown emphasis cannot start or end with a space, so keep spaces outside the marks.
    core = run.text.strip()
    lead = run.text[: len(run.text) - len(run.text.lstrip())]
    trail = run.text[len(run.text.rstrip()) :]
    mark = ("**" if run.bold else "") + ("_" if run.italic else "")
    return f"{escape(lead)}{mark}{escape(core)}{mark[::-1]}{escape(trail)}"


def _visual_lines(line: Line) -> list[str]:
    """A parsed line as markdown, split where typed text has a newline.

    A TextBlock needs a blank line for a line break, which would end the paragraph, so each
    visual line gets a block of its own.
    """
    out = [""]
    in_code = False
    for run in line.runs:
        # Card markdown has no code style: the backticks are shown, as in the plain text,
        # once around a whole stretch of code even when typed text sits inside it.
        if run.code != in_code:
            out[-1] += CODE_MARK
            in_code = run.code
        parts = run.text.split("\n")
        for index, part in enumerate(parts):
            if index:
                out[-1] += CODE_MARK if in_code else ""
                out.append(CODE_MARK if in_code else "")
            if part:
                out[-1] += _markdown(replace(run, text=part))
    if in_code:
        out[-1] += CODE_MARK
    return out


def _pieces(text: str, *, spacing: str | None = None, **style: Any) -> list[_Piece]:
    """Text as TextBlocks, one per line; a blank line becomes space above the next block.

    `spacing` is the first block's; `style` goes on every TextBlock (size, colour, ...).
    """
    pieces: list[_Piece] = []
    gap = False
    quote: list[dict[str, Any]] = []

    def flush_quote() -> None:
        if quote:
            container = {"type": "Container", "style": "emphasis", "items": list(quote)}
            pieces.append(_Piece(container, len(quote)))
            quote.clear()

    for line in lines(text):
        visual = _visual_lines(line)
        if not line.quote:
            flush_quote()
        for index, markdown in enumerate(visual):
            if not markdown and not (line.bullet and index == 0):
                gap = bool(pieces or quote)
                continue
            if line.bullet and index == 0:
                markdown = "• " + markdown
            block: dict[str, Any] = {"type": "TextBlock", "text": markdown, "wrap": True, **style}
            if pieces or quote:
                block["spacing"] = "medium" if gap else "none"
            elif spacing is not None:
                block["spacing"] = spacing
            gap = False
            if line.quote:
                quote.append(block)
            else:
                pieces.append(_Piece(block, 1))
    flush_quote()
    return pieces


def _notice(left_out: int, said: Content) -> dict[str, Any]:
    return {
        "type": "TextBlock",
        "text": escape(plain(said.text("adapters.teams.left_out", count=left_out))),
        "wrap": True,
        "isSubtle": True,
        "size": "small",
        "spacing": "medium",
    }


def _size(card: Mapping[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "version": VERSION, "$schema": SCHEMA}
    card["body"] = body
    if actions:
        card["actions"] = list(actions)
    return card


def _fit(build: Callable[[int], dict[str, Any]], units: Sequence[_Piece]) -> dict[str, Any]:
    """The card with as many leading units as fit the budget, and a notice for the rest."""
    card = build(len(units))
    if _size(card) <= MAX_CARD_BYTES:
        return card
    low, high = 0, len(units) - 1  # the most units that fit with a notice is in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if _size(build(middle)) <= MAX_CARD_BYTES:
            low = middle
        else:
            high = middle - 1
    card = build(low)
    if _size(card) > MAX_CARD_BYTES:
        raise CardTooLarge(f"even with no text the card is {_size(card)} bytes")
    return card


def _left_out(units: Sequence[_Piece], shown: int) -> int:
    return sum(unit.lines for unit in units[shown:])


# -- buttons ------------------------------------------------------------------------------------


def _action(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": plain(button.label),
        "data": {"tandem": "action", "action": button.action, "value": button.value},
    }
    if button.primary:
        action["style"] = "positive"
    return action


# -- replies ------------------------------------------------------------------------------------


def to_card(
    reply: Reply, *, shared_with: str | None = None, language: str | None = None
) -> dict[str, Any]:
    """A reply as an Adaptive Card: its text, its buttons, and its form when it opens one.

    `shared_with` names the partner when a pair message goes to each person's own chat
    (Teams has no group chat with the bot), so each copy says who else got it. The card's own
    words are in the reply's language, else in `language` (the app's default).
    """
    said = words(reply.language or language)
    header: list[dict[str, Any]] = []
    if shared_with is not None:
        header.append(
            {
                "type": "TextBlock",
                "text": _one_line(said.text("adapters.teams.shared_with", name=shared_with)),
                "wrap": True,
                "isSubtle": True,
                "size": "small",
            }
        )
    units = _pieces(reply.text)
    actions = [_action(button) for button in reply.buttons]
    form_body: list[dict[str, Any]] = []
    if reply.form is not None:
        form_body, form_actions = _form_parts(reply.form, {}, {}, hints=True, said=said)
        actions += form_actions

    def build(shown: int) -> dict[str, Any]:
        body = header + [unit.element for unit in units[:shown]]
        if shown < len(units):
            body.append(_notice(_left_out(units, shown), said))
        return _card(body + form_body, actions)

    return _fit(build, units)


def _one_line(text: str) -> str:
    return " ".join(markdown for line in lines(text) for markdown in _visual_lines(line))


def summary(reply: Reply) -> str:
    """The reply as plain text: the activity's notification summary and text fallback."""
    text = plain(reply.text).strip()
    if not text and reply.form is not None:
        text = plain(reply.form.title).strip()
    return text


def to_home_card(sections: Sequence[Reply], *, language: str | None = None) -> dict[str, Any]:
    """The dashboard: the first section is the heading; the others are separated containers.
    Its own words are in the sections' language, else in `language` (the app's default)."""
    said = words(next((s.language for s in sections if s.language), language))
    units: list[tuple[int, _Piece]] = []
    for index, section in enumerate(sections):
        style = {"size": "medium", "weight": "bolder"} if index == 0 else {}
        units += [(index, piece) for piece in _pieces(section.text, **style)]
    flat = [piece for _, piece in units]

    def build(shown: int) -> dict[str, Any]:
        items: dict[int, list[dict[str, Any]]] = {}
        for index, piece in units[:shown]:
            items.setdefault(index, []).append(piece.element)
        last = units[shown - 1][0] if shown else -1
        body: list[dict[str, Any]] = []
        for index, section in enumerate(sections):
            if index > last and shown < len(units):
                break  # cut here: the notice says how much is missing
            content = items.get(index, [])
            if section.buttons:
                actions = [_action(button) for button in section.buttons]
                content = [*content, {"type": "ActionSet", "actions": actions}]
            if not content:
                continue
            container: dict[str, Any] = {"type": "Container", "items": content}
            if body:
                container["separator"] = True
                container["spacing"] = "medium"
            body.append(container)
        if shown < len(units):
            body.append(_notice(_left_out(flat, shown), said))
        return _card(body)

    return _fit(build, flat)


# -- forms --------------------------------------------------------------------------------------


def to_form_card(
    form: Form,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A form as a card; after a refusal, `values` keeps what was typed and `errors` says why.

    A form cannot be cut like text, so hints are left out first when it is too large, and
    CardTooLarge is raised if it still does not fit. `language` is the reader's: the inputs'
    own error messages are written in it.
    """
    said = words(language)
    for hints in (True, False):
        body, actions = _form_parts(form, values or {}, errors or {}, hints=hints, said=said)
        card = _card(body, actions)
        if _size(card) <= MAX_CARD_BYTES:
            return card
    raise CardTooLarge(f"the {form.form_id} form is {_size(card)} bytes even without hints")


def _form_parts(
    form: Form, values: Mapping[str, str], errors: Mapping[str, str], *, hints: bool, said: Content
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    clashes = sorted(f.name for f in form.fields if f.name in RESERVED_KEYS)
    if clashes:
        raise ValueError(f"form {form.form_id!r} has fields named like submit keys: {clashes}")
    body = [p.element for p in _pieces(form.title, size="medium", weight="bolder")]
    for field in form.fields:
        given = values.get(field.name)
        body.append(_input(field, field.initial if given is None else given, said))
        if field.name in errors:
            error = _pieces(errors[field.name], spacing="none", color="attention")
            body += [piece.element for piece in error]
        if hints and field.hint:
            hint = _pieces(field.hint, spacing="none", isSubtle=True, size="small")
            body += [piece.element for piece in hint]
    submit = {
        "type": "Action.Submit",
        "title": plain(form.submit_label),
        "style": "positive",
        "data": {"tandem": "form", "form_id": form.form_id, "context": form.context},
    }
    return body, [submit]


def _input(field: FormField, value: str | None, said: Content) -> dict[str, Any]:
    element: dict[str, Any] = {
        "id": field.name,
        "label": plain(field.label),
        "isRequired": field.required,
        "errorMessage": plain(said.text("adapters.common.fill_in")),
        "spacing": "medium",
    }
    if field.kind is FieldKind.INTEGER:
        element["type"] = "Input.Number"
        if field.minimum is not None:
            element["min"] = field.minimum
        if field.maximum is not None:
            element["max"] = field.maximum
        if field.minimum is not None and field.maximum is not None:
            element["errorMessage"] = plain(
                said.text("adapters.common.whole_number", low=field.minimum, high=field.maximum)
            )
        number = (value or "").strip()
        if number.isascii() and number.isdigit():  # a refused entry is not a number to keep
            element["value"] = int(number)
    elif field.kind is FieldKind.CHOICE:
        element["type"] = "Input.ChoiceSet"
        element["style"] = "compact"
        element["choices"] = [{"title": plain(c.label), "value": c.value} for c in field.choices]
        element["errorMessage"] = plain(said.text("adapters.common.pick_one"))
        if value:
            element["value"] = value
    elif field.kind is FieldKind.DATE:
        element["type"] = "Input.Date"
        try:
            element["value"] = date.fromisoformat((value or "").strip()).isoformat()
        except ValueError:
            pass  # the date picker can only hold a real date
    else:
        element["type"] = "Input.Text"
        element["maxLength"] = MAX_TEXT
        if field.kind is FieldKind.LONG_TEXT:
            element["isMultiline"] = True
        if value:
            element["value"] = value
    if not field.required:
        del element["errorMessage"]  # shown only when a required input is left empty
    return element


# -- files ------------------------------------------------------------------------------------


def to_file_attachments(reply: Reply) -> list[dict[str, str]]:
    """The reply's files as inline attachments (data URIs): Teams shows an image inline in
    the message. Other files ride the same way; a real file in a personal chat needs Teams'
    file-consent flow, which is not built yet."""
    return [
        {
            "contentType": f.media_type,
            "contentUrl": f"data:{f.media_type};base64,{base64.b64encode(f.data).decode('ascii')}",
            "name": f.name,
        }
        for f in reply.files
    ]
