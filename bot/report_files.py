"""The files that go with `report <programme>`: a CSV with one row per pair, and a PNG chart.

Neither holds anyone's answers: the CSV has each pair's stage and session counts, the chart
counts pairs and sessions. Answers are aggregated only in the report's text, under the k >= 3
rule (bot.evaluation_report). Cells a spreadsheet would run as a formula are escaped (bot.csv_safe).
The CSV's header row and the chart's words are in the workspace's language; the cells keep
their data as stored (a stage is `wrap_up`, a date is ISO), so the file sorts and filters alike
in every language.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from sqlalchemy import func, select

from bot.csv_safe import safe_cell, to_csv
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

escape_cell = safe_cell  # a cell that would start a formula gets a ' first


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
    header = [turn.text(f"reports.files.columns.{column}") for column in CSV_COLUMNS]
    rows = [
        (
            pair.id,
            pair.mentor.display_name,
            pair.mentee.display_name,
            pair.stage,
            pair.created_at.date().isoformat(),
            pair.stage_changed_at.date().isoformat(),
            contracted.get(pair.id, ""),
            sessions[pair.id]["held"],
            sessions[pair.id]["missed"] + sessions[pair.id]["unreported"],
        )
        for pair in pairs
    ]
    return to_csv(header, rows).encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8


def chart(turn: Turn, programme: Programme) -> bytes:
    """Pairs per stage over time (from the stage transitions) and sessions held per month."""
    import matplotlib  # lazily: only a report needs it, and it is slow to import

    matplotlib.use("Agg")  # not user-facing: matplotlib's file-only backend
    from matplotlib.figure import Figure

    days, per_stage = _stages_over_time(turn, programme)
    months = _held_per_month(turn, programme)
    figure = Figure(figsize=(CHART_SIZE[0] / _DPI, CHART_SIZE[1] / _DPI), dpi=_DPI)
    top, bottom = figure.subplots(2, 1)
    words = _chart_words(turn)
    if days:
        for stage, counts in per_stage.items():
            label = str(turn.text(f"home.stage_names.{stage}"))
            top.step(days, counts, where="post", label=label)
        top.legend(loc="upper left", fontsize="small")  # not user-facing: a matplotlib position
    else:
        top.text(0.5, 0.5, words["no_pairs"], ha="center", va="center", transform=top.transAxes)
    top.set_title(str(turn.text("reports.files.chart.pairs_title", programme=programme.name)))
    top.set_ylabel(words["pairs_axis"])
    labels = [_month_label(turn, month) for month in months]
    bottom.bar(labels, list(months.values()), color="#4c72b0")
    if not labels:
        bottom.text(
            0.5, 0.5, words["no_sessions"], ha="center", va="center", transform=bottom.transAxes
        )
    bottom.set_title(words["sessions_title"])
    bottom.set_ylabel(words["sessions_axis"])
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _chart_words(turn: Turn) -> dict[str, str]:
    names = ("no_pairs", "pairs_axis", "no_sessions", "sessions_title", "sessions_axis")
    return {name: str(turn.text(f"reports.files.chart.{name}")) for name in names}


def _month_label(turn: Turn, month: str) -> str:
    """A month of `_held_per_month` ("2027-01") as the language writes it ("Jan 2027")."""
    year, number = month.split("-")
    return format_skeleton("yMMM", date(int(year), int(number), 1), locale=turn.content.locale)


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
