"""Inbound events: what an adapter or the scheduler tells the engine, free of platform objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who did something: a platform identity the engine resolves to one stored person."""

    platform: str  # "slack", "teams", "console"
    tenant: str  # Slack team id, Teams tenant id, or "console"
    user_id: str
    display_name: str | None = None
    timezone: str | None = None
    # True when name and zone come fresh from the platform's directory (Slack's users.info),
    # so the stored profile counts as checked now; see Engine.profile_due.
    from_directory: bool = False


@dataclass(frozen=True, kw_only=True)
class Message:
    """Free text sent to the bot in a direct chat."""

    actor: Actor
    text: str
    event_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Command:
    """The words after `/tandem`; `attachment` carries an uploaded file's text (a CSV to enrol)."""

    actor: Actor
    text: str
    attachment: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Action:
    """A button pressed: `action` names what it does, `value` carries its argument."""

    actor: Actor
    action: str
    value: str = ""
    event_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Submission:
    """A filled-in form: raw string values per field name, validated by the engine."""

    actor: Actor
    form_id: str
    context: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    event_id: str | None = None


Event = Message | Command | Action | Submission


@dataclass(frozen=True, kw_only=True)
class Tick:
    """The scheduler saying: this item is due now. `kind` names the due work (see bot.due)."""

    kind: str
    pair_id: int
    session_id: int | None = None
