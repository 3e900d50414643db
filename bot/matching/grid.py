"""Every (mentee, mentor) cell of a cohort at once: the working-hour overlap, the score and the
hard constraints each cell breaks, as numpy arrays for the solver (bot.matching.cohort).

Apart from the pair-level rules (bot.matching.rules) because this is the array-shaped path a
cohort of thousands needs, and apart from the solver because it only measures; it chooses
nothing. numpy is imported here; scipy.sparse only inside `_incidence`, so that importing
bot.matching does not load scipy (BENCHMARKS.md, "tandem serve memory")."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scipy is imported where matching runs: every worker need not load it
    from scipy.sparse import csr_matrix

from bot.matching.rules import (
    DIRECTIONS,
    FULL_OVERLAP_HOURS,
    MIN_OVERLAP_HOURS,
    OVERLAP_WEIGHT,
    RULES,
    TEAM_WEIGHT,
    TOPIC_WEIGHT,
    Candidate,
    Rule,
    _team_key,
    _topic_key,
    _utc_window,
)

# The functions of bot.matching.rules judge one pair; these judge every (mentee, mentor) cell
# with numpy, computing what depends on one person once per person and the working-hour overlap
# once per distinct (zone, hours) class, so a cohort of thousands scores in well under a second.
# They give the same figures as the per-pair functions (the tests check one against the other).

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
    for col in range(3):  # b's day before, on and after; summed in _shared_seconds's order
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
