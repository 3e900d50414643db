"""What people are shown about writing a command: the command list, a verb's usage line(s)
and help, the words for what was typed and what is wanted, and UsageError, which pairs a mistake
with the usage that applies.

Apart from the parser (bot.commands.grammar) because all of it is generated from the verb table
(bot.commands.verbs) and written in the turn's language; the parser only decides which of it a
mistake shows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.commands.verbs import PREFIX, VERBS, Option, Verb
from bot.content import Content, default_content
from bot.text import Text
from bot.text import typed as typed_span

# A message parameter: a value, or a function of the Content it is written in (`_either`).
Param = object | Callable[[Content], object]


class UsageError(Exception):
    """A malformed command: `message_in` says what is wrong, `usage_in` shows how to get it
    right, each written in the language of the Content given (the dispatcher's turn's).

    `verb` is the verb or family the mistake is about ("goals met", "goals"); the usage is then
    its line(s) from `usage_for`, or its full help after `--help`. None means no verb applies.
    `message` and `usage` are the English, for tests and the console's own checks.
    """

    def __init__(
        self,
        key: str,
        params: Mapping[str, Param],
        usage: Callable[[Content], str],
        verb: str | None = None,
    ) -> None:
        super().__init__(key)
        self.key, self.params, self._usage = key, dict(params), usage
        self.verb = verb  # whose usage applies; None means the general list

    def message_in(self, content: Content) -> Text:
        filled: dict[str, Any] = {
            k: v(content) if callable(v) else v for k, v in self.params.items()
        }
        return content.text(f"usage.errors.{self.key}", **filled)

    def usage_in(self, content: Content) -> str:
        return self._usage(content)

    def text_in(self, content: Content) -> Text:
        """What the person is told: what was wrong, then the usage that applies."""
        return Text.join([self.message_in(content), "", self.usage_in(content)])

    @property
    def message(self) -> Text:
        return self.message_in(default_content())

    @property
    def usage(self) -> str:
        return self.usage_in(default_content())

    def __str__(self) -> str:
        return str(self.message)


def _show(text: str) -> Text:
    """What the person typed, quoted back to them exactly as typed (never read as markup)."""
    return "'" + typed_span(text if len(text) <= 40 else text[:39] + "…") + "'"


def _either(words: tuple[str, ...]) -> Callable[[Content], Text]:
    """ "a, b or c", written when the language is known."""

    def written(content: Content) -> Text:
        if len(words) == 1:
            return Text.engine(words[0])
        first = Text.engine(", ".join(words[:-1]))
        return content.text("usage.either", first=first, last=Text.engine(words[-1]))

    return written


def _wanted(opt: Option) -> Callable[[Content], Text]:
    """What an option's value must be, written when the language is known."""

    def written(content: Content) -> Text:
        if opt.kind == "choice":
            return _either(opt.choices)(content)
        if opt.kind == "int":
            return content.text("usage.wanted.int", low=opt.bounds[0], high=opt.bounds[1])
        if opt.kind in ("hours", "days", "date", "zone"):
            return content.text(f"usage.wanted.{opt.kind}")
        return Text.engine(opt.shown(content))

    return written


def _line(spec: Verb, *, coordinator: bool, content: Content, compact: bool = False) -> str:
    parts = [PREFIX, spec.label]
    parts += [
        f"[{p.name}]" if p.optional else f"<{p.name}>"
        for p in spec.args
        if coordinator or not p.coordinator_only
    ]
    parts += [f"--{o.name} {o.shown(content)}" for o in spec.options if o.required]
    extras = [f"[--{o.name} {o.shown(content)}]" for o in spec.options if not o.required]
    extras += [f"[--{f}]" for f in spec.flags if f != spec.form]
    parts += ["[options]"] if compact and len(extras) > 1 else extras
    if spec.rest:
        parts.append(f"[{spec.rest}]" if spec.rest_optional else f"<{spec.rest}>")
    return " ".join(parts)


def _usage_of(specs: Sequence[Verb], *, coordinator: bool, content: Content) -> Text:
    def detail(spec: Verb) -> Text:
        example = content.text("usage.example", command=Text.engine(_command(spec, content)))
        line = _line(spec, coordinator=coordinator, content=content)
        return Text.join([line, spec.summary_in(content), example])

    return Text.join((detail(s) for s in specs), "\n\n")


def _command(spec: Verb, content: Content) -> str:
    return f"{PREFIX} {spec.example_in(content)}"


def usage(verb: str | None = None, *, coordinator: bool, content: Content | None = None) -> Text:
    """The command list for a coordinator or a participant, or how to use one verb.

    `verb` is a verb name ("goals add"; "enrol" shows both its forms) or, where no verb has
    that name, a family ("programme" shows programme create and programme list). Written in
    `content`'s language (the turn's), English when none is given.
    """
    content = content or default_content()
    if verb is not None:
        specs = _specs_of(verb)
        if not specs:
            raise ValueError(f"no such verb: {verb!r}")
        return _usage_of(specs, coordinator=coordinator, content=content)
    shown = [s for s in VERBS if coordinator or s.audience != "coordinator"]
    lines = [content.text("usage.list.title")]
    for spec in shown:
        line = _line(spec, coordinator=coordinator, content=content, compact=True)
        summary = spec.summary_in(content)
        lines.append(content.text("usage.list.item", line=Text.engine(line), summary=summary))
    example = _specs_of("enrol" if coordinator else "goals met")[0]  # not user-facing: verbs
    command = Text.engine(f"{PREFIX} {example.label}")
    lines += [Text.engine(""), content.text("usage.list.more", command=command)]
    return Text.join(lines)


# --- the usage a refusal shows: the line(s) of the one verb it is about ----------------------


def _help_hint(content: Content) -> Text:
    return content.text("usage.help_hint")


def _specs_of(verb: str) -> list[Verb]:
    """Forms named `verb`: a verb ("goals add", "enrol": both forms), a form ("enrol --csv"),
    else a family ("programme": programme create and programme list)."""
    wanted = " ".join(verb.lower().split())
    return (
        [s for s in VERBS if s.full == wanted]
        or [s for s in VERBS if s.label == wanted]
        or [s for s in VERBS if s.name == wanted]
    )


def _lines(specs: Sequence[Verb], *, coordinator: bool, content: Content) -> str:
    return "\n".join(_line(s, coordinator=coordinator, content=content) for s in specs)


def usage_for(verb: str, *, coordinator: bool, content: Content | None = None) -> str:
    """The one usage line of a verb or form ("goals met", "enrol --csv"; "enrol" is the form
    without --csv), or of each verb in a family ("goals": goals, goals add, goals met).

    This is what a refusal shows; `usage(verb)` adds each form's summary and example for
    `help <verb>` and `--help`. Both read VERBS, so a verb added there needs no wiring here.
    """
    wanted = " ".join(verb.lower().split())
    specs = [s for s in VERBS if s.label == wanted] or _specs_of(verb)
    if not specs:
        raise ValueError(f"no such verb: {verb!r}")
    return _lines(specs, coordinator=coordinator, content=content or default_content())


def is_verb(words: str) -> bool:
    """Do these words name a verb, one of its forms or a family (`help away` asks about it)?"""
    return bool(_specs_of(words))


def is_for_coordinators(verb: str) -> bool:
    """Is every form of this verb (or family) a coordinator's? Unknown words are not."""
    specs = _specs_of(verb)
    return bool(specs) and all(s.audience == "coordinator" for s in specs)
