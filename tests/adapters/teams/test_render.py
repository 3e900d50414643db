"""Engine replies as Adaptive Cards: valid 1.5 cards, typed text shown exactly, size kept."""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from adapters.teams.render import (
    MAX_CARD_BYTES,
    RESERVED_KEYS,
    CardTooLarge,
    escape,
    summary,
    to_card,
    to_form_card,
    to_home_card,
)
from bot.replies import Button, Choice, FieldKind, Form, FormField, Reply
from bot.text import compose, typed

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT.parent / "shared" / "schemas" / "adaptive-card-1.5.schema.json"
SPECIAL = "\\*_~`[]()#+-.!<>&|"


def _validator() -> Any:
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is not beside the checkout")
    schema = json.loads(SCHEMA.read_text())
    return validator_for(schema)(schema)


def valid(card: dict[str, Any]) -> dict[str, Any]:
    """The card, after checking it against the Adaptive Card 1.5 schema and the size budget."""
    # The schema's errors are generic ("not valid under any of the given schemas"): say where.
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(card)]
    assert not errors, errors
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert size <= MAX_CARD_BYTES
    return card


def elements(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from elements(item.get("items", []))


def blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in elements(card["body"]) if e["type"] == "TextBlock"]


def texts(card: dict[str, Any]) -> list[str]:
    return [block["text"] for block in blocks(card)]


def unescape(markdown: str) -> str:
    """What a markdown renderer shows for our escapes: the character after each backslash."""
    return re.sub(r"\\([" + re.escape(SPECIAL) + "])", r"\1", markdown)


def live(markdown: str) -> list[str]:
    """Markdown characters not escaped by a backslash, so a renderer would read them."""
    found = []
    backslashes = 0
    for char in markdown:
        if char in SPECIAL and char != "\\" and backslashes % 2 == 0:
            found.append(char)
        backslashes = backslashes + 1 if char == "\\" else 0
    if backslashes % 2:
        found.append("\\")  # a trailing lone backslash would escape what follows it
    return found


# -- text ---------------------------------------------------------------------------------------


def test_engine_markup_becomes_card_markdown() -> None:
    reply = Reply(text="*Contract, version 2* is _ready_: type `checkin`.\n\n- one\n- two")
    card = valid(to_card(reply))
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert texts(card) == [
        "**Contract, version 2** is _ready_: type \\`checkin\\`\\.",
        "• one",
        "• two",
    ]
    first, bullet, second = blocks(card)
    assert all(block["wrap"] for block in blocks(card))
    assert bullet["spacing"] == "medium" and second["spacing"] == "none"  # blank line = gap


def test_quotes_sit_in_an_emphasis_container() -> None:
    card = valid(to_card(Reply(text="Your note:\n> first\n> second")))
    container = card["body"][1]
    assert container["type"] == "Container" and container["style"] == "emphasis"
    assert [item["text"] for item in container["items"]] == ["first", "second"]


def test_typed_text_never_gets_markup_even_inside_bold() -> None:
    text = compose("*Goal of {name}*: {goal}", name="Sam", goal="**win** [x](https://evil)")
    card = valid(to_card(Reply(text=text)))
    assert texts(card) == ["**Goal of** Sam: \\*\\*win\\*\\* \\[x\\]\\(https://evil\\)"]


def test_typed_newlines_become_lines_of_their_own() -> None:
    note = typed("first line\n# not a heading\n\n1. not a list")
    card = valid(to_card(Reply(text=compose("Note: {note}", note=note))))
    assert texts(card) == ["Note: first line", "\\# not a heading", "1\\. not a list"]
    assert blocks(card)[2]["spacing"] == "medium"


def test_shared_with_names_the_partner_in_a_small_subtle_line() -> None:
    card = valid(to_card(Reply(text="Your contract is ready."), shared_with="Sam *the* <at>Lee"))
    header = card["body"][0]
    assert header["isSubtle"] and header["size"] == "small"
    assert unescape(header["text"]) == "To you and Sam *the* <at>Lee"
    assert live(header["text"].removeprefix("To you and ")) == []


def test_buttons_submit_their_action_and_value() -> None:
    reply = Reply(
        text="Happy to meet Sam?",
        buttons=(
            Button(label="Yes", action="intro", value="v1:7:yes", primary=True),
            Button(label="Not for me", action="intro", value="v1:7:no"),
        ),
    )
    card = valid(to_card(reply))
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Yes",
            "data": {"tandem": "action", "action": "intro", "value": "v1:7:yes"},
            "style": "positive",
        },
        {
            "type": "Action.Submit",
            "title": "Not for me",
            "data": {"tandem": "action", "action": "intro", "value": "v1:7:no"},
        },
    ]


def test_the_summary_is_plain_text() -> None:
    assert summary(Reply(text="*Hi* _there_\n- one")) == "Hi there\n• one"
    form = Form(form_id="checkin", title="Check-in", fields=())
    assert summary(Reply(text="", form=form)) == "Check-in"


# -- typed text, any typed text -----------------------------------------------------------------

