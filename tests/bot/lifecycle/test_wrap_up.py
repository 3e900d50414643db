"""Wrap-up: the evaluation, the parked items handed back, and closing the pair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import wire
from bot.content import default_content
from bot.form_values import MAX_TEXT
from bot.lifecycle.wrap_up import CONTINUE_AS, validate
from bot.programmes import Kind
from bot.stages import Stage
from storage.models import CheckIn, Evaluation, ParkedItem

HOUR = timedelta(hours=1)
CONTENT = default_content()
EVALUATION = {
    "goals_met": "4",
    "what_worked": "Maya setting the agenda",
    "continue_as": "network",
    "take_back": "Short videos in hiring",
    "what_to_change": "Meet in person once",
}


def evaluate(j, who: str, **overrides: str):
    return j.flow.submit(who, "evaluation", str(j.pair_id), **{**EVALUATION, **overrides})


def test_the_sweep_starts_the_wrap_up_once_the_last_session_is_behind_them(
    journey, content
) -> None:
    j = journey(sessions=2).to(Stage.ACTIVE)
    j.hold(1)
    j.hold(2)
    j.read_all()
    held = j.flow.clock.now()

    j.at(held + HOUR)

    assert j.stage() is Stage.WRAP_UP
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor, move.at) == (
        "active",
        "wrap_up",
        "sessions_done",
        None,
        held + HOUR,
    )
    for who, partner in (("maya", "Sam"), ("sam", "Maya")):
        (start,) = j.flow.new(who)
        assert start.text == content.text(
            "wrap_up.start",
            kind="reverse",
            role={"maya": "mentor", "sam": "mentee"}[who],
            name=who.capitalize(),
            partner=partner,
        )
        assert j.flow.form_value(who, "evaluation") == f"evaluation:{j.pair_id}"


def test_the_wrap_up_waits_while_a_session_is_still_planned(journey) -> None:
    j = journey(sessions=2).to(Stage.ACTIVE)
    j.hold(1)

    j.at(j.session_time(2) - HOUR)

    assert j.stage() is Stage.ACTIVE


def test_the_end_date_starts_the_wrap_up_even_with_sessions_unreported(journey) -> None:
    j = journey(sessions=2).to(Stage.CONTRACTING)
    j.agree(end_date="2027-01-18")  # the day of the second session
    j.hold(1)

    j.at(datetime(2027, 1, 18, 23, tzinfo=UTC))
    assert j.stage() is Stage.ACTIVE, "the end date itself still belongs to the contract"
    j.at(datetime(2027, 1, 19, 0, tzinfo=UTC))

    assert j.stage() is Stage.WRAP_UP
    assert j.last_move().trigger == "sessions_done"
    assert j.session(2).status == "planned", "nobody checked in on it"


def test_the_last_check_in_is_still_welcome_during_the_wrap_up(journey) -> None:
    j = journey(sessions=1).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    ref = str(j.session(1).id)
    j.flow.submit("maya", "checkin", ref, happened="yes")
    j.at(j.session_time(1) + 3 * HOUR)
    assert j.stage() is Stage.WRAP_UP

    outcome = j.flow.submit("sam", "checkin", ref, happened="yes")

    assert outcome.changed and j.count(CheckIn) == 2


def test_both_evaluations_close_the_pair_and_tell_the_coordinator(journey, content) -> None:
    j = journey(sessions=2).to(Stage.WRAP_UP)
    j.read_all()

    first = evaluate(j, "sam")
    assert first.answer.text == content.text("wrap_up.thanks")
    assert j.stage() is Stage.WRAP_UP, "one evaluation is not enough"
    assert j.new_texts("hana") == []
    evaluate(j, "maya", goals_met="5", continue_as="friendly_end")

    assert j.stage() is Stage.CLOSED
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor) == (
        "wrap_up",
        "closed",
        "evaluated",
        "maya",
    )
    assert j.new_texts("hana") == [
        content.text(
            "wrap_up.closed_coordinator",
            programme=j.programme,
            pair_id=j.pair_id,
            mentor="Maya",
            mentee="Sam",
        )
    ]
    closing = content.text("wrap_up.closed_pair", kind="reverse", mentor="Maya", mentee="Sam")
    assert j.new_texts("sam") == [closing] and j.new_texts("maya") == [closing]
    rows = j.rows(Evaluation, order_by=Evaluation.id)
    assert [(j.user_of(e.person_id), e.goals_met, e.continue_as) for e in rows] == [
        ("sam", 4, "network"),
        ("maya", 5, "friendly_end"),
    ]


def test_evaluating_twice_replaces_the_answer_and_does_not_close(journey) -> None:
    j = journey(sessions=2).to(Stage.WRAP_UP)

    evaluate(j, "sam", goals_met="2")
    evaluate(j, "sam", goals_met="3")

    assert j.stage() is Stage.WRAP_UP
    (row,) = j.rows(Evaluation)
    assert row.goals_met == 3


def test_a_refused_evaluation_stores_nothing(journey) -> None:
    j = journey(sessions=2).to(Stage.WRAP_UP)

    outcome = evaluate(j, "sam", goals_met="7", what_worked="", continue_as="marry")

    assert not outcome.changed
    assert set(outcome.field_errors) == {"goals_met", "what_worked", "continue_as"}
    assert j.count(Evaluation) == 0 and j.stage() is Stage.WRAP_UP


def test_an_evaluation_outside_the_wrap_up_or_the_pair_is_refused(journey) -> None:
    j = journey(sessions=2).to(Stage.ACTIVE)
    j.enrol("lena", "mentor", 3)

    early = evaluate(j, "sam")
    assert not early.changed and "later step" in early.answer.text
    j.end_early()
    stranger = evaluate(j, "lena")
    opened = j.flow.press("lena", "open_form", wire.encode("evaluation", j.pair_id))

    for outcome in (stranger, opened):
        assert not outcome.changed and "I can't find that pair." in outcome.answer.text
    assert j.count(Evaluation) == 0


def test_the_evaluation_form_asks_what_validate_reads(journey) -> None:
    j = journey(sessions=2).to(Stage.WRAP_UP)

    form = j.flow.press("sam", "open_form", j.flow.form_value("sam", "evaluation")).answer.form

    assert form is not None and form.context == str(j.pair_id)
    assert {f.name for f in form.fields} == set(EVALUATION)
    goals = next(f for f in form.fields if f.name == "goals_met")
    assert (goals.minimum, goals.maximum) == (1, 5)
    continue_as = next(f for f in form.fields if f.name == "continue_as")
    assert tuple(c.value for c in continue_as.choices) == CONTINUE_AS


@pytest.mark.parametrize(
    ("goals_met", "ok"),
    [
        ("0", False),
        ("1", True),
        ("5", True),
        ("6", False),
        ("", False),
        ("four", False),
        ("-1", False),
        ("3.5", False),
    ],
)
def test_goals_met_is_a_score_from_1_to_5(goals_met: str, ok: bool) -> None:
    answers, errors = validate({**EVALUATION, "goals_met": goals_met}, content=CONTENT)
    assert ("goals_met" not in errors) is ok and set(errors) <= {"goals_met"}
    if ok:
        assert answers["goals_met"] == int(goals_met)


@pytest.mark.parametrize("choice", CONTINUE_AS)
def test_every_way_to_continue_is_accepted(choice: str) -> None:
    assert validate({**EVALUATION, "continue_as": choice}, content=CONTENT)[1] == {}


def test_what_worked_is_required_and_the_rest_optional() -> None:
    assert set(validate({**EVALUATION, "what_worked": "  "}, content=CONTENT)[1]) == {"what_worked"}
    assert validate({**EVALUATION, "take_back": "", "what_to_change": ""}, content=CONTENT)[1] == {}


@pytest.mark.parametrize("field", ["take_back", "what_worked", "what_to_change"])
def test_evaluation_text_is_kept_under_the_limit(field: str) -> None:
    assert validate({**EVALUATION, field: "x" * MAX_TEXT}, content=CONTENT)[1] == {}
    assert set(validate({**EVALUATION, field: "x" * (MAX_TEXT + 1)}, content=CONTENT)[1]) == {field}


# -- parked items ---------------------------------------------------------------------------


def test_parked_items_are_handed_back_at_the_wrap_up_and_marked(journey, content) -> None:
    j = journey(kind=Kind.REVERSE, sessions=2).to(Stage.ACTIVE)
    j.hold(1, career_talk="yes")
    (parked,) = j.rows(ParkedItem)
    assert (parked.topic, parked.note, parked.handed_back_at) == (
        "career_advice",
        "came up in session 1",
        None,
    )
    j.hold(2)
    j.read_all()
    wrap_up_at = j.flow.clock.now() + HOUR

    j.at(wrap_up_at)

    assert j.stage() is Stage.WRAP_UP
    topic = content.text("nudges.park_it.topics.career_advice")
    handed_back = content.text(
        "wrap_up.parked", kind="reverse", items=f"- {topic} (came up in session 1)"
    )
    assert handed_back in j.new_texts("maya")
    assert handed_back in j.new_texts("sam")
    (parked,) = j.rows(ParkedItem)
    assert parked.handed_back_at == wrap_up_at


def test_nothing_parked_means_nothing_handed_back(journey) -> None:
    j = journey(kind=Kind.REVERSE, sessions=2).to(Stage.ACTIVE)
    j.read_all()

    j.end_early()

    assert not any("set these aside" in t for t in j.new_texts("sam"))


def test_the_whole_programme_on_both_backends(journey, database) -> None:
    j = journey(db=database, kind=Kind.CLASSIC, sessions=2).to(Stage.ACTIVE)
    j.hold(1, agenda_set_by="mentee", challenge="4", actions="Draft the proposal")
    j.hold(2)
    j.at(j.flow.clock.now() + HOUR)
    evaluate(j, "maya")
    evaluate(j, "sam")

    assert j.stage() is Stage.CLOSED
    assert [(m.from_stage, m.to_stage, m.trigger, m.actor) for m in j.moves()] == [
        ("", "proposed", "proposed", "hana"),
        ("proposed", "chemistry", "both_accepted_intro", "sam"),
        ("chemistry", "contracting", "both_go_ahead", "sam"),
        ("contracting", "active", "contract_agreed", "sam"),
        ("active", "wrap_up", "sessions_done", None),
        ("wrap_up", "closed", "evaluated", "sam"),
    ]
    times = [m.at for m in j.moves()]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert [s.status for s in j.planned()] == ["held", "held"]
    report = j.ok(f'report "{j.programme}"')
    assert "1 closed" in report.text
