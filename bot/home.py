"""A person's dashboard, as sections: Slack's Home tab and the Teams card render it."""

from __future__ import annotations

from bot.replies import Reply
from bot.turn import Turn
from storage.models import Person


def build(turn: Turn, person: Person) -> tuple[Reply, ...]:
    """Each section is a Reply (text and buttons); the first is the heading."""
    raise NotImplementedError("being written")
