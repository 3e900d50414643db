"""Engine replies -> Block Kit: every output parsed and validated by slack_sdk.models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.render import (
    MAX_BLOCK_TEXT,
    MAX_MESSAGE_BLOCKS,
    MAX_TEXT,
    MAX_VIEW_BLOCKS,
    to_ephemeral,
    to_field_errors,
    to_home_view,
    to_message,
    to_modal,
    units,
)
from bot.replies import Button, Choice, FieldKind, Form, FormField, Reply
from bot.text import Text, compose, plain

# Element types that would mention, broadcast, link or turn `:name:` into an emoji.
ACTIVE = {"user", "usergroup", "broadcast", "channel", "link", "emoji", "mrkdwn"}
ENTITY = re.compile(r"&(amp|lt|gt);")


def valid_message(message: dict[str, Any]) -> dict[str, Any]:
    """Each block parses, validates, and comes back whole (no key slack_sdk ignored)."""
    assert set(message) == {"text", "blocks"}
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert units(message["text"]) <= MAX_TEXT
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        assert parsed.to_dict() == block
    assert not [e for e in walk(message["blocks"]) if e.get("type") in ACTIVE]
    return message


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.to_dict() == view  # to_dict validates every nested block and element too
    assert not [e for e in walk(view["blocks"]) if e.get("type") in ACTIVE]
    return view


def walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from walk(item)


def text_elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e
        for block in blocks
        if block["type"] == "rich_text"
        for e in walk(block)
        if e.get("type") == "text"
    ]


def shown(blocks: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in text_elements(blocks))


def joined(element: dict[str, Any]) -> str:
    """The text of one rich text element (a section, list item or quote)."""
    return "".join(e["text"] for e in walk(element) if e.get("type") == "text")


def unescape(text: str) -> str:
    return ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m[1]], text)


def is_escaped(text: str) -> bool:
    return not re.search("[&<>]", ENTITY.sub("", text))


# -- messages ---------------------------------------------------------------------------------


def test_typed_text_is_one_literal_element_and_the_fallback_is_escaped() -> None:
    reply = Reply(text=compose("Say hello to {name}.", name="*Eve* <!channel> & :tada:"))
    message = valid_message(to_message(reply))
    elements = text_elements(message["blocks"])
    assert elements == [
        {"type": "text", "text": "Say hello to "},
        {"type": "text", "text": "*Eve* <!channel> & :tada:"},
        {"type": "text", "text": "."},
    ]
    assert message["text"] == "Say hello to *Eve* &lt;!channel&gt; &amp; :tada:."


def test_the_engines_own_markup_becomes_styles() -> None:
    reply = Reply(text="Your *next step*: _check in_ with `status`.")
    elements = text_elements(valid_message(to_message(reply))["blocks"])
    assert [(e["text"], e.get("style")) for e in elements] == [
        ("Your ", None),
        ("next step", {"bold": True}),
        (": ", None),
        ("check in", {"italic": True}),
        (" with ", None),
        ("status", {"code": True}),
        (".", None),
    ]
    assert to_message(reply)["text"] == "Your next step: check in with status."


def test_bullets_become_a_list_and_quotes_a_quote() -> None:
    goals = Text.join([compose("- {goal}", goal=g) for g in ("Lead *a* project", "- say no")])
    reply = Reply(text=Text.join(["Your goals:", goals, "> a *quote*", "> goes on", "", "Bye"]))
    message = valid_message(to_message(reply))
    (block,) = message["blocks"]
    kinds = [element["type"] for element in block["elements"]]
    assert kinds == ["rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_section"]
    listed = block["elements"][1]
    assert listed["style"] == "bullet"
    assert [joined(item) for item in listed["elements"]] == [
        "Lead *a* project",
        "- say no",
    ]
    assert joined(block["elements"][2]) == "a quote\ngoes on"
    assert block["elements"][3]["elements"][0] == {"type": "text", "text": "\n"}  # blank line
    assert unescape(message["text"]) == plain(reply.text)


def test_a_blank_line_alone_between_lists_still_has_an_element() -> None:
    reply = Reply(text="- one\n\n- two")
    (block,) = valid_message(to_message(reply))["blocks"]
    assert [e["type"] for e in block["elements"]] == [
        "rich_text_list",
        "rich_text_section",
        "rich_text_list",
    ]
    assert block["elements"][1]["elements"] == [{"type": "text", "text": "\n"}]


def test_buttons_carry_the_action_an_index_and_the_wire_value() -> None:
    reply = Reply(
        text="Would you like to meet Sam?",
        buttons=(
            Button(label="Yes, happy to meet", action="intro", value="v1:7:yes", primary=True),
            Button(label="Not for me", action="intro", value="v1:7:no"),
            Button(label="x" * 100, action="help"),
        ),
    )
    message = valid_message(to_message(reply))
    actions = message["blocks"][-1]
    assert actions["type"] == "actions"
    yes, no, long = actions["elements"]
    assert yes == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Yes, happy to meet", "emoji": False},
        "action_id": "intro#0",
        "value": "v1:7:yes",
        "style": "primary",
    }
    assert (no["action_id"], no["value"], "style" in no) == ("intro#1", "v1:7:no", False)
    assert long["text"]["text"] == "x" * 74 + "…"
    assert "value" not in long


def test_more_buttons_than_one_block_holds_go_to_a_second_block() -> None:
    buttons = tuple(Button(label=f"Pair {n}", action="pick", value=f"v1:{n}") for n in range(30))
    message = valid_message(to_message(Reply(text="Pick one", buttons=buttons)))
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert ids == [f"pick#{n}" for n in range(30)]


def test_a_form_without_text_renders_nothing_the_app_opens_the_modal() -> None:
    form = Form(
        form_id="checkin", title="Session check-in", fields=(FormField(name="a", label="A"),)
    )
    assert to_message(Reply(text="", form=form)) == {"text": "", "blocks": []}


def test_buttons_without_text_still_give_a_notification() -> None:
    reply = Reply(text="", buttons=(Button(label="Go <now>", action="go"),))
    message = valid_message(to_message(reply))
    assert message["text"] == "Go &lt;now&gt;"
    assert [b["type"] for b in message["blocks"]] == ["actions"]


def test_an_ephemeral_reply_has_the_message_shape() -> None:
    reply = Reply(text="Only you can see this.")
    assert to_ephemeral(reply) == to_message(reply)


def test_five_hundred_bullet_lines_are_cut_and_say_how_many_were_left_out() -> None:
    text = "\n".join(f"- Goal {n}: practise giving feedback in one-to-ones" for n in range(500))
    message = valid_message(to_message(Reply(text=text, buttons=(Button(label="OK", action="a"),))))
    blocks = message["blocks"]
    assert len(blocks) <= MAX_MESSAGE_BLOCKS and blocks[-1]["type"] == "actions"
    assert units(shown(blocks)) <= MAX_BLOCK_TEXT <= 40_000
    assert units(message["text"]) <= 40_000
    items = [e for b in blocks for e in b.get("elements", []) if e["type"] == "rich_text_list"]
    kept = sum(len(e["elements"]) for e in items)
    left_out = 500 - kept
    assert 0 < kept < 500
    note = blocks[-2]["elements"][-1]
    assert note["elements"] == [
        {
            "type": "text",
            "text": f"… and {left_out} more lines not shown",
            "style": {"italic": True},
        }
    ]
    assert message["text"].endswith(f"\n… and {left_out} more lines not shown")
    assert message["text"].count("• Goal") == kept


def test_one_huge_line_shows_its_start_and_how_much_is_missing() -> None:
    reply = Reply(text=compose("Note: {note}", note="&" * 50_000))
    message = valid_message(to_message(reply))
    assert units(shown(message["blocks"])) <= MAX_BLOCK_TEXT
    assert units(message["text"]) <= MAX_TEXT
    assert is_escaped(message["text"])
    assert re.search(r"… and [\d,]+ more characters not shown$", message["text"])


def test_emoji_count_twice_towards_the_limits() -> None:
    reply = Reply(text="\n".join("- " + "🙂" * 40 for _ in range(500)))
    message = valid_message(to_message(reply))
    assert units(shown(message["blocks"])) <= MAX_BLOCK_TEXT


# -- the property: typed text is shown exactly as typed ---------------------------------------

# The engine stores typed text without control characters other than newline and tab.
typed_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"), max_size=200
)


@given(typed_text)
def test_any_typed_name_is_shown_exactly_and_never_pings(name: str) -> None:
    reply = Reply(text=compose("Hi {name}, *welcome*", name=name))
    message = valid_message(to_message(reply))
    elements = text_elements(message["blocks"])
    assert "".join(e["text"] for e in elements) == f"Hi {name}, welcome"
    assert elements[-1] == {"type": "text", "text": "welcome", "style": {"bold": True}}
    if name:
        assert elements[1] == {"type": "text", "text": name}
    assert is_escaped(message["text"])
    assert unescape(message["text"]) == plain(reply.text)


@given(st.lists(typed_text.filter(str.strip), min_size=1, max_size=8))
def test_any_typed_goals_in_a_list_are_shown_exactly(goals: list[str]) -> None:
    reply = Reply(text=Text.join(["*Goals*", *(compose("- {goal}", goal=g) for g in goals)]))
    message = valid_message(to_message(reply))
    (block,) = message["blocks"]
    heading, listed = block["elements"]
    assert heading["elements"] == [{"type": "text", "text": "Goals", "style": {"bold": True}}]
    assert [item["elements"] for item in listed["elements"]] == [
        [{"type": "text", "text": goal}] for goal in goals
    ]
    assert is_escaped(message["text"])


# -- modals -----------------------------------------------------------------------------------


def checkin_form(**changes: Any) -> Form:
    fields = (
        FormField(
            name="happened",
            label="Did the session take place?",
            kind=FieldKind.CHOICE,
            choices=(Choice(value="yes", label="Yes"), Choice(value="no", label="No")),
            initial="yes",
            hint="If it didn't, just say so.",
        ),
        FormField(
            name="challenge",
            label="How challenging?",
            kind=FieldKind.INTEGER,
            minimum=1,
            maximum=5,
            required=False,
            initial="3",
        ),
        FormField(name="next", label="Next session", kind=FieldKind.DATE, initial="2027-03-01"),
        FormField(name="title", label="A title", initial="Feedback & <growth>"),
        FormField(name="note", label="Anything else?", kind=FieldKind.LONG_TEXT, required=False),
    )
    form = Form(form_id="checkin", title="Session check-in", fields=fields, context="31")
    return replace(form, **changes)


def test_a_form_becomes_a_modal_with_one_input_per_field() -> None:
    view = valid_view(to_modal(checkin_form()))
    assert (view["type"], view["callback_id"], view["private_metadata"]) == (
        "modal",
        "checkin",
        "31",
    )
    assert view["title"]["text"] == "Session check-in"
    assert (view["submit"]["text"], view["close"]["text"]) == ("Submit", "Cancel")
    happened, challenge, when, title, note = view["blocks"]
    assert all(
        b["type"] == "input" and b["element"]["action_id"] == "value" for b in view["blocks"]
    )
    assert [b["block_id"] for b in view["blocks"]] == [
        "happened",
        "challenge",
        "next",
        "title",
        "note",
    ]
    assert happened["element"]["type"] == "static_select"
    assert happened["element"]["initial_option"] == happened["element"]["options"][0]
    assert happened["hint"]["text"] == "If it didn't, just say so."
    assert happened["optional"] is False
    assert challenge["element"] == {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "5",
        "initial_value": "3",
    }
    assert challenge["optional"] is True
    assert when["element"] == {
        "type": "datepicker",
        "action_id": "value",
        "initial_date": "2027-03-01",
    }
    assert title["element"] == {
        "type": "plain_text_input",
        "action_id": "value",
        "initial_value": "Feedback & <growth>",  # a value, not message text: never escaped
    }
    assert note["element"] == {"type": "plain_text_input", "action_id": "value", "multiline": True}


def test_values_replace_the_initial_ones_and_bad_ones_are_left_out() -> None:
    values = {"happened": "maybe", "challenge": "lots", "next": "1 March", "title": ""}
    view = valid_view(to_modal(checkin_form(), values=values))
    happened, challenge, when, title, _note = view["blocks"]
    assert "initial_option" not in happened["element"]
    assert "initial_value" not in challenge["element"]
    assert "initial_date" not in when["element"]
    assert "initial_value" not in title["element"]
    view = valid_view(to_modal(checkin_form(), values={"happened": "no", "challenge": "5"}))
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "no"
    assert view["blocks"][1]["element"]["initial_value"] == "5"


def test_a_form_without_context_sends_no_metadata() -> None:
    view = valid_view(to_modal(checkin_form(context="")))
    assert "private_metadata" not in view


def test_long_titles_and_labels_are_cut_to_slacks_limits() -> None:
    form = checkin_form(title="A check-in with a very long title indeed", submit_label="S" * 30)
    view = valid_view(to_modal(form))
    assert view["title"]["text"] == "A check-in with a very…"
    assert len(view["submit"]["text"]) == 24


@pytest.mark.parametrize(
    "form",
    [
        Form(form_id="empty", title="Empty", fields=()),
        Form(
            form_id="twice",
            title="Twice",
            fields=(FormField(name="a", label="A"), FormField(name="a", label="A again")),
        ),
        Form(form_id="x" * 256, title="Long id", fields=(FormField(name="a", label="A"),)),
        Form(form_id="f", title="T", fields=(FormField(name="a", label="A"),), context="9" * 3001),
        Form(
            form_id="f", title="T", fields=(FormField(name="c", label="C", kind=FieldKind.CHOICE),)
        ),
    ],
)
def test_a_form_slack_cannot_show_is_a_programming_error(form: Form) -> None:
    with pytest.raises(ValueError):
        to_modal(form)


def test_field_errors_keep_the_modal_open() -> None:
    body = to_field_errors({"challenge": "Pick 1 to 5.", "note": "x" * 3000})
    assert body["response_action"] == "errors"
    assert body["errors"]["challenge"] == "Pick 1 to 5."
    assert len(body["errors"]["note"]) == 2000 and body["errors"]["note"].endswith("…")


# -- the Home tab -----------------------------------------------------------------------------


def test_home_sections_are_separated_by_dividers() -> None:
    sections = (
        Reply(text="*Your mentoring*"),
        Reply(
            text="Next session: Thursday",
            buttons=(Button(label="Check in", action="open_form", value="v1:checkin:31"),),
        ),
        Reply(text=""),
    )
    view = valid_view(to_home_view(sections))
    assert view["type"] == "home"
    assert [b["type"] for b in view["blocks"]] == ["rich_text", "divider", "rich_text", "actions"]


def test_a_crowded_home_tab_is_cut_with_a_note() -> None:
    sections = [
        Reply(text=f"Pair {n}", buttons=(Button(label="Open", action="a"),)) for n in range(60)
    ]
    view = valid_view(to_home_view(sections))
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    shown_sections = sum(1 for b in view["blocks"] if b["type"] == "actions")
    assert shown(view["blocks"][-1:]) == f"… and {60 - shown_sections} more sections not shown"


def test_an_empty_home_tab_is_still_a_valid_view() -> None:
    view = valid_view(to_home_view(()))
    assert shown(view["blocks"]) == "Nothing to show here yet."


# The adapter's own words follow the reader's language


def test_a_german_workspace_modal_has_german_close_and_fallback_labels() -> None:
    form = checkin_form(title="", submit_label="")
    german = valid_view(to_modal(form, language="de"))
    assert (german["title"]["text"], german["submit"]["text"]) == ("Tandem", "Absenden")
    assert german["close"]["text"] == "Abbrechen"
    english = valid_view(to_modal(form))  # no language said: the default, English
    assert (english["submit"]["text"], english["close"]["text"]) == ("Submit", "Cancel")


def test_a_cut_message_says_so_in_the_reply_language_before_the_app_default() -> None:
    text = "\n".join(f"- Ziel {n}: Feedback in Einzelgesprächen üben" for n in range(500))
    german = valid_message(to_message(Reply(text=text, language="de"), language="en"))
    assert re.search(r"… und [\d.]+ weitere Zeilen, die nicht angezeigt werden$", german["text"])
    unsaid = valid_message(to_message(Reply(text=text), language="de"))  # an old outbox row
    assert "weitere Zeilen" in unsaid["text"]
    english = valid_message(to_message(Reply(text=text, language="en")))
    assert re.search(r"… and \d+ more lines not shown$", english["text"])


def test_an_empty_home_tab_speaks_the_app_language() -> None:
    view = valid_view(to_home_view([], language="de"))
    assert shown(view["blocks"]) == "Hier gibt es noch nichts zu sehen."
    assert shown(valid_view(to_home_view([]))["blocks"]) == "Nothing to show here yet."
