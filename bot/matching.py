"""Proposing mentor-mentee pairs: hard constraints, a compatibility score, optimal assignment,
and why anyone is left without a partner."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

if TYPE_CHECKING:  # scipy is imported where matching runs: every worker need not load it
    from scipy.sparse import csr_matrix

from bot.content import Content
from bot.text import Text, typed

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


def _unique_by_id(people: Sequence[Candidate], what: str) -> list[Candidate]:
    ids = [person.person_id for person in people]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{what} repeat a person_id")
    # Sorting makes the result independent of the order the caller listed people in.
    return sorted(people, key=lambda person: person.person_id)


# -- the whole cohort at once ------------------------------------------------------------------
# The functions above judge one pair; those below judge every (mentee, mentor) cell with numpy,
# computing what depends on one person once per person and the working-hour overlap once per
# distinct (zone, hours) class, so a cohort of thousands scores in well under a second. They
# give the same figures as the per-pair functions (the tests check one against the other).

RULES = tuple(Rule)
ZoneClass = tuple[str, int, int]  # zone, work_start_hour, work_end_hour


@dataclass(frozen=True, kw_only=True)
class _Grid:
    hours: np.ndarray  # (mentees, mentors) working-hour overlap
    scores: np.ndarray  # (mentees, mentors) compatibility, whether allowed or not
    broken: tuple[np.ndarray, ...]  # per rule, in RULES order: the cells that break it
    allowed: np.ndarray  # the cells that break no rule


def _classes(people: Sequence[Candidate]) -> tuple[list[ZoneClass], np.ndarray]:
    """The distinct (zone, working hours) classes, and each person's class."""
    index: dict[ZoneClass, int] = {}
    of = [
        index.setdefault((p.timezone, p.work_start_hour, p.work_end_hour), len(index))
        for p in people
    ]
    return list(index), np.array(of, dtype=np.intp)


def _windows(classes: Sequence[ZoneClass], on: date) -> tuple[np.ndarray, np.ndarray]:
    """Each class's working day starting the day before `on`, on `on` and the day after, as
    UTC seconds: (starts, ends), each of shape (classes, 3)."""
    starts, ends = np.zeros((len(classes), 3)), np.zeros((len(classes), 3))
    for row, (zone, start_hour, end_hour) in enumerate(classes):
        for col, shift in enumerate((-1, 0, 1)):
            start, end = _utc_window(zone, start_hour, end_hour, on + timedelta(days=shift))
            starts[row, col], ends[row, col] = start.timestamp(), end.timestamp()
    return starts, ends


def _shared_matrix(
    own: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """`_shared_seconds(a, b)` for every a class in `own` (rows) and b class in `other`."""
    total = np.zeros((len(own[0]), len(other[0])))
    for col in range(3):  # b's day before, on and after; summed in the same order as above
        latest_start = np.maximum(own[0][:, 1, None], other[0][None, :, col])
        earliest_end = np.minimum(own[1][:, 1, None], other[1][None, :, col])
        total += np.maximum(0.0, earliest_end - latest_start)
    return total


def _hours(mentors: Sequence[Candidate], mentees: Sequence[Candidate], on: date) -> np.ndarray:
    """`overlap_hours` for every (mentee, mentor), computed once per pair of classes."""
    mentor_classes, mentor_class = _classes(mentors)
    mentee_classes, mentee_class = _classes(mentees)
    mentor_windows, mentee_windows = _windows(mentor_classes, on), _windows(mentee_classes, on)
    by_class = (
        np.minimum(
            _shared_matrix(mentor_windows, mentee_windows).T,
            _shared_matrix(mentee_windows, mentor_windows),
        )
        / 3600
    )
    return by_class[np.ix_(mentee_class, mentor_class)]


def _shared_topic_counts(mentors: Sequence[Candidate], mentees: Sequence[Candidate]) -> np.ndarray:
    """`len(shared_topics(mentor, mentee))` for every (mentee, mentor): a product of person x
    topic incidence matrices, each person's topics normalised once."""
    vocabulary: dict[str, int] = {}
    wanted = [
        {
            vocabulary.setdefault(key, len(vocabulary))
            for t in e.topics_wanted
            if (key := _topic_key(t))
        }
        for e in mentees
    ]
    offered = [
        {vocabulary[key] for t in m.topics_offered if (key := _topic_key(t)) in vocabulary}
        for m in mentors
    ]
    return (
        (_incidence(wanted, len(vocabulary)) @ _incidence(offered, len(vocabulary)).T)
        .toarray()
        .astype(np.float64)
    )


def _incidence(topics: Sequence[set[int]], width: int) -> csr_matrix:
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(topics)), [len(t) for t in topics])
    cols = np.fromiter((topic for person in topics for topic in person), dtype=np.intp)
    ones = np.ones(len(cols), dtype=np.int32)
    return csr_matrix((ones, (rows, cols)), shape=(len(topics), width))


