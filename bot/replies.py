"""Outbound replies: text with light markup, buttons and forms, addressed to an audience.

Every reply must read well as plain text: that is the notification text on Slack and Teams and
the whole of the console rendering. Light markup is `*bold*`, `_italic_` and `- ` bullets, and
it lives only in the engine's own wording: `Reply.text` is a `bot.text.Text`, whose typed spans
(names, goals, notes) every renderer shows exactly as typed.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.content import default_content
from bot.text import Text, as_text


class Audience(StrEnum):
    PERSON = "person"  # one person, privately
    PAIR = "pair"  # both people of a pair together
    COORDINATOR = "coordinator"  # one coordinator, privately (expanded per coordinator)


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    CHOICE = "choice"
    DATE = "date"


@dataclass(frozen=True, kw_only=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Button:
    label: str
    action: str
    value: str = ""
    primary: bool = False


@dataclass(frozen=True, kw_only=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[Choice, ...] = ()
    initial: str | None = None
    hint: str | None = None


def _default_submit_label() -> str:
    return str(default_content().text("lifecycle.forms.submit"))


@dataclass(frozen=True, kw_only=True)
class Form:
    """A form the person can open; `context` comes back unchanged with the submission."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    context: str = ""
    # Builders pass the reader's language; a bare Form (a test, an old payload) gets the default.
    submit_label: str = field(default_factory=_default_submit_label)


@dataclass(frozen=True, kw_only=True)
class File:
    """A file sent with a reply (a report's CSV and chart, a `my-data` export).

    Platform-neutral: Slack uploads it, Teams attaches it, the console writes it to disk and
    prints the path. Stored payloads carry it as base64, so keep files small (a chart, a CSV).
    """

    name: str  # a plain file name, no folders
    media_type: str  # text/csv, image/png, application/json
    data: bytes = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "media_type": self.media_type,
            "data": base64.b64encode(self.data).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> File:
        return cls(
            name=data["name"], media_type=data["media_type"], data=base64.b64decode(data["data"])
        )


@dataclass(frozen=True, kw_only=True)
class Reply:
    text: str  # always a Text once built: a plain str is taken as the engine's own wording
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    files: tuple[File, ...] = ()
    # The language it is written in (a workspace's, stamped by the Turn and Engine.handle), so
    # an adapter adds its own words in the same one; None: the app's default language.
    language: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", as_text(self.text))

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than asdict(self): that deep-copies the text span by span, which
        # cost a quarter of a sweep's time; the text is written from its spans anyway.
        data: dict[str, Any] = {
            "text": str(self.text),
            "buttons": [asdict(button) for button in self.buttons],
            "form": None if self.form is None else asdict(self.form),
            "files": (),
            "language": self.language,
        }
        data["spans"] = as_text(self.text).to_json()
        if self.files:
            data["files"] = [f.to_dict() for f in self.files]
        else:
            del data["files"]  # payloads stay as they were for the many replies without files
        if self.language is None:
            del data["language"]  # old rows have none either: both read back as None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        form = data.get("form")
        spans = data.get("spans")
        return cls(
            text=Text.from_json(spans) if spans is not None else data["text"],
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            files=tuple(File.from_dict(f) for f in data.get("files", ())),
            language=data.get("language"),
            form=None
            if form is None
            else Form(
                form_id=form["form_id"],
                title=form["title"],
                context=form.get("context", ""),
                submit_label=form.get("submit_label") or _default_submit_label(),
                fields=tuple(
                    FormField(
                        **{
                            **f,
                            "kind": FieldKind(f["kind"]),
                            "choices": tuple(Choice(**c) for c in f.get("choices", ())),
                        }
                    )
                    for f in form["fields"]
                ),
            ),
        )


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """A reply and where it goes: `person_id` for PERSON/COORDINATOR, `pair_id` for PAIR."""

    audience: Audience
    reply: Reply
    person_id: int | None = None
    pair_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What `Engine.handle` returns to the adapter that called it.

    `answer` goes straight back to the actor, as the reply to what they just did (usage text,
    a status, a refusal, a confirmation). Messages for anyone else, or for later, went to the
    outbox in the same transaction as the change that caused them.
    `field_errors` is set when a submitted form was refused: field name -> message.
    `changed` is True when the event was handled and committed, False when it was refused
    (and then nothing was stored).
    `queued` is True when messages for others went to the outbox: worth a delivery run now.
    """

    answer: Reply | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    changed: bool = False
    queued: bool = False
