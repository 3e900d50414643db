"""Engine replies -> Block Kit messages, modals and the Home tab (pure functions).

Text becomes `rich_text` blocks, whose text elements Slack shows literally: no mrkdwn, no
mentions, no links. That is what typed text needs (a name `*Eve* <!channel>` must neither
format nor ping anyone), and the engine's own markup becomes explicit bold/italic/code styles.
The fallback `text` (notifications, search) is plain text with `&`, `<` and `>` escaped, so it
cannot ping or link either. Every dict returned here parses with `slack_sdk.models`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.words import words
from bot.replies import Button, FieldKind, Form, FormField, Reply
from bot.text import Line, Run, lines, plain

Json = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000  # a message's `text`; Slack truncates beyond it
# Slack refuses a message whose blocks hold more than about 12,000 characters in all
# (msg_blocks_too_long: undocumented, see slackapi/bolt-js#2509 and #2867), far below the
# 40,000 of `text`; 10,000 leaves room for the containers around each line.
MAX_BLOCK_TEXT = 10_000
LINE_COST = 10  # what one line's containers count for, besides its text
RICH_TEXT_BLOCK_TEXT = 3_000  # about a section's worth of text per rich_text block
NOTE_RESERVE = 100  # room kept for the "… and N more lines not shown" line
MAX_BUTTONS_PER_BLOCK = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2_000
MAX_TITLE = 24  # a modal's title, submit and close labels
MAX_LABEL = 2_000  # an input's label and hint
MAX_OPTION_LABEL = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_INPUT = 3_000  # the most a plain_text_input holds
MAX_METADATA = 3_000
MAX_ID = 255  # action_id, block_id, callback_id
MAX_ERROR = 2_000  # Slack documents none; the same as the label the message appears under
ELLIPSIS = "…"


def to_message(
    reply: Reply, *, shared_with: str | None = None, language: str | None = None
) -> Json:
    """A reply as chat.postMessage arguments: `{"text": fallback, "blocks": [...]}`.

    `shared_with` is for platforms that label a message shown to a pair; a Slack group DM
    already shows who is in it, so it is not rendered here. The note on a cut message is in
    the reply's language, else in `language` (the app's default).
    """
    del shared_with
    actions = _actions(reply.buttons)
    if len(actions) > MAX_MESSAGE_BLOCKS - 2:  # keep a block for text and one for the note
        raise ValueError(f"{len(reply.buttons)} buttons do not fit in one Slack message")
    labels = [_label(button.label, MAX_BUTTON_LABEL) for button in reply.buttons]
    blocks, fallback = _text_blocks(
        reply.text,
        language=reply.language or language,
        max_blocks=MAX_MESSAGE_BLOCKS - len(actions),
        max_chars=MAX_BLOCK_TEXT - sum(map(units, labels)),
    )
    if not fallback and labels:
        fallback = escape(" / ".join(labels))  # a notification must say something
    return {"text": fallback, "blocks": blocks + actions}


def to_ephemeral(reply: Reply, *, language: str | None = None) -> Json:
    """A reply for response_url or chat.postEphemeral: the same arguments as a message."""
    return to_message(reply, language=language)


def to_home_view(sections: Sequence[Reply], *, language: str | None = None) -> Json:
    """The Home tab: each section rendered like a message, with dividers between them; its own
    words in the sections' language, else in `language` (the app's default)."""
    language = next((s.language for s in sections if s.language), language)
    text = words(language).text
    blocks: list[Json] = []
    rendered = [to_message(section, language=language)["blocks"] for section in sections]
    rendered = [section for section in rendered if section]
    for index, section in enumerate(rendered):
        divider = [{"type": "divider"}] if blocks else []
        if len(blocks) + len(divider) + len(section) > MAX_VIEW_BLOCKS - 1:
            blocks.append(
                _note_block(text("adapters.slack.more_sections", count=len(rendered) - index))
            )
            break
        blocks += divider + section
    if not blocks:  # a view needs at least one block
        blocks.append(_note_block(text("adapters.slack.empty_home")))
    return {"type": "home", "blocks": blocks}


def to_modal(
    form: Form, *, values: Mapping[str, str] | None = None, language: str | None = None
) -> Json:
    """A form as a modal view; `values` (field name -> raw value) replace the initial ones.

    `language` is the reader's (the language of the reply that opened the form): the close
    button, and the title and submit fallbacks, are written in it.
    """
    if not form.fields:
        raise ValueError(f"form {form.form_id!r} has no fields to show")
    if len(form.fields) > MAX_VIEW_BLOCKS:
        raise ValueError(f"form {form.form_id!r} has more fields than a modal can show")
    names = [f.name for f in form.fields]
    if len(set(names)) != len(names):
        raise ValueError(f"form {form.form_id!r} repeats a field name")
    # Ids and metadata come back verbatim with the submission: cutting them would break it.
    _check_id(form.form_id, "form id")
    if len(form.context) > MAX_METADATA:
        raise ValueError(f"form {form.form_id!r} has a context too long for private_metadata")
    text = words(language).text
    view: Json = {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _title(form.title, text("adapters.slack.modal_title")),
        "submit": _title(form.submit_label, text("adapters.slack.submit")),
        "close": _title(text("adapters.slack.close"), ELLIPSIS),
        "blocks": [_input(f, _initial(f, values)) for f in form.fields],
    }
    if form.context:  # an empty one comes back as "" all the same
        view["private_metadata"] = form.context
    return view


def to_field_errors(field_errors: Mapping[str, str]) -> Json:
    """The view_submission ack that keeps the modal open and shows each message under its field."""
    return {
        "response_action": "errors",
        "errors": {name: cut(message, MAX_ERROR) for name, message in field_errors.items()},
    }


# -- text -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's escaping for message text: nothing left to read as a mention, link or command."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def units(text: str) -> int:
    """Length as Slack counts it at worst: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The text, cut to `limit` UTF-16 code units with an ellipsis when it is longer."""
    if units(text) <= limit:
        return text
    return prefix(text, limit - 1).rstrip() + ELLIPSIS


def prefix(text: str, limit: int) -> str:
    """The longest start of the text within `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += units(char)
        if used > limit:
            return text[:index]
    return text


@dataclass
class _Body:
    """Rich text blocks filled line by line within a message's limits."""

    max_blocks: int
    max_chars: int
    max_fallback: int
    blocks: list[list[Json]] = field(default_factory=list)  # each block's elements
    block_chars: int = 0
    chars: int = 0
    fallback: list[str] = field(default_factory=list)
    fallback_units: int = 0

    def add(self, line: Line, *, force: bool = False) -> bool:
        """Add the line if it fits (or when forced); False, adding nothing, when it does not."""
        cost = units(line.plain) + LINE_COST
        shown = escape(_plain_line(line))
        fallback_cost = units(shown) + 1
        if not force and (
            self.chars + cost > self.max_chars
            or self.fallback_units + fallback_cost > self.max_fallback
        ):
            return False
        if not self.blocks or (self.block_chars and self.block_chars + cost > RICH_TEXT_BLOCK_TEXT):
            if not force and len(self.blocks) >= self.max_blocks:
                return False
            self.blocks.append([])
            self.block_chars = 0
        _place(self.blocks[-1], line)
        self.block_chars += cost
        self.chars += cost
        self.fallback.append(shown)
        self.fallback_units += fallback_cost
        return True

    def rendered(self) -> list[Json]:
        for elements in self.blocks:
            for element in elements:  # a lone blank line still needs an element
                if element["type"] == "rich_text_section" and not element["elements"]:
                    element["elements"].append(_text("\n"))
        return [{"type": "rich_text", "elements": elements} for elements in self.blocks]


def _text_blocks(
    text: str, *, language: str | None, max_blocks: int, max_chars: int
) -> tuple[list[Json], str]:
    """rich_text blocks and the escaped fallback, cut with a closing note when too long."""
    if not str(text).strip():
        return [], ""
    more = words(language).text
    source = lines(text)
    body = _Body(
        max_blocks=max_blocks - 1,
        max_chars=max_chars - NOTE_RESERVE,
        max_fallback=MAX_TEXT - NOTE_RESERVE,
    )
    for index, line in enumerate(source):
        if body.add(line):
            continue
        if index == 0:  # one huge line: show its start rather than nothing at all
            # Escaping makes a character at most five long (`&amp;`) in the fallback.
            room = min(body.max_chars - LINE_COST, body.max_fallback // 5) - 1
            shown = _cut_line(line, room)
            body.add(shown, force=True)
            hidden = units(line.plain) - units(shown.plain) + 1
            if len(source) > 1:
                note = more("adapters.slack.more_lines", count=len(source) - 1)
            else:
                note = more("adapters.slack.more_characters", count=hidden)
        else:
            note = more("adapters.slack.more_lines", count=len(source) - index)
        body.add(Line(runs=(Run(text=plain(note), italic=True),)), force=True)
        break
    return body.rendered(), "\n".join(body.fallback)


def _place(elements: list[Json], line: Line) -> None:
    """Add the line to a block's elements, continuing the last one when it is the same kind."""
    runs = [_text(run.text, run) for run in line.runs if run.text]
    last = elements[-1] if elements else None
    if line.bullet:
        item = {"type": "rich_text_section", "elements": runs or [_text(" ")]}
        if last is not None and last["type"] == "rich_text_list":
            last["elements"].append(item)
        else:
            elements.append({"type": "rich_text_list", "style": "bullet", "elements": [item]})
        return
    kind = "rich_text_quote" if line.quote else "rich_text_section"
    if last is not None and last["type"] == kind:
        last["elements"] += [_text("\n"), *runs]
    else:
        elements.append({"type": kind, "elements": runs})


def _text(text: str, run: Run | None = None) -> Json:
    element: Json = {"type": "text", "text": text}
    style = {name: True for name in ("bold", "italic", "code") if getattr(run, name, False)}
    if style:
        element["style"] = style
    return element


def _plain_line(line: Line) -> str:
    """One line as `bot.text.plain` shows it."""
    return ("• " if line.bullet else "> " if line.quote else "") + line.plain


def _cut_line(line: Line, limit: int) -> Line:
    runs: list[Run] = []
    used = 0
    for run in line.runs:
        if used + units(run.text) > limit:
            text = prefix(run.text, limit - used)  # the ellipsis follows as its own run
            if text:
                runs.append(Run(text=text, bold=run.bold, italic=run.italic, code=run.code))
            break
        runs.append(run)
        used += units(run.text)
    return Line(runs=(*runs, Run(text=ELLIPSIS)), bullet=line.bullet, quote=line.quote)


def _note_block(text: str) -> Json:
    note = {"type": "text", "text": plain(text), "style": {"italic": True}}
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [note]}]}


# -- buttons and form parts -------------------------------------------------------------------


def _actions(buttons: Sequence[Button]) -> list[Json]:
    blocks = []
    for start in range(0, len(buttons), MAX_BUTTONS_PER_BLOCK):
        chunk = buttons[start : start + MAX_BUTTONS_PER_BLOCK]
        elements = [_button(button, n) for n, button in enumerate(chunk, start=start)]
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def _button(button: Button, number: int) -> Json:
    # The index keeps action_ids unique within the block (Slack requires it) when two buttons
    # run the same action; the app splits it off at the last '#'.
    action_id = f"{button.action}#{number}"
    _check_id(action_id, "button action")
    if len(button.value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value for {button.action!r} is too long for Slack")
    element: Json = {
        "type": "button",
        "text": _plain_text(_label(button.label, MAX_BUTTON_LABEL) or ELLIPSIS),
        "action_id": action_id,
    }
    if button.value:
        element["value"] = button.value
    if button.primary:
        element["style"] = "primary"
    return element


def _input(form_field: FormField, initial: str) -> Json:
    _check_id(form_field.name, "field name")
    block: Json = {
        "type": "input",
        "block_id": form_field.name,
        "label": _plain_text(_label(form_field.label, MAX_LABEL) or form_field.name),
        "element": _element(form_field, initial),
        "optional": not form_field.required,
    }
    hint = _label(form_field.hint or "", MAX_LABEL)
    if hint:
        block["hint"] = _plain_text(hint)
    return block


def _element(form_field: FormField, initial: str) -> Json:
    kind = form_field.kind
    if kind is FieldKind.INTEGER:
        element: Json = {"type": "number_input", "action_id": "value", "is_decimal_allowed": False}
        if form_field.minimum is not None:
            element["min_value"] = str(form_field.minimum)
        if form_field.maximum is not None:
            element["max_value"] = str(form_field.maximum)
        if _is_integer(initial):
            element["initial_value"] = str(int(initial))
        return element
    if kind is FieldKind.CHOICE:
        return _select(form_field, initial)
    if kind is FieldKind.DATE:
        element = {"type": "datepicker", "action_id": "value"}
        if _is_date(initial):
            element["initial_date"] = initial
        return element
    element = {"type": "plain_text_input", "action_id": "value"}
    if kind is FieldKind.LONG_TEXT:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial[:MAX_INPUT]  # an editable value: no ellipsis in it
    return element


def _select(form_field: FormField, initial: str) -> Json:
    if not form_field.choices or len(form_field.choices) > MAX_OPTIONS:
        raise ValueError(f"choice field {form_field.name!r} needs 1 to {MAX_OPTIONS} choices")
    options = []
    for choice in form_field.choices:
        if not choice.value or len(choice.value) > MAX_OPTION_VALUE:
            raise ValueError(f"choice value {choice.value!r} does not fit a Slack option")
        label = _label(choice.label, MAX_OPTION_LABEL) or cut(choice.value, MAX_OPTION_LABEL)
        options.append({"text": _plain_text(label), "value": choice.value})
    element: Json = {"type": "static_select", "action_id": "value", "options": options}
    for option in options:
        if option["value"] == initial:
            element["initial_option"] = option
    return element


def _initial(form_field: FormField, values: Mapping[str, str] | None) -> str:
    if values is not None and form_field.name in values:
        return values[form_field.name]
    return form_field.initial or ""


def _plain_text(text: str) -> Json:
    # emoji false: a `:shortcode:` in a label (a name, say) is shown as typed, not as an emoji.
    return {"type": "plain_text", "text": text, "emoji": False}


def _title(text: str, fallback: str) -> Json:
    """A modal's title, submit or close label: Slack refuses an empty one."""
    return _plain_text(_label(text, MAX_TITLE) or _label(fallback, MAX_TITLE) or ELLIPSIS)


def _label(text: str, limit: int) -> str:
    """Engine wording for a plain_text field: markup characters removed, then cut to fit."""
    return cut(plain(text).strip(), limit)


def _check_id(value: str, what: str) -> None:
    if not value or len(value) > MAX_ID:
        raise ValueError(f"{what} {value[:40]!r} must be 1 to {MAX_ID} characters for Slack")


def _is_integer(text: str) -> bool:
    digits = text.strip().removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) < 16


def _is_date(text: str) -> bool:
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


# -- files ------------------------------------------------------------------------------------


def to_uploads(reply: Reply) -> list[dict[str, Any]]:
    """files_upload_v2's `file_uploads`: one entry per file of the reply."""
    return [{"content": f.data, "filename": f.name, "title": f.name} for f in reply.files]
