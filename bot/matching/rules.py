"""The pair-level rules of matching: the hard constraints one mentor-mentee pair must pass, its
compatibility score and the one-line reason for proposing it.

Apart from the whole-cohort path (bot.matching.grid, bot.matching.cohort) because these judge
one pair in plain Python, need neither numpy nor scipy, and are what the grid's figures are
checked against."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Content
from bot.text import typed

# Which way the seniority gap must point, per programme kind: (mentor's, mentee's) -> allowed.
DIRECTIONS: dict[str, Callable[[int, int], bool]] = {
    "reverse": operator.lt,
    "classic": operator.gt,
    "sponsorship": operator.gt,
    # Both take turns leading, so neither side of the gap (nor equality) is wrong.
    "reciprocal": lambda mentor, mentee: True,
}
MIN_OVERLAP_HOURS = 1.0
# One shared topic outweighs everything else together (at most TEAM + OVERLAP), because
# a pair with nothing to teach each other has no reason to meet.
TOPIC_WEIGHT = 3.0
TEAM_WEIGHT = 1.0
OVERLAP_WEIGHT = 1.0
FULL_OVERLAP_HOURS = 8.0  # beyond a whole shared working day, more overlap adds nothing


class Rule(StrEnum):
    """The hard constraints, in the order a pair is checked against them. The values name
    their wording in content (match_checks.*.<rule>)."""

    SAME_PERSON = "same_person"
    REPORTING_LINE = "reporting_line"
    DIRECTION = "direction"
    DISSOLVED_BEFORE = "dissolved_before"
    OVERLAP = "overlap"


RULES = tuple(Rule)


class Cause(StrEnum):
    """Why someone was left without a partner (worded by match_checks.left_out.<cause>)."""

    NOBODY = "nobody"  # the other side is empty (or, for a mentee, no mentor has room)
    NO_CAPACITY = "no_capacity"  # a mentor with no room left
    RULED_OUT = "ruled_out"  # a hard constraint rules out everyone on the other side
    TAKEN = "taken"  # everyone allowed went to someone else, so that more people are matched


@dataclass(frozen=True, kw_only=True)
class Candidate:
    person_id: int
    name: str
    role: str  # "mentor" or "mentee"
    seniority: int  # 1 (newest) .. 10 (executive)
    topics_offered: tuple[str, ...]
    topics_wanted: tuple[str, ...]
    team: str | None
    manager_id: int | None  # a direct reporting line either way is forbidden
    timezone: str  # IANA zone
    work_start_hour: int  # local hour 0-23
    work_end_hour: int  # local hour 0-24; at or before the start, the day runs past midnight
    capacity: int = 1  # remaining pairs a mentor can take

    def __post_init__(self) -> None:
        if self.role not in ("mentor", "mentee"):
            raise ValueError(f"role must be 'mentor' or 'mentee', not {self.role!r}")
        if not 1 <= self.seniority <= 10:
            raise ValueError(f"seniority must be 1..10, not {self.seniority}")
        if not 0 <= self.work_start_hour <= 23:
            raise ValueError(f"work_start_hour must be 0..23, not {self.work_start_hour}")
        if not 0 <= self.work_end_hour <= 24:
            raise ValueError(f"work_end_hour must be 0..24, not {self.work_end_hour}")
        if self.work_start_hour == self.work_end_hour:
            # Almost always unset data rather than a 24-hour day; refuse it loudly.
            raise ValueError(f"work_start_hour and work_end_hour are both {self.work_end_hour}")
        if self.capacity < 0:
            raise ValueError(f"capacity must be >= 0, not {self.capacity}")
        _zone(self.timezone)


@dataclass(frozen=True, kw_only=True)
class ProposedPair:
    mentor_id: int
    mentee_id: int
    score: float
    reason: str  # one line, quoted in the intro message


@dataclass(frozen=True, kw_only=True)
class Unmatched:
    person_id: int
    role: str  # "mentor" or "mentee"
    cause: Cause
    # Among the people on the other side who were considered (everyone for RULED_OUT, those
    # still free for TAKEN), how many each rule ruled out, each under the first rule it breaks.
    ruled_out: tuple[tuple[Rule, int], ...]
    reason: str  # one line for the coordinator; names no one, so it can follow a name


@dataclass(frozen=True, kw_only=True)
class Proposal:
    pairs: tuple[ProposedPair, ...]  # sorted by mentee id
    unmatched_mentors: tuple[Unmatched, ...]  # mentors given no mentee at all, by person id
    unmatched_mentees: tuple[Unmatched, ...]  # by person id


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone {name!r} is not a known IANA zone") from error


@lru_cache(maxsize=4096)  # every person's window is asked for once per possible partner
def _utc_window(zone: str, start_hour: int, end_hour: int, day: date) -> tuple[datetime, datetime]:
    """The working window that starts on local date `day`, as UTC instants."""
    # Adding hours to an aware datetime moves the wall clock, so hour 24 is the next midnight
    # and a DST change inside the day still ends the day at its local hour.
    midnight = datetime.combine(day, time(0), tzinfo=_zone(zone))
    end_hour += 0 if end_hour > start_hour else 24
    start, end = midnight + timedelta(hours=start_hour), midnight + timedelta(hours=end_hour)
    return start.astimezone(UTC), end.astimezone(UTC)


def _shared_seconds(a: Candidate, b: Candidate, on: date) -> float:
    start, end = _utc_window(a.timezone, a.work_start_hour, a.work_end_hour, on)
    total = 0.0
    # a's day may fall on b's previous or next local date (Auckland's Tuesday morning is
    # London's Monday evening), so try b's neighbouring days too; they never overlap each other.
    for shift in (-1, 0, 1):
        day = on + timedelta(days=shift)
        b_start, b_end = _utc_window(b.timezone, b.work_start_hour, b.work_end_hour, day)
        total += max(0.0, (min(end, b_end) - max(start, b_start)).total_seconds())
    return total


def overlap_hours(a: Candidate, b: Candidate, on: date) -> float:
    """Hours of a working day on `on` that the two share, whatever their zones."""
    # The two directions differ only when a DST change falls near `on`; take the smaller
    # so the result is symmetric and the hard constraint errs on the safe side.
    return min(_shared_seconds(a, b, on), _shared_seconds(b, a, on)) / 3600


def _topic_key(topic: str) -> str:
    return " ".join(topic.casefold().split())


def _team_key(team: str | None) -> str | None:
    # A blank team is as unknown as a missing one.
    return (_topic_key(team) or None) if team is not None else None


def shared_topics(mentor: Candidate, mentee: Candidate) -> tuple[str, ...]:
    """What the mentor offers that the mentee wants, in the mentor's words and order."""
    wanted = {_topic_key(topic) for topic in mentee.topics_wanted}
    found: dict[str, str] = {}
    for topic in mentor.topics_offered:
        key = _topic_key(topic)
        if key and key in wanted and key not in found:
            found[key] = topic.strip()
    return tuple(found.values())


