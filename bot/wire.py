"""The wire format of button values: what Slack and Teams store in messages and send back.

A button's value outlives the deploy that wrote it (a message can sit in a chat for months),
so it carries a version: `v1:<arg>:<arg>...`. Values written before versioning (`7:yes`) are
version 0 and still work. A value from a version this Tandem does not know (a newer deploy
rolled back, or a crafted one) is answered "this button has expired" and changes nothing.
Which handler a button runs is `bot.routes`; this module only builds and parses values.
"""

from __future__ import annotations

from bot.content import Content
from bot.replies import Button
from bot.turn import Refusal

VERSION = 1
KNOWN_VERSIONS = (0, 1)
MAX_VALUE = 2000  # Slack's limit for a button value; Teams' submit data is roomier

EXPIRED = "lifecycle.wire.expired"  # the content key of what the person is told


class ExpiredButton(Refusal):
    """A button value from a version this Tandem does not read; said in `content`'s language
    (the turn's)."""

    def __init__(self, content: Content) -> None:
        super().__init__(content.text(EXPIRED))


def encode(*args: str | int) -> str:
    parts = [str(arg) for arg in args]
    if any(":" in part or not part for part in parts):
        raise ValueError(f"button arguments must be non-empty and free of ':': {parts!r}")
    value = ":".join([f"v{VERSION}", *parts])
    if len(value) > MAX_VALUE:
        raise ValueError("button value too long")
    return value


def decode(value: str, content: Content) -> tuple[int, tuple[str, ...]]:
    """(version, arguments) of a button value; ExpiredButton, worded by `content` (the turn's),
    for a version not known here."""
    head, _, rest = value.partition(":")
    if head.startswith("v"):
        number = head[1:]
        if not number.isdigit() or int(number) not in KNOWN_VERSIONS:
            raise ExpiredButton(content)
        return int(number), tuple(rest.split(":")) if rest else ()
    return 0, tuple(value.split(":"))


def button(label: str, action: str, *args: str | int, primary: bool = False) -> Button:
    """A button that runs `action` (a name in bot.routes) with these arguments."""
    return Button(label=label, action=action, value=encode(*args), primary=primary)
