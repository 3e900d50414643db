"""The lifecycle's own words follow the workspace's language: refusals, field errors, moments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.content import default_content
from bot.lifecycle.contract_terms import validate
from bot.lifecycle.planning import describe_when, describe_when_for_pair
from bot.lifecycle.transition import require_stage, role_of
from bot.programmes import Kind
from bot.stages import Stage
from bot.turn import Refusal

TODAY = date(2027, 1, 4)
MOMENT = datetime(2027, 1, 11, 10, tzinfo=UTC)


def turn_in(language: str) -> Any:
    return SimpleNamespace(content=default_content(language), text=default_content(language).text)


def pair(stage: Stage, paused_from: Stage | None = None) -> Any:
    return SimpleNamespace(
        id=7,
        stage=stage.value,
        paused_from=paused_from.value if paused_from else None,
        mentor_id=1,
        mentee_id=2,
        mentor=SimpleNamespace(id=1, timezone="Europe/Berlin"),
        mentee=SimpleNamespace(id=2, timezone="America/New_York"),
    )


def refusal(stage: Stage, *stages: Stage, language: str, paused_from: Stage | None = None) -> str:
    with pytest.raises(Refusal) as refused:
        require_stage(turn_in(language), pair(stage, paused_from), *stages, doing="check_in")
    return refused.value.reply.text


def test_an_old_button_is_explained_in_english() -> None:
    assert refusal(Stage.CLOSED, Stage.ACTIVE, language="en") == (
        "That check-in belongs to an earlier step: pair #7 is now closed. "
        "Type `status` to see where you are."
    )
    assert "is still chemistry" in refusal(Stage.CHEMISTRY, Stage.ACTIVE, language="en")
    assert "is now wrap up" in refusal(Stage.WRAP_UP, Stage.ACTIVE, language="en")


def test_an_old_button_is_explained_in_german() -> None:
    later = refusal(Stage.CHEMISTRY, Stage.ACTIVE, language="de")
    assert "späteren Schritt" in later and "Tandem #7 ist noch beim Kennenlerngespräch" in later
    paused = refusal(Stage.PAUSED, Stage.ACTIVE, language="de", paused_from=Stage.ACTIVE)
    assert "pausiert" in paused and "(Check-in)" in paused
    assert "aufgelöst" in refusal(Stage.DISSOLVED, Stage.ACTIVE, language="de")


def test_someone_outside_the_pair_is_refused_in_the_turns_language() -> None:
    outsider = SimpleNamespace(id=3)
    with pytest.raises(Refusal, match="Du gehörst nicht zu Tandem #7"):
        role_of(pair(Stage.ACTIVE), outsider, default_content("de"))
    with pytest.raises(Refusal, match="You are not part of pair #7"):
        role_of(pair(Stage.ACTIVE), outsider, default_content())


def test_moments_are_written_for_the_language() -> None:
    mentor = pair(Stage.ACTIVE).mentor
    assert (
        describe_when(MOMENT, mentor, default_content()) == "Mon 11 Jan 2027, 11:00 (Europe/Berlin)"
    )
    assert describe_when(MOMENT, mentor, default_content("de")) == (
        "Mo., 11. Jan. 2027, 11:00 (Europe/Berlin)"
    )
    both = describe_when_for_pair(MOMENT, pair(Stage.ACTIVE), default_content("de"))
    assert both == (
        "Mo., 11. Jan. 2027, 11:00 (Europe/Berlin); Mo., 11. Jan. 2027, 05:00 (America/New_York)"
    )


def test_a_broken_zone_is_named_as_the_zone_actually_used() -> None:
    lost = SimpleNamespace(id=1, timezone="Nowhere/Special")
    assert describe_when(MOMENT, lost, default_content()) == "Mon 11 Jan 2027, 10:00 (UTC)"


def contract(**overrides: str) -> dict[str, str]:
    return {
        "sessions": "6",
        "length_minutes": "60",
        "cadence": "monthly",
        "medium": "video",
        "start_date": "2027-01-11",
        "end_date": "2027-06-11",
        "mentor_goals": "Listen",
        "mentee_goals": "Learn",
        "mentor_motivation": "Curious",
        "agenda_owner": "mentee",
        **overrides,
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "3 weekly sessions from 2027-02-01 need an end date on or after 2027-02-15."),
        ("de", "Für 3 Treffen (wöchentlich) ab 2027-02-01 braucht es ein Enddatum"),
    ],
)
def test_field_errors_are_worded_for_the_language(language: str, expected: str) -> None:
    values = contract(
        sessions="3", cadence="weekly", start_date="2027-02-01", end_date="2027-02-08"
    )
    _, errors = validate(values, kind=Kind.CLASSIC, today=TODAY, content=default_content(language))
    assert expected in errors["end_date"]


def test_too_far_ahead_says_session_for_one() -> None:
    content = default_content()
    assert content.text("lifecycle.contract_terms.too_far", count=1, cadence="weekly") == (
        "That is too far ahead to plan 1 weekly session; please pick an earlier start date."
    )