TYPED = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(chr(c) for c in range(32) if chr(c) not in "\n\t") + "\x7f",
    ),
    max_size=200,
).filter(lambda s: not any(0xF0000 <= ord(c) <= 0xFFFFD for c in s))  # text.py's own slots


@given(TYPED)
def test_any_typed_text_is_shown_exactly_and_nothing_in_it_is_live(text: str) -> None:
    card = valid(to_card(Reply(text=typed(text))))
    shown = texts(card)
    # Each line is a block; a blank line is spacing, not a block.
    assert [unescape(markdown) for markdown in shown] == [line for line in text.split("\n") if line]
    for markdown in shown:
        assert live(markdown) == []


@given(TYPED)
def test_typed_text_between_engine_markup_stays_inert(text: str) -> None:
    card = valid(to_card(Reply(text=compose("*Goal:* {goal} _noted_", goal=text))))
    shown = "\n".join(unescape(t) for t in texts(card))
    assert shown.startswith("**Goal:**")
    assert shown.endswith("_noted_")


def test_escaping_covers_every_markdown_character() -> None:
    assert escape(SPECIAL) == "".join("\\" + c for c in SPECIAL)
    assert escape("plain words") == "plain words"
    assert set(SPECIAL) <= set(string.punctuation)


# -- size ---------------------------------------------------------------------------------------


def test_a_long_reply_is_cut_with_a_note_of_how_many_lines_were_left_out() -> None:
    many = "\n".join(f"- Action number {n}: {'x' * 80}" for n in range(1, 1001))
    button = Button(label="Open", action="open_form", value="v1:checkin:3")
    card = valid(to_card(Reply(text=many, buttons=(button,))))
    shown = texts(card)
    notice = shown[-1]
    left_out = int(re.search(r"… (\d+) more lines were left out", unescape(notice)).group(1))
    assert len(shown) - 1 + left_out == 1000
    assert left_out > 0 and card["actions"][0]["data"]["value"] == "v1:checkin:3"


def test_the_budget_counts_bytes_not_characters() -> None:
    wide = "\n".join("目標" * 200 for _ in range(40))  # 3 bytes each in UTF-8
    card = valid(to_card(Reply(text=typed(wide))))
    assert "left out" in unescape(texts(card)[-1])


# -- forms --------------------------------------------------------------------------------------

FORM = Form(
    form_id="contract",
    title="Your contract",
    context="12",
    submit_label="Save the contract",
    fields=(
        FormField(name="sessions", label="Sessions", kind=FieldKind.INTEGER, minimum=1, maximum=24),
        FormField(
            name="cadence",
            label="How often",
            kind=FieldKind.CHOICE,
            choices=(
                Choice(value="weekly", label="Weekly"),
                Choice(value="monthly", label="Monthly"),
            ),
            initial="monthly",
            hint="Pick what you can keep up.",
        ),
        FormField(name="start_date", label="First session", kind=FieldKind.DATE),
        FormField(name="mentor_goals", label="Goals", kind=FieldKind.LONG_TEXT),
        FormField(name="medium", label="Where", required=False, initial="video"),
    ),
)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(card["body"]) if e["type"].startswith("Input.")}


def test_a_form_becomes_typed_inputs_and_one_submit() -> None:
    card = valid(to_form_card(FORM))
    got = inputs(card)
    assert got["sessions"]["type"] == "Input.Number"
    assert (got["sessions"]["min"], got["sessions"]["max"]) == (1, 24)
    assert got["cadence"]["type"] == "Input.ChoiceSet" and got["cadence"]["style"] == "compact"
    assert got["cadence"]["choices"][0] == {"title": "Weekly", "value": "weekly"}
    assert got["cadence"]["value"] == "monthly"
    assert got["start_date"]["type"] == "Input.Date"
    assert got["mentor_goals"]["isMultiline"] and got["mentor_goals"]["maxLength"] == 2000
    assert got["medium"]["isRequired"] is False and got["medium"]["value"] == "video"
    assert all(got[name]["isRequired"] for name in ("sessions", "cadence", "start_date"))
    assert [got[name]["label"] for name in got] == [f.label for f in FORM.fields]
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Save the contract",
            "style": "positive",
            "data": {"tandem": "form", "form_id": "contract", "context": "12"},
        }
    ]
    hint = next(b for b in blocks(card) if "keep up" in b["text"])
    assert hint["isSubtle"]


def test_after_a_refusal_the_entered_values_stay_and_each_error_follows_its_field() -> None:
    values = {
        "sessions": "99",
        "cadence": "weekly",
        "start_date": "2026-04-01",
        "mentor_goals": "Learn *AI*\nTeach [me]",
        "medium": "",
    }
    errors = {"sessions": "Please give a number from 1 to 24.", "mentor_goals": "Too vague."}
    card = valid(to_form_card(FORM, values=values, errors=errors))
    got = inputs(card)
    assert got["sessions"]["value"] == 99
    assert got["cadence"]["value"] == "weekly"
    assert got["start_date"]["value"] == "2026-04-01"
    assert got["mentor_goals"]["value"] == "Learn *AI*\nTeach [me]"  # inputs are not markdown
    assert "value" not in got["medium"]  # emptied on purpose: the initial does not come back
    body = card["body"]
    for name, message in errors.items():
        at = next(i for i, e in enumerate(body) if e.get("id") == name)
        assert body[at + 1]["color"] == "attention"
        assert unescape(body[at + 1]["text"]) == message


