"""Pairs at risk (the Home tab and `status <programme>`): the warning signs behind each live
pair, in words, and the coordinator's buttons to act on them. Apart from bot.reporting because
the Home tab and the coordinator's check-in read them too, not only a programme's status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.sql.expression import ScalarSelect

from bot import wire
from bot.identity import name_of
from bot.lifecycle import chemistry, planning
from bot.programme_stages import stage_name
from bot.replies import Button
from bot.stages import MIDDLE, TERMINAL, Stage
from bot.text import Text
from bot.turn import Turn
from storage.models import Answer, MentoringSession, NudgeSent, Pair, Person, Programme

STALLED_AFTER = timedelta(days=21)
NUDGE_WINDOW = timedelta(days=45)
ESCALATED = 2  # the nudge level at which a rule speaks to the coordinator
# Active pairs stay in their stage for months by design; their stall shows as missed sessions
# and escalated nudges instead, so only the stages a pair should pass through are timed.
TIMED_STAGES = (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.WRAP_UP, Stage.PAUSED)
NUDGE_WORDS = ("mentor_leading", "steam", "waiting")

# The coordinator's buttons on a pair at risk, run by bot.routes: nudge, pause or resume, end
# and rematch, the same steps as the commands, by the very functions behind them.
NUDGE = "coordinator.nudge"
PAUSE = "coordinator.pause"
RESUME = "coordinator.resume"
END = "coordinator.end"
REMATCH = "coordinator.rematch"
# A coordinator's check-in (the Nudge button) is stored as a nudge of its own, and a pair hears
# from a coordinator at most once in NUDGE_AGAIN_AFTER, by button or by a typed `nudge` note.
CHECK_IN = "coordinator_check_in"
COORDINATOR_NUDGES = (CHECK_IN, "manual")
NUDGE_AGAIN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Signal:
    """One warning sign: `key` says which (`stalled`, `missed`, `unreported`, `nudge.steam`,
    `nudge.mentor_leading`, `nudge.waiting`, `nudge.other`, `talk`), `text` says it in words."""

    key: str
    text: Text
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class AtRisk:
    pair: Pair
    signals: list[Signal] = field(default_factory=list)
    checked_in_at: datetime | None = None  # the latest coordinator nudge, inside the window


def worst_first(risk: AtRisk) -> tuple[int, int]:
    return (-len(risk.signals), risk.pair.id)


def at_risk_heading(turn: Turn, count: int) -> Text:
    if count == 1:
        return turn.text("home.coordinator.one_at_risk")
    return turn.text("home.coordinator.at_risk_heading", count=count)


def at_risk_lines(turn: Turn, risk: AtRisk) -> list[str]:
    """The pair, then each signal in words, then when a coordinator last checked in."""
    pair = risk.pair
    lines: list[str] = [
        turn.text(
            "home.coordinator.pair",
            pair_id=pair.id,
            mentor=name_of(pair.mentor),
            mentee=name_of(pair.mentee),
            stage=stage_name(turn, pair.stage),
        )
    ]
    lines += [Text.engine("- ") + signal.text for signal in risk.signals]
    if risk.checked_in_at is not None:
        lines.append(
            turn.text(
                "coordinator_actions.nudge.checked_in",
                on=turn.content.day_month(risk.checked_in_at.date()),
                again=turn.content.day_month((risk.checked_in_at + NUDGE_AGAIN_AFTER).date()),
            )
        )
    return lines


def pair_buttons(turn: Turn, risk: AtRisk) -> tuple[Button, ...]:
    """Only the steps the coordinator's commands would accept for the pair's stage now."""
    pair = risk.pair
    stage = Stage(pair.stage)
    buttons: list[Button] = []
    if stage not in TERMINAL and risk.checked_in_at is None:
        buttons.append(_button(turn, "coordinator_actions.buttons.nudge", NUDGE, pair))
    if stage in MIDDLE:
        buttons.append(_button(turn, "home.buttons.pause", PAUSE, pair))
    if stage is Stage.PAUSED:
        buttons.append(_button(turn, "home.buttons.resume", RESUME, pair))
    if stage not in TERMINAL:
        buttons.append(_button(turn, "home.buttons.end", END, pair))
    if stage in (*MIDDLE, Stage.PAUSED):
        buttons.append(_button(turn, "coordinator_actions.buttons.rematch", REMATCH, pair))
    return tuple(buttons)


def _button(turn: Turn, key: str, action: str, pair: Pair) -> Button:
    return wire.button(turn.text(key, pair_id=pair.id), action, pair.id)


def at_risk(
    turn: Turn, viewer: Person, *, programme_id: int | None = None, pair_id: int | None = None
) -> list[AtRisk]:
    """Every live pair of the tenant (or of one programme, or one pair) with at least one
    warning sign: four queries in all, however many pairs."""
    mentor, mentee = aliased(Person), aliased(Person)
    scope = [
        Programme.tenant_id == turn.tenant.id,
        Pair.stage.not_in([s.value for s in TERMINAL]),
    ]
    if programme_id is not None:
        scope.append(Pair.programme_id == programme_id)
    if pair_id is not None:
        scope.append(Pair.id == pair_id)
    live = (
        select(Pair)
        .join(Pair.programme)
        .join(mentor, Pair.mentor)
        .join(mentee, Pair.mentee)
        .options(
            contains_eager(Pair.programme),
            contains_eager(Pair.mentor.of_type(mentor)),
            contains_eager(Pair.mentee.of_type(mentee)),
        )
        .where(*scope)
        .order_by(Pair.id)
    )
    pairs = {pair.id: pair for pair in turn.session.scalars(live).unique()}
    if not pairs:
        return []
    live_ids = (
        select(Pair.id)
        .join(Programme, Pair.programme_id == Programme.id)
        .where(*scope)
        .scalar_subquery()
    )
    signals: dict[int, list[Signal]] = defaultdict(list)
    for pair in pairs.values():
        waited = turn.now - pair.stage_changed_at
        if Stage(pair.stage) in TIMED_STAGES and waited > STALLED_AFTER:
            params: dict[str, Any] = {"stage": stage_name(turn, pair.stage), "days": waited.days}
            text = turn.text("home.signals.stalled", **params)
            signals[pair.id].append(Signal("stalled", text, params))
    _session_signals(turn, live_ids, signals)
    checked_in = _nudge_signals(turn, viewer, live_ids, signals)
    _talk_signals(turn, viewer, live_ids, pairs, signals)
    return [
        AtRisk(pair=pairs[pid], signals=found, checked_in_at=checked_in.get(pid))
        for pid, found in signals.items()
        if found
    ]


def last_checked_in(turn: Turn, pair: Pair) -> datetime | None:
    """When a coordinator last nudged the pair, if inside NUDGE_AGAIN_AFTER."""
    moment = turn.session.scalar(
        select(func.max(NudgeSent.sent_at)).where(
            NudgeSent.pair_id == pair.id,
            NudgeSent.nudge.in_(COORDINATOR_NUDGES),
            NudgeSent.sent_at > turn.now - NUDGE_AGAIN_AFTER,
        )
    )
    return None if moment is None else _as_utc(moment)


def _session_signals(
    turn: Turn, live_ids: ScalarSelect[int], signals: dict[int, list[Signal]]
) -> None:
    """The latest session the pair has an outcome for did not happen, or nobody said."""
    latest: dict[int, tuple[int, str]] = {}
    for pair_id, number, status in turn.session.execute(
        select(MentoringSession.pair_id, MentoringSession.number, MentoringSession.status).where(
            MentoringSession.pair_id.in_(live_ids),
            MentoringSession.status != "planned",
        )
    ):
        if pair_id not in latest or number > latest[pair_id][0]:
            latest[pair_id] = (number, status)
    for pair_id, (number, status) in sorted(latest.items()):
        if status in ("missed", "unreported"):
            text = turn.text(f"home.signals.{status}", number=number)
            signals[pair_id].append(Signal(status, text, {"number": number}))


def _nudge_signals(
    turn: Turn, viewer: Person, live_ids: ScalarSelect[int], signals: dict[int, list[Signal]]
) -> dict[int, datetime]:
    """Nudges a rule escalated to the coordinator recently, newest of each kind per pair; and,
    from the same query, when a coordinator last nudged each pair (returned)."""
    checked_in: dict[int, datetime] = {}
    for pair_id, nudge, level, sent_at in turn.session.execute(
        select(
            NudgeSent.pair_id,
            NudgeSent.nudge,
            func.max(NudgeSent.level),
            func.max(NudgeSent.sent_at),
        )
        .where(
            NudgeSent.pair_id.in_(live_ids),
            NudgeSent.nudge != "midpoint_review",  # a milestone, not a warning sign
            (NudgeSent.level >= ESCALATED) | NudgeSent.nudge.in_(COORDINATOR_NUDGES),
            NudgeSent.sent_at >= turn.now - NUDGE_WINDOW,
        )
        .group_by(NudgeSent.pair_id, NudgeSent.nudge)
        .order_by(NudgeSent.pair_id, NudgeSent.nudge)
    ):
        moment = _as_utc(sent_at)
        if nudge in COORDINATOR_NUDGES:
            if moment > turn.now - NUDGE_AGAIN_AFTER:
                checked_in[pair_id] = max(moment, checked_in.get(pair_id, moment))
            continue
        if level < ESCALATED:
            continue
        key = nudge if nudge in NUDGE_WORDS else "other"
        on = turn.content.day_month(moment.astimezone(planning.zone(viewer)).date())
        text = turn.text(f"home.signals.nudge.{key}", on=on)
        signals[pair_id].append(Signal(f"nudge.{key}", text, {"on": on}))
    return checked_in


def _talk_signals(
    turn: Turn,
    viewer: Person,
    live_ids: ScalarSelect[int],
    pairs: dict[int, Pair],
    signals: dict[int, list[Signal]],
) -> None:
    """A chemistry "talk to the coordinator" answer, meant for the coordinators to act on.

    A coordinator who is in the pair themselves is not shown their partner's answer.
    """
    for pair_id, person_id in turn.session.execute(
        select(Answer.pair_id, Answer.person_id)
        .where(
            Answer.pair_id.in_(live_ids),
            Answer.gate == "chemistry",
            Answer.answer == chemistry.TALK,
        )
        .order_by(Answer.pair_id, Answer.person_id)
    ):
        pair = pairs.get(pair_id)
        if pair is None or viewer.id in (pair.mentor_id, pair.mentee_id):
            continue
        who = pair.mentor if person_id == pair.mentor_id else pair.mentee
        text = turn.text("home.signals.talk", person=name_of(who))
        signals[pair_id].append(Signal("talk", text))


def _as_utc(moment: datetime) -> datetime:
    # max() keeps the column's type, but a driver may still hand back a naive UTC value.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
