"""The one `/tandem` grammar for Slack, Teams and the console: verb table, parser, usage text."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import available_timezones

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


class UsageError(Exception):
    """A malformed command: `message` says what is wrong, `usage` shows how to get it right.

    `verb` is the verb or family the mistake is about ("goals met", "goals"); `usage` is then
    its line(s) from `usage_for`, or its full help after `--help`. None means no verb applies.
    """

    def __init__(self, message: str, usage: str, verb: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.verb = verb  # whose usage applies; None means the general list


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

    @property
    def shown(self) -> str:
        if self.kind == "choice":
            return "|".join(self.choices)
        return f"{self.bounds[0]}-{self.bounds[1]}" if self.kind == "int" else self.metavar


@dataclass(frozen=True)
class Verb:
    """One form of one command; `usage` and the parser are both generated from these."""

    name: str
    summary: str
    audience: Who
    sub: str = ""
    args: tuple[Positional, ...] = ()
    options: tuple[Option, ...] = ()
    flags: tuple[str, ...] = ()
    rest: str = ""  # label of a free-text remainder, taken raw and never shell-split
    rest_optional: bool = False
    form: str = ""  # a flag whose presence selects this form of the verb (enrol --csv)
    example: str = ""  # the words after /tandem; the tests parse every example

    @property
    def full(self) -> str:
        return f"{self.name} {self.sub}".strip()

    @property
    def label(self) -> str:
        return f"{self.full} --{self.form}" if self.form else self.full


def _int(name: str, low: int, high: int, *, required: bool = False) -> Option:
    return Option(name, "int", required, bounds=(low, high))


def _choice(name: str, *choices: str, required: bool = False) -> Option:
    return Option(name, "choice", required, choices=choices)


_PROGRAMME = Option("programme", required=True, metavar="<name>")
_PAIR = Positional("pair", "ref")
_OWN_PAIR = Positional("pair", "ref", optional=True, coordinator_only=True)

VERBS: tuple[Verb, ...] = (
    # Coordinators
    Verb(
        "programme",
        "Create a mentoring programme.",
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
        example='programme create "Reverse 2026" --kind reverse --sessions 6',
    ),
    Verb("programme", "List the programmes.", "coordinator", sub="list", example="programme list"),
    Verb(
        "enrol",
        "Enrol one person in a programme.",
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
            Option("name", metavar='"Display Name"'),
        ),
        example='enrol @maya --programme "Reverse 2026" --role mentor --level 2 --offers "AI"',
    ),
    Verb(
        "enrol",
        "Enrol everyone in the CSV file attached to the command.",
        "coordinator",
        options=(_PROGRAMME,),
        flags=("csv",),
        form="csv",
        example='enrol --csv --programme "Reverse 2026"',
    ),
    Verb(
        "pair",
        "Pair two people by hand.",
        "coordinator",
        args=(Positional("mentor", "person"), Positional("mentee", "person")),
        options=(_PROGRAMME, Option("reason", metavar='"why"')),
        example='pair @maya @john --programme "Reverse 2026" --reason "both love data"',
    ),
    Verb(
        "match",
        "Propose pairs for a programme; --dry-run only shows them.",
        "coordinator",
        args=(Positional("programme"),),
        flags=("dry-run",),
        example='match "Reverse 2026" --dry-run',
    ),
    Verb(
        "report",
        "Show a programme's health and evaluation.",
        "coordinator",
        args=(Positional("programme"),),
        example='report "Reverse 2026"',
    ),
    Verb(
        "nudge",
        "Send a pair a note from you.",
        "coordinator",
        args=(_PAIR,),
        rest="note",
        example="nudge 12 Great start, keep it going!",
    ),
    Verb(
        "end",
        "End a pair early; both get the evaluation.",
        "coordinator",
        args=(_PAIR,),
        example="end 12",
    ),
    Verb(
        "coordinator",
        "Make someone a coordinator.",
        "coordinator",
        sub="add",
        args=(Positional("person", "person"),),
        example="coordinator add @sam",
    ),
    Verb(
        "coordinator",
        "Take back someone's coordinator rights (not your own if you are the last).",
        "coordinator",
        sub="remove",
        args=(Positional("person", "person"),),
        example="coordinator remove @sam",
    ),
    Verb(
        "coordinator",
        "List this workspace's coordinators; --log shows who did what, when.",
        "coordinator",
        sub="list",
        flags=("log",),
        example="coordinator list --log",
    ),
    # Everyone; the parser accepts every verb from anyone, the engine refuses by role.
    Verb(
        "status",
        "Your pair at a glance (or just /tandem).",
        "anyone",
        args=(Positional("programme", optional=True, coordinator_only=True),),
        example="status",
    ),
    Verb("checkin", "Answer the check-in for your last session.", "participant", example="checkin"),
    Verb("goals", "List your goals.", "participant", example="goals"),
    Verb(
        "goals",
        "Add a goal.",
        "participant",
        sub="add",
        rest="goal",
        example="goals add Run the team retro myself",
    ),
    Verb(
        "goals",
        "Mark goal number n as met.",
        "participant",
        sub="met",
        args=(Positional("n", "ref"),),
        example="goals met 2",
    ),
    Verb("actions", "List your actions.", "participant", example="actions"),
    Verb(
        "actions",
        "Add an action.",
        "participant",
        sub="add",
        rest="action",
        example="actions add Book a site visit",
    ),
    Verb(
        "actions",
        "Mark action number n as done.",
        "participant",
        sub="done",
        args=(Positional("n", "ref"),),
        example="actions done 1",
    ),
    Verb("pause", "Pause your sessions for a while.", "anyone", args=(_OWN_PAIR,), example="pause"),
    Verb(
        "resume", "Start your paused sessions again.", "anyone", args=(_OWN_PAIR,), example="resume"
    ),
    Verb("swap", "Swap who leads (reciprocal programmes).", "participant", example="swap"),
    Verb(
        "waypoints",
        "Your destination and the waypoints on the way (sponsorship).",
        "participant",
        example="waypoints",
    ),
    Verb(
        "waypoints",
        "Add a waypoint to your route.",
        "participant",
        sub="add",
        rest="waypoint",
        example="waypoints add Present the plan to the steering group",
    ),
    Verb(
        "waypoints",
        "Mark waypoint number n as reached.",
        "participant",
        sub="reached",
        args=(Positional("n", "ref"),),
        example="waypoints reached 1",
    ),
    Verb(
        "parked",
        "What waits for the wrap-up (reverse mentoring).",
        "participant",
        example="parked",
    ),
    Verb(
        "hours",
        "Show or set your working hours and days; reminders wait for them.",
        "anyone",
        args=(
            Positional("hours", "hours", optional=True),
            Positional("days", "days", optional=True),
        ),
        example="hours 8-16 mon-thu",
    ),
    Verb(
        "away",
        "Hold everything scheduled until the day you are back.",
        "anyone",
        sub="until",
        args=(Positional("date", "date"),),
        example="away until 2027-03-01",
    ),
    Verb(
        "away",
        "You are back: scheduled messages reach you again.",
        "anyone",
        sub="off",
        example="away off",
    ),
    Verb(
        "leave",
        "Leave a programme at any time; any pair you are in ends kindly.",
        "anyone",
        args=(Positional("programme"),),
        example='leave "Reverse 2026"',
    ),
    Verb(
        "join",
        "Take part after all in a programme you said no to or left.",
        "anyone",
        args=(Positional("programme"),),
        example='join "Reverse 2026"',
    ),
    Verb(
        "help",
        "Show this list, or send your coordinator a private note.",
        "anyone",
        rest="note",
        rest_optional=True,
        example="help We keep missing sessions",
    ),
    Verb(
        "my-data",
        "Receive, privately, everything Tandem stores about you.",
        "anyone",
        example="my-data",
    ),
    Verb(
        "forget-me",
        "Delete everything Tandem stores about you.",
        "anyone",
        flags=("confirm",),
        example="forget-me --confirm",
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

    `detailed`: the person asked (`--help`), so they get the summary and example too.
    """

    def __init__(self, message: str, *specs: Verb, detailed: bool = False) -> None:
        super().__init__(message)
        self.message, self.specs, self.detailed = message, specs, detailed


