"""The files that go with `report <programme>`: a CSV with one row per pair, and a PNG chart.

Neither holds anyone's answers: the CSV has each pair's stage and session counts, the chart
counts pairs and sessions. Answers are aggregated only in the report's text, under the k >= 3
rule (bot.reporting). Cells a spreadsheet would run as a formula are escaped.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.replies import File
from bot.stages import Stage
from bot.turn import Turn
from storage.models import Contract, MentoringSession, Pair, Programme, StageTransition

CSV_COLUMNS = (
    "pair",
    "mentor",
    "mentee",
    "stage",
    "proposed_on",
    "stage_since",
    "sessions_contracted",
    "sessions_held",
    "sessions_missed",
)
CHART_SIZE = (960, 720)  # pixels: 9.6 x 7.2 inches at 100 dpi
_DPI = 100
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a ' first."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def files(turn: Turn, programme: Programme) -> tuple[File, ...]:
    stem = _slug(programme.name)
    return (
        File(name=f"{stem}-pairs.csv", media_type="text/csv", data=pairs_csv(turn, programme)),
        File(name=f"{stem}-chart.png", media_type="image/png", data=chart(turn, programme)),
    )


def pairs_csv(turn: Turn, programme: Programme) -> bytes:
    pairs = _pairs(turn, programme)
    ids = [pair.id for pair in pairs]
    sessions: dict[int, Counter[str]] = defaultdict(Counter)
    for pair_id, status, n in turn.session.execute(
        select(MentoringSession.pair_id, MentoringSession.status, func.count())
        .where(MentoringSession.pair_id.in_(ids))
        .group_by(MentoringSession.pair_id, MentoringSession.status)
    ):
        sessions[pair_id][status] = n
    contracted = dict(
        turn.session.execute(
            select(Contract.pair_id, Contract.sessions).where(
                Contract.pair_id.in_(ids), Contract.superseded_at.is_(None)
            )
        ).all()
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for pair in pairs:
        counts = sessions[pair.id]
        writer.writerow(
            escape_cell(cell)
            for cell in (
                pair.id,
                pair.mentor.display_name,
                pair.mentee.display_name,
                pair.stage,
                pair.created_at.date().isoformat(),
                pair.stage_changed_at.date().isoformat(),
                contracted.get(pair.id, ""),
                counts["held"],
                counts["missed"] + counts["unreported"],
            )
        )
    return out.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8


def chart(turn: Turn, programme: Programme) -> bytes:
    """Pairs per stage over time (from the stage transitions) and sessions held per month."""
    import matplotlib  # lazily: only a report needs it, and it is slow to import

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    days, per_stage = _stages_over_time(turn, programme)
    months = _held_per_month(turn, programme)
    figure = Figure(figsize=(CHART_SIZE[0] / _DPI, CHART_SIZE[1] / _DPI), dpi=_DPI)
    top, bottom = figure.subplots(2, 1)
    if days:
        for stage, counts in per_stage.items():
            top.step(days, counts, where="post", label=stage.replace("_", " "))
        top.legend(loc="upper left", fontsize="small")
    else:
        top.text(0.5, 0.5, "No pairs yet", ha="center", va="center", transform=top.transAxes)
    top.set_title(f"{programme.name}: pairs per stage")
    top.set_ylabel("pairs")
    labels = list(months)
    bottom.bar(labels, [months[m] for m in labels], color="#4c72b0")
    if not labels:
        bottom.text(
            0.5, 0.5, "No sessions held yet", ha="center", va="center", transform=bottom.transAxes
        )
    bottom.set_title("Sessions held per month")
    bottom.set_ylabel("sessions")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _stages_over_time(
    turn: Turn, programme: Programme
) -> tuple[list[datetime], dict[str, list[int]]]:
    moves = turn.session.execute(
        select(StageTransition.pair_id, StageTransition.to_stage, StageTransition.at)
        .join(Pair, Pair.id == StageTransition.pair_id)
        .where(Pair.programme_id == programme.id)
        .order_by(StageTransition.at, StageTransition.id)
    ).all()
    if not moves:
        return [], {}
    first = moves[0].at.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max(1, (turn.now - first).days + 1)
    step = timedelta(days=max(1, span // 120))  # at most ~120 points, whatever the length
    stages = [s.value for s in Stage]
    days: list[datetime] = []
    per_stage: dict[str, list[int]] = {stage: [] for stage in stages}
    current: dict[int, str] = {}
    index = 0
    moment = first
    while True:
        while index < len(moves) and moves[index].at <= moment + step:
            current[moves[index].pair_id] = moves[index].to_stage
            index += 1
        counts = Counter(current.values())
        days.append(moment)
        for stage in stages:
            per_stage[stage].append(counts.get(stage, 0))
        if moment > turn.now:
            break
        moment += step
    return days, {stage: n for stage, n in per_stage.items() if any(n)}


def _held_per_month(turn: Turn, programme: Programme) -> dict[str, int]:
    held = turn.session.scalars(
        select(MentoringSession.planned_at)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .where(Pair.programme_id == programme.id, MentoringSession.status == "held")
    ).all()
    counts = Counter(moment.strftime("%Y-%m") for moment in held)
    return dict(sorted(counts.items()))


def _pairs(turn: Turn, programme: Programme) -> list[Pair]:
    return list(
        turn.session.scalars(
            select(Pair).where(Pair.programme_id == programme.id).order_by(Pair.id)
        )
    )


def _slug(name: str) -> str:
    slug = "".join(c.lower() if c.isalnum() else "-" for c in name).strip("-")
    return "-".join(part for part in slug.split("-") if part)[:60] or "programme"
