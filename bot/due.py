"""Due work: when each pair next has something for the scheduler, and doing what is due.

One rule decides both: `moments` lists every piece of pending work of one pair with the moment
it falls due. Its minimum is the pair's `due_at` (kept in step with every write by
bot/due_at.py), and the sweep does the items whose moment has come (`run`). The rule:

- active pairs: the reminder of each session still ahead, the check-in after each session,
  giving up on an unanswered check-in, the wrap-up once no session is left, and the moments a
  time-driven nudge can fire (running out of steam's thresholds, cool-downs ending);
- pairs waiting for someone's answer: the reminder and the coordinators' alert;
- everything else (paused, closed, dissolved): nothing until someone acts.

Nudge rules that read only what was written run when it is written (after a check-in, after
the sweep marks a session unreported), never on a clock. The rows the rule reads, for many pairs
at once, are read by bot/due_rows.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot import hours
from bot.lifecycle import planning, sessions, waiting, wrap_up
from bot.nudges import RULES, runner, running_out_of_steam
from bot.programmes import Cadence, typical_gap
from bot.stages import Stage
from bot.turn import Turn
from storage.models import ActionItem, Contract, MentoringSession, Pair

REMINDER, CHECKIN, UNREPORTED, WRAP_UP, NUDGES = (
    "reminder",
    "checkin",
    "unreported",
    "wrap_up",
    "nudges",
)
WAITING = "waiting"
# A threshold is crossed just after its moment ("quiet > gap + grace"): wake a second later.
JUST_AFTER = timedelta(seconds=1)
COOLDOWNS = {rule.key: rule.cooldown for rule in RULES}


@dataclass(frozen=True, kw_only=True)
class Item:
    """One piece of pending work of a pair, due at `at`."""

    kind: str
    at: datetime
    session_id: int | None = None


@dataclass(kw_only=True)
class Schedule:
    """What a pair's due moments are computed from: a few rows, read in a fixed number of
    queries for any number of pairs (`schedules`)."""

    pair: Pair
    sessions: list[MentoringSession] = field(default_factory=list)  # by number
    contract: Contract | None = None  # the newest agreed version
    sent: list[tuple[str, int, int, datetime]] = field(default_factory=list)


# -- the rule -------------------------------------------------------------------------------


def moments(
    schedule: Schedule,
    now: datetime,
    *,
    nudges_now: bool = False,
    wakes_after: datetime | None = None,
) -> list[Item]:
    """Every piece of pending work of the pair, each with its moment (some may be past).

    Pure. A nudge wake counts only after `wakes_after` (default: now): once its moment has
    passed, the sweep that came for it has checked the nudges, so it is no longer pending.
    The sweep passes the due_at it came for, so the wake it came for (and any passed since,
    after downtime) is still due then. `nudges_now`: something the nudges read was just
    written outside a check-in (a new contract, a resumed pair): check them at the next sweep.
    """
    stage = Stage(schedule.pair.stage)
    if stage in waiting.WAITING_STAGES:
        return _waiting(schedule)
    if stage is not Stage.ACTIVE:
        return []
    items: list[Item] = []
    people: tuple[hours.Hours, ...] | None = None
    for s in schedule.sessions:
        if s.status != "planned":
            continue
        # A reminder for a session already begun would be noise: it is simply not due.
        if s.reminded_at is None and s.planned_at > now:
            if people is None:
                people = hours_of(schedule.pair)
            # On the last working moment of both before it: a Monday session on Friday, not
            # held from Sunday until the session has begun.
            at = _reminder_due(people, s.planned_at)
            items.append(Item(kind=REMINDER, at=at, session_id=s.id))
        if s.checkin_sent_at is None:
            items.append(Item(kind=CHECKIN, at=s.checkin_due_at, session_id=s.id))
        else:
            items.append(
                Item(
                    kind=UNREPORTED,
                    at=s.checkin_sent_at + sessions.UNREPORTED_AFTER,
                    session_id=s.id,
                )
            )
    finished = finished_at(schedule)
    if finished is not None:
        items.append(Item(kind=WRAP_UP, at=finished))
    after = now if wakes_after is None else wakes_after
    wakes = [at for at in _nudge_wakes(schedule) if at > after]
    # Every rule reads sessions behind us: before the first one there is nothing to look at.
    if nudges_now and any(s.status != "planned" for s in schedule.sessions):
        wakes.append(now)
    if wakes:
        items.append(Item(kind=NUDGES, at=min(wakes)))
    return items


def hours_of(pair: Pair) -> tuple[hours.Hours, ...]:
    """Both people's working hours (the rows are loaded with the pair: `schedules`, `lock_due`)."""
    return (hours.of(pair.mentor), hours.of(pair.mentee))


