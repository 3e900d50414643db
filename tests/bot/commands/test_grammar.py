"""The /tandem grammar: every verb, every kind of mistake, and hostile input never crashing it."""

from __future__ import annotations

import shlex
import unicodedata
from zoneinfo import available_timezones

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.commands.grammar import (
    MAX_LENGTH,
    VERB_NAMES,
    VERBS,
    Parsed,
    UsageError,
    Verb,
    is_for_coordinators,
    is_verb,
    parse,
    usage,
    usage_for,
)

# --- happy paths ---------------------------------------------------------------------------

HAPPY = [
    ("", Parsed("status")),
    ("   ", Parsed("status")),
    ("/tandem", Parsed("status")),
    ("status", Parsed("status")),
    ('status "Reverse 2026"', Parsed("status", ("Reverse 2026",))),
    (
        'programme create "Reverse 2026" --kind reverse',
        Parsed("programme create", ("Reverse 2026",), {"kind": "reverse"}),
    ),
    (
        "programme create Pilot --kind classic --sessions 6 --cadence monthly --length 45"
        ' --topics "AI, TikTok"',
        Parsed(
            "programme create",
            ("Pilot",),
            {
                "kind": "classic",
                "sessions": 6,
                "cadence": "monthly",
                "length": 45,
                "topics": "AI, TikTok",
            },
        ),
    ),
    ("programme list", Parsed("programme list")),
    (
        'enrol U123 --programme "Reverse 2026" --role mentor --level 2 --offers "AI, data"'
        ' --wants "strategy" --capacity 2 --team Data --manager @U999 --tz Europe/London'
        ' --hours 9-17 --name "Maya Ó Súilleabháin"',
        Parsed(
            "enrol",
            ("U123",),
            {
                "programme": "Reverse 2026",
                "role": "mentor",
                "level": 2,
                "offers": "AI, data",
                "wants": "strategy",
                "capacity": 2,
                "team": "Data",
                "manager": "U999",
                "tz": "Europe/London",
                "hours": "9-17",
                "name": "Maya Ó Súilleabháin",
            },
        ),
    ),
    (
        "enrol maya --programme P --role mentee --level 7",
        Parsed("enrol", ("maya",), {"programme": "P", "role": "mentee", "level": 7}),
    ),
    (
        'enrol --csv --programme "Reverse 2026"',
        Parsed("enrol", (), {"csv": True, "programme": "Reverse 2026"}),
    ),
    ("enrol --programme P --csv", Parsed("enrol", (), {"csv": True, "programme": "P"})),
    (
        'pair @U1 U2 --programme P --reason "both love data"',
        Parsed("pair", ("U1", "U2"), {"programme": "P", "reason": "both love data"}),
    ),
    ('match "Reverse 2026"', Parsed("match", ("Reverse 2026",))),
    ("match P --dry-run", Parsed("match", ("P",), {"dry_run": True})),
    ("report P", Parsed("report", ("P",))),
    ("language", Parsed("language")),
    ("language DE", Parsed("language", ("DE",))),
    (
        "nudge #12 Don't forget: it's your turn to lead!",
        Parsed("nudge", ("12",), rest="Don't forget: it's your turn to lead!"),
    ),
    ("pause", Parsed("pause")),
    ("pause #3", Parsed("pause", ("3",))),
    ("resume", Parsed("resume")),
    ("resume 3", Parsed("resume", ("3",))),
    ("end 12", Parsed("end", ("12",))),
    ("end #012", Parsed("end", ("12",))),
    ("coordinator add @U7", Parsed("coordinator add", ("U7",))),
    ("checkin", Parsed("checkin")),
    ("goals", Parsed("goals")),
    ("goals add Lead the team's retro", Parsed("goals add", rest="Lead the team's retro")),
    ("goals met 2", Parsed("goals met", ("2",))),
    ("actions", Parsed("actions")),
    ('actions add Read "Team of Teams"', Parsed("actions add", rest='Read "Team of Teams"')),
    ("actions done #1", Parsed("actions done", ("1",))),
    ("help", Parsed("help")),
    (
        "help I'm stuck and \"he\" won't listen",
        Parsed("help", rest="I'm stuck and \"he\" won't listen"),
    ),
    ("swap", Parsed("swap")),
    ("waypoints", Parsed("waypoints")),
    (
        "waypoints add Lead the *spring* planning",
        Parsed("waypoints add", rest="Lead the *spring* planning"),
    ),
    ("waypoints reached #2", Parsed("waypoints reached", ("2",))),
    ("parked", Parsed("parked")),
    ("my-data", Parsed("my-data")),
    ("forget-me", Parsed("forget-me")),
    ("forget-me --confirm", Parsed("forget-me", (), {"confirm": True})),
    ('leave "Reverse 2026"', Parsed("leave", ("Reverse 2026",))),
    ("join Pilot", Parsed("join", ("Pilot",))),
    ("hours", Parsed("hours")),
    ("hours 8-16", Parsed("hours", ("8-16",))),
    ("hours 08-16", Parsed("hours", ("8-16",))),
    ("hours 8-16 Mon-Thu", Parsed("hours", ("8-16", "mon-thu"))),
    ("away until 2027-03-01", Parsed("away until", ("2027-03-01",))),
    ("away off", Parsed("away off")),
    ("coordinator remove U1", Parsed("coordinator remove", ("U1",))),
    ("coordinator list", Parsed("coordinator list")),
    ("coordinator list --log", Parsed("coordinator list", (), {"log": True})),
]


