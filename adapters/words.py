"""The adapters' own words (bot/content/<language>/adapters.yaml), in a reply's language.

An adapter adds a few words of its own around the engine's replies: a modal's Cancel, a note
that a long message was cut, a form input's error. They are written in the language of the
reply they go with (`Reply.language`, the workspace's), else in the app's default language
(the operator's TANDEM_LANGUAGE), which is also the language of what is sent before any
workspace is known.
"""

from __future__ import annotations

from bot.content import Content, content_in


def words(language: str | None = None) -> Content:
    """The content of `language`, else the default language's (bot.content.content_in)."""
    return content_in(language)
