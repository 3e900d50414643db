"""`language`: the language a workspace reads Tandem in (tenants.language), shown and set."""

from __future__ import annotations

from babel import Locale

from bot.commands.grammar import Parsed
from bot.content import Content, content_for
from bot.replies import Reply
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Person


def language(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """Bare: the current language and those there is text for. With a code: set it for the
    whole workspace and answer in the new language; an unknown code changes nothing."""
    available = Content.languages()
    if not parsed.args:
        return Reply(
            text=turn.text(
                "language.current",
                language=_name(turn.content.language, turn.content),
                code=turn.content.language,
                available=_listing(available, turn.content),
            )
        )
    code = parsed.args[0].strip().lower()
    if code not in available:
        raise Refusal(
            turn.text(
                "language.unknown", code=parsed.args[0], available=_listing(available, turn.content)
            )
        )
    turn.tenant.language = code
    # The rest of this turn, this answer included, speaks the new language.
    turn.content = content_for(turn.tenant, turn.content)
    return Reply(
        text=turn.text("language.set", language=_name(code, turn.content), code=Text.engine(code))
    )


def _name(code: str, content: Content) -> Text:
    """A language's own name in the reader's language ("German" / "Deutsch")."""
    return Text.engine(Locale.parse(code).get_display_name(content.locale) or code)


def _listing(codes: list[str], content: Content) -> Text:
    return Text.join(
        (
            content.text("language.choice", language=_name(code, content), code=Text.engine(code))
            for code in codes
        ),
        ", ",
    )