@pytest.mark.parametrize(("text", "expected"), HAPPY, ids=[t or "<empty>" for t, _ in HAPPY])
def test_happy_path(text: str, expected: Parsed) -> None:
    assert parse(text) == expected


def test_every_verb_has_a_happy_path() -> None:
    assert {parsed.verb for _, parsed in HAPPY} == VERB_NAMES


@pytest.mark.parametrize("spec", VERBS, ids=lambda s: s.label)
def test_every_example_in_the_usage_parses_to_its_verb(spec: Verb) -> None:
    parsed = parse(spec.example)
    assert parsed.verb == spec.full
    assert (spec.form in parsed.options) if spec.form else True


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/tandem match P --dry-run",
        "/TANDEM   MATCH P --DRY-RUN",
        "Match P --Dry_Run",
        "\tmatch\nP  --dry-run  ",
        "match\u00a0P\u00a0--dry-run",  # Slack sometimes sends no-break spaces
        "\ufeffmatch P --dry-run\x00",
        "match P \u2014dry-run",  # macOS autocorrects -- into an em dash
    ],
)
def test_spelling_variants_parse_the_same(text: str) -> None:
    assert parse(text) == Parsed("match", ("P",), {"dry_run": True})


def test_curly_quotes_from_phones_group_like_straight_ones() -> None:
    assert parse("programme create \u201cReverse 2026\u201d \u2014kind Reciprocal") == Parsed(
        "programme create", ("Reverse 2026",), {"kind": "reciprocal"}
    )


def test_option_equals_form_and_us_spelling() -> None:
    assert parse("enroll maya --programme=P --role=MENTOR --level=3") == Parsed(
        "enrol", ("maya",), {"programme": "P", "role": "mentor", "level": 3}
    )


@pytest.mark.parametrize(
    ("typed", "kept"), [("9-17", "9-17"), ("08-16", "8-16"), ("0 - 24", "0-24")]
)
def test_hours_are_normalised(typed: str, kept: str) -> None:
    parsed = parse(f"enrol m --programme P --role mentor --level 1 --hours '{typed}'")
    assert parsed.options["hours"] == kept


def test_time_zone_gets_its_canonical_spelling() -> None:
    parsed = parse("enrol m --programme P --role mentor --level 1 --tz america/new_york")
    assert parsed.options["tz"] == "America/New_York"


def test_free_text_is_raw_and_never_shell_split() -> None:
    note = 'he said "we\'ll see" \\ and   left\nagain'
    assert parse(f"help {note}").rest == note
    assert parse(f"/tandem nudge 4 {note}").rest == note


