"""The one `/tandem` grammar for Slack, Teams and the console: verb table, parser, usage text."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import available_timezones

from bot.content import Content, default_content
from bot.hours import parse_days
from bot.identity import clean_text
from bot.text import Text
from bot.text import typed as typed_span

PREFIX = "/tandem"
MAX_LENGTH = 4000  # Slack caps slash-command text at 4000 characters; nothing longer is a command

Who = Literal["coordinator", "participant", "anyone"]
Value = str | int | bool
# How a value is checked and normalised; see _convert.
Kind = Literal["text", "person", "ref", "int", "choice", "hours", "zone", "days", "date"]


@dataclass(frozen=True)
class Parsed:
    """A well-formed command: `options` holds only what was typed (flags as True)."""

    verb: str
    args: tuple[str, ...] = ()
    options: Mapping[str, Value] = field(default_factory=dict, hash=False)
    rest: str = ""


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


@dataclass(frozen=True)
class Positional:
    name: str
    kind: Kind = "text"
    optional: bool = False
    coordinator_only: bool = False  # participants leave it out: their own pair is implied


@dataclass(frozen=True)
class Option:
    name: str  # as typed after `--`; the Parsed key swaps '-' for '_'
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    bounds: tuple[int, int] = (0, 0)
    metavar: str = "<value>"
    worded: bool = False  # the metavar is a key under usage.metavars: words people read

    def shown(self, content: Content) -> str:
        if self.kind == "choice":
            return "|".join(self.choices)
        if self.kind == "int":
            return f"{self.bounds[0]}-{self.bounds[1]}"
        return content.text(f"usage.metavars.{self.metavar}") if self.worded else self.metavar


@dataclass(frozen=True)
class Verb:
    """One form of one command; `usage` and the parser are both generated from these."""

    name: str
    audience: Who
    sub: str = ""
    args: tuple[Positional, ...] = ()
    options: tuple[Option, ...] = ()
    flags: tuple[str, ...] = ()
    rest: str = ""  # label of a free-text remainder, taken raw and never shell-split
    rest_optional: bool = False
    form: str = ""  # a flag whose presence selects this form of the verb (enrol --csv)

    @property
    def full(self) -> str:
        return f"{self.name} {self.sub}".strip()

    @property
    def label(self) -> str:
        return f"{self.full} --{self.form}" if self.form else self.full

    @property
    def key(self) -> str:
        """Its content key under usage.verbs: "enrol --csv" -> "enrol_csv"."""
        return re.sub(r"[^a-z]+", "_", self.label).strip("_")

    def summary_in(self, content: Content) -> Text:
        return content.text(f"usage.verbs.{self.key}.summary")

    def example_in(self, content: Content) -> str:
        """The words after /tandem; the tests parse every language's example."""
        return str(content.text(f"usage.verbs.{self.key}.example"))

    @property
    def summary(self) -> str:
        """In the operator's default language (the Teams command menu)."""
        return str(self.summary_in(default_content()))

    @property
    def example(self) -> str:
        return self.example_in(default_content())


def _int(name: str, low: int, high: int, *, required: bool = False) -> Option:
    return Option(name, "int", required, bounds=(low, high))


def _choice(name: str, *choices: str, required: bool = False) -> Option:
    return Option(name, "choice", required, choices=choices)


_PROGRAMME = Option("programme", required=True, metavar="<name>")
_PAIR = Positional("pair", "ref")
_OWN_PAIR = Positional("pair", "ref", optional=True, coordinator_only=True)

