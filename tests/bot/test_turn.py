"""The outbox writer through the real engine: what the scheduler queues waits for each
recipient's working hours, and what answers a person goes at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flow import Flow
from scenario import (
    accept_intros,
    active,
    agree_contract,
    enrol,
    go_ahead,
    ok,
    pair_of,
    person,
    programme,
    read_all,
    rows,
)

from bot import hours
from bot.delivery import Delivery
from storage.db import Database
from storage.models import MentoringSession, OutboxMessage

LOS_ANGELES, NEW_YORK = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
TUESDAY = "2027-01-12"  # a first session whose day before is a working day


@dataclass
class TimedSender:
    """Records each delivery with the simulated moment it went out."""

    flow: Flow
    sent: list[tuple[datetime, Delivery]] = field(default_factory=list)

    def send(self, delivery: Delivery) -> None:
        self.sent.append((self.flow.clock.now(), delivery))
        self.flow.sender.send(delivery)

    def to(self, who: str) -> list[tuple[datetime, str]]:
        return [
            (at, d.reply.text) for at, d in self.sent if any(r.user_id == who for r in d.recipients)
        ]


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)  # Monday 2027-01-04 08:00 UTC


@pytest.fixture
def timed(f: Flow) -> TimedSender:
    sender = TimedSender(f)
    f.deliver = lambda: _deliver(f, sender)  # type: ignore[method-assign]
    return sender


def _deliver(f: Flow, sender: TimedSender) -> int:
    from bot.delivery import deliver_pending

    return deliver_pending(db=f.db, clock=f.clock, sender=sender)


def pair_across_zones(f: Flow, *, mentee_extra: str, length: str = "60", **contract: str) -> int:
    """maya (UTC, 09-17) mentors sam, enrolled with `mentee_extra`; the contract agreed."""
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "sam", role="mentee", level=8, extra=mentee_extra)
    ok(f.command("hana", 'pair maya sam --programme "Reverse 2027" --reason "data"'))
    pair_id = pair_of(f.db, "maya", "sam").id
    accept_intros(f, pair_id, ("maya", "sam"))
    go_ahead(f, pair_id, ("maya", "sam"))
    agree_contract(f, pair_id, "maya", "sam", length_minutes=length, **contract)
    return pair_id


def first_session(f: Flow, pair_id: int) -> MentoringSession:
    return rows(f.db, MentoringSession, pair_id=pair_id)[0]


# -- the scheduler waits ----------------------------------------------------------------------


def test_los_angeles_no_longer_gets_a_reminder_at_two_in_the_morning(
    f: Flow, timed: TimedSender
) -> None:
    # Sam starts on a night shift (01:00-10:00 in Los Angeles), so 10:00 UTC suits both...
    pair_id = pair_across_zones(
        f, mentee_extra="--tz America/Los_Angeles --hours 1-10", start_date=TUESDAY
    )
    session = first_session(f, pair_id)
    assert session.planned_at.astimezone(LOS_ANGELES).hour == 2
    # ...then moves to days. The reminder falls due at 02:00 their time and waits until 09:00.
    ok(f.command("sam", "hours 9-17"))
    read_all(f, "maya", "sam")
    f.clock.set(session.planned_at - DAY - 3 * HOUR)
    f.advance(hours=12)
    [(maya_at, _)] = [(at, t) for at, t in timed.to("maya") if "session 1 of" in t]
    [(sam_at, _)] = [(at, t) for at, t in timed.to("sam") if "session 1 of" in t]
    assert maya_at == session.planned_at - DAY  # 10:00 UTC, inside Maya's day
    assert sam_at.astimezone(LOS_ANGELES).hour == 9  # not 02:00
    assert sam_at < session.planned_at


def test_everything_the_scheduler_sends_arrives_inside_each_person_s_hours(
    f: Flow, timed: TimedSender
) -> None:
    # New York 08-16 (13-21 UTC) and UTC 09-17 share 13-17 UTC; weekly sessions for a month.
    pair_id = pair_across_zones(f, mentee_extra="--tz America/New_York --hours 8-16")
    started = f.clock.now()
    f.advance(days=35)
    maya = hours.of(person(f.db, "maya"))
    sam = hours.of(person(f.db, "sam"))
    scheduled = [(at, d) for at, d in timed.sent if at > started]
    kinds = {"session 1 of", "How did session 1"}
    assert any(k in d.reply.text for _, d in scheduled for k in kinds)
    for at, delivery in scheduled:
        who = {r.user_id for r in delivery.recipients}
        people = [h for name, h in (("maya", maya), ("sam", sam)) if name in who]
        assert hours.is_working(people, at), (at, who, delivery.reply.text[:60])
    assert rows(f.db, MentoringSession, pair_id=pair_id, status="planned") != []


def test_a_check_in_due_after_hours_waits_for_the_morning(f: Flow, timed: TimedSender) -> None:
    # A two-hour session from 15:00 UTC: the check-in falls due at 18:00 UTC, after Maya's day
    # (she gets it at 09:00 the next morning) but at 13:00 for Sam in New York (at once).
    pair_id = pair_across_zones(f, mentee_extra="--tz America/New_York", length="120")
    session = first_session(f, pair_id)
    assert session.planned_at.hour == 15
    f.clock.set(session.planned_at)
    f.advance(hours=4)
    # Maya's copy is stored with its hold and not delivered yet.
    [held] = [m for m in rows(f.db, OutboxMessage) if m.not_before is not None]
    next_morning = datetime.combine(session.planned_at.date() + DAY, datetime.min.time(), UTC)
    assert held.person_id == person(f.db, "maya").id and held.delivered_at is None
    assert held.not_before == next_morning + 9 * HOUR
    f.advance(days=1)
    [(maya_at, _)] = [(at, t) for at, t in timed.to("maya") if "session 1" in t and "How" in t]
    [(sam_at, _)] = [(at, t) for at, t in timed.to("sam") if "session 1" in t and "How" in t]
    assert sam_at == session.checkin_due_at
    assert maya_at == next_morning + 9 * HOUR


def test_a_reminder_held_past_its_session_is_not_sent(f: Flow, timed: TimedSender) -> None:
    pair_id = pair_across_zones(f, mentee_extra="")
    session = first_session(f, pair_id)
    # Sam is away until after the session: a reminder that could only come afterwards is noise.
    back = (session.planned_at + DAY).date().isoformat()
    ok(f.command("sam", f"away until {back}"))
    read_all(f, "maya", "sam")
    f.clock.set(session.planned_at - DAY - HOUR)
    f.advance(days=3)
    assert [t for _, t in timed.to("maya") if "session 1 of" in t]
    assert not [t for _, t in timed.to("sam") if "session 1 of" in t]


def test_an_away_person_s_check_in_waits_until_they_are_back(f: Flow, timed: TimedSender) -> None:
    pair_id = pair_across_zones(f, mentee_extra="")
    session = first_session(f, pair_id)
    back = (session.planned_at + 7 * DAY).date()
    ok(f.command("sam", f"away until {back.isoformat()}"))
    f.clock.set(session.planned_at)
    f.advance(days=9)
    [(sam_at, _)] = [(at, t) for at, t in timed.to("sam") if "How" in t and "session 1" in t]
    assert sam_at.date() >= back and sam_at.hour == 9


def test_a_waiting_reminder_due_at_night_goes_in_the_morning(f: Flow, timed: TimedSender) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "sam", role="mentee", level=8, extra="--tz America/Los_Angeles --hours 6-14")
    f.clock.advance(9 * HOUR)  # 17:00 UTC: pairs now at 09:00 in Los Angeles
    ok(f.command("hana", 'pair maya sam --programme "Reverse 2027" --reason "data"'))
    read_all(f, "maya", "sam")
    f.advance(days=8)
    reminders = [at for at, t in timed.to("sam") if "Maya" in t and at > f.clock.now() - 8 * DAY]
    assert reminders, timed.to("sam")
    for at in reminders:
        local = at.astimezone(LOS_ANGELES)
        assert 6 <= local.hour < 14 and local.weekday() < 5


# -- answers go at once -----------------------------------------------------------------------


def test_an_answer_and_what_it_tells_others_go_at_once_whatever_the_hour(
    f: Flow, timed: TimedSender
) -> None:
    pair_id = active(f)
    read_all(f, "maya", "sam")
    saturday_night = datetime(2027, 1, 16, 23, 30, tzinfo=UTC)
    f.clock.set(saturday_night)
    ok(f.command("hana", f"nudge {pair_id} Great start, keep going"))
    assert [at for at, t in timed.to("sam") if "keep going" in t] == [saturday_night]
    ok(f.command("sam", "pause"))
    assert [at for at, t in timed.to("maya") if "paused" in t] == [saturday_night]
