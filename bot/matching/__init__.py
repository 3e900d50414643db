"""Proposing mentor-mentee pairs: hard constraints, a compatibility score, optimal assignment,
and why anyone is left without a partner.

The pair-level rules are in bot.matching.rules; a whole cohort's cells are measured in
bot.matching.grid and assigned in bot.matching.cohort; the reasons for being left out are in
bot.matching.left_out. This package re-exports their public names, so callers keep using
`bot.matching.propose`, `bot.matching.Rule` and the rest."""

from __future__ import annotations

from bot.matching.cohort import propose, propose_pairs
from bot.matching.grid import ZoneClass
from bot.matching.rules import (
    DIRECTIONS,
    FULL_OVERLAP_HOURS,
    MIN_OVERLAP_HOURS,
    OVERLAP_WEIGHT,
    RULES,
    TEAM_WEIGHT,
    TOPIC_WEIGHT,
    Candidate,
    Cause,
    Proposal,
    ProposedPair,
    Rule,
    Unmatched,
    explain,
    is_allowed,
    overlap_hours,
    score,
    shared_topics,
    violated_rule,
)

__all__ = [
    "DIRECTIONS",
    "FULL_OVERLAP_HOURS",
    "MIN_OVERLAP_HOURS",
    "OVERLAP_WEIGHT",
    "RULES",
    "TEAM_WEIGHT",
    "TOPIC_WEIGHT",
    "Candidate",
    "Cause",
    "Proposal",
    "ProposedPair",
    "Rule",
    "Unmatched",
    "ZoneClass",
    "explain",
    "is_allowed",
    "overlap_hours",
    "propose",
    "propose_pairs",
    "score",
    "shared_topics",
    "violated_rule",
]
