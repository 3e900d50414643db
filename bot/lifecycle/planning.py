"""Turning an agreed contract into planned sessions, in the mentor's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.lifecycle.transition import kind_of
from bot.programmes import AgendaOwner, Cadence, Kind, nth_session_date
from bot.turn import Turn
from storage.models import Contract, MentoringSession, Pair, Person

SESSION_HOUR = 10  # local time of the mentor: inside almost anyone's working day
REMIND_BEFORE = timedelta(days=1)
CHECKIN_AFTER = timedelta(hours=1)  # after the planned end of the session
EARLIEST_NOTICE = timedelta(hours=2)  # a session is never planned sooner than this


def zone(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def plan(turn: Turn, pair: Pair, contract: Contract) -> MentoringSession | None:
    """Plan every session the contract asks for; keep sessions already held or asked about.

    Replanning (after a pause or on a new contract version) starts no earlier than a week from
    now, even when no session was held yet, since the contract's own start date may have passed.
    Returns the first session planned.
    """
    existing = list(
        turn.session.scalars(
            select(MentoringSession)
            .where(MentoringSession.pair_id == pair.id)
            .order_by(MentoringSession.number)
        )
    )
    kept = [s for s in existing if s.status != "planned" or s.checkin_sent_at is not None]
    for session in existing:
        if session not in kept:
            turn.session.delete(session)
    turn.session.flush()
    start = contract.start_date
    if existing:
        start = max(start, (turn.now + timedelta(days=7)).date())
    tz = zone(pair.mentor)
    # A start date of today may already be past 10:00: begin on the next day that is not.
    while _at_session_hour(on_a_weekday(start), tz) <= turn.now + EARLIEST_NOTICE:
        start += timedelta(days=1)
    cadence = Cadence(contract.cadence)
    created: list[MentoringSession] = []
    for index in range(contract.sessions - len(kept)):
        number = len(kept) + index + 1
        planned_at = _at_session_hour(on_a_weekday(nth_session_date(start, cadence, index)), tz)
        session = MentoringSession(
            pair_id=pair.id,
            number=number,
            planned_at=planned_at,
            checkin_due_at=planned_at + timedelta(minutes=contract.length_minutes) + CHECKIN_AFTER,
            leader_id=leader_for(pair, contract, number),
            status="planned",
        )
        turn.session.add(session)
        created.append(session)
    turn.session.flush()
    return created[0] if created else None


def _at_session_hour(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(SESSION_HOUR), tzinfo=tz).astimezone(UTC)


def sessions_ahead(turn: Turn, pair: Pair) -> list[MentoringSession]:
    """Planned sessions still to come, soonest first (one that has happened but awaits its
    check-in is behind us, even though its status is still "planned")."""
    return list(
        turn.session.scalars(
            select(MentoringSession)
            .where(
                MentoringSession.pair_id == pair.id,
                MentoringSession.status == "planned",
                MentoringSession.planned_at > turn.now,
            )
            .order_by(MentoringSession.number)
        )
    )


def on_a_weekday(day: date) -> date:
    """Calendar months land on weekends; move those sessions to the Monday after."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def leader_for(pair: Pair, contract: Contract, number: int) -> int | None:
    """Who should set the agenda of session `number`, as the contract's ground rules say.

    None means the two share it, and nobody can "lose" the agenda. Alternating pairs swap at
    the agreed session (reciprocal) or every session.
    """
    owner = AgendaOwner(contract.agenda_owner)
    if owner is AgendaOwner.MENTOR:
        return pair.mentor_id
    if owner is AgendaOwner.MENTEE:
        return pair.mentee_id
    if owner is AgendaOwner.SHARED:
        return None
    if kind_of(pair) is Kind.RECIPROCAL:
        swap = contract.swap_after_session or contract.sessions // 2
        return pair.mentor_id if number <= swap else pair.mentee_id
    return pair.mentor_id if number % 2 else pair.mentee_id


def describe_when(moment: datetime, person: Person) -> str:
    local = moment.astimezone(zone(person))
    return f"{local:%a %d %b %Y, %H:%M} ({person.timezone})"