def test_control_characters_are_stripped_but_newlines_in_notes_kept() -> None:
    assert parse("help line one\x00\x07\nline two\x1b").rest == "line one\nline two"


def test_parsed_is_immutable_and_hashable() -> None:
    parsed = parse("match P --dry-run")
    with pytest.raises(TypeError):
        parsed.options["dry_run"] = False  # type: ignore[index]
    assert hash(parsed) == hash(parse("match P --dry-run"))


# --- mistakes ------------------------------------------------------------------------------


def _error(text: str, *, coordinator: bool = False) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(text, coordinator=coordinator)
    return caught.value


def test_an_unknown_verb_is_named_and_points_to_help_not_the_whole_list() -> None:
    for coordinator in (False, True):
        error = _error("frobnicate now", coordinator=coordinator)
        assert error.message == "I don't know the command 'frobnicate'."
        assert error.verb is None
        assert error.usage == "`/tandem help` lists what I can do."


def test_an_unknown_verb_close_to_one_gets_that_verbs_usage() -> None:
    error = _error("gaols add x")
    assert error.message == "I don't know the command 'gaols'. Did you mean `goals`?"
    assert error.verb == "goals"
    assert error.usage == "\n".join(
        usage_for(spec.full, coordinator=False) for spec in VERBS if spec.name == "goals"
    )


def test_participants_are_never_pointed_to_a_coordinator_verb() -> None:
    assert _error("mach R", coordinator=True).verb == "match"
    assert _error("mach R").verb is None


@pytest.mark.parametrize(
    ("text", "verb", "says"),
    [
        ('match "Reverse 2026', "match", ["quote is not closed"]),
        ("enrol O'Brien --programme P --role mentor --level 1", "enrol", ["quote is not closed"]),
        ("match P\\", "match", ["backslash"]),
        ("match P --colour red", "match", ["no option --colour", "--dry-run"]),
        ("match P -- x", "match", ["no option '--'"]),
        ("enrol maya --programme P --level 2", "enrol", ["needs --role", "mentor or mentee"]),
        ("enrol maya --role mentor --level 2", "enrol", ["needs --programme"]),
        ("enrol --csv", "enrol", ["enrol --csv needs --programme"]),
        (
            "enrol m --programme P --role mentor --level high",
            "enrol",
            ["--level", "whole number from 1 to 10", "'high'"],
        ),
        ("enrol m --programme P --role mentor --level 11", "enrol", ["--level", "1 to 10"]),
        ("enrol m --programme P --role mentor --level -1", "enrol", ["--level", "1 to 10"]),
        (
            "programme create X --kind reverse --sessions 25",
            "programme create",
            ["--sessions", "1 to 24", "'25'"],
        ),
        ("programme create X --kind reverse --length 10", "programme create", ["15 to 180"]),
        (
            "programme create X --kind mentoring",
            "programme create",
            ["--kind", "reverse, reciprocal, classic or sponsorship", "'mentoring'"],
        ),
        (
            "programme create X --kind reverse --cadence daily",
            "programme create",
            ["--cadence", "weekly, fortnightly, monthly or bimonthly"],
        ),
        ("programme create Reverse 2026 --kind reverse", "programme create", ["'2026'", "quotes"]),
        ("programme create --kind reverse", "programme create", ["needs <name>"]),
        ('programme create "" --kind reverse', "programme create", ["<name> can't be empty"]),
        ("programme create X --kind", "programme create", ["--kind needs a value"]),
        ("enrol m --programme --role mentor --level 1", "enrol", ["--programme needs a value"]),
        (
            "enrol m --programme P --role mentor --level 1 --hours 17-9",
            "enrol",
            ["--hours", "9-17"],
        ),
        ("enrol m --programme P --role mentor --level 1 --hours 9-25", "enrol", ["--hours"]),
        (
            "enrol m --programme P --role mentor --level 1 --tz Mars/Base",
            "enrol",
            ["--tz", "Europe/London"],
        ),
        ("enrol --csv maya --programme P", "enrol", ["enrol --csv takes no other words", "maya"]),
        ("match P --dry-run=yes", "match", ["switch"]),
        ("match P --dry-run --dry-run", "match", ["given twice"]),
        ("pair a b c --programme P", "pair", ["'c'"]),
        ("end", "end", ["needs <pair>"]),
        ("end twelve", "end", ["<pair> must be a number", "#12", "'twelve'"]),
        ("end #0", "end", ["<pair> must be a number"]),
        ("pause 3 4", "pause", ["'4'"]),
        ("nudge 12", "nudge", ["needs <note>"]),
        ("nudge", "nudge", ["needs <pair>"]),
        ("goals add   ", "goals add", ["needs <goal>"]),
        ("goals met two", "goals met", ["<n> must be a number from the list"]),
        ("goals met", "goals met", ["needs <n>"]),
        ("goals ad Lead", "goals", ["add or met", "'ad'"]),
        ("programme", "programme", ["create or list"]),
        ("programme delete x", "programme", ["programme needs create"]),
        ("goals --done", "goals", ["goals has no option --done"]),
        ("goals --help", "goals", ["how goals works"]),
        ("checkin now please", "checkin", ["takes no other words", "'now please'"]),
        ("forget-me --yes", "forget-me", ["--confirm"]),
        ("enrol --help", "enrol", ["how enrol works"]),
        ("goals add --help", "goals add", ["how goals add works"]),
    ],
)
def test_mistakes_are_explained_with_that_verbs_usage(
    text: str, verb: str, says: list[str]
) -> None:
    error = _error(text)
    for fragment in says:
        assert fragment in error.message
    assert error.verb == verb
    assert all(line.startswith(f"/tandem {verb}") for line in error.usage.split("\n\n"))
    if "--help" in text:  # asked for: each form's line, summary and example
        assert "Example: /tandem " in error.usage
    else:  # a mistake: only the line of the form it is about, never the whole list
        assert "Example:" not in error.usage
        assert all(line.startswith(f"/tandem {verb}") for line in error.usage.splitlines())


