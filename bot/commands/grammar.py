"""The one `/tandem` grammar for Slack, Teams and the console: the parser, from the words after
/tandem to a Parsed command or a UsageError.

The verb table is in bot.commands.verbs and the usage text in bot.commands.usage; this module
re-exports their public names, so callers import the whole grammar from here."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from zoneinfo import available_timezones

from bot.commands.usage import (
    Param,
    UsageError,
    _either,
    _help_hint,
    _lines,
    _show,
    _usage_of,
    _wanted,
    is_for_coordinators,
    is_verb,
    usage,
    usage_for,
)
from bot.commands.verbs import PREFIX, VERB_NAMES, VERBS, Kind, Option, Positional, Verb, Who
from bot.content import Content
from bot.hours import parse_days
from bot.identity import clean_text
from bot.text import Text

__all__ = [
    "MAX_LENGTH",
    "PREFIX",
    "VERBS",
    "VERB_NAMES",
    "Kind",
    "Option",
    "Parsed",
    "Positional",
    "UsageError",
    "Value",
    "Verb",
    "Who",
    "is_for_coordinators",
    "is_verb",
    "parse",
    "usage",
    "usage_for",
]

MAX_LENGTH = 4000  # Slack caps slash-command text at 4000 characters; nothing longer is a command

Value = str | int | bool


@dataclass(frozen=True)
class Parsed:
    """A well-formed command: `options` holds only what was typed (flags as True)."""

    verb: str
    args: tuple[str, ...] = ()
    options: Mapping[str, Value] = field(default_factory=dict, hash=False)
    rest: str = ""


# Words people reach for instead of ours: US spelling, a hyphen, a question mark.
_ALIASES = {"program": "programme", "enroll": "enrol", "check-in": "checkin", "?": "help"}
_WORD = re.compile(r"\s*(\S+)")
# Phones and macOS turn `--` into a dash and straight quotes into curly ones; accept both.
_OPTION = re.compile(r"(?:--|\u2014|\u2013)([A-Za-z][\w-]*)(?:=(.*))?", re.DOTALL)
_REF = re.compile(r"#?([0-9]{1,9})")
_HOURS = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class _Problem(Exception):
    """Raised deep in parsing; `parse` adds the usage of the verb(s) it concerns.

    `key` names the message under usage.errors, `params` fill it. `detailed`: the person asked
    (`--help`), so they get the summary and example too.
    """

    def __init__(self, key: str, *specs: Verb, detailed: bool = False, **params: Param) -> None:
        super().__init__(key)
        self.key, self.specs, self.detailed, self.params = key, specs, detailed, params


class _Unknown(_Problem):
    """A first word that is no verb; `parse` looks for the verb it is closest to."""

    def __init__(self, word: str) -> None:
        super().__init__("unknown", word=_show(word))
        self.word = word


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def _convert(kind: Kind, value: str, label: str, spec: Verb, opt: Option | None = None) -> Value:
    """Check and normalise one positional or option value."""
    value = value.strip()
    label_ = Text.engine(label)
    if not value:
        raise _Problem("empty", spec, label=label_)
    if kind == "person":
        # A platform id; each adapter has already turned its mentions into ids.
        return value.removeprefix("@") or value
    if kind == "ref":  # a pair, a goal or an action, by the number the bot showed
        ref = _REF.fullmatch(value)
        if ref and int(ref.group(1)) > 0:
            return str(int(ref.group(1)))
        raise _Problem("not_a_ref", spec, label=label_, value=_show(value))
    if kind == "text" or (opt is None and kind not in ("hours", "days", "date")):
        return value
    opt = opt or Option(label, kind)
    if kind == "int":
        # isascii: int() also takes Arabic-Indic digits; len: int() refuses 4300+ digit strings
        digits = value.isascii() and value.isdigit() and len(value) < 7
        if digits and opt.bounds[0] <= int(value) <= opt.bounds[1]:
            return int(value)
    elif kind == "choice":
        if value.lower() in opt.choices:
            return value.lower()
    elif kind == "hours":
        span = _HOURS.fullmatch(value.replace(" ", ""))
        if span and int(span.group(1)) < int(span.group(2)) <= 24:
            return f"{int(span.group(1))}-{int(span.group(2))}"
    elif kind == "days":
        try:
            parse_days(value)  # checked here, read by the handler (bot.hours.parse_days)
            return value.lower().replace(" ", "")
        except ValueError:
            pass
    elif kind == "date":
        if _DATE.fullmatch(value) and _is_date(value):
            return value
    else:
        zone = _zones().get(value.lower())
        if zone or not _zones():  # without a tz database we cannot judge, so we trust the caller
            return zone or value
    raise _Problem("not_wanted", spec, label=label_, wanted=_wanted(opt), value=_show(value))


def _split(body: str, spec: Verb) -> list[str]:
    """Shell-split the non-free-text part, so names can be quoted."""
    body = re.sub(r"\s", " ", body.replace("\u201c", '"').replace("\u201d", '"'))
    try:
        return shlex.split(body)
    except ValueError as error:
        if "quotation" in str(error):
            raise _Problem("open_quote", spec) from None
        raise _Problem("backslash", spec) from None


def _option(token: str) -> tuple[str, str | None] | None:
    """`--Dry_Run` -> ("dry-run", None), `--level=3` -> ("level", "3"), a plain word -> None."""
    match = _OPTION.fullmatch(token)
    return (match.group(1).lower().replace("_", "-"), match.group(2)) if match else None


def _read(spec: Verb, tokens: list[str]) -> Parsed:
    """Sort tokens into positionals and typed options, then check what is required."""
    by_name = {o.name: o for o in spec.options}
    words: list[str] = []
    options: dict[str, Value] = {}
    verb = Text.engine(spec.label)
    while tokens:
        token = tokens.pop(0)
        named = _option(token)
        if named is None:
            if token.startswith("--"):
                raise _Problem("not_an_option", spec, verb=verb, token=_show(token))
            words.append(token)
            continue
        name, value = named
        key = name.replace("-", "_")
        if name == "help":
            raise _Problem("how", spec, detailed=True, verb=verb)
        if name not in by_name and name not in spec.flags:
            known = tuple(f"--{n}" for n in (*by_name, *spec.flags) if n != spec.form)
            if known:
                raise _Problem("no_option_takes", spec, verb=verb, name=name, known=_either(known))
            raise _Problem("no_option", spec, verb=verb, name=name)
        if key in options:
            raise _Problem("twice", spec, name=name)
        if name in spec.flags:
            if value is not None:
                raise _Problem("switch", spec, name=name)
            options[key] = True
            continue
        opt = by_name[name]
        if value is None:
            following = _option(tokens[0]) if tokens else None
            if not tokens or (following and following[0] in (*by_name, *spec.flags)):
                raise _Problem("needs_value", spec, name=name, wanted=_wanted(opt))
            value = tokens.pop(0)
        options[key] = _convert(opt.kind, value, f"--{name}", spec, opt)
    for opt in spec.options:
        if opt.required and opt.name.replace("-", "_") not in options:
            raise _Problem("needs_option", spec, verb=verb, name=opt.name, wanted=_wanted(opt))
    return Parsed(spec.full, _positionals(spec, words), MappingProxyType(options))


def _positionals(spec: Verb, words: list[str]) -> tuple[str, ...]:
    verb = Text.engine(spec.label)
    if len(words) > len(spec.args):
        extra = _show(" ".join(words[len(spec.args) :]))
        if not spec.args:
            raise _Problem("no_words", spec, verb=verb, extra=extra)
        wanted = Text.engine(" ".join(f"<{p.name}>" for p in spec.args))
        named = any(p.kind == "text" for p in spec.args)  # a name with spaces, unquoted
        key = "extra_words_name" if named else "extra_words"
        raise _Problem(key, spec, verb=verb, wanted=wanted, extra=extra)
    for p in spec.args[len(words) :]:
        if not p.optional:
            raise _Problem("needs_arg", spec, verb=verb, arg=Text.engine(f"<{p.name}>"))
    pairs = zip(spec.args, words, strict=False)  # optional positionals may be missing
    return tuple(str(_convert(p.kind, word, f"<{p.name}>", spec)) for p, word in pairs)


def parse(text: str, *, coordinator: bool = False) -> Parsed:
    """Parse the words after `/tandem`, raising UsageError for anything malformed.

    Every verb parses for everyone; refusing coordinator verbs is the engine's job. The
    `coordinator` flag only chooses which usage (general or per verb) a mistake is answered with.
    """
    try:
        return _parse(text)
    except _Unknown as unknown:
        raise _unknown_verb(unknown, coordinator=coordinator) from None
    except _Problem as problem:
        specs = problem.specs
        if not specs:
            raise UsageError(problem.key, problem.params, _help_hint) from None
        verb = specs[0].full if len(specs) == 1 else specs[0].name
        detailed = problem.detailed  # `problem` is unbound once the except clause ends

        def shown(content: Content) -> str:
            if detailed:
                return _usage_of(specs, coordinator=coordinator, content=content)
            return _lines(specs, coordinator=coordinator, content=content)

        raise UsageError(problem.key, problem.params, shown, verb) from None


def _parse(text: str) -> Parsed:
    if len(text) > MAX_LENGTH:
        raise _Problem("too_long", limit=MAX_LENGTH)
    # The one normaliser of text from outside (bot.identity.clean_text): control characters,
    # whole ANSI sequences, bidirectional and zero-width characters go; NFC; newlines and tabs
    # stay for notes.
    text = clean_text(text)
    text = re.sub(rf"^\s*{PREFIX}(?=\s|$)", "", text, flags=re.IGNORECASE)
    first = _WORD.match(text)
    if first is None:
        return Parsed("status")
    name = _ALIASES.get(first.group(1).lower(), first.group(1).lower())
    family = tuple(s for s in VERBS if s.name == name)
    if not family:
        raise _Unknown(first.group(1))
    end, second = first.end(), _WORD.match(text, first.end())
    subs = tuple(s.sub for s in family if s.sub)
    specs = [s for s in family if s.sub and second and s.sub == second.group(1).lower()]
    verb = Text.engine(name)
    if specs and second:
        end = second.end()
    else:
        specs = [s for s in family if not s.sub]
        if not specs:
            raise _Problem("needs_sub", *family, verb=verb, choices=_either(subs))
        if subs and second and second.group(1).lower() == "--help":  # the whole family
            raise _Problem("how", *family, detailed=True, verb=verb)
        if subs and second and not specs[0].args and _option(second.group(1)) is None:
            # `goals ad x`: a mistyped subcommand (`goals --x` is an option goals lacks)
            raise _Problem(
                "expect_sub", *family, verb=verb, choices=_either(subs), word=_show(second.group(1))
            )
    if not specs[0].rest:
        tokens = _split(text[end:], specs[0])
        typed = {named[0] for named in map(_option, tokens) if named}
        form = [s for s in specs if s.form in typed] or [s for s in specs if not s.form]
        return _read(form[0], tokens)
    spec = specs[0]  # free text: fixed words first, then the untouched remainder
    if text[end:].strip().lower() == "--help":
        raise _Problem("how", spec, detailed=True, verb=Text.engine(spec.full))
    words = []
    for _ in spec.args:
        if (word := _WORD.match(text, end)) is not None:
            words.append(word.group(1))
            end = word.end()
    args, rest = _positionals(spec, words), text[end:].strip()
    if not rest and not spec.rest_optional:
        arg = Text.engine(f"<{spec.rest}>")
        raise _Problem("needs_rest", spec, verb=Text.engine(spec.full), arg=arg)
    return Parsed(spec.full, args, MappingProxyType({}), rest)


def _unknown_verb(unknown: _Unknown, *, coordinator: bool) -> UsageError:
    """An unknown first word: the usage of the verb it looks like, else where the list is."""
    known = sorted({s.name for s in VERBS if coordinator or s.audience != "coordinator"})
    close = difflib.get_close_matches(unknown.word.lower(), known, n=1, cutoff=0.75)
    if not close:
        return UsageError(unknown.key, unknown.params, _help_hint)
    family = [s for s in VERBS if s.name == close[0]]

    def shown(content: Content) -> str:
        return _lines(family, coordinator=coordinator, content=content)

    params = {**unknown.params, "verb": Text.engine(close[0])}
    return UsageError("unknown_close", params, shown, close[0])
