"""Engine replies as terminal text: light markup, numbered buttons, headers, form questions."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from adapters.console.render import (
    to_answer,
    to_buttons,
    to_field_prompt,
    to_header,
    to_markup,
    to_reply,
)
from bot.delivery import Delivery, Recipient
from bot.replies import (
    Audience,
    Button,
    Choice,
    FieldKind,
    Form,
    FormField,
    Outcome,
    Reply,
)
from bot.text import compose

MAYA = Recipient(person_id=1, user_id="maya", name="Maya")
SAM = Recipient(person_id=2, user_id="sam", name="Sam")
HANA = Recipient(person_id=3, user_id="hana", name="Hana")


def shown(markup: str) -> str:
    """What a terminal shows for the markup (styles dropped); invalid markup would raise."""
    console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False)
    console.print(markup)
    return console.file.getvalue().rstrip("\n")  # type: ignore[attr-defined]


def test_light_markup_becomes_rich_styles() -> None:
    markup = to_markup("*Contract, version 2* is _ready_: type `checkin`.")
    assert "[bold]Contract, version 2[/bold]" in markup
    assert "[italic]ready[/italic]" in markup
    assert "[cyan]`checkin`[/cyan]" in markup
    assert shown(markup) == "Contract, version 2 is ready: type `checkin`."


def test_bullets_and_quotes() -> None:
    assert shown(to_markup("Open actions:\n- Try the app\n> a private note")) == (
        "Open actions:\n  • Try the app\n  │ a private note"
    )


def test_snake_case_and_lone_stars_stay_as_typed() -> None:
    text = "Columns: user_id,name,role_name; 5 * 3 = 15; *not closed"
    assert shown(to_markup(text)) == text


@pytest.mark.parametrize(
    "typed",
    [
        "[bold]Sam[/bold]",
        "[red]x",
        "a [link=https://evil.example]b[/link]",
        "ends with \\",
        "*bold with a backslash\\*",
        "[/]",
    ],
)
def test_what_people_typed_is_never_taken_as_markup(typed: str) -> None:
    assert shown(to_markup(compose("Goal: {goal}", goal=typed))) == f"Goal: {typed}"
    assert shown(to_markup(compose("*Goal:* _{goal}_", goal=typed))) == f"Goal: {typed}"


@pytest.mark.parametrize(
    "typed", ["*Eve*", "_x_", "`y`", "- z", "> q", "[bold]a\\", "a\\", ":smile:", "a:b\\:c"]
)
def test_typed_text_takes_the_engine_style_around_it_but_none_of_its_own(typed: str) -> None:
    markup = to_markup(compose("*{name}* joined; type `enrol --name {name}`.", name=typed))
    assert shown(markup) == f"{typed} joined; type `enrol --name {typed}`."
    assert markup.startswith("[bold]") and markup.count("[cyan]") == 1


def test_a_backslash_before_a_closing_mark_in_engine_text_still_closes_it() -> None:
    # Engine wording is parsed the same way for every platform; Rich escaping keeps the
    # backslash from eating the closing tag.
    assert shown(to_markup("Goal: *bold with a backslash\\*")) == "Goal: bold with a backslash\\"


def test_a_typed_note_on_several_lines_stays_inside_its_quote() -> None:
    text = compose("A note:\n> {note}", note="line one\n- line [two]")
    assert shown(to_markup(text)) == "A note:\n  │ line one\n- line [two]"


def test_buttons_are_numbered_choices() -> None:
    buttons = (
        Button(label="Yes, happy to meet", action="intro", value="1:yes", primary=True),
        Button(label="Not for me [really]", action="intro", value="1:no"),
    )
    assert shown(to_buttons(buttons)) == "[1] Yes, happy to meet   [2] Not for me [really]"


def test_a_reply_is_its_text_then_its_buttons() -> None:
    reply = Reply(text="Hi *Maya*!\n- one", buttons=(Button(label="Go", action="a"),))
    assert shown(to_reply(reply)) == "Hi Maya!\n  • one\n[1] Go"


def delivery(audience: Audience, *recipients: Recipient) -> Delivery:
    return Delivery(
        message_id=1,
        platform="console",
        tenant="console",
        audience=audience,
        recipients=recipients,
        pair_id=None,
        reply=Reply(text="hello"),
    )


def test_headers_say_who_got_it_and_how() -> None:
    assert shown(to_header(delivery(Audience.PERSON, MAYA))) == "to Maya (private)"
    assert shown(to_header(delivery(Audience.PAIR, MAYA, SAM))) == "to Maya & Sam (pair)"
    assert shown(to_header(delivery(Audience.COORDINATOR, HANA))) == "to Hana (coordinator)"


def test_a_header_escapes_a_name() -> None:
    odd = Recipient(person_id=9, user_id="x", name="[bold]Zed")
    assert shown(to_header(delivery(Audience.PERSON, odd))) == "to [bold]Zed (private)"


CADENCE = FormField(
    name="cadence",
    label="How often you'll meet",
    kind=FieldKind.CHOICE,
    hint="Pick what you can keep up.",
    initial="monthly",
    choices=(Choice(value="weekly", label="Every week"), Choice(value="monthly", label="Monthly")),
)


def test_a_choice_question_numbers_its_choices_and_shows_the_default_label() -> None:
    assert shown(to_field_prompt(CADENCE, number=3, total=12)) == (
        "(3/12) How often you'll meet\n"
        "  Pick what you can keep up.\n"
        "  1) Every week\n"
        "  2) Monthly\n"
        "  default: Monthly"
    )


def test_an_integer_question_shows_its_bounds_and_an_optional_one_says_so() -> None:
    field = FormField(
        name="challenge",
        label="Stretch? (1-5)",
        kind=FieldKind.INTEGER,
        minimum=1,
        maximum=5,
        required=False,
    )
    assert shown(to_field_prompt(field, number=1, total=2)) == (
        "(1/2) Stretch? (1-5) (optional)\n  a whole number from 1 to 5"
    )


def test_a_long_text_default_is_shown_on_one_line_and_can_be_cleared() -> None:
    field = FormField(
        name="waits",
        label="What waits",
        kind=FieldKind.LONG_TEXT,
        required=False,
        initial="Career advice\nSponsorship [offers]",
    )
    lines = shown(to_field_prompt(field, number=2, total=2)).splitlines()
    assert lines[1] == "  end a line with \\ to add another line"
    assert lines[2] == "  default: Career advice / Sponsorship [offers]"
    assert lines[3] == "  type - to leave it empty"


def test_refused_fields_are_listed_by_their_labels() -> None:
    form = Form(form_id="contract", title="Contract", fields=(CADENCE,))
    outcome = Outcome(
        answer=Reply(text="Some answers need another look; nothing was saved."),
        field_errors={"cadence": "Please pick one of: weekly, monthly.", "mystery": "Odd."},
    )
    assert shown(to_answer(outcome, form)) == (
        "Some answers need another look; nothing was saved.\n"
        "  ✗ How often you'll meet: Please pick one of: weekly, monthly.\n"
        "  ✗ mystery: Odd."
    )
