"""Chemistry: go ahead / not a fit / talk to the coordinator, each private to the one who chose."""

from __future__ import annotations

import pytest

from bot.stages import Stage
from storage.models import Answer, Pair


def test_both_going_ahead_starts_contracting(journey, content) -> None:
    j = journey().to(Stage.CHEMISTRY)
    j.read_all()

    first = j.press("sam", "chemistry", "go")
    assert j.stage() is Stage.CHEMISTRY, "one go-ahead is not enough"
    assert first.answer is not None
    assert first.answer.text == content.text("chemistry.go_waiting", partner="Maya")
    assert j.new_texts("maya") == [], "the partner does not learn an answer was given"
    j.press("maya", "chemistry", "go")

    assert j.stage() is Stage.CONTRACTING
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor) == (
        "chemistry",
        "contracting",
        "both_go_ahead",
        "maya",
    )
    assert move.at == j.flow.clock.now()
    # The contract invitation goes to the pair, with the button that opens the form.
    assert j.flow.form_value("sam", "contract") == f"contract:{j.pair_id}"
    assert j.flow.form_value("maya", "contract") == f"contract:{j.pair_id}"


@pytest.mark.parametrize("decliner", ["maya", "sam"])
@pytest.mark.parametrize("other_answer", [None, "go"])
def test_not_a_fit_dissolves_and_both_read_the_same_neutral_words(
    journey, content, decliner: str, other_answer: str | None
) -> None:
    j = journey().to(Stage.CHEMISTRY)
    other = "sam" if decliner == "maya" else "maya"
    if other_answer:
        j.press(other, "chemistry", other_answer)
    j.read_all()

    outcome = j.press(decliner, "chemistry", "not_fit")

    assert j.stage() is Stage.DISSOLVED
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor) == (
        "chemistry",
        "dissolved",
        "declined",
        decliner,
    )
    # Only the decliner hears their own choice acknowledged, as the direct answer.
    assert outcome.answer is not None
    assert outcome.answer.text == content.text("chemistry.no_fit_ack")
    # What the two receive is identical, and names nobody.
    to_maya, to_sam = j.new_texts("maya"), j.new_texts("sam")
    assert to_maya == to_sam == [content.text("dissolved.pair_note", programme=j.programme)]
    assert "Maya" not in to_maya[0] and "Sam" not in to_maya[0]
    # The coordinator is asked to rematch, in words that are the same whoever declined.
    assert j.new_texts("hana") == [
        content.text(
            "dissolved.coordinator",
            mentor="Maya",
            mentee="Sam",
            programme=j.programme,
            pair_id=j.pair_id,
        )
    ]


def test_two_people_who_were_not_a_fit_are_never_paired_again(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)
    j.press("sam", "chemistry", "not_fit")
    # Another mentor who suits sam just as well, so `match` has a real choice to make.
    j.enrol("lena", "mentor", 3)

    by_hand = j.flow.command("hana", f'pair maya sam --programme "{j.programme}"')
    assert not by_hand.changed
    assert by_hand.answer is not None and "never proposes the same two people again" in (
        by_hand.answer.text
    )
    matched = j.ok(f'match "{j.programme}"')

    pairs = j.rows(Pair, order_by=Pair.id)
    assert [(p.mentor_id, p.mentee_id, p.stage) for p in pairs] == [
        (j.person_id("maya"), j.person_id("sam"), "dissolved"),
        (j.person_id("lena"), j.person_id("sam"), "proposed"),
    ]
    assert "Lena mentors Sam" in matched.text and "Maya mentors" not in matched.text


def test_asking_to_talk_alerts_the_coordinator_only_and_keeps_the_stage(journey, content) -> None:
    j = journey().to(Stage.CHEMISTRY)
    before = j.moves()
    j.read_all()

    outcome = j.press("sam", "chemistry", "talk")

    assert outcome.answer is not None
    assert outcome.answer.text == content.text("chemistry.talk_ack")
    assert j.new_texts("hana") == [
        content.text(
            "chemistry.talk_coordinator",
            person="Sam",
            partner="Maya",
            programme=j.programme,
            pair_id=j.pair_id,
        )
    ]
    assert j.new_texts("maya") == [] and j.new_texts("sam") == []
    assert j.stage() is Stage.CHEMISTRY
    assert j.moves() == before


def test_after_talking_to_the_coordinator_a_go_ahead_still_counts(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)
    j.press("sam", "chemistry", "talk")
    j.press("maya", "chemistry", "go")
    assert j.stage() is Stage.CHEMISTRY, "a talk is not a go-ahead"

    j.press("sam", "chemistry", "go")

    assert j.stage() is Stage.CONTRACTING
    assert j.count(Answer, Answer.gate == "chemistry") == 2


def test_a_chemistry_answer_before_chemistry_is_refused(journey) -> None:
    j = journey().propose()

    outcome = j.press("maya", "chemistry", "go")

    assert not outcome.changed
    assert outcome.answer is not None
    assert "later step" in outcome.answer.text and "still proposed" in outcome.answer.text
    assert j.stage() is Stage.PROPOSED and j.count(Answer) == 0


def test_an_old_chemistry_button_after_contracting_started_changes_nothing(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    before = j.moves()

    outcome = j.press("sam", "chemistry", "not_fit")

    assert not outcome.changed
    assert outcome.answer is not None and "earlier step" in outcome.answer.text
    assert j.stage() is Stage.CONTRACTING and j.moves() == before


def test_someone_outside_the_pair_cannot_answer_for_it(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)
    j.enrol("lena", "mentor", 3)

    outcome = j.press("lena", "chemistry", "not_fit")

    assert not outcome.changed
    assert j.stage() is Stage.CHEMISTRY
    assert j.count(Answer, Answer.gate == "chemistry") == 0


def test_not_a_fit_on_both_backends(journey, database, content) -> None:
    j = journey(db=database).to(Stage.CHEMISTRY)
    j.press("maya", "chemistry", "go")
    j.read_all()

    j.press("sam", "chemistry", "not_fit")

    assert j.stage() is Stage.DISSOLVED
    assert [(m.from_stage, m.to_stage, m.trigger, m.actor) for m in j.moves()] == [
        ("", "proposed", "proposed", "hana"),
        ("proposed", "chemistry", "both_accepted_intro", "sam"),
        ("chemistry", "dissolved", "declined", "sam"),
    ]
    assert j.new_texts("maya") == j.new_texts("sam")