@lru_cache(maxsize=4096)
def _reminder_due(people: tuple[hours.Hours, ...], planned_at: datetime) -> datetime:
    """planning.reminder_due, remembered: the sweep and every write ask it again and again
    about the same sessions of people with the same hours."""
    return planning.reminder_due(list(people), planned_at)


def next_due(schedule: Schedule, now: datetime, *, nudges_now: bool = False) -> datetime | None:
    """The pair's due_at: its earliest pending moment, or None when nothing is pending."""
    return min((i.at for i in moments(schedule, now, nudges_now=nudges_now)), default=None)


def finished_at(schedule: Schedule) -> datetime | None:
    """When no session is left to hold: all are behind us, or the end date has passed with
    none still ahead (a pause may have moved sessions past the original end date; they run)."""
    contract = schedule.contract
    if contract is None:
        return None
    planned = [s.planned_at for s in schedule.sessions if s.status == "planned"]
    if not planned:
        return schedule.pair.stage_changed_at  # nothing left at all: at once
    day_after_end = datetime.combine(contract.end_date + timedelta(days=1), time(), tzinfo=UTC)
    return max(day_after_end, max(planned))


def _waiting(schedule: Schedule) -> list[Item]:
    """The reminder and the alert of this visit to a waiting stage, if not sent yet."""
    since = schedule.pair.stage_changed_at
    about = since.toordinal()
    sent = {level for nudge, level, a, _ in schedule.sent if nudge == waiting.KEY and a == about}
    items = []
    if 1 not in sent:
        items.append(Item(kind=WAITING, at=since + waiting.REMIND_AFTER))
    if 2 not in sent:
        items.append(Item(kind=WAITING, at=since + waiting.ALERT_AFTER))
    return items


def _nudge_wakes(schedule: Schedule) -> Iterable[datetime]:
    """Moments a nudge may fire with nothing written: thresholds of time, cool-downs ending."""
    for nudge, _level, _about, at in schedule.sent:
        if nudge in COOLDOWNS:
            yield at + COOLDOWNS[nudge]
    yield from _steam_thresholds(schedule)


def _steam_thresholds(schedule: Schedule) -> Iterable[datetime]:
    """Running out of steam: quiet for the cadence plus grace (the pair), then the pair's answer
    window after their own nudge (the coordinator); only once a session is known not to have
    happened. Mirrors bot/nudges/running_out_of_steam.py's `check`."""
    by_number = sorted(schedule.sessions, key=lambda s: s.number)
    if not by_number:
        return
    gap = typical_gap(Cadence(schedule.contract.cadence if schedule.contract else "monthly"))
    held = [s for s in by_number if s.status == "held"]
    anchor = held[-1].planned_at if held else by_number[0].planned_at - gap
    about = held[-1].number if held else 0
    if not any(s.number > about and s.status in ("missed", "unreported") for s in by_number):
        return
    yield anchor + gap + running_out_of_steam.GRACE + JUST_AFTER
    told = [
        at
        for nudge, level, a, at in schedule.sent
        if nudge == running_out_of_steam.RULE.key and level == 1 and a == about
    ]
    if told:
        yield max(told) + running_out_of_steam.answer_window(gap)


