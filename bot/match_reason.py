"""Why a pair was proposed, stored so that it names nobody.

Matching's explanation names both people ("Maya offers TikTok, which Sam wants to learn"). A
stored copy of those names would outlive a rename and an erasure, so the stored reason is a
template: each name span (found by its person id, never by its text) becomes `{mentor}` or
`{mentee}`, and the names are filled in when the reason is shown, from the people as they are
now. A reason a coordinator typed is stored as typed, its braces escaped.
"""

from __future__ import annotations

import string

from bot.identity import name_of
from bot.text import Span, Text
from storage.models import Pair

FIELDS = ("mentor", "mentee")


def to_template(reason: str, *, mentor_id: int, mentee_id: int) -> str:
    """The reason with each name of the two people replaced by its placeholder."""
    fields = {mentor_id: "{mentor}", mentee_id: "{mentee}"}
    spans = reason.spans if isinstance(reason, Text) else (Span(reason),)
    return "".join(
        fields.get(span.person_id, _escape(span.text))
        if span.person_id is not None
        else _escape(span.text)
        for span in spans
    )


def names_people(template: str) -> bool:
    """True when the reason came from matching (it has placeholders), not from a coordinator."""
    return any(name in FIELDS for _, name, _, _ in string.Formatter().parse(template) if name)


def render(pair: Pair) -> Text:
    """The reason as shown: typed text (never markup), with each person's current name."""
    names = {"mentor": name_of(pair.mentor), "mentee": name_of(pair.mentee)}
    spans: list[Span] = []
    try:
        parsed = list(string.Formatter().parse(pair.match_reason))
    except ValueError:  # a reason stored before templates, with a stray brace: show it as is
        parsed = [(pair.match_reason, None, None, None)]
    for literal, name, _, _ in parsed:
        if literal:
            spans.append(Span(literal, typed=True))
        if name is not None:
            spans.extend(names[name].spans if name in names else (Span(name, typed=True),))
    return Text(spans)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