def _violated(
    mentor: Candidate,
    mentee: Candidate,
    kind: str,
    excluded: Collection[frozenset[int]],
    hours: float,
) -> Rule | None:
    if mentor.person_id == mentee.person_id:
        return Rule.SAME_PERSON
    if mentor.manager_id == mentee.person_id or mentee.manager_id == mentor.person_id:
        return Rule.REPORTING_LINE
    if not DIRECTIONS[kind](mentor.seniority, mentee.seniority):
        return Rule.DIRECTION
    if frozenset((mentor.person_id, mentee.person_id)) in excluded:
        return Rule.DISSOLVED_BEFORE
    if hours < MIN_OVERLAP_HOURS:
        return Rule.OVERLAP
    return None


def _check_kind(kind: str) -> None:
    if kind not in DIRECTIONS:
        raise ValueError(f"unknown programme kind {kind!r}; expected one of {sorted(DIRECTIONS)}")


def is_allowed(
    mentor: Candidate,
    mentee: Candidate,
    *,
    kind: str,
    excluded: Collection[frozenset[int]],
    on: date,
) -> bool:
    """Whether the pair passes every hard constraint of a `kind` programme."""
    return violated_rule(mentor, mentee, kind=kind, excluded=excluded, on=on) is None


def violated_rule(
    mentor: Candidate,
    mentee: Candidate,
    *,
    kind: str,
    excluded: Collection[frozenset[int]],
    on: date,
) -> Rule | None:
    """The first hard constraint of a `kind` programme that the pair breaks, if any."""
    _check_kind(kind)
    return _violated(mentor, mentee, kind, excluded, overlap_hours(mentor, mentee, on))


def _score(mentor: Candidate, mentee: Candidate, hours: float) -> float:
    teams = _team_key(mentor.team), _team_key(mentee.team)
    different = None not in teams and teams[0] != teams[1]
    return (
        TOPIC_WEIGHT * len(shared_topics(mentor, mentee))
        + TEAM_WEIGHT * different
        + OVERLAP_WEIGHT * min(hours, FULL_OVERLAP_HOURS) / FULL_OVERLAP_HOURS
    )


def score(mentor: Candidate, mentee: Candidate, *, on: date) -> float:
    """Compatibility, higher is better and never negative; says nothing about hard constraints."""
    return _score(mentor, mentee, overlap_hours(mentor, mentee, on))


def _topic_list(content: Content, topics: Sequence[str]) -> str:
    if len(topics) == 1:
        return topics[0]
    if len(topics) == 2:
        return content.text("matching.topic_pair", first=topics[0], second=topics[1])
    rest = _topic_list(content, topics[1:])
    return content.text("matching.topic_series", first=topics[0], rest=rest)


def _explain(mentor: Candidate, mentee: Candidate, hours: float, content: Content) -> str:
    # Each name remembers whose it is, so the stored reason can name nobody (bot.match_reason).
    names = {
        "mentor": typed(mentor.name, person_id=mentor.person_id),
        "mentee": typed(mentee.name, person_id=mentee.person_id),
    }
    topics = shared_topics(mentor, mentee)
    if topics:
        topic_text = content.text("matching.topics", topics=_topic_list(content, topics), **names)
    else:
        topic_text = content.text("matching.no_topics", **names)
    rounded = round(hours, 2)
    if rounded == 1:
        overlap_text = content.text("matching.overlap_one")
    else:
        overlap_text = content.text("matching.overlap", hours=f"{rounded:g}")
    teams = _team_key(mentor.team), _team_key(mentee.team)
    if None in teams:  # an unknown team is neither a plus nor a minus, so say nothing
        return content.text("matching.reason.without_team", topics=topic_text, overlap=overlap_text)
    team_key = "matching.same_team" if teams[0] == teams[1] else "matching.different_teams"
    return content.text(
        "matching.reason.with_team",
        topics=topic_text,
        teams=content.text(team_key),
        overlap=overlap_text,
    )


def explain(mentor: Candidate, mentee: Candidate, *, on: date, content: Content) -> str:
    """The one-line reason for proposing this pair, in the content's language."""
    return _explain(mentor, mentee, overlap_hours(mentor, mentee, on), content)
