"""Every `/tandem` command as one table: what a form of a verb is (Verb, with its Positional
and Option parts) and VERBS, the list that the parser, the usage text and the Teams command menu
all read.

Apart from the parser (bot.commands.grammar) and the usage text (bot.commands.usage) because
adding or changing a command is a change to this table alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.content import Content, default_content
from bot.text import Text

PREFIX = "/tandem"

Who = Literal["coordinator", "participant", "anyone"]
# How a value is checked and normalised; see _convert in bot.commands.grammar.
Kind = Literal["text", "person", "ref", "int", "choice", "hours", "zone", "days", "date"]


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
