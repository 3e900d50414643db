"""Programme kinds, cadences and roles: the vocabulary every lifecycle rule shares."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum


class Kind(StrEnum):
    REVERSE = "reverse"  # the junior mentors the senior; the mentor sets the agenda
    RECIPROCAL = "reciprocal"  # both mentor, taking turns; the senior leads first
    CLASSIC = "classic"  # the senior mentors the junior; mentee-driven
    SPONSORSHIP = "sponsorship"  # the sponsor advances the protégé towards a stated destination


class Cadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"  # every two months, as Microsoft Norway's pair met


class Medium(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    CHAT = "chat"
    SITE_VISIT = "site_visit"


class AgendaOwner(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    SHARED = "shared"
    ALTERNATE = "alternate"


# Kinds where one named side is meant to steer each session, so drift back is worth watching.
LEADER_KINDS = frozenset({Kind.REVERSE, Kind.RECIPROCAL})


def nth_session_date(start: date, cadence: Cadence, index: int) -> date:
    """The date of session `index` (0-based): weeks for weekly cadences, calendar months else."""
    if cadence is Cadence.WEEKLY:
        return start + timedelta(weeks=index)
    if cadence is Cadence.FORTNIGHTLY:
        return start + timedelta(weeks=2 * index)
    months = index * (1 if cadence is Cadence.MONTHLY else 2)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def typical_gap(cadence: Cadence) -> timedelta:
    """The longest normal gap between two sessions at this cadence."""
    return {
        Cadence.WEEKLY: timedelta(days=7),
        Cadence.FORTNIGHTLY: timedelta(days=14),
        Cadence.MONTHLY: timedelta(days=31),
        Cadence.BIMONTHLY: timedelta(days=62),
    }[cadence]


def default_agenda_owner(kind: Kind) -> AgendaOwner:
    return {
        Kind.REVERSE: AgendaOwner.MENTOR,
        Kind.RECIPROCAL: AgendaOwner.ALTERNATE,
        Kind.CLASSIC: AgendaOwner.MENTEE,
        Kind.SPONSORSHIP: AgendaOwner.SHARED,
    }[kind]


def senior_role(kind: Kind) -> str:
    """Which side of the pair is the more senior colleague."""
    return "mentee" if kind is Kind.REVERSE else "mentor"
