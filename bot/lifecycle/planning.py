"""Turning an agreed contract into planned sessions, inside both people's working hours.

The contract's cadence gives each session's day on the mentor's calendar; the time is 10:00
for the mentor when both are working then and the session fits, else the moment nearest to it
that lies inside both people's hours (bot.hours), moving on a day when the day has none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot import hours
from bot.content import Content
from bot.lifecycle.transition import kind_of
from bot.programmes import AgendaOwner, Cadence, Kind, nth_session_date
from bot.turn import Turn
from storage.models import Contract, MentoringSession, Pair, Person

SESSION_HOUR = 10  # the mentor's local time a session aims for
REMIND_BEFORE = timedelta(days=1)
CHECKIN_AFTER = timedelta(hours=1)  # after the planned end of the session
EARLIEST_NOTICE = timedelta(hours=2)  # a session is never planned sooner than this
# How many days past its cadence date a session may move to find time both people work.
SEARCH_DAYS = 14
# When 10:00 for the mentor is before the shared hours begin, not in their very first hour
# either (when the overlap allows): a reminder held over a weekend until the start of the
# working day then still comes before the session.
SETTLE = timedelta(hours=1)


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
    people = [hours.of(pair.mentor), hours.of(pair.mentee)]
    length = timedelta(minutes=contract.length_minutes)
    # A start date of today may already be past the session time: begin on the first day that
    # still has one.
    start, _ = time_for(people, start, tz, length, after=turn.now + EARLIEST_NOTICE)
    cadence = Cadence(contract.cadence)
    created: list[MentoringSession] = []
    after = turn.now + EARLIEST_NOTICE
    for index in range(contract.sessions - len(kept)):
        number = len(kept) + index + 1
        day, planned_at = time_for(
            people, nth_session_date(start, cadence, index), tz, length, after=after
        )
        # Never two sessions on one day, even when an absence pushed several past it.
        after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
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


def time_for(
    people: list[hours.Hours], day: date, tz: ZoneInfo, length: timedelta, *, after: datetime
) -> tuple[date, datetime]:
    """The first day from `day` (on the calendar of zone `tz`) with a session time later than
    `after` inside everyone's hours, and that time; see `time_on`.

    A pair that shares no hours at all within SEARCH_DAYS (refused at pairing, but hours change
    later) keeps the old rule: 10:00 in `tz` on the first weekday that is late enough.
    """
    for offset in range(SEARCH_DAYS + 1):
        candidate = day + timedelta(days=offset)
        moment = time_on(people, candidate, tz, length, after=after)
        if moment is not None:
            return candidate, moment
    while _at_session_hour(on_a_weekday(day), tz) <= after:
        day += timedelta(days=1)
    return on_a_weekday(day), _at_session_hour(on_a_weekday(day), tz)


def time_on(
    people: list[hours.Hours], day: date, tz: ZoneInfo, length: timedelta, *, after: datetime
) -> datetime | None:
    """Pure: when on local `day` a session of `length` fits inside everyone's working hours,
    as near as can be to SESSION_HOUR in `tz` (moved later, then not into the first SETTLE of
    the shared hours when it can help it), and later than `after`; None if it fits nowhere."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    day_start = midnight.astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    preferred = _at_session_hour(day, tz)
    best: datetime | None = None
    for start, end in hours.shared_windows(people, day_start, day_end):
        if end - start < length:
            continue
        if preferred < start:
            moment = start + SETTLE if end - start >= length + SETTLE else start
        else:
            moment = min(preferred, end - length)
        if moment <= after:
            continue
        if best is None or abs(moment - preferred) < abs(best - preferred):
            best = moment
    return best


def reminder_due(people: list[hours.Hours], planned_at: datetime) -> datetime:
    """When a session's reminder should be due: REMIND_BEFORE ahead of it, moved back a day at
    a time (up to a week) while that moment is outside someone's working days, so a Monday
    session is announced on Friday rather than held from Sunday until Monday morning. For the
    scheduler's due moment (bot.due); the delivery hold still applies to what it queues."""
    due = planned_at - REMIND_BEFORE
    for back in range(7):
        moment = due - timedelta(days=back)
        if hours.is_working(people, moment):
            return moment
    return due


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


def describe_when(moment: datetime, person: Person, content: Content) -> str:
    """The moment in the person's zone, written in `content`'s language (the reader's, so the
    turn's): "Mon 04 Jan 2027, 10:00 (Europe/London)"."""
    return content.when(moment, zone(person).key)


def describe_when_for_pair(moment: datetime, pair: Pair, content: Content) -> str:
    """For a message both read: the time in each one's zone when their zones differ."""
    mentor = describe_when(moment, pair.mentor, content)
    if zone(pair.mentor).key == zone(pair.mentee).key:
        return mentor
    mentee = describe_when(moment, pair.mentee, content)
    return content.text("lifecycle.planning.both_zones", mentor_when=mentor, mentee_when=mentee)