def _grid(
    kind: str,
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    excluded: Collection[frozenset[int]],
    on: date,
) -> _Grid:
    shape = (len(mentees), len(mentors))
    mentor_ids = np.array([m.person_id for m in mentors], dtype=np.int64)
    mentee_ids = np.array([e.person_id for e in mentees], dtype=np.int64)
    # Nobody's manager: an id below every person's and manager's, so it matches no one.
    everyone = (*mentors, *mentees)
    nobody = min([0, *(p.person_id for p in everyone), *(p.manager_id or 0 for p in everyone)]) - 1
    mentor_managers = np.array([_manager(m, nobody) for m in mentors], dtype=np.int64)
    mentee_managers = np.array([_manager(e, nobody) for e in mentees], dtype=np.int64)
    direction: Callable[[Any, Any], Any] = DIRECTIONS[kind]  # the operators work on arrays
    mentor_seniority = np.array([m.seniority for m in mentors], dtype=np.int64)
    mentee_seniority = np.array([e.seniority for e in mentees], dtype=np.int64)
    hours = _hours(mentors, mentees, on) if all(shape) else np.zeros(shape)

    broken = {
        Rule.SAME_PERSON: mentee_ids[:, None] == mentor_ids[None, :],
        Rule.REPORTING_LINE: (mentor_managers[None, :] == mentee_ids[:, None])
        | (mentee_managers[:, None] == mentor_ids[None, :]),
        Rule.DIRECTION: ~np.broadcast_to(
            np.asarray(direction(mentor_seniority[None, :], mentee_seniority[:, None])), shape
        ),
        Rule.DISSOLVED_BEFORE: _dissolved(mentors, mentees, excluded),
        Rule.OVERLAP: hours < MIN_OVERLAP_HOURS,
    }
    allowed = ~np.logical_or.reduce([broken[rule] for rule in RULES])

    team_code: dict[str | None, int] = {None: -1}
    mentor_teams = np.array(
        [team_code.setdefault(_team_key(m.team), len(team_code)) for m in mentors]
    )
    mentee_teams = np.array(
        [team_code.setdefault(_team_key(e.team), len(team_code)) for e in mentees]
    )
    different = (
        (mentor_teams[None, :] >= 0)
        & (mentee_teams[:, None] >= 0)
        & (mentor_teams[None, :] != mentee_teams[:, None])
    )
    topics = _shared_topic_counts(mentors, mentees) if all(shape) else np.zeros(shape)
    # The same expression as `_score`, element by element, so the figures agree to the bit.
    scores = (
        TOPIC_WEIGHT * topics
        + TEAM_WEIGHT * different
        + OVERLAP_WEIGHT * np.minimum(hours, FULL_OVERLAP_HOURS) / FULL_OVERLAP_HOURS
    )
    return _Grid(
        hours=hours,
        scores=scores,
        broken=tuple(np.asarray(broken[rule]) for rule in RULES),
        allowed=allowed,
    )


def _manager(person: Candidate, nobody: int) -> int:
    return nobody if person.manager_id is None else person.manager_id


def _dissolved(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    excluded: Collection[frozenset[int]],
) -> np.ndarray:
    mask = np.zeros((len(mentees), len(mentors)), dtype=bool)
    mentor_col = {m.person_id: col for col, m in enumerate(mentors)}
    mentee_row = {e.person_id: row for row, e in enumerate(mentees)}
    for both in excluded:
        ids = tuple(both)
        for mentor_id, mentee_id in ((ids[0], ids[-1]), (ids[-1], ids[0])):
            if len(ids) <= 2 and mentor_id in mentor_col and mentee_id in mentee_row:
                mask[mentee_row[mentee_id], mentor_col[mentor_id]] = True
    return mask


def _assign(grid: _Grid, slots: np.ndarray) -> list[tuple[int, int]]:
    """The allowed (mentee row, mentor column) cells of the best assignment."""
    slot_owner = np.repeat(np.arange(len(slots)), slots)
    if not len(slot_owner) or not len(grid.scores):
        return []
    # The solver fills min(rows, slots) cells even when some must be forbidden. A penalty
    # larger than every allowed score together makes it first minimise forbidden cells (that
    # is, match as many mentees as possible) and only then maximise the score; forbidden
    # cells it still picks are dropped below.
    penalty = 1.0 + float(np.nansum(np.where(grid.allowed, grid.scores, np.nan)))
    weights = np.where(grid.allowed, grid.scores, -penalty)
    if not (slots == 1).all():  # a column per place: none for a full mentor, more for a busy one
        weights = weights[:, slot_owner]
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = [(int(row), int(slot_owner[slot])) for row, slot in zip(rows, cols, strict=True)]
    return [(row, col) for row, col in chosen if grid.allowed[row, col]]


