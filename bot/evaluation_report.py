"""The programme's evaluation for `report <programme>`: pairs, sessions, evaluations, nudges and
parked items in aggregate, each withheld until it covers enough people that no one's private
answers can be told apart. Apart from bot.reporting because the k-anonymity rule is its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import mean
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import func, select

from bot.programme_stages import pairs_in, stage_counts
from bot.text import Text, typed
from bot.turn import Turn
from storage.models import Evaluation, MentoringSession, NudgeSent, ParkedItem, Programme

# The fewest people an aggregate of participants' answers may cover (DESIGN.md section 11).
K_ANONYMITY = 3
MIN_ANSWERS_FOR_TEXT = K_ANONYMITY


def evaluation(turn: Turn, programme: Programme) -> Text:
    pairs = pairs_in(turn, programme)
    ids = [p.id for p in pairs]
    evaluations = turn.session.scalars(select(Evaluation).where(Evaluation.pair_id.in_(ids))).all()
    held = (
        turn.session.scalar(
            select(func.count())
            .select_from(MentoringSession)
            .where(MentoringSession.pair_id.in_(ids), MentoringSession.status == "held")
        )
        or 0
    )
    missed = (
        turn.session.scalar(
            select(func.count())
            .select_from(MentoringSession)
            .where(
                MentoringSession.pair_id.in_(ids),
                MentoringSession.status.in_(("missed", "unreported")),
            )
        )
        or 0
    )
    nudges = Counter(
        turn.session.scalars(
            select(NudgeSent.nudge).where(
                NudgeSent.pair_id.in_(ids), NudgeSent.nudge != "midpoint_review"
            )
        ).all()
    )
    parked = (
        turn.session.scalar(
            select(func.count()).select_from(ParkedItem).where(ParkedItem.pair_id.in_(ids))
        )
        or 0
    )
    stages = dict(stage_counts(turn, programme))
    running = sum(n for s, n in stages.items() if s not in ("closed", "dissolved"))
    number = turn.content.number
    lines: list[str] = [
        turn.text("reports.evaluation.title", name=typed(programme.name), kind_word=programme.kind),
        turn.text(
            "reports.evaluation.pairs",
            count=number(len(pairs)),
            closed=number(stages.get("closed", 0)),
            dissolved=number(stages.get("dissolved", 0)),
            running=number(running),
        ),
        turn.text("reports.evaluation.sessions", held=number(held), missed=number(missed)),
    ]
    people = len({e.person_id for e in evaluations})
    if not evaluations:
        lines.append(turn.text("reports.evaluation.none_yet"))
    elif people < K_ANONYMITY:
        lines.append(withheld(turn, "evaluations_so_far", "people", people))
    else:
        lines += _evaluations(turn, evaluations)
    # Nudges and parked items follow from one person's check-in answers, so a tally over
    # fewer than three pairs would point at them.
    if nudges:
        nudged = _pairs_with(turn, NudgeSent.pair_id, ids, NudgeSent.nudge != "midpoint_review")
        if nudged < K_ANONYMITY:
            lines.append(withheld(turn, "nudges_so_far", "pairs", nudged))
        else:
            lines.append(_nudge_tally(turn, nudges))
    if parked:
        parking = _pairs_with(turn, ParkedItem.pair_id, ids)
        if parking < K_ANONYMITY:
            lines.append(withheld(turn, "parked_so_far", "pairs", parking))
        else:
            lines.append(turn.text("reports.evaluation.parked", count=number(parked)))
    return Text.join(lines)


def _evaluations(turn: Turn, evaluations: Sequence[Evaluation]) -> list[str]:
    """The answers in aggregate (only once K_ANONYMITY people have answered)."""
    average = format_decimal(
        mean(e.goals_met for e in evaluations), "0.0", locale=turn.content.locale
    )
    wishes = Counter(e.continue_as for e in evaluations)
    choices = [
        turn.text(
            "reports.evaluation.choice",
            count=turn.content.number(n),
            choice=turn.text("wrap_up.choices.continue_as." + w),
        )
        for w, n in wishes.most_common()
    ]
    return [
        turn.text(
            "reports.evaluation.goals_met",
            average=average,
            evaluations=turn.text("reports.evaluation.evaluations", count=len(evaluations)),
        ),
        turn.text("reports.evaluation.what_next", choices=Text.join(choices, ", ")),
        *_free_text(turn, evaluations),
    ]


def _nudge_tally(turn: Turn, nudges: Counter[str]) -> Text:
    """How many of each nudge were sent, each by its name in the reader's language."""
    tally = [
        turn.text(
            "reports.evaluation.nudge", name=nudge_name(turn, key), count=turn.content.number(n)
        )
        for key, n in sorted(nudges.items())
    ]
    return turn.text("reports.evaluation.nudges", tally=Text.join(tally, ", "))


def nudge_name(turn: Turn, key: str) -> Text:
    """A nudge's name; a nudge no longer known (a rule since removed) by its stored key."""
    name = f"reports.evaluation.nudge_names.{key}"
    return turn.text(name) if turn.content.has(name) else Text.engine(key)


def withheld(turn: Turn, what: str, among: str, counted: int) -> Text:
    """The line shown instead of an aggregate that covers too few people to hide each one:
    `what` (a key under reports.evaluation) names it and says how many `among` ("people" or
    "pairs") it counts so far."""
    so_far = turn.text(
        f"reports.evaluation.{what}",
        counted=turn.text(
            "reports.evaluation." + ("people" if among == "people" else "pairs_counted"),
            count=counted,
        ),
    )
    return turn.text(f"reports.evaluation.withheld.{among}", what=so_far, count=K_ANONYMITY)


def _pairs_with(turn: Turn, column: Any, ids: list[int], *where: Any) -> int:
    return (
        turn.session.scalar(
            select(func.count(func.distinct(column))).where(column.in_(ids), *where)
        )
        or 0
    )


def _free_text(turn: Turn, evaluations: Sequence[Evaluation]) -> list[str]:
    """The written answers, without names and in no telling order, and only once enough
    people have answered that none can be traced to its author (the wrap-up promises this)."""
    if len(evaluations) < MIN_ANSWERS_FOR_TEXT:
        return [turn.text("reports.evaluation.written_later", count=MIN_ANSWERS_FOR_TEXT)]
    lines: list[str] = []
    for title, items in (
        ("what_worked", [e.what_worked for e in evaluations]),
        ("what_to_change", [e.what_to_change for e in evaluations]),
        ("take_back", [e.take_back for e in evaluations]),
    ):
        written = sorted(item for item in items if item)
        if written:
            # Typed, but with no person: the report promises no answer can be traced to anyone.
            heading = turn.text(f"reports.evaluation.written.{title}")
            lines.append(Text.join([heading, *(Text.engine("- ") + typed(i) for i in written)]))
    return lines
