"""Due work: what the periodic sweep finds, and what each kind of tick does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.events import Tick
from bot.lifecycle import contracting, planning, sessions, waiting, wrap_up
from bot.nudges import runner
from bot.stages import Stage
from bot.turn import Turn
from storage.models import MentoringSession, Pair

REMINDER, CHECKIN, UNREPORTED, WRAP_UP, NUDGES = (
    "reminder",
    "checkin",
    "unreported",
    "wrap_up",
    "nudges",
)
WAITING = "waiting"


def find(db: Session, now: datetime) -> list[Tick]:
    """Every tick due now, in the order they should be handled."""
    active = select(Pair.id).where(Pair.stage == Stage.ACTIVE.value)
    planned = select(MentoringSession).where(
        MentoringSession.pair_id.in_(active), MentoringSession.status == "planned"
    )
    ticks: list[Tick] = []
    for s in db.scalars(
        planned.where(
            MentoringSession.reminded_at.is_(None),
            MentoringSession.planned_at <= now + planning.REMIND_BEFORE,
        )
    ):
        if s.planned_at > now:  # a reminder after the session would be noise
            ticks.append(Tick(kind=REMINDER, pair_id=s.pair_id, session_id=s.id))
    for s in db.scalars(
        planned.where(
            MentoringSession.checkin_sent_at.is_(None), MentoringSession.checkin_due_at <= now
        )
    ):
        ticks.append(Tick(kind=CHECKIN, pair_id=s.pair_id, session_id=s.id))
    for s in db.scalars(
        planned.where(MentoringSession.checkin_sent_at <= now - sessions.UNREPORTED_AFTER)
    ):
        ticks.append(Tick(kind=UNREPORTED, pair_id=s.pair_id, session_id=s.id))
    for pair in db.scalars(select(Pair).where(Pair.stage == Stage.ACTIVE.value).order_by(Pair.id)):
        ticks.append(Tick(kind=NUDGES, pair_id=pair.id))
        if is_finished(db, now, pair):
            ticks.append(Tick(kind=WRAP_UP, pair_id=pair.id))
    early = [stage.value for stage in waiting.WAITING_STAGES]
    for pair_id in db.scalars(
        select(Pair.id)
        .where(Pair.stage.in_(early), Pair.stage_changed_at <= now - waiting.REMIND_AFTER)
        .order_by(Pair.id)
    ):
        ticks.append(Tick(kind=WAITING, pair_id=pair_id))
    return ticks


def session_moments(db: Session, now: datetime) -> list[datetime]:
    """When each planned session of an active pair next has work: its reminder, its check-in,
    or giving up on the check-in. A simulation can jump straight to these instead of sweeping
    every hour; the sweep itself never needs them."""
    active = select(Pair.id).where(Pair.stage == Stage.ACTIVE.value)
    moments: list[datetime] = []
    for s in db.scalars(
        select(MentoringSession).where(
            MentoringSession.pair_id.in_(active), MentoringSession.status == "planned"
        )
    ):
        if s.reminded_at is None and s.planned_at > now:
            moments.append(s.planned_at - planning.REMIND_BEFORE)
        if s.checkin_sent_at is None:
            moments.append(s.checkin_due_at)
        else:
            moments.append(s.checkin_sent_at + sessions.UNREPORTED_AFTER)
    return moments


def is_finished(db: Session, now: datetime, pair: Pair) -> bool:
    """No session is left to hold: all are behind us, or the end date has passed with none
    still ahead (a pause may have moved sessions past the original end date; they still run)."""
    contract = contracting.agreed_in(db, pair)
    if contract is None:
        return False
    ahead = select(MentoringSession.id).where(
        MentoringSession.pair_id == pair.id, MentoringSession.status == "planned"
    )
    if db.scalar(ahead) is None:
        return True
    return (
        now.date() > contract.end_date
        and db.scalar(ahead.where(MentoringSession.planned_at > now)) is None
    )


def handle(turn: Turn, tick: Tick) -> bool:
    """Do one tick's work; False when it is no longer due (another worker did it first)."""
    pair = turn.session.get(Pair, tick.pair_id)
    if pair is not None and tick.kind == WAITING:
        return waiting.remind(turn, pair)
    if pair is None or Stage(pair.stage) is not Stage.ACTIVE:
        return False
    session = turn.session.get(MentoringSession, tick.session_id) if tick.session_id else None
    if tick.kind == REMINDER and session is not None and session.reminded_at is None:
        sessions.remind(turn, pair, session)
    elif (
        tick.kind == CHECKIN
        and session is not None
        and session.checkin_sent_at is None
        and session.checkin_due_at <= turn.now
    ):
        sessions.ask_checkin(turn, pair, session)
    elif tick.kind == UNREPORTED and session is not None and session.status == "planned":
        sessions.mark_unreported(turn, session)
    elif tick.kind == NUDGES:
        return bool(runner.run_for(turn, pair))
    elif tick.kind == WRAP_UP and is_finished(turn.session, turn.now, pair):
        wrap_up.start(turn, pair)
    else:
        return False
    return True
