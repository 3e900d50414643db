"""Proactive delivery to Teams under trouble: 429 storms, 403s, people who never installed the
app, and people who removed it.

The fake Bot Connector answers sends to one conversation with an injected status; the server's
own TeamsSender retries, and the outbox decides what waits, what is quarantined and who is told.
The sender's waits between tries are recorded instead of slept (adapters.teams.sender.pause).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario import person, rows
from teams_steps import (
    ACCEPT,
    CONTENT,
    accepted,
    command,
    enrolled,
    installed,
    matched,
    press_ok,
    repeated,
    say,
    summaries_to,
)
from teams_world import HANA, MAYA, SAM, TeamsUser, TeamsWorld, card_text, teams_world

from adapters.teams import sender
from bot.text import plain
from storage.models import ConversationAddress, OutboxMessage

PROGRAMME_MATCH = 'match "Reverse 2027"'


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every wait the server's Teams sender asked for between two tries, in order."""
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(sender, "pause", record)
    yield asked


def statuses_to(world: TeamsWorld, user: TeamsUser) -> list[int]:
    return [r.status for r in world.fake.received if r.conversation_id == user.conversation]


def address_of(world: TeamsWorld, user: TeamsUser) -> ConversationAddress:
    [found] = rows(world.db, ConversationAddress, person_id=person(world.db, user.aad).id)
    return found


def outbox(world: TeamsWorld) -> list[OutboxMessage]:
    return rows(world.db, OutboxMessage)


def reports_to_hana(world: TeamsWorld, fragment: str) -> list[str]:
    return [t for t in summaries_to(world, HANA, proactive=True) if fragment in t]


def test_a_429_is_retried_after_its_retry_after_and_sent_once(
    tmp_path: Path, waits: list[float]
) -> None:
    with teams_world(tmp_path) as world:
        installed(world)
        enrolled(world)
        world.fake.fail(SAM.conversation, status=429, times=3, retry_after=1)
        command(world, HANA, PROGRAMME_MATCH)
        assert statuses_to(world, SAM)[-4:] == [429, 429, 429, 200]
        assert len(waits) == 3 and all(wait >= 1 for wait in waits)  # Retry-After honoured
        assert card_text(world.cards_to(SAM)[-1]).startswith("Hi Sam Whitfield.")
        assert all(m.delivered_at is not None for m in outbox(world))


def test_a_429_storm_longer_than_the_tries_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, waits: list[float]
) -> None:
    with teams_world(tmp_path) as world:
        matched(world)
        press_ok(world, SAM, "Yes, happy to meet")
        # From here Sam's chat refuses seven sends in a row: more than one message's tries.
        world.fake.fail(SAM.conversation, status=429, times=7, retry_after=0)
        press_ok(world, MAYA, "Yes, happy to meet")  # the pair's invitation, and a note to Sam
        waiting = [m for m in outbox(world) if m.delivered_at is None]
        assert waiting and all(m.quarantined_at is None for m in waiting)
        assert sender.TRIES - 1 <= len(waits) <= 6
        world.advance(hours=1)  # the outbox's back-off is over: the rest goes
        assert statuses_to(world, SAM).count(429) == 7
        assert all(m.delivered_at is not None for m in outbox(world))
        invitation = plain(say("chemistry.invitation", mentor="Maya Lind", mentee="Sam Whitfield"))
        for user in (MAYA, SAM):
            proactive = summaries_to(world, user, proactive=True)
            assert repeated(proactive) == {}, user.name
            assert len([t for t in proactive if t.startswith(invitation[:40])]) == 1, user.name


def test_a_403_is_permanent_quarantined_at_once_and_the_coordinator_is_told(
    tmp_path: Path, waits: list[float]
) -> None:
    with teams_world(tmp_path) as world:
        installed(world)
        enrolled(world)
        world.fake.fail(SAM.conversation, status=403)  # the bot was blocked or removed
        command(world, HANA, PROGRAMME_MATCH)
        assert statuses_to(world, SAM)[-1:] == [403]
        assert statuses_to(world, SAM).count(403) == 1 and waits == []  # never tried again
        # The invitation went before the block; the intro after it is given up at once.
        invitation, intro = [
            m for m in outbox(world) if m.person_id == person(world.db, SAM.aad).id
        ]
        assert invitation.delivered_at is not None
        assert intro.quarantined_at is not None and intro.delivered_at is None
        assert address_of(world, SAM).unreachable_at is not None
        [report] = reports_to_hana(world, "I could not deliver a message to Sam Whitfield")
        assert "Teams answered 403" in report
        world.advance(hours=2)
        assert statuses_to(world, SAM).count(403) == 1


def test_someone_who_never_installed_the_app_gets_their_messages_once_they_do(
    tmp_path: Path, waits: list[float]
) -> None:
    with teams_world(tmp_path) as world:
        installed(world, HANA, MAYA)
        enrolled(world)  # Maya accepts her invitation; Sam's cannot reach him yet
        assert statuses_to(world, SAM) == []  # no reference: nothing can even be tried
        name = person(world.db, SAM.aad).display_name
        notice = plain(CONTENT.text("delivery.install.teams", name=name))
        assert reports_to_hana(world, "has not installed Tandem") == [notice]
        world.advance(hours=3)  # tried again every hour; the coordinators are told only once
        assert reports_to_hana(world, "has not installed Tandem") == [notice]
        [invitation] = [m for m in outbox(world) if m.person_id == person(world.db, SAM.aad).id]
        assert invitation.delivered_at is None and invitation.quarantined_at is None
        assert invitation.attempts == 0
        command(world, HANA, PROGRAMME_MATCH)  # Sam has not accepted: nobody is matched
        assert card_text(world.cards_to(MAYA)[-1]).startswith("Thank you, you're in")

        accepted(world.install(SAM))
        # Written when Sam was only an enrolled id: it names them by it (see the report).
        invitations = [t for t in world.texts_to(SAM) if t.startswith(f"Hi {name}, ")]
        assert len(invitations) == 1 and "would like to invite you" in invitations[0]
        assert all(m.delivered_at is not None for m in outbox(world))
        assert address_of(world, SAM).unreachable_at is None
        press_ok(world, SAM, ACCEPT)
        command(world, HANA, PROGRAMME_MATCH)
        assert card_text(world.cards_to(MAYA)[-1]).startswith("Hi Maya Lind!")
        assert len([t for t in world.texts_to(SAM) if " In Reverse 2027" in t]) == 1


def test_an_uninstall_marks_them_unreachable(tmp_path: Path, waits: list[float]) -> None:
    with teams_world(tmp_path) as world:
        installed(world)
        enrolled(world)
        before = len(world.fake.received)
        accepted(world.post(world.activity(SAM, type="installationUpdate", action="remove")))
        assert len(world.fake.received) == before  # nothing said into a chat that is gone
        removed = address_of(world, SAM)
        assert removed.unreachable_at is not None
        assert removed.unreachable_reason == "removed the Tandem app in Teams"

        # Teams refuses sends to a chat whose app was removed; the message is quarantined.
        world.fake.fail(SAM.conversation, status=403)
        command(world, HANA, PROGRAMME_MATCH)
        assert reports_to_hana(world, "I could not deliver a message to Sam Whitfield")

        # Adding the app again makes them reachable again.
        world.fake.fail(SAM.conversation, status=403, times=0)
        accepted(world.install(SAM))
        assert address_of(world, SAM).unreachable_at is None
