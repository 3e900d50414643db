"""Typed console lines and form answers -> engine events and raw values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.translate import (
    ConsoleInputError,
    Directive,
    split_redirect,
    strip_prefix,
    to_directive,
    to_duration,
    to_event,
    to_field_value,
    wants_attachment,
)
from bot.events import Action, Actor, Command
from bot.replies import Button, Choice, FieldKind, FormField

MAYA = Actor(platform="console", tenant="console", user_id="maya")
INTRO = (
    Button(label="Yes, happy to meet", action="intro", value="3:yes", primary=True),
    Button(label="Not for me", action="intro", value="3:no"),
)


# Directives


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":as maya", Directive(name="as", argument="maya")),
        ('  :as hana "Hana Sato" ', Directive(name="as", argument='hana "Hana Sato"')),
        (":wait 3d", Directive(name="wait", argument="3d")),
        (":INBOX", Directive(name="inbox")),
        (":q", Directive(name="quit")),
        (":exit", Directive(name="quit")),
    ],
)
def test_directives_are_read(line: str, expected: Directive) -> None:
    assert to_directive(line) == expected


def test_a_line_without_a_colon_is_no_directive() -> None:
    assert to_directive('match "R" --dry-run') is None


def test_an_unknown_directive_says_which_ones_exist() -> None:
    with pytest.raises(ConsoleInputError, match=":as, :who, :inbox, :wait"):
        to_directive(":teleport 3d")


# Events


def test_plain_words_and_the_tandem_prefix_are_the_same_command() -> None:
    plain = to_event('match "Reverse 2027"', actor=MAYA)
    prefixed = to_event('/tandem match "Reverse 2027"', actor=MAYA)
    assert plain == prefixed == Command(actor=MAYA, text='match "Reverse 2027"')


def test_the_prefix_alone_asks_for_status_and_a_longer_word_is_left_alone() -> None:
    assert strip_prefix("/tandem") == ""
    assert strip_prefix("/TANDEM   goals") == "goals"
    assert strip_prefix("/tandemgoals") == "/tandemgoals"


def test_a_number_presses_that_button_of_the_newest_message() -> None:
    assert to_event(" 2 ", actor=MAYA, buttons=INTRO) == Action(
        actor=MAYA, action="intro", value="3:no"
    )


def test_a_number_without_such_a_button_is_refused_with_the_range() -> None:
    with pytest.raises(ConsoleInputError, match="from 1 to 2"):
        to_event("3", actor=MAYA, buttons=INTRO)
    with pytest.raises(ConsoleInputError, match="no buttons"):
        to_event("1", actor=MAYA)


def test_a_blank_line_is_nothing() -> None:
    assert to_event("   ", actor=MAYA, buttons=INTRO) is None


def test_the_attachment_travels_with_the_command() -> None:
    event = to_event("enrol --csv --programme R", actor=MAYA, attachment="user_id,role,level\n")
    assert isinstance(event, Command) and event.attachment == "user_id,role,level\n"


def test_a_redirect_names_the_file_unless_it_is_inside_quotes() -> None:
    assert split_redirect('enrol --csv --programme "R 27" < people.csv') == (
        'enrol --csv --programme "R 27"',
        "people.csv",
    )
    assert split_redirect("/tandem enrol --csv --programme R <people.csv") == (
        "/tandem enrol --csv --programme R",
        "people.csv",
    )
    assert split_redirect('enrol --csv --programme "R < 27"') == (
        'enrol --csv --programme "R < 27"',
        None,
    )


@pytest.mark.parametrize(
    "line",
    [
        "help We keep missing sessions <3",
        "nudge 3 Great start <3",
        "help The plan is in <https://example.com/plan?a=1&b=2|our plan>",
        "goals add Read <https://example.com/x>",
        "actions add compare a < b",
        "goals add learn --csv < notes.txt",  # --csv in a goal is words, not enrol's switch
        'nudge 3 "keep < going"',
        'help "a < b',
        "enrol maya --programme R --role mentor --level 2 < people.csv",  # not the --csv form
    ],
)
def test_after_any_other_command_a_less_than_sign_is_text(line: str) -> None:
    assert split_redirect(line) == (line, None)
    event = to_event(line, actor=MAYA)
    assert isinstance(event, Command) and event.text == line and event.attachment is None


def test_only_enrol_csv_wants_an_attachment() -> None:
    assert wants_attachment('enrol --csv --programme "R"')
    assert wants_attachment("/tandem enroll --programme R --csv")
    assert not wants_attachment('enrol maya --programme "R" --role mentor --level 2')
    assert not wants_attachment("goals add learn --csvkit")
    assert not wants_attachment("goals add learn --csv")
    assert not wants_attachment("help enrol --csv")
    assert not wants_attachment("enrol --csv")  # malformed: the engine explains, the file waits


# Waiting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("5h", timedelta(hours=5)),
        ("1w2d", timedelta(days=9)),
        ("90m", timedelta(minutes=90)),
        (" 1d 12h ", timedelta(days=1, hours=12)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert to_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "3x", "d3", "3d-", "0h", "401d", "-2h"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ConsoleInputError):
        to_duration(text)


# Form answers


SESSIONS = FormField(
    name="sessions",
    label="Number of sessions",
    kind=FieldKind.INTEGER,
    minimum=1,
    maximum=24,
    initial="6",
)
CADENCE = FormField(
    name="cadence",
    label="How often",
    kind=FieldKind.CHOICE,
    initial="monthly",
    choices=(Choice(value="weekly", label="Every week"), Choice(value="monthly", label="Monthly")),
)
START = FormField(name="start_date", label="First session", kind=FieldKind.DATE)
GOALS = FormField(name="mentor_goals", label="Goals", kind=FieldKind.LONG_TEXT)
NOTE = FormField(
    name="note", label="Note", kind=FieldKind.LONG_TEXT, required=False, initial="nothing"
)


def test_empty_input_keeps_the_initial_value() -> None:
    assert to_field_value(SESSIONS, "") == "6"
    assert to_field_value(CADENCE, "  ") == "monthly"


def test_integers_are_checked_against_the_bounds() -> None:
    assert to_field_value(SESSIONS, " 12 ") == "12"
    for bad in ("0", "25", "six", "1.5", "٣"):
        with pytest.raises(ConsoleInputError, match="from 1 to 24"):
            to_field_value(SESSIONS, bad)


def test_a_choice_by_number_value_or_label() -> None:
    assert to_field_value(CADENCE, "1") == "weekly"
    assert to_field_value(CADENCE, "MONTHLY") == "monthly"
    assert to_field_value(CADENCE, "every week") == "weekly"
    with pytest.raises(ConsoleInputError, match="from 1 to 2"):
        to_field_value(CADENCE, "3")


def test_dates_are_iso() -> None:
    assert to_field_value(START, "2027-03-01") == "2027-03-01"
    with pytest.raises(ConsoleInputError, match="YYYY-MM-DD"):
        to_field_value(START, "1/3/2027")


def test_a_required_field_without_a_default_must_be_filled() -> None:
    with pytest.raises(ConsoleInputError, match="fill this in"):
        to_field_value(START, "")
    with pytest.raises(ConsoleInputError, match="fill this in"):
        to_field_value(GOALS, "")


def test_a_dash_clears_an_optional_field_but_not_a_required_one() -> None:
    assert to_field_value(NOTE, "-") == ""
    assert to_field_value(GOALS, "-") == "-"


def test_text_is_passed_through_with_its_lines() -> None:
    assert to_field_value(GOALS, "Lead well\nLearn the board") == "Lead well\nLearn the board"


def test_form_answers_are_refused_in_the_language_asked() -> None:
    with pytest.raises(ConsoleInputError, match=r"^Bitte füll dieses Feld aus\.$"):
        to_field_value(START, "", language="de")
    with pytest.raises(ConsoleInputError, match="ganze Zahl von 1 bis 24"):
        to_field_value(SESSIONS, "99", language="de")
    with pytest.raises(ConsoleInputError, match="JJJJ-MM-TT"):
        to_field_value(START, "morgen", language="de")
    with pytest.raises(ConsoleInputError, match=r"^Please fill this in\.$"):
        to_field_value(START, "")  # no language said: the default, English
