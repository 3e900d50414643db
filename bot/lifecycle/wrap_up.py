"""Wrap-up: each person evaluates, parked items are handed back, and the pair closes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from bot import waypoints, wire
from bot.content import Content
from bot.form_values import FormValues
from bot.identity import name_of
from bot.lifecycle.contracting import OPEN_FORM
from bot.lifecycle.transition import kind_of, move, partner_of, require_stage, role_of
from bot.replies import Button, Choice, FieldKind, Form, FormField, Reply
from bot.stages import Stage, Trigger
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Evaluation, Pair, ParkedItem, Person

FORM_ID = "evaluation"
CONTINUE_AS = ("continue", "reciprocal", "network", "friendly_end")


def start(
    turn: Turn,
    pair: Pair,
    *,
    trigger: Trigger = Trigger.SESSIONS_DONE,
    actor: Person | None = None,
    reason: str = "",
) -> None:
    move(turn, pair, trigger, actor=actor, reason=reason)
    kind = kind_of(pair)
    for person in (pair.mentor, pair.mentee):
        turn.to_person(
            person,
            Reply(
                text=turn.text(
                    "wrap_up.start",
                    kind=kind,
                    role=role_of(pair, person, turn.content),
                    name=name_of(person),
                    partner=name_of(partner_of(pair, person, turn.content)),
                ),
                buttons=(evaluation_button(turn, pair),),
            ),
        )
    hand_back_parked(turn, pair)
    waypoints.show_at_wrap_up(turn, pair)


def evaluation_button(turn: Turn, pair: Pair) -> Button:
    return wire.button(
        turn.text("wrap_up.evaluation_button"), OPEN_FORM, FORM_ID, pair.id, primary=True
    )


def close_without_evaluations(turn: Turn, pair: Pair, *, actor: Person) -> None:
    """The coordinator closes a pair whose evaluation is not coming; what arrived still counts."""
    reason = turn.text("lifecycle.reasons.closed_by_coordinator")
    move(turn, pair, Trigger.EVALUATED, actor=actor, reason=reason)
    _announce_closed(turn, pair)


def hand_back_parked(turn: Turn, pair: Pair) -> None:
    """What was parked during the contract belongs to the two of them again now."""
    parked = turn.session.scalars(
        select(ParkedItem).where(ParkedItem.pair_id == pair.id, ParkedItem.handed_back_at.is_(None))
    ).all()
    if not parked:
        return
    # The note is Tandem's own ("came up in session 4"), so the list stays engine wording.
    items = Text.join(
        f"- {turn.text('nudges.park_it.topics.' + item.topic)} ({item.note})" for item in parked
    )
    turn.to_pair(pair, Reply(text=turn.text("wrap_up.parked", kind=kind_of(pair), items=items)))
    for item in parked:
        item.handed_back_at = turn.now


def form(turn: Turn, pair: Pair, person: Person) -> Form:
    require_stage(turn, pair, Stage.WRAP_UP, doing="evaluation")
    role_of(pair, person, turn.content)

    kind = kind_of(pair)

    def field(name: str, kind_: FieldKind, *, required: bool = True, **extra: Any) -> FormField:
        return FormField(
            name=name,
            label=turn.text(f"wrap_up.fields.{name}.label", kind=kind),
            hint=turn.text(f"wrap_up.fields.{name}.hint", kind=kind),
            kind=kind_,
            required=required,
            **extra,
        )

    continue_as = tuple(
        Choice(value=v, label=turn.text(f"wrap_up.choices.continue_as.{v}")) for v in CONTINUE_AS
    )
    return Form(
        form_id=FORM_ID,
        title=turn.text("wrap_up.evaluation_title"),
        context=str(pair.id),
        submit_label=turn.text("lifecycle.forms.submit"),
        fields=(
            field("goals_met", FieldKind.INTEGER, minimum=1, maximum=5),
            field("take_back", FieldKind.LONG_TEXT, required=False),
            field("what_worked", FieldKind.LONG_TEXT),
            field("what_to_change", FieldKind.LONG_TEXT, required=False),
            field("continue_as", FieldKind.CHOICE, choices=continue_as),
        ),
    )


def validate(
    values: Mapping[str, str], *, content: Content
) -> tuple[dict[str, object], dict[str, str]]:
    """Raw form values to evaluation columns, or errors by field name (worded by `content`)."""
    form = FormValues(values, content)
    what_worked_missing = content.text("lifecycle.wrap_up.what_worked_missing")
    answers: dict[str, object] = {
        "goals_met": form.number("goals_met", 1, 5) or 0,
        "take_back": form.text("take_back"),
        "what_worked": form.text("what_worked", required=True, missing=what_worked_missing),
        "what_to_change": form.text("what_to_change"),
        "continue_as": form.choice("continue_as", CONTINUE_AS, required=True) or "",
    }
    return answers, form.errors


def handle_submission(turn: Turn, pair: Pair, person: Person, values: Mapping[str, str]) -> Reply:
    require_stage(turn, pair, Stage.WRAP_UP, doing="evaluation")
    role_of(pair, person, turn.content)
    answers, errors = validate(values, content=turn.content)
    if errors:
        raise Refusal(turn.text("lifecycle.needs_another_look"), field_errors=errors)
    existing = turn.session.scalar(
        select(Evaluation).where(Evaluation.pair_id == pair.id, Evaluation.person_id == person.id)
    )
    if existing is None:
        turn.session.add(
            Evaluation(pair_id=pair.id, person_id=person.id, submitted_at=turn.now, **answers)
        )
    else:
        for name, value in answers.items():
            setattr(existing, name, value)
        existing.submitted_at = turn.now
    turn.session.flush()
    done = turn.session.scalars(
        select(Evaluation.person_id).where(Evaluation.pair_id == pair.id)
    ).all()
    if {pair.mentor_id, pair.mentee_id} <= set(done):
        move(turn, pair, Trigger.EVALUATED, actor=person)
        _announce_closed(turn, pair)
    return Reply(text=turn.text("wrap_up.thanks"))


def _announce_closed(turn: Turn, pair: Pair) -> None:
    names = {"mentor": name_of(pair.mentor), "mentee": name_of(pair.mentee)}
    turn.to_pair(pair, Reply(text=turn.text("wrap_up.closed_pair", kind=kind_of(pair), **names)))
    turn.to_coordinators(
        Reply(
            text=turn.text(
                "wrap_up.closed_coordinator",
                programme=pair.programme.name,
                pair_id=pair.id,
                **names,
            )
        )
    )
