"""Chemistry: a short meeting to sound each other out, then a private go / not a fit / talk."""

from __future__ import annotations

from bot import wire
from bot.identity import name_of
from bot.lifecycle import answers, contracting
from bot.lifecycle.dissolve import dissolve
from bot.lifecycle.transition import kind_of, move, partner_of, require_stage
from bot.replies import Button, Reply
from bot.stages import Stage, Trigger
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Pair, Person

ACTION = "chemistry"
GO, NOT_A_FIT, TALK = "go", "not_fit", "talk"


def start(turn: Turn, pair: Pair) -> None:
    kind = kind_of(pair)
    invitation = turn.text(
        "chemistry.invitation",
        kind=kind,
        mentor=name_of(pair.mentor),
        mentee=name_of(pair.mentee),
    )
    questions = turn.content.lines("chemistry.questions", kind=kind)
    turn.to_pair(pair, Reply(text=Text.join([invitation, "", *("- " + q for q in questions)])))
    for person in (pair.mentor, pair.mentee):
        turn.to_person(person, ask(turn, pair, person))


def ask(turn: Turn, pair: Pair, person: Person) -> Reply:
    partner = partner_of(pair, person, turn.content)

    def button(label_key: str, answer: str, primary: bool = False) -> Button:
        return wire.button(turn.text(label_key), ACTION, pair.id, answer, primary=primary)

    return Reply(
        text=turn.text("chemistry.ask", partner=name_of(partner)),
        buttons=(
            button("chemistry.go_button", GO, primary=True),
            button("chemistry.not_fit_button", NOT_A_FIT),
            button("chemistry.talk_button", TALK),
        ),
    )


def handle_answer(turn: Turn, pair: Pair, person: Person, answer: str) -> Reply:
    require_stage(turn, pair, Stage.CHEMISTRY, doing="chemistry_answer")
    if answer not in (GO, NOT_A_FIT, TALK):
        raise Refusal(turn.text("lifecycle.unknown_answer"))
    partner = partner_of(pair, person, turn.content)
    given = answers.record(turn, pair, person, gate="chemistry", answer=answer)
    if answer == NOT_A_FIT:
        dissolve(turn, pair, actor=person, reason=turn.text("lifecycle.reasons.not_a_fit"))
        return Reply(text=turn.text("chemistry.no_fit_ack"))
    if answer == TALK:
        told = turn.to_coordinators(
            Reply(
                text=turn.text(
                    "chemistry.talk_coordinator",
                    person=name_of(person),
                    partner=name_of(partner),
                    programme=pair.programme.name,
                    pair_id=pair.id,
                )
            )
        )
        if not told:  # promising a call nobody will make would be worse than saying so
            raise Refusal(turn.text("lifecycle.chemistry.no_coordinator"))
        return Reply(text=turn.text("chemistry.talk_ack"))
    if answers.both_said(given, pair, GO):
        move(turn, pair, Trigger.BOTH_GO_AHEAD, actor=person)
        contracting.start(turn, pair)
        return Reply(text=turn.text("lifecycle.chemistry.both_go", partner=name_of(partner)))
    return Reply(text=turn.text("chemistry.go_waiting", partner=name_of(partner)))
