"""A pair waiting on someone's answer is reminded, then flagged to the coordinators.

Intros, chemistry answers, contract confirmations and evaluations can sit unanswered in a busy
inbox. After
REMIND_AFTER the people who still owe an answer get a short private reminder with the same
buttons; after ALERT_AFTER the coordinators hear that the pair is stuck, once per stage.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.identity import name_of
from bot.lifecycle import chemistry, contracting, intro, wrap_up
from bot.lifecycle.transition import partner_of
from bot.replies import Button, Reply
from bot.stages import Stage
from bot.text import Text
from bot.turn import Turn
from storage.models import Answer, Evaluation, NudgeSent, Pair, Person

WAITING_STAGES = (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.WRAP_UP)
REMIND_AFTER = timedelta(days=7)
ALERT_AFTER = timedelta(days=14)
KEY = "waiting"


def remind(turn: Turn, pair: Pair) -> bool:
    """Send what is due for a pair waiting in an early stage; False when nothing was."""
    stage = Stage(pair.stage)
    if stage not in WAITING_STAGES:
        return False
    waited = turn.now - pair.stage_changed_at
    # One reminder and one alert per visit to a stage: the day the stage began tells visits apart.
    about = pair.stage_changed_at.toordinal()
    sent = {
        row.level
        for row in turn.session.scalars(
            select(NudgeSent).where(
                NudgeSent.pair_id == pair.id, NudgeSent.nudge == KEY, NudgeSent.about == about
            )
        )
    }
    if waited >= ALERT_AFTER and 2 not in sent:
        nobody = turn.text("lifecycle.waiting.nobody_in_particular")
        names = [name_of(p) for p in owing(turn, pair)] or [nobody]
        turn.to_coordinators(
            Reply(
                text=turn.text(
                    "waiting.coordinator",
                    pair_id=pair.id,
                    mentor=name_of(pair.mentor),
                    mentee=name_of(pair.mentee),
                    programme=pair.programme.name,
                    stage=turn.text("lifecycle.phase." + stage.value),
                    days=waited.days,
                    waiting_on=Text.join(names, ", "),
                )
            )
        )
        _record(turn, pair, 2, about)
        return True
    if waited >= REMIND_AFTER and 1 not in sent:
        people = owing(turn, pair)
        for person in people:
            partner = partner_of(pair, person, turn.content)
            turn.to_person(
                person,
                Reply(
                    text=turn.text(
                        f"waiting.{stage.value}", partner=name_of(partner), days=waited.days
                    ),
                    buttons=_buttons(turn, pair, person, stage),
                ),
            )
        _record(turn, pair, 1, about)
        return bool(people)
    return False


def owing(turn: Turn, pair: Pair) -> list[Person]:
    """Who the pair is waiting for at its current stage."""
    stage = Stage(pair.stage)
    people = [pair.mentor, pair.mentee]
    if stage in (Stage.PROPOSED, Stage.CHEMISTRY):
        gate = "intro" if stage is Stage.PROPOSED else "chemistry"
        answered = set(
            turn.session.scalars(
                select(Answer.person_id).where(Answer.pair_id == pair.id, Answer.gate == gate)
            )
        )
        # Someone who asked to talk to the coordinator is waiting on the coordinator, not late.
        return [p for p in people if p.id not in answered]
    if stage is Stage.WRAP_UP:
        evaluated = set(
            turn.session.scalars(select(Evaluation.person_id).where(Evaluation.pair_id == pair.id))
        )
        return [p for p in people if p.id not in evaluated]
    latest = contracting.current(turn, pair)
    if latest is None:
        return people
    confirmed = {
        pair.mentor_id: latest.mentor_confirmed_at,
        pair.mentee_id: latest.mentee_confirmed_at,
    }
    return [p for p in people if confirmed[p.id] is None]


def _buttons(turn: Turn, pair: Pair, person: Person, stage: Stage) -> tuple[Button, ...]:
    if stage is Stage.PROPOSED:
        return intro.answer_buttons(turn, pair)
    if stage is Stage.CHEMISTRY:
        return chemistry.ask(turn, pair, person).buttons
    if stage is Stage.WRAP_UP:
        return (wrap_up.evaluation_button(turn, pair),)
    latest = contracting.current(turn, pair)
    if latest is None:
        return (contracting.open_button(turn, pair),)
    return contracting.posted(turn, pair, latest, person).buttons


def _record(turn: Turn, pair: Pair, level: int, about: int) -> None:
    turn.session.add(
        NudgeSent(pair_id=pair.id, nudge=KEY, level=level, about=about, sent_at=turn.now)
    )
