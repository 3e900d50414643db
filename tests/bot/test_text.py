"""The reply text model: typed spans never become markup; the engine's markup is parsed once."""

from __future__ import annotations

import copy
import pickle

from hypothesis import given
from hypothesis import strategies as st

from bot.text import Line, Run, Span, Text, compose, lines, plain, typed

TYPED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


def runs(text: str) -> list[tuple[str, str]]:
    """Each run as (its text, its style letters): b bold, i italic, c code, t typed."""
    flags = (("bold", "b"), ("italic", "i"), ("code", "c"), ("typed", "t"))
    return [
        (run.text, "".join(letter for name, letter in flags if getattr(run, name)))
        for line in lines(text)
        for run in line.runs
    ]


def test_the_engines_light_markup_becomes_styles() -> None:
    assert runs("plain *bold* and _it_ `code *not bold*`") == [
        ("plain ", ""),
        ("bold", "b"),
        (" and ", ""),
        ("it", "i"),
        (" ", ""),
        ("code *not bold*", "c"),
    ]


def test_bullets_and_quotes_are_marked_per_line() -> None:
    parsed = lines("Intro\n- one\n> said")
    assert [(line.bullet, line.quote, line.plain) for line in parsed] == [
        (False, False, "Intro"),
        (True, False, "one"),
        (False, True, "said"),
    ]


def test_typed_text_keeps_its_characters_and_takes_the_style_around_it() -> None:
    text = compose("Hi *{name}*, meet {other}.", name="*Eve* <!channel>", other="Sam_x_")
    assert runs(text) == [
        ("Hi ", ""),
        ("*Eve* <!channel>", "bt"),
        (", meet ", ""),
        ("Sam_x_", "t"),
        (".", ""),
    ]


def test_typed_text_cannot_start_a_bullet_or_a_line() -> None:
    text = compose("Goal: {goal}", goal="first\n- not a bullet")
    [line] = lines(text)
    assert not line.bullet and line.runs[-1] == Run(text="first\n- not a bullet", typed=True)


@given(TYPED)
def test_any_typed_string_comes_back_exactly_as_typed(value: str) -> None:
    text = compose("Dear *{name}*, your goal:\n- {goal}", name=value, goal=value)
    typed_runs = [run.text for line in lines(text) for run in line.runs if run.typed]
    assert typed_runs == [value, value] if value else typed_runs == []


@given(TYPED, TYPED)
def test_spans_survive_joining_adding_copying_and_pickling(left: str, right: str) -> None:
    text = Text.join([typed(left, person_id=1), compose("and {x}", x=right)], " ")
    text = "*" + text + "*"
    for same in (
        copy.deepcopy(text),
        pickle.loads(pickle.dumps(text)),
        Text.from_json(text.to_json()),
    ):
        assert same == text and same.spans == text.spans
    assert str(text) == f"*{left} and {right}*"
    assert (1 in text.people) == bool(left)


def test_a_plain_str_is_the_engines_own_wording() -> None:
    assert Text.engine("*x*").spans == (Span("*x*"),)
    assert plain("Hi *there*\n- one") == "Hi there\n• one"


def test_a_parameter_that_is_text_keeps_its_spans() -> None:
    inner = compose("{who} said", who="<b>")
    outer = compose("Note: {inner}", inner=inner)
    assert [s.typed for s in outer.spans] == [False, True, False]
    assert lines(outer) == [
        Line(runs=(Run(text="Note: "), Run(text="<b>", typed=True), Run(text=" said")))
    ]