def test_values_a_picker_cannot_hold_are_left_out() -> None:
    card = valid(to_form_card(FORM, values={"sessions": "six", "start_date": "next week"}))
    assert "value" not in inputs(card)["sessions"]
    assert "value" not in inputs(card)["start_date"]


def test_a_reply_that_opens_a_form_shows_it() -> None:
    card = valid(to_card(Reply(text="Time for your contract.", form=FORM)))
    assert set(inputs(card)) == {f.name for f in FORM.fields}
    assert card["actions"][-1]["data"]["form_id"] == "contract"


def test_a_field_named_like_a_submit_key_is_refused() -> None:
    for name in RESERVED_KEYS:
        clash = Form(form_id="x", title="X", fields=(FormField(name=name, label="L"),))
        with pytest.raises(ValueError, match=name):
            to_form_card(clash)


def lifecycle_field_names() -> set[str]:
    """Literal field names in the lifecycle forms: `field("name", ...)`, `FormField(name=...)`."""
    names = set()
    for path in (ROOT / "bot" / "lifecycle").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "field" and node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
            if node.func.id == "FormField":
                for keyword in node.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        names.add(keyword.value.value)
    return names


def test_no_lifecycle_form_field_collides_with_the_submit_keys() -> None:
    names = lifecycle_field_names()
    assert {"happened", "mentor_goals", "goals_met"} <= names  # the scan finds the forms
    assert names.isdisjoint(RESERVED_KEYS)


def test_a_form_too_large_for_teams_drops_hints_then_refuses() -> None:
    fields = tuple(
        FormField(name=f"f{n}", label="Long", kind=FieldKind.LONG_TEXT, hint="h" * 2000)
        for n in range(16)
    )
    form = Form(form_id="big", title="Big", fields=fields)
    card = valid(to_form_card(form))
    assert not any(b.get("isSubtle") for b in blocks(card))
    values = {f"f{n}": "字" * 2000 for n in range(16)}
    with pytest.raises(CardTooLarge):
        to_form_card(form, values=values)


# -- home ---------------------------------------------------------------------------------------


def test_the_home_card_separates_its_sections() -> None:
    sections = (
        Reply(text="*Tandem* for Maya"),
        Reply(text="Your pair with Sam: active", buttons=(Button(label="Check in", action="a"),)),
        Reply(text="", buttons=(Button(label="Help", action="b"),)),
    )
    card = valid(to_home_card(sections))
    heading, pair, buttons_only = card["body"]
    assert heading["items"][0]["weight"] == "bolder" and "separator" not in heading
    assert pair["separator"] and buttons_only["separator"]
    assert pair["items"][-1]["type"] == "ActionSet"
    assert buttons_only["items"] == [
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Help",
                    "data": {"tandem": "action", "action": "b", "value": ""},
                }
            ],
        }
    ]


def test_a_long_home_card_is_cut_too() -> None:
    rows = "\n".join(f"- Pair {n}: {'on track ' * 10}" for n in range(600))
    card = valid(to_home_card((Reply(text="Programme health"), Reply(text=rows))))
    assert "left out" in unescape(texts(card)[-1])


def test_typed_text_inside_engine_code_keeps_one_pair_of_backticks() -> None:
    from bot.text import compose

    reply = Reply(text=compose('Next: `match "{name}" --dry-run`.', name="Reverse_2027"))
    [block] = to_card(reply)["body"]
    assert block["text"] == 'Next: \\`match "Reverse\\_2027" \\-\\-dry\\-run\\`\\.'


# The card's own words follow the reader's language


def test_a_german_form_card_tells_what_is_missing_in_german() -> None:
    got = inputs(valid(to_form_card(FORM, language="de")))
    assert got["start_date"]["errorMessage"] == "Bitte füll dieses Feld aus."
    assert got["sessions"]["errorMessage"] == "Bitte gib eine ganze Zahl von 1 bis 24 an."
    assert got["cadence"]["errorMessage"] == "Bitte wähle eine Möglichkeit aus."
    english = inputs(valid(to_form_card(FORM)))  # no language said: the default, English
    assert english["start_date"]["errorMessage"] == "Please fill this in."
    assert english["sessions"]["errorMessage"] == "Please give a whole number from 1 to 24."
    assert english["cadence"]["errorMessage"] == "Please pick one."


def test_a_german_pair_message_names_the_partner_in_german() -> None:
    reply = Reply(text="Eure Vereinbarung steht.", language="de")
    header = valid(to_card(reply, shared_with="Sam *the* <at>Lee", language="en"))["body"][0]
    assert unescape(header["text"]) == "An dich und Sam *the* <at>Lee"
    assert live(header["text"].removeprefix("An dich und ")) == []
    unsaid = valid(to_card(Reply(text="Hallo"), shared_with="Sam", language="de"))["body"][0]
    assert unescape(unsaid["text"]) == "An dich und Sam"  # an old row: the app's language