# Each verb's summary and example are in bot/content/<language>/usage.yaml, under its key.
VERBS: tuple[Verb, ...] = (
    # Coordinators
    Verb(
        "programme",
        "coordinator",
        sub="create",
        args=(Positional("name"),),
        options=(
            _choice("kind", "reverse", "reciprocal", "classic", "sponsorship", required=True),
            _int("sessions", 1, 24),
            _choice("cadence", "weekly", "fortnightly", "monthly", "bimonthly"),
            _int("length", 15, 180),
            Option("topics", metavar='"a, b"'),
        ),
    ),
    Verb("programme", "coordinator", sub="list"),
    Verb(
        "enrol",
        "coordinator",
        args=(Positional("person", "person"),),
        options=(
            _PROGRAMME,
            _choice("role", "mentor", "mentee", required=True),
            _int("level", 1, 10, required=True),
            Option("offers", metavar='"a, b"'),
            Option("wants", metavar='"a, b"'),
            _int("capacity", 1, 10),
            Option("team", metavar="<team>"),
            Option("manager", "person", metavar="<person>"),
            Option("tz", "zone", metavar="<Area/City>"),
            Option("hours", "hours", metavar="9-17"),
            Option("days", "days", metavar="mon-fri"),
            Option("away", "date", metavar="<YYYY-MM-DD>"),
            Option("name", metavar="display_name", worded=True),
        ),
    ),
    Verb(
        "enrol",
        "coordinator",
        options=(_PROGRAMME,),
        flags=("csv",),
        form="csv",
    ),
    Verb(
        "pair",
        "coordinator",
        args=(Positional("mentor", "person"), Positional("mentee", "person")),
        options=(_PROGRAMME, Option("reason", metavar="why", worded=True)),
    ),
    Verb(
        "match",
        "coordinator",
        args=(Positional("programme"),),
        flags=("dry-run",),
    ),
    Verb(
        "report",
        "coordinator",
        args=(Positional("programme"),),
    ),
    Verb(
        "nudge",
        "coordinator",
        args=(_PAIR,),
        rest="note",
    ),
    Verb(
        "end",
        "coordinator",
        args=(_PAIR,),
    ),
    Verb(
        "coordinator",
        "coordinator",
        sub="add",
        args=(Positional("person", "person"),),
    ),
    Verb(
        "coordinator",
        "coordinator",
        sub="remove",
        args=(Positional("person", "person"),),
    ),
    Verb("coordinator", "coordinator", sub="list", flags=("log",)),
    Verb("language", "coordinator", args=(Positional("code", optional=True),)),
    # Everyone; the parser accepts every verb from anyone, the engine refuses by role.
    Verb(
        "status",
        "anyone",
        args=(Positional("programme", optional=True, coordinator_only=True),),
    ),
    Verb("checkin", "participant"),
    Verb("goals", "participant"),
    Verb(
        "goals",
        "participant",
        sub="add",
        rest="goal",
    ),
    Verb(
        "goals",
        "participant",
        sub="met",
        args=(Positional("n", "ref"),),
    ),
    Verb("actions", "participant"),
    Verb(
        "actions",
        "participant",
        sub="add",
        rest="action",
    ),
    Verb(
        "actions",
        "participant",
        sub="done",
        args=(Positional("n", "ref"),),
    ),
    Verb("pause", "anyone", args=(_OWN_PAIR,)),
    Verb("resume", "anyone", args=(_OWN_PAIR,)),
    Verb("swap", "participant"),
    Verb(
        "waypoints",
        "participant",
    ),
    Verb(
        "waypoints",
        "participant",
        sub="add",
        rest="waypoint",
    ),
    Verb(
        "waypoints",
        "participant",
        sub="reached",
        args=(Positional("n", "ref"),),
    ),
    Verb(
        "parked",
        "participant",
    ),
    Verb(
        "hours",
        "anyone",
        args=(
            Positional("hours", "hours", optional=True),
            Positional("days", "days", optional=True),
        ),
    ),
    Verb(
        "away",
        "anyone",
        sub="until",
        args=(Positional("date", "date"),),
    ),
    Verb(
        "away",
        "anyone",
        sub="off",
    ),
    Verb(
        "leave",
        "anyone",
        args=(Positional("programme"),),
    ),
    Verb(
        "join",
        "anyone",
        args=(Positional("programme"),),
    ),
    Verb(
        "help",
        "anyone",
        rest="note",
        rest_optional=True,
    ),
    Verb(
        "my-data",
        "anyone",
    ),
    Verb(
        "forget-me",
        "anyone",
        flags=("confirm",),
    ),
)
VERB_NAMES: frozenset[str] = frozenset(v.full for v in VERBS)

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
