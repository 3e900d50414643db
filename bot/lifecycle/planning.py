"""Turning an agreed contract into planned sessions, in the mentor's own time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.lifecycle.transition import kind_of
from bot.programmes import Cadence, Kind, nth_session_date
from storage.models import Contract, MentoringSession, Pair, Person

SESSION_HOUR = 10  # local time of the mentor: inside almost anyone's working day


def zone(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def plan(turn, pair: Pair, contract: Contract) -> MentoringSession | None:  # type: ignore[no-untyped-def]
    """Plan every session the contract asks for; keep sessions already held or missed.

    On a renegotiated contract the sessions still ahead are planned again from the later of the
    contract's start date and a week from now.
    """
    sessions = list(
        turn.session.scalars(
            select(MentoringSession)
            .where(MentoringSession.pair_id == pair.id)
            .order_by(MentoringSession.number)
        )
    )
    for planned in [s for s in sessions if s.status == "planned" and s.checkin_sent_at is None]:
        turn.session.delete(planned)
    kept = [s for s in sessions if s.status != "planned" or s.checkin_sent_at is not None]
    turn.session.flush()
    # Replanning (after a pause or a new contract version) starts no earlier than next week,
    # even when no session was held yet: the contract's own start date may have passed.
    replanning = bool(sessions)
    start = (
        max(contract.start_date, (turn.now + timedelta(days=7)).date())
        if replanning
        else contract.start_date
    )
    cadence = Cadence(contract.cadence)
    tz = zone(pair.mentor)
    created: list[MentoringSession] = []
    for index in range(contract.sessions - len(kept)):
        number = len(kept) + index + 1
        day: date = on_a_weekday(nth_session_date(start, cadence, index))
        local = datetime.combine(day, time(SESSION_HOUR), tzinfo=tz)
        session = MentoringSession(
            pair_id=pair.id,
            number=number,
            planned_at=local.astimezone(turn.now.tzinfo),
            leader_id=leader_for(pair, contract, number),
            status="planned",
        )
        turn.session.add(session)
        created.append(session)
    turn.session.flush()
    return created[0] if created else None


def on_a_weekday(day: date) -> date:
    """Calendar months land on weekends; move those sessions to the Monday after."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def leader_for(pair: Pair, contract: Contract, number: int) -> int | None:
    """Who should set the agenda of session `number`."""
    kind = kind_of(pair)
    if kind is Kind.REVERSE:
        return pair.mentor_id
    if kind is Kind.RECIPROCAL:
        swap = contract.swap_after_session or contract.sessions // 2
        return pair.mentor_id if number <= swap else pair.mentee_id
    return None  # classic and sponsorship share the agenda


def describe_when(moment: datetime, person: Person) -> str:
    local = moment.astimezone(zone(person))
    return f"{local:%a %d %b %Y, %H:%M} ({person.timezone})"
