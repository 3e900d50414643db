"""What a nudge rule is, and what it returns when it fires."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.nudges.facts import PairFacts
from bot.programmes import Kind


class Target(StrEnum):
    PAIR = "pair"
    SENIOR = "senior"  # the more senior colleague, privately
    JUNIOR = "junior"  # the more junior colleague, privately
    COORDINATOR = "coordinator"


@dataclass(frozen=True, kw_only=True)
class Firing:
    """A rule's verdict: send `level` of the nudge, about `about`, to these targets.

    `messages` maps each target to the content key of its text (under `nudges.<rule>.`).
    """

    level: int
    about: int
    messages: tuple[tuple[Target, str], ...]
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NudgeRule:
    key: str
    kinds: frozenset[Kind]
    cooldown: timedelta  # never again within this span, at the same level
    check: Callable[[PairFacts], Firing | None]
    summary: str  # content key: what makes the rule fire, in words a coordinator can read

    def applies_to(self, kind: Kind) -> bool:
        return kind in self.kinds


ALL_KINDS = frozenset(Kind)
