"""Matching a whole cohort at once: the optimal assignment (scipy's linear_sum_assignment) over
the cohort's grid, within each mentor's capacity, and the Proposal that comes of it.

Apart from the grid (bot.matching.grid), which measures every cell, because this is where the
choice is made. scipy.optimize is imported inside `_assign` only, so that importing
bot.matching does not load scipy (BENCHMARKS.md, "tandem serve memory")."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

import numpy as np

from bot.content import Content
from bot.matching.grid import _Grid, _grid
from bot.matching.left_out import _unmatched
from bot.matching.rules import Candidate, Proposal, ProposedPair, _check_kind, _explain


def _unique_by_id(people: Sequence[Candidate], what: str) -> list[Candidate]:
    ids = [person.person_id for person in people]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{what} repeat a person_id")
    # Sorting makes the result independent of the order the caller listed people in.
    return sorted(people, key=lambda person: person.person_id)


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