def _bad_form(spec: Verb) -> str | None:
    """A mistake in this one form of a verb; None when any words at all are valid (help)."""
    if not spec.rest:
        return f"{spec.label} --no-such-option"
    if spec.rest_optional and all(p.optional for p in spec.args):
        return None
    return spec.label  # its <pair>, <goal> or <note> left out


@pytest.mark.parametrize("spec", VERBS, ids=lambda spec: spec.label)
@pytest.mark.parametrize("coordinator", [False, True], ids=["participant", "coordinator"])
def test_a_bad_form_of_each_verb_answers_with_exactly_its_usage_line(
    spec: Verb, coordinator: bool
) -> None:
    bad = _bad_form(spec)
    if bad is None:
        assert spec.name == "help", f"{spec.label} accepts anything: give it a bad form here"
        return
    error = _error(bad, coordinator=coordinator)
    assert error.verb == spec.full
    assert error.usage == usage_for(spec.label, coordinator=coordinator)
    assert error.usage.count("/tandem ") == 1 and "\n" not in error.usage
    assert error.usage.startswith(f"/tandem {spec.label}")


def test_usage_for_a_form_a_verb_and_a_family() -> None:
    assert usage_for("goals met", coordinator=False) == "/tandem goals met <n>"
    assert usage_for("enrol --csv", coordinator=True) == "/tandem enrol --csv --programme <name>"
    assert usage_for("enrol", coordinator=True).startswith("/tandem enrol <person> --programme")
    assert "\n" not in usage_for("enrol", coordinator=True)
    assert usage_for("goals", coordinator=False) == "/tandem goals"  # the verb, not the family
    assert usage_for("programme", coordinator=True).splitlines() == [  # no verb: the family
        usage_for("programme create", coordinator=True),
        "/tandem programme list",
    ]
    assert usage_for("pause", coordinator=True) == "/tandem pause [pair]"
    assert usage_for("pause", coordinator=False) == "/tandem pause"  # their own pair is implied
    with pytest.raises(ValueError):
        usage_for("dance", coordinator=True)