def propose(
    *,
    kind: str,
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    excluded: Collection[frozenset[int]],
    on: date,
    content: Content,
) -> Proposal:
    """The best set of allowed pairs: as many mentees matched as possible, then the highest
    total score; each mentee at most once, each mentor within capacity. Everyone left out, on
    either side, comes with the reason."""
    _check_kind(kind)
    mentor_list = _unique_by_id(mentors, "mentors")
    mentee_list = _unique_by_id(mentees, "mentees")
    # A mentor can never take more mentees than there are, so cap the slots there.
    slots = np.array([min(m.capacity, len(mentee_list)) for m in mentor_list], dtype=np.intp)
    grid = _grid(kind, mentor_list, mentee_list, excluded, on)
    chosen = _assign(grid, slots)

    pairs = tuple(
        sorted(
            (
                ProposedPair(
                    mentor_id=mentor_list[col].person_id,
                    mentee_id=mentee_list[row].person_id,
                    score=round(float(grid.scores[row, col]), 6),
                    reason=_explain(
                        mentor_list[col], mentee_list[row], float(grid.hours[row, col]), content
                    ),
                )
                for row, col in chosen
            ),
            key=lambda pair: pair.mentee_id,
        )
    )
    load = np.bincount([col for _, col in chosen], minlength=len(mentor_list))
    mentee_free = np.ones(len(mentee_list), dtype=bool)
    mentee_free[[row for row, _ in chosen]] = False
    with_room = slots > 0
    mentor_free = load < slots
    unmatched_mentees = tuple(
        _unmatched(
            mentee_list[row],
            allowed=grid.allowed[row] & with_room,
            candidates=with_room,
            free=mentor_free,
            broken=[rule_cells[row] for rule_cells in grid.broken],
            content=content,
        )
        for row in np.flatnonzero(mentee_free)
    )
    unmatched_mentors = tuple(
        _unmatched(
            mentor_list[col],
            allowed=grid.allowed[:, col] if slots[col] else None,
            candidates=np.ones(len(mentee_list), dtype=bool),
            free=mentee_free,
            broken=[rule_cells[:, col] for rule_cells in grid.broken],
            content=content,
        )
        for col in np.flatnonzero(load == 0)
    )
    return Proposal(
        pairs=pairs, unmatched_mentors=unmatched_mentors, unmatched_mentees=unmatched_mentees
    )


def propose_pairs(
    *,
    kind: str,
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    excluded: Collection[frozenset[int]],
    on: date,
    content: Content,
) -> list[ProposedPair]:
    """The pairs of `propose`, sorted by mentee id."""
    proposal = propose(
        kind=kind, mentors=mentors, mentees=mentees, excluded=excluded, on=on, content=content
    )
    return list(proposal.pairs)


# -- why someone is left out -------------------------------------------------------------------


def _unmatched(
    person: Candidate,
    *,
    allowed: np.ndarray | None,
    candidates: np.ndarray,
    free: np.ndarray,
    broken: Sequence[np.ndarray],
    content: Content,
) -> Unmatched:
    """`allowed`, `candidates` (who on the other side could take anyone at all), `free` (who
    there is still unpaired or has room) and `broken` (per rule) are vectors over the other
    side; `allowed` is None for a mentor without room."""
    other = "mentee" if person.role == "mentor" else "mentor"
    if not candidates.any():
        cause, considered = Cause.NOBODY, candidates
    elif allowed is None:
        cause, considered = Cause.NO_CAPACITY, np.zeros_like(candidates)
    elif not allowed.any():
        cause, considered = Cause.RULED_OUT, candidates
    else:
        # Matching the most people possible means that everyone still free on the other side
        # is ruled out for this person, or they would have been paired.
        cause, considered = Cause.TAKEN, candidates & free
    fails = np.array([cells[considered] for cells in broken], dtype=bool).reshape(len(RULES), -1)
    first = np.argmax(fails, axis=0)[fails.any(axis=0)]
    counts = np.bincount(first, minlength=len(RULES))
    ruled_out = tuple((rule, int(n)) for rule, n in zip(RULES, counts, strict=True) if n)
    blanket = next((r for r, cells in zip(RULES, fails, strict=True) if cells.all()), None)
    scope = "left" if cause is Cause.TAKEN else "all"  # of the other side: those still free
    ruling = _ruling(blanket, ruled_out, other, scope, content) if fails.shape[1] else ""
    reason = ruling
    if cause is not Cause.RULED_OUT:
        reason = content.text(f"match_checks.left_out.{cause}.{person.role}")
    if cause is Cause.TAKEN and ruling:
        reason = content.text("match_checks.and_ruled_out", reason=reason, ruling=ruling)
    return Unmatched(
        person_id=person.person_id,
        role=person.role,
        cause=cause,
        ruled_out=ruled_out,
        reason=reason,
    )


def _ruling(
    blanket: Rule | None,
    ruled_out: Sequence[tuple[Rule, int]],
    other: str,
    scope: str,
    content: Content,
) -> str:
    """What rules out every `other` considered (`scope` "all" of them, or those "left"): one
    rule if one rules out all, else each with its count."""
    if blanket is not None:
        return content.text(f"match_checks.every_{scope}.{blanket}.{other}")
    ordered = sorted(ruled_out, key=lambda item: -item[1])  # stable: ties keep rule order
    counts = Text.join(
        (content.text(f"match_checks.by.{rule}", count=n) for rule, n in ordered), ", "
    )
    return content.text(f"match_checks.ruled_out_{scope}.{other}", counts=counts)
