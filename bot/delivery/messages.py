"""What passes between the courier and a platform sender: a resolved message, what its send
taught us, and the two ways a send can fail that retrying will not mend.

Apart from the courier so that adapters and their tests depend on these types alone, and so that
the rest of the package can import them without a cycle; this module imports none of the others.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.replies import Audience, Reply


@dataclass(frozen=True, kw_only=True)
class Recipient:
    person_id: int
    user_id: str  # the platform's id for this person
    name: str
    address: Mapping[str, Any] | None = None  # where the platform reached them before
    # The stored address works as far as we know: a send that reports it back changes nothing.
    address_current: bool = False


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One outbox row, resolved to platform identities and addresses, ready for a sender."""

    message_id: int
    platform: str
    tenant: str
    audience: Audience
    recipients: tuple[Recipient, ...]  # one for a person, both people for a pair
    pair_id: int | None
    reply: Reply
    pair_address: Mapping[str, Any] | None = None  # e.g. the pair's Slack group DM
    pair_address_current: bool = False  # as Recipient.address_current


@dataclass(frozen=True, kw_only=True)
class Sent:
    """What a sender learned while sending: addresses to keep for next time."""

    person_addresses: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    pair_address: Mapping[str, Any] | None = None


class Undeliverable(Exception):
    """A permanent failure (account gone, bot removed): retrying cannot help.

    `person_ids` are the recipients who cannot be reached; their stored address is marked
    unreachable so the coordinators can act.
    """

    def __init__(self, reason: str, *, person_ids: Collection[int] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person_ids = tuple(person_ids)


class NotYetReachable(Exception):
    """No way to reach these people yet (Teams: they never installed the app).

    The message waits, without using up its attempts, and the coordinators are told once per
    person who must install Tandem; storing an address releases it (Engine.remember_address).
    """

    def __init__(self, reason: str, *, person_ids: Collection[int]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person_ids = tuple(person_ids)


class Sender(Protocol):
    def send(self, delivery: Delivery) -> Sent | None:
        """Deliver, or raise: Undeliverable for permanent failures, anything else to retry."""
        ...


class AsyncSender(Protocol):
    async def send(self, delivery: Delivery) -> Sent | None: ...
