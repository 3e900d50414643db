"""What people see when they ask how things stand: a participant's pair, a programme's health,
and the programme's evaluation in aggregate (never one person's private answers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from statistics import mean
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot import goals as tracking
from bot import waypoints
from bot.identity import name_of
from bot.lifecycle import planning
from bot.lifecycle.planning import describe_when
from bot.lifecycle.transition import partner_of, role_of
from bot.stages import TERMINAL, Stage
from bot.text import Text, compose, typed
from bot.turn import Turn
from storage.models import (
    Evaluation,
    MentoringSession,
    NudgeSent,
    Pair,
    ParkedItem,
    Person,
    Programme,
)

STAGE_ORDER = [s.value for s in Stage]
_RECENT = timedelta(days=45)
# The fewest people an aggregate of participants' answers may cover (DESIGN.md section 11).
K_ANONYMITY = 3
MIN_ANSWERS_FOR_TEXT = K_ANONYMITY


def my_pairs(turn: Turn, person: Person, pairs: list[Pair]) -> Text:
    if not pairs:
        return Text.engine(
            "You are not in a mentoring pair right now."
            + (
                ""
                if person.is_coordinator
                else " Your coordinator will introduce you when there is a match."
            )
        )
    blocks = []
    for pair in pairs:
        partner = partner_of(pair, person)
        lines: list[str] = [
            compose(
                "*Pair #{id}* in {programme}: you are the {role}, with {partner}. Stage: {stage}.",
                id=Text.engine(str(pair.id)),
                programme=pair.programme.name,
                role=Text.engine(role_of(pair, person)),
                partner=name_of(partner),
                stage=Text.engine(pair.stage.replace("_", " ")),
            )
        ]
        upcoming = next(iter(planning.sessions_ahead(turn, pair)), None)
        if upcoming is not None:
            lines.append(
                f"Next session: #{upcoming.number}, {describe_when(upcoming.planned_at, person)}."
            )
        open_goals = [g for g in tracking.goals_of(turn, pair) if g.status == "open"]
        open_actions = tracking.actions_of(turn, pair, open_only=True)
        if open_goals or open_actions:
            lines.append(
                f"{len(open_goals)} open goals, {len(open_actions)} open actions "
                "(`goals`, `actions`)."
            )
        lines += waypoints.status_lines(turn, pair)  # the route or the parked list, for both
        blocks.append(Text.join(lines))
    return Text.join(blocks, "\n\n")


def overview(turn: Turn) -> Text:
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.name)
    ).all()
    if not programmes:
        return Text.engine(
            '*Coordinator*: no programmes yet. Start with `programme create "Name" --kind reverse`.'
        )
    lines: list[str] = ["*Programmes*"]
    for programme in programmes:
        counts = _stage_counts(turn, programme)
        summary = (
            ", ".join(f"{n} {stage.replace('_', ' ')}" for stage, n in counts) or "no pairs yet"
        )
        lines.append(compose('- "{name}": ', name=programme.name) + summary)
    lines.append('For one programme: `status "Name"`; its evaluation: `report "Name"`.')
    return Text.join(lines)


def health(turn: Turn, programme: Programme) -> Text:
    """Stage counts, then each live pair with its sessions and escalated signals.

    A fixed number of queries however many pairs (people, sessions and nudges are read for
    all the live pairs at once): a coordinator's status must not cost a query per pair.
    """
    live = [p for p in _pairs(turn, programme, with_people=True) if Stage(p.stage) not in TERMINAL]
    ids = [pair.id for pair in live]
    sessions = _session_counts(turn, ids)
    flags = _recent_flags(turn, ids)
    lines = [
        compose("*{name}* ", name=programme.name)
        + f"({programme.kind}): "
        + (
            ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in _stage_counts(turn, programme))
            or "no pairs yet"
        )
    ]
    for pair in live:
        held, missed = sessions.get(pair.id, (0, 0))
        watch = flags.get(pair.id, [])
        flag_text = f" — watch: {', '.join(watch)}" if watch else ""
        lines.append(
            compose(
                "- #{id} {mentor} & {mentee}: ",
                id=Text.engine(str(pair.id)),
                mentor=name_of(pair.mentor),
                mentee=name_of(pair.mentee),
            )
            + f"{pair.stage.replace('_', ' ')}, {held} held, {missed} missed{flag_text}"
        )
    return Text.join(lines)


def evaluation(turn: Turn, programme: Programme) -> Text:
    pairs = _pairs(turn, programme)
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
    stages = dict(_stage_counts(turn, programme))
    running = sum(n for s, n in stages.items() if s not in ("closed", "dissolved"))
    lines: list[str] = [
        compose("*Evaluation of {name}* ", name=programme.name) + f"({programme.kind})",
        f"Pairs: {len(pairs)} ({stages.get('closed', 0)} closed, {stages.get('dissolved', 0)} "
        f"dissolved without blame, {running} still running)",
        f"Sessions: {held} held, {missed} missed or unreported",
    ]
    people = len({e.person_id for e in evaluations})
    if not evaluations:
        lines.append("No evaluations yet: they arrive as pairs reach wrap-up.")
    elif people < K_ANONYMITY:
        lines.append(withheld(f"Evaluations ({plural(people, 'person', 'people')} so far)"))
    else:
        lines.append(
            f"Goals met (1-5): average {mean(e.goals_met for e in evaluations):.1f} "
            f"from {plural(len(evaluations), 'evaluation', 'evaluations')}"
        )
        wishes = Counter(e.continue_as for e in evaluations)
        lines.append(
            "What next: "
            + ", ".join(
                f"{n} × {turn.text('wrap_up.choices.continue_as.' + w)}"
                for w, n in wishes.most_common()
            )
        )
        lines += _free_text(evaluations)
    # Nudges and parked items follow from one person's check-in answers, so a tally over
    # fewer than three pairs would point at them.
    if nudges:
        nudged = _pairs_with(turn, NudgeSent.pair_id, ids, NudgeSent.nudge != "midpoint_review")
        if nudged < K_ANONYMITY:
            lines.append(
                withheld(f"Nudges sent ({plural(nudged, 'pair', 'pairs')} so far)", "pairs")
            )
        else:
            lines.append(
                "Nudges sent: " + ", ".join(f"{k} × {n}" for k, n in sorted(nudges.items()))
            )
    if parked:
        parking = _pairs_with(turn, ParkedItem.pair_id, ids)
        if parking < K_ANONYMITY:
            lines.append(
                withheld(f"Parked items ({plural(parking, 'pair', 'pairs')} so far)", "pairs")
            )
        else:
            lines.append(f"Parked items handed back at wrap-up: {parked}")
    return Text.join(lines)


def withheld(what: str, among: str = "people") -> str:
    """The line shown instead of an aggregate that covers too few people to hide each one."""
    return (
        f"{what}: withheld until at least {K_ANONYMITY} {among} are counted, so that no "
        "answer can be traced to one person."
    )


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _pairs_with(turn: Turn, column: Any, ids: list[int], *where: Any) -> int:
    return (
        turn.session.scalar(
            select(func.count(func.distinct(column))).where(column.in_(ids), *where)
        )
        or 0
    )


def _free_text(evaluations: Sequence[Evaluation]) -> list[str]:
    """The written answers, without names and in no telling order, and only once enough
    people have answered that none can be traced to its author (the wrap-up promises this)."""
    if len(evaluations) < MIN_ANSWERS_FOR_TEXT:
        return [
            f"Written answers appear once at least {MIN_ANSWERS_FOR_TEXT} people have "
            "evaluated, so that none can be traced to its author."
        ]
    lines: list[str] = []
    for title, items in (
        ("What worked", [e.what_worked for e in evaluations]),
        ("What to change", [e.what_to_change for e in evaluations]),
        ("Taken back to the organisation", [e.take_back for e in evaluations]),
    ):
        written = sorted(item for item in items if item)
        if written:
            # Typed, but with no person: the report promises no answer can be traced to anyone.
            lines.append(f"{title}:\n" + Text.join("- " + typed(item) for item in written))
    return lines


def _pairs(turn: Turn, programme: Programme, *, with_people: bool = False) -> list[Pair]:
    query = select(Pair).where(Pair.programme_id == programme.id).order_by(Pair.id)
    if with_people:
        query = query.options(selectinload(Pair.mentor), selectinload(Pair.mentee))
    return list(turn.session.scalars(query))


def _stage_counts(turn: Turn, programme: Programme) -> list[tuple[str, int]]:
    rows = turn.session.execute(
        select(Pair.stage, func.count())
        .where(Pair.programme_id == programme.id)
        .group_by(Pair.stage)
    ).all()
    return sorted(((stage, n) for stage, n in rows), key=lambda row: STAGE_ORDER.index(row[0]))


def _session_counts(turn: Turn, pair_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(held, missed or unreported) per pair, in one query."""
    counts: dict[int, dict[str, int]] = {}
    for pair_id, status, n in turn.session.execute(
        select(MentoringSession.pair_id, MentoringSession.status, func.count())
        .where(MentoringSession.pair_id.in_(pair_ids))
        .group_by(MentoringSession.pair_id, MentoringSession.status)
    ):
        counts.setdefault(pair_id, {})[status] = n
    return {
        pair_id: (rows.get("held", 0), rows.get("missed", 0) + rows.get("unreported", 0))
        for pair_id, rows in counts.items()
    }


def _recent_flags(turn: Turn, pair_ids: list[int]) -> dict[int, list[str]]:
    """The nudges a rule escalated to the coordinator lately, per pair, in one query."""
    found: dict[int, set[str]] = {}
    for pair_id, nudge in turn.session.execute(
        select(NudgeSent.pair_id, NudgeSent.nudge).where(
            NudgeSent.pair_id.in_(pair_ids),
            NudgeSent.nudge.not_in(("manual", "midpoint_review")),
            # Only what a rule escalated to the coordinator: a level-1 nudge went to the pair
            # alone, and naming it here would tell the coordinator one person's check-in.
            NudgeSent.level >= 2,
            NudgeSent.sent_at >= turn.now - _RECENT,
        )
    ):
        found.setdefault(pair_id, set()).add(nudge)
    return {pair_id: sorted(nudges) for pair_id, nudges in found.items()}