# -- doing what is due ----------------------------------------------------------------------


def run(
    turn: Turn,
    pair: Pair,
    schedule: Schedule,
    *,
    actions: list[ActionItem] | None = None,
) -> int:
    """Do everything of this pair that is due now; return how many items were done.

    Coalesced, so a worker back after days away sends each pair at most one message per kind
    of work: one reminder (for the session still ahead; none for a session already past), one
    check-in (for the latest session; older ones never asked are given up as unreported), and
    one run of the nudges, each of which fires at most once for the same evidence.
    `schedule`: the pair's rows, read with its chunk (bot.due_rows.schedules). `actions`: the
    pair's open action items, when the caller read them already (bot.due_rows.open_actions).
    """
    # The wakes from the due_at this sweep came for on are due (a second early covers rounding).
    came_for = pair.due_at - JUST_AFTER if pair.due_at is not None else turn.now
    due = [i for i in moments(schedule, turn.now, wakes_after=came_for) if i.at <= turn.now]
    if not due:
        return 0
    kinds = {i.kind for i in due}
    by_id = {s.id: s for s in schedule.sessions}
    done = 0
    if WAITING in kinds:
        # The alert and the reminder are two messages to different people: both, once each.
        for _ in range(2):
            if not waiting.remind(turn, pair):
                break
            done += 1
        return done
    reminders = [by_id[i.session_id] for i in due if i.kind == REMINDER and i.session_id]
    if reminders:
        total = schedule.contract.sessions if schedule.contract is not None else 0
        sessions.remind(
            turn,
            pair,
            min(reminders, key=lambda s: s.planned_at),
            total=total,
            open_actions=actions,
        )
        done += 1
    checkins = sorted(
        (by_id[i.session_id] for i in due if i.kind == CHECKIN and i.session_id),
        key=lambda s: s.number,
    )
    for older in checkins[:-1]:
        sessions.mark_unreported(turn, older)  # nobody asked in time: too late to ask now
    if checkins:
        sessions.ask_checkin(turn, pair, checkins[-1])
        done += 1
    for i in due:
        if i.kind == UNREPORTED and i.session_id:
            sessions.mark_unreported(turn, by_id[i.session_id])
            done += 1
    # The nudges read session outcomes: check them when one changed, or when a wake came. A
    # session given up unasked after downtime is not news about the pair, so it waits.
    if NUDGES in kinds or UNREPORTED in kinds:
        turn.session.flush()
        done += len(runner.run_for(turn, pair))
    if WRAP_UP in kinds:
        wrap_up.start(turn, pair)
        done += 1
    return done


def session_moments(db: Session, now: datetime) -> list[datetime]:
    """When each planned session of an active pair next has work: its reminder, its check-in,
    or giving up on the check-in. The demo jumps straight to these instead of sweeping every
    hour; the sweep itself reads `pairs.due_at`."""
    active_ids = select(Pair.id).where(Pair.stage == Stage.ACTIVE.value)
    active = db.scalars(
        select(Pair)
        .where(Pair.stage == Stage.ACTIVE.value)
        .options(joinedload(Pair.mentor), joinedload(Pair.mentee))
    )
    people = {pair.id: hours_of(pair) for pair in active}
    found: list[datetime] = []
    for s in db.scalars(
        select(MentoringSession).where(
            MentoringSession.pair_id.in_(active_ids), MentoringSession.status == "planned"
        )
    ):
        if s.reminded_at is None and s.planned_at > now:
            found.append(_reminder_due(people[s.pair_id], s.planned_at))
        if s.checkin_sent_at is None:
            found.append(s.checkin_due_at)
        else:
            found.append(s.checkin_sent_at + sessions.UNREPORTED_AFTER)
    return found
