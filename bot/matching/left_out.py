"""Why someone is left without a partner: the cause and the rules that ruled out the other
side, worded for the coordinator.

Apart from the solver (bot.matching.cohort) because it explains an outcome rather than finding
one; it reads the solver's per-rule cells for one person."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.content import Content
from bot.matching.rules import RULES, Candidate, Cause, Rule, Unmatched
from bot.text import Text


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