class _Unknown(_Problem):
    """A first word that is no verb; `parse` looks for the verb it is closest to."""

    def __init__(self, word: str) -> None:
        super().__init__("I don't know the command " + _show(word) + ".")
        self.word = word


def _show(text: str) -> Text:
    """What the person typed, quoted back to them exactly as typed (never read as markup)."""
    return "'" + typed_span(text if len(text) <= 40 else text[:39] + "…") + "'"


def _either(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _wanted(opt: Option) -> str:
    if opt.kind == "choice":
        return _either(opt.choices)
    if opt.kind == "int":
        return "a whole number from {} to {}".format(*opt.bounds)
    if opt.kind == "hours":
        return "working hours like 9-17 (whole hours from 0 to 24, start before end)"
    if opt.kind == "days":
        return "working days like mon-fri, sun-thu or mon,wed,fri"
    if opt.kind == "date":
        return "a date like 2027-03-01"
    return "a time zone like Europe/London" if opt.kind == "zone" else opt.metavar


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
    if not value:
        raise _Problem(f"{label} can't be empty.", spec)
    if kind == "person":
        # A platform id; each adapter has already turned its mentions into ids.
        return value.removeprefix("@") or value
    if kind == "ref":  # a pair, a goal or an action, by the number the bot showed
        ref = _REF.fullmatch(value)
        if ref and int(ref.group(1)) > 0:
            return str(int(ref.group(1)))
        raise _Problem(
            f"{label} must be a number from the list, like 12 or #12; you gave "
            + _show(value)
            + ".",
            spec,
        )
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
    raise _Problem(f"{label} must be {_wanted(opt)}; you gave " + _show(value) + ".", spec)


def _split(body: str, spec: Verb) -> list[str]:
    """Shell-split the non-free-text part, so names can be quoted."""
    body = re.sub(r"\s", " ", body.replace("\u201c", '"').replace("\u201d", '"'))
    try:
        return shlex.split(body)
    except ValueError as error:
        if "quotation" in str(error):
            raise _Problem(
                "A quote is not closed. Close it, or put a name with an apostrophe "
                "in double quotes, like \"O'Brien's team\".",
                spec,
            ) from None
        raise _Problem("The command ends with a stray backslash; remove it.", spec) from None


def _option(token: str) -> tuple[str, str | None] | None:
    """`--Dry_Run` -> ("dry-run", None), `--level=3` -> ("level", "3"), a plain word -> None."""
    match = _OPTION.fullmatch(token)
    return (match.group(1).lower().replace("_", "-"), match.group(2)) if match else None


def _read(spec: Verb, tokens: list[str]) -> Parsed:
    """Sort tokens into positionals and typed options, then check what is required."""
    by_name = {o.name: o for o in spec.options}
    words: list[str] = []
    options: dict[str, Value] = {}
    while tokens:
        token = tokens.pop(0)
        named = _option(token)
        if named is None:
            if token.startswith("--"):
                raise _Problem(f"{spec.label} has no option " + _show(token) + ".", spec)
            words.append(token)
            continue
        name, value = named
        key = name.replace("-", "_")
        if name == "help":
            raise _Problem(f"Here is how {spec.label} works.", spec, detailed=True)
        if name not in by_name and name not in spec.flags:
            known = tuple(f"--{n}" for n in (*by_name, *spec.flags) if n != spec.form)
            takes = f" It takes {_either(known)}." if known else ""
            raise _Problem(f"{spec.label} has no option --{name}.{takes}", spec)
        if key in options:
            raise _Problem(f"--{name} is given twice.", spec)
        if name in spec.flags:
            if value is not None:
                raise _Problem(f"--{name} is a switch and takes no value.", spec)
            options[key] = True
            continue
        opt = by_name[name]
        if value is None:
            following = _option(tokens[0]) if tokens else None
            if not tokens or (following and following[0] in (*by_name, *spec.flags)):
                raise _Problem(f"--{name} needs a value: {_wanted(opt)}.", spec)
            value = tokens.pop(0)
        options[key] = _convert(opt.kind, value, f"--{name}", spec, opt)
    for opt in spec.options:
        if opt.required and opt.name.replace("-", "_") not in options:
            raise _Problem(f"{spec.label} needs --{opt.name} ({_wanted(opt)}).", spec)
    return Parsed(spec.full, _positionals(spec, words), MappingProxyType(options))


def _positionals(spec: Verb, words: list[str]) -> tuple[str, ...]:
    if len(words) > len(spec.args):
        extra = _show(" ".join(words[len(spec.args) :]))
        if not spec.args:
            raise _Problem(f"{spec.label} takes no other words, but I got " + extra + ".", spec)
        wanted = " ".join(f"<{p.name}>" for p in spec.args)
        hint = ' Put a name with spaces in quotes, like "Reverse 2026".' * any(
            p.kind == "text" for p in spec.args
        )
        raise _Problem(f"{spec.label} takes {wanted}, but I also got " + extra + f".{hint}", spec)
    for p in spec.args[len(words) :]:
        if not p.optional:
            raise _Problem(f"{spec.label} needs <{p.name}>.", spec)
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
            raise UsageError(problem.message, _HELP_HINT) from None
        verb = specs[0].full if len(specs) == 1 else specs[0].name
        if problem.detailed:
            shown = _usage_of(specs, coordinator=coordinator)
        else:
            shown = _lines(specs, coordinator=coordinator)
        raise UsageError(problem.message, shown, verb) from None


def _parse(text: str) -> Parsed:
    if len(text) > MAX_LENGTH:
        raise _Problem(f"That command is too long: keep it under {MAX_LENGTH} characters.")
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
    if specs and second:
        end = second.end()
    else:
        specs = [s for s in family if not s.sub]
        if not specs:
            raise _Problem(f"{name} needs {_either(subs)} after it.", *family)
        if subs and second and second.group(1).lower() == "--help":  # the whole family
            raise _Problem(f"Here is how {name} works.", *family, detailed=True)
        if subs and second and not specs[0].args and _option(second.group(1)) is None:
            # `goals ad x`: a mistyped subcommand (`goals --x` is an option goals lacks)
            raise _Problem(
                f"After {name} I expect {_either(subs)}, not " + _show(second.group(1)) + ".",
                *family,
            )
    if not specs[0].rest:
        tokens = _split(text[end:], specs[0])
        typed = {named[0] for named in map(_option, tokens) if named}
        form = [s for s in specs if s.form in typed] or [s for s in specs if not s.form]
        return _read(form[0], tokens)
    spec = specs[0]  # free text: fixed words first, then the untouched remainder
    if text[end:].strip().lower() == "--help":
        raise _Problem(f"Here is how {spec.full} works.", spec, detailed=True)
    words = []
    for _ in spec.args:
        if (word := _WORD.match(text, end)) is not None:
            words.append(word.group(1))
            end = word.end()
    args, rest = _positionals(spec, words), text[end:].strip()
    if not rest and not spec.rest_optional:
        raise _Problem(f"{spec.full} needs <{spec.rest}> after it.", spec)
    return Parsed(spec.full, args, MappingProxyType({}), rest)


def _line(spec: Verb, *, coordinator: bool, compact: bool = False) -> str:
    parts = [PREFIX, spec.label]
    parts += [
        f"[{p.name}]" if p.optional else f"<{p.name}>"
        for p in spec.args
        if coordinator or not p.coordinator_only
    ]
    parts += [f"--{o.name} {o.shown}" for o in spec.options if o.required]
    extras = [f"[--{o.name} {o.shown}]" for o in spec.options if not o.required]
    extras += [f"[--{f}]" for f in spec.flags if f != spec.form]
    parts += ["[options]"] if compact and len(extras) > 1 else extras
    if spec.rest:
        parts.append(f"[{spec.rest}]" if spec.rest_optional else f"<{spec.rest}>")
    return " ".join(parts)


def _usage_of(specs: Sequence[Verb], *, coordinator: bool) -> str:
    return "\n\n".join(
        f"{_line(s, coordinator=coordinator)}\n{s.summary}\nExample: {PREFIX} {s.example}"
        for s in specs
    )


def usage(verb: str | None = None, *, coordinator: bool) -> str:
    """The command list for a coordinator or a participant, or how to use one verb.

    `verb` is a verb name ("goals add"; "enrol" shows both its forms) or, where no verb has
    that name, a family ("programme" shows programme create and programme list).
    """
    if verb is not None:
        specs = _specs_of(verb)
        if not specs:
            raise ValueError(f"no such verb: {verb!r}")
        return _usage_of(specs, coordinator=coordinator)
    shown = [s for s in VERBS if coordinator or s.audience != "coordinator"]
    lines = ["Here's what I can do:"]
    lines += [f"- {_line(s, coordinator=coordinator, compact=True)} — {s.summary}" for s in shown]
    example = "enrol" if coordinator else "goals met"
    lines.append(f"\nAdd --help to a command for its details, like {PREFIX} {example} --help.")
    return "\n".join(lines)


# --- the usage a refusal shows: the line(s) of the one verb it is about ----------------------

_HELP_HINT = f"`{PREFIX} help` lists what I can do."


def _specs_of(verb: str) -> list[Verb]:
    """Forms named `verb`: a verb ("goals add", "enrol": both forms), a form ("enrol --csv"),
    else a family ("programme": programme create and programme list)."""
    wanted = " ".join(verb.lower().split())
    return (
        [s for s in VERBS if s.full == wanted]
        or [s for s in VERBS if s.label == wanted]
        or [s for s in VERBS if s.name == wanted]
    )


def _lines(specs: Sequence[Verb], *, coordinator: bool) -> str:
    return "\n".join(_line(s, coordinator=coordinator) for s in specs)


def usage_for(verb: str, *, coordinator: bool) -> str:
    """The one usage line of a verb or form ("goals met", "enrol --csv"; "enrol" is the form
    without --csv), or of each verb in a family ("goals": goals, goals add, goals met).

    This is what a refusal shows; `usage(verb)` adds each form's summary and example for
    `help <verb>` and `--help`. Both read VERBS, so a verb added there needs no wiring here.
    """
    wanted = " ".join(verb.lower().split())
    specs = [s for s in VERBS if s.label == wanted] or _specs_of(verb)
    if not specs:
        raise ValueError(f"no such verb: {verb!r}")
    return _lines(specs, coordinator=coordinator)


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
        return UsageError(unknown.message, _HELP_HINT)
    family = [s for s in VERBS if s.name == close[0]]
    return UsageError(
        unknown.message + f" Did you mean `{close[0]}`?",
        _lines(family, coordinator=coordinator),
        close[0],
    )