def test_which_words_are_verbs_and_whose_they_are() -> None:
    assert all(is_verb(spec.label) and is_verb(spec.name) for spec in VERBS)
    assert not is_verb("We keep missing sessions")
    assert is_for_coordinators("programme") and is_for_coordinators("enrol --csv")
    assert not is_for_coordinators("goals") and not is_for_coordinators("pause")
    assert not is_for_coordinators("dance")


def test_too_long_input_is_refused() -> None:
    error = _error("help " + "x" * MAX_LENGTH)
    assert "too long" in error.message
    assert parse("help " + "x" * (MAX_LENGTH - 5)).verb == "help"


def test_a_huge_number_is_a_usage_error_not_a_crash() -> None:
    assert "--level" in _error("enrol m --programme P --role mentor --level " + "9" * 3900).message
    assert "<pair>" in _error("end " + "1" * 3900).message


# --- usage text ----------------------------------------------------------------------------


def test_coordinators_see_every_verb_participants_only_theirs() -> None:
    coordinator, participant = usage(coordinator=True), usage(coordinator=False)
    for spec in VERBS:
        assert f"/tandem {spec.label}" in coordinator
        assert (f"/tandem {spec.label}" in participant) == (spec.audience != "coordinator")
    assert "/tandem pause [pair]" in coordinator
    assert "/tandem pause —" in participant  # a participant's own pair is implied


def test_one_verbs_usage_has_its_line_summary_and_example() -> None:
    text = usage("programme create", coordinator=True)
    first, summary, example_line = text.splitlines()
    assert first.startswith("/tandem programme create <name> --kind reverse|reciprocal|classic|")
    assert "[--sessions 1-24]" in first and "[--length 15-180]" in first
    assert summary == "Create a mentoring programme."
    assert example_line.startswith('Example: /tandem programme create "Reverse 2026"')


def test_usage_of_a_family_and_of_both_enrol_forms() -> None:
    assert usage("programme", coordinator=True).count("Example:") == 2
    both = usage("enrol", coordinator=True)
    assert "/tandem enrol <person> --programme <name>" in both
    assert "/tandem enrol --csv --programme <name>" in both
    assert "[--hours 9-17]" in both


def test_usage_of_an_unknown_verb_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        usage("dance", coordinator=True)


# --- hostile input -------------------------------------------------------------------------

WORDS = sorted({w for name in VERB_NAMES for w in name.split()}) + [
    "/tandem",
    "--kind",
    "--kind=reverse",
    "--level",
    "--level=3",
    "--csv",
    "--dry-run",
    "--",
    "-",
    "--programme",
    "--tz",
    "--hours",
    "--hours=9-17",
    "--help",
    "#12",
    "12",
    "0",
    "-1",
    "<@U1|maya>",
    "<@",
    ">",
    "'",
    '"',
    "\u201c",
    "\u201d",
    "\u2014kind",
    "\\",
    "=",
    "\x00",
    "\n",
    "\u00a0",
    "\ufeff",
    "mentor",
    "reverse",
    "🙂",
    "ü",
    "İ",
    "99999999999999999999",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=12).map(
    lambda parts: " ".join(parts)
)


def _assert_parses_or_explains(text: str) -> None:
    try:
        parsed = parse(text)
    except UsageError as error:
        assert isinstance(error.message, str) and error.message.strip()
        assert isinstance(error.usage, str) and error.usage.strip()
        return
    assert parsed.verb in VERB_NAMES
    assert all(isinstance(arg, str) and arg for arg in parsed.args)
    assert all(isinstance(v, str | int | bool) for v in parsed.options.values())
    assert isinstance(parsed.rest, str)


@given(st.text())
@example("\x00")
@example('"')
@example("programme create '")
def test_any_text_parses_or_raises_usage_error(text: str) -> None:
    _assert_parses_or_explains(text)


