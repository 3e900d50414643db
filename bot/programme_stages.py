"""A programme's pairs and where they stand: the queries and the words for pairs per stage that
the status, the Home tab, the pairs at risk and the evaluation report share, apart so that each
imports them without importing the others."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.stages import Stage
from bot.text import Text
from bot.turn import Turn
from storage.models import Pair, Programme

STAGE_ORDER = [s.value for s in Stage]


def stage_name(turn: Turn, stage: str) -> Text:
    return turn.text(f"home.stage_names.{stage}")


def stage_summary(turn: Turn, counts: dict[str, int]) -> Text:
    """The pairs per stage in the stages' order ("2 proposed, 1 active"), or "no pairs yet"."""
    per_stage = [
        turn.text("home.coordinator.stage_count", count=counts[s.value], stage=stage_name(turn, s))
        for s in Stage
        if counts.get(s.value)
    ]
    return Text.join(per_stage, ", ") if per_stage else turn.text("home.coordinator.no_pairs")


def pairs_in(turn: Turn, programme: Programme, *, with_people: bool = False) -> list[Pair]:
    query = select(Pair).where(Pair.programme_id == programme.id).order_by(Pair.id)
    if with_people:
        query = query.options(selectinload(Pair.mentor), selectinload(Pair.mentee))
    return list(turn.session.scalars(query))


def stage_counts(turn: Turn, programme: Programme) -> list[tuple[str, int]]:
    rows = turn.session.execute(
        select(Pair.stage, func.count())
        .where(Pair.programme_id == programme.id)
        .group_by(Pair.stage)
    ).all()
    return sorted(((stage, n) for stage, n in rows), key=lambda row: STAGE_ORDER.index(row[0]))
