"""One wording for one mistake, whichever form it is made in."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.form_values import MAX_TEXT, FormValues
from bot.programmes import Cadence


def test_numbers_within_bounds_and_clear_errors_outside() -> None:
    form = FormValues({"a": " 3 ", "b": "0", "c": "²", "d": "", "e": "1" * 5000})
    assert form.number("a", 1, 5) == 3
    assert form.number("b", 1, 5) is None
    assert form.number("c", 1, 5) is None
    assert form.number("d", 1, 5, required=False) is None
    assert form.number("e", 1, 5) is None
    assert form.errors == {
        "b": "Please give a number from 1 to 5.",
        "c": "Please give a whole number from 1 to 5.",
        "e": "Please give a whole number from 1 to 5.",
    }
    assert FormValues({}).number("x", 1, 5) is None


def test_choices_texts_dates_and_lines() -> None:
    form = FormValues(
        {
            "yes": "YES",
            "odd": "maybe",
            "day": "2027-02-30",
            "long": "x" * (MAX_TEXT + 1),
            "list": "- one\n\n• two \n",
        }
    )
    assert form.choice("yes", ("yes", "no")) == "yes"
    assert form.choice("odd", ("yes", "no")) is None
    assert form.choice("gone", ("yes", "no"), required=True) is None
    assert form.member("cadence", Cadence) is None
    assert form.day("day") is None
    assert form.text("long") == "x" * (MAX_TEXT + 1)
    assert form.lines("list") == ["one", "two"]
    assert form.errors == {
        "odd": "Please pick one of: yes, no.",
        "gone": "Please answer this one.",
        "cadence": "Please pick one of: weekly, fortnightly, monthly, bimonthly.",
        "day": "Please give a date as YYYY-MM-DD, for example 2027-03-01.",
        "long": f"Please keep this under {MAX_TEXT} characters.",
    }
    assert FormValues({"d": "2027-03-01"}).day("d") == date(2027, 3, 1)


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.text(), st.integers(), st.none())))
def test_any_values_give_values_or_errors_never_exceptions(values: dict[str, object]) -> None:
    form = FormValues(values)
    for name in list(values) + ["missing"]:
        form.number(name, 1, 24)
        form.choice(name, ("a", "b"), required=True)
        form.day(name)
        form.text(name, required=True)
        form.lines(name)
    assert all(isinstance(message, str) and message for message in form.errors.values())
