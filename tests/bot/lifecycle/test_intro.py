"""Proposed: the private intros, the two answers, and the moves they cause."""

from __future__ import annotations

import pytest

from bot import wire
from bot.programmes import Kind
from bot.stages import Stage
from storage.models import Answer, Pair, StageTransition


def test_proposing_records_the_birth_of_the_pair_and_sends_two_private_intros(journey) -> None:
    j = journey().propose()

    assert j.stage() is Stage.PROPOSED
    (birth,) = j.moves()
    assert (birth.from_stage, birth.to_stage, birth.trigger) == ("", "proposed", "proposed")
    assert birth.actor == "hana" and birth.reason == j.reason
    assert birth.at == j.flow.clock.now()
    for who in ("maya", "sam"):
        (intro,) = j.flow.new(who)
        assert j.reason in intro.text  # the "why you", in words
        assert j.programme in intro.text
        assert [b.value for b in intro.buttons] == [
            wire.encode(j.pair_id, "yes"),
            wire.encode(j.pair_id, "no"),
        ]


def test_each_side_reads_what_their_own_role_asks_of_them(journey, content) -> None:
    j = journey(kind=Kind.REVERSE).propose()

    (mentor_intro,) = j.new_texts("maya")
    (mentee_intro,) = j.new_texts("sam")
    for ask in content.lines("intro.asks", kind="reverse", role="mentor"):
        assert ask in mentor_intro and ask not in mentee_intro
    for ask in content.lines("intro.asks", kind="reverse", role="mentee"):
        assert ask in mentee_intro and ask not in mentor_intro


def test_both_accepting_the_intro_starts_chemistry(journey, content) -> None:
    j = journey().propose()
    j.read_all()

    first = j.press("maya", "intro", "yes")
    assert j.stage() is Stage.PROPOSED, "one yes is not enough"
    assert first.answer is not None and "Sam" in first.answer.text
    j.flow.clock.set(j.flow.clock.now().replace(hour=15))
    j.press("sam", "intro", "yes")

    assert j.stage() is Stage.CHEMISTRY
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger) == (
        "proposed",
        "chemistry",
        "both_accepted_intro",
    )
    assert move.actor == "sam"  # whoever completed the pair of answers
    assert move.at == j.flow.clock.now()
    # The invitation with the questions goes to both, then a private ask to each.
    for who in ("maya", "sam"):
        texts = j.new_texts(who)
        assert any(q in texts[0] for q in content.lines("chemistry.questions", kind="reverse"))
        assert j.flow.button(who, "chemistry").value == wire.encode(j.pair_id, "go")


def test_one_decline_dissolves_the_pair_without_naming_who(journey, content) -> None:
    j = journey().propose()
    j.press("maya", "intro", "yes")
    j.read_all()

    outcome = j.press("sam", "intro", "no")

    assert j.stage() is Stage.DISSOLVED
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor) == (
        "proposed",
        "dissolved",
        "declined",
        "sam",
    )
    assert outcome.answer is not None
    assert outcome.answer.text == content.text("intro.declined_ack")
    note = content.text("dissolved.pair_note", programme=j.programme)
    assert j.new_texts("maya") == [note]
    assert j.new_texts("sam") == [note]
    (to_coordinator,) = j.new_texts("hana")
    assert "new match" in to_coordinator


def test_changing_a_yes_to_a_no_still_dissolves(journey) -> None:
    j = journey().propose()
    j.press("maya", "intro", "yes")
    j.press("maya", "intro", "no")

    assert j.stage() is Stage.DISSOLVED
    assert j.count(Answer, Answer.pair_id == j.pair_id) == 1, "one answer per person per gate"


def test_an_old_intro_button_after_chemistry_started_is_refused_and_changes_nothing(
    journey,
) -> None:
    j = journey().propose().accept_intro()
    before = j.moves()
    j.read_all()

    outcome = j.press("maya", "intro", "no")

    assert not outcome.changed
    assert outcome.answer is not None
    assert "earlier step" in outcome.answer.text and "chemistry" in outcome.answer.text
    assert j.stage() is Stage.CHEMISTRY
    assert j.moves() == before
    assert j.new_texts("sam") == [] and j.new_texts("hana") == []


def test_someone_outside_the_pair_cannot_answer_its_intro(journey) -> None:
    j = journey().propose()
    j.enrol("lena", "mentor", 2)

    outcome = j.press("lena", "intro", "no")

    assert not outcome.changed
    # The same answer as for a pair that does not exist: a crafted button reveals nothing.
    assert outcome.answer is not None and outcome.answer.text == "I can't find that pair."
    assert j.stage() is Stage.PROPOSED
    assert j.count(Answer) == 0


@pytest.mark.parametrize("value", ["maybe", "", "YES"])
def test_an_unknown_answer_is_refused(journey, value: str) -> None:
    j = journey().propose()

    outcome = j.press("maya", "intro", value)

    assert not outcome.changed and outcome.answer is not None
    assert j.count(Answer) == 0 and j.stage() is Stage.PROPOSED


def test_the_same_two_people_cannot_be_proposed_twice_while_their_pair_lives(journey) -> None:
    j = journey().propose()

    outcome = j.flow.command("hana", f'pair {"maya"} {"sam"} --programme "{j.programme}"')

    assert not outcome.changed
    assert outcome.answer is not None and f"already pair #{j.pair_id}" in outcome.answer.text
    assert j.count(Pair) == 1
    assert j.count(StageTransition) == 1


def test_a_button_pressed_after_the_pair_was_dissolved_says_so(journey) -> None:
    j = journey().propose()
    j.press("sam", "intro", "no")

    outcome = j.press("maya", "intro", "yes")

    assert not outcome.changed
    assert outcome.answer is not None and "has been dissolved" in outcome.answer.text
    assert j.stage() is Stage.DISSOLVED