@given(HOSTILE)
@settings(max_examples=500)
def test_verb_shaped_noise_parses_or_raises_usage_error(text: str) -> None:
    _assert_parses_or_explains(text)


@given(st.text(min_size=MAX_LENGTH - 10, max_size=MAX_LENGTH + 10))
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_long_text_parses_or_raises_usage_error(text: str) -> None:
    _assert_parses_or_explains(text)


# --- round trip ----------------------------------------------------------------------------

# What someone can put in a quoted value. Curly double quotes are excluded on purpose: the
# grammar reads them as straight quotes, because phones type them when people mean quotes.
VALUE = st.text(
    st.one_of(
        st.characters(categories=["L", "N", "P", "S"], exclude_characters="\u201c\u201d"),
        st.just(" "),
    ),
    min_size=1,
    max_size=20,
).filter(
    # Input is NFC on the way in (bot.identity.clean_text): a value round-trips when it is NFC.
    lambda v: v == v.strip() and v[0] not in "-\u2014\u2013" and unicodedata.is_normalized("NFC", v)
)
ZONES = sorted(available_timezones())


def _random_case(draw: st.DrawFn, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in word)


@st.composite
def enrol_lines(draw: st.DrawFn) -> tuple[str, dict[str, str | int | bool]]:
    """A valid enrol command with options in any order and either spelling, and its meaning."""
    expected: dict[str, str | int | bool] = {
        "programme": draw(VALUE),
        "role": draw(st.sampled_from(["mentor", "mentee"])),
        "level": draw(st.integers(1, 10)),
    }
    optional = {
        "offers": VALUE,
        "wants": VALUE,
        "team": VALUE,
        "name": VALUE,
        "capacity": st.integers(1, 10),
        "tz": st.sampled_from(ZONES),
        "hours": st.tuples(st.integers(0, 23), st.integers(1, 24))
        .filter(lambda h: h[0] < h[1])
        .map(lambda h: f"{h[0]}-{h[1]}"),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        expected[key] = draw(optional[key])
    rendered = []
    for key in draw(st.permutations(sorted(expected))):
        value = expected[key]
        shown = _random_case(draw, value) if key == "role" else str(value)
        name = _random_case(draw, key)
        if draw(st.booleans()):
            rendered.append(f"--{name}={shlex.quote(shown)}")
        else:
            rendered.append(f"--{name} {shlex.quote(shown)}")
    return "enrol somebody " + " ".join(rendered), expected


@given(enrol_lines())
def test_enrol_options_round_trip(case: tuple[str, dict[str, str | int | bool]]) -> None:
    line, expected = case
    assert parse(line) == Parsed("enrol", ("somebody",), expected)


@given(
    name=VALUE,
    kind=st.sampled_from(["reverse", "reciprocal", "classic", "sponsorship"]),
    sessions=st.none() | st.integers(1, 24),
    cadence=st.none() | st.sampled_from(["weekly", "fortnightly", "monthly", "bimonthly"]),
    length=st.none() | st.integers(15, 180),
    topics=st.none() | VALUE,
)
def test_programme_create_round_trips(
    name: str,
    kind: str,
    sessions: int | None,
    cadence: str | None,
    length: int | None,
    topics: str | None,
) -> None:
    options = {
        "kind": kind,
        "sessions": sessions,
        "cadence": cadence,
        "length": length,
        "topics": topics,
    }
    given_options = {k: v for k, v in options.items() if v is not None}
    line = (
        "programme create "
        + shlex.quote(name)
        + "".join(f" --{k} {shlex.quote(str(v))}" for k, v in given_options.items())
    )
    assert parse(line) == Parsed("programme create", (name,), given_options)


@given(VALUE.filter(lambda v: v.strip()))
def test_free_text_round_trips_untouched(note: str) -> None:
    assert parse(f"help {note}").rest == note
    assert parse(f"goals add {note}") == Parsed("goals add", rest=note)
