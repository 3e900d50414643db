"""Delivery from the outbox to Slack under rate limits, dropped connections and dead accounts.

The failures are the fake Slack's (`fail_next`, `drop_next`, `fail_user`); the retrying is
slack_sdk's own handlers on `tandem serve`'s AsyncWebClient, and what is retried later, or
given up, is bot.delivery's. The test reads what each conversation received and the outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fake_monotonic import FakeMonotonic
from scenario import rows
from slack_sdk.http_retry import async_handler, builtin_async_handlers
from slack_steps import ACCEPT, HANA, MAYA, PROGRAMME, SAM, ok_command, press_ok, said_to, say
from slack_world import SlackWorld, slack_world

from bot.text import plain
from storage.models import OutboxMessage


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds slack_sdk's retry handlers ask to wait, recorded instead of slept.

    They sleep Retry-After plus up to a second of random jitter, or an exponential back-off:
    the test checks how long they would wait, and never waits on the wall clock itself.
    """
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    fake = SimpleNamespace(sleep=sleep)
    monkeypatch.setattr(async_handler, "asyncio", fake)
    monkeypatch.setattr(builtin_async_handlers, "asyncio", fake)
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    return asked


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SlackWorld]:
    with slack_world(tmp_path) as running:
        yield running


def enrolled(world: SlackWorld) -> None:
    """Maya and Sam enrolled, known by their Slack names and zones (each opened the Home tab).

    Los Angeles and London share no hour of a 9-to-17 day, so Maya starts early."""
    for who in (MAYA, SAM):
        world.open_home(who)
    ok_command(world, HANA, f'programme create "{PROGRAMME}" --kind reverse')
    ok_command(
        world, HANA, f'enrol {MAYA} --programme "{PROGRAMME}" --role mentor --level 2 --hours 7-15'
    )  # 15:00 to 23:00 in London: two hours of Sam's day
    ok_command(world, HANA, f'enrol {SAM} --programme "{PROGRAMME}" --role mentee --level 9')
    for who in (MAYA, SAM):  # each accepts the invitation (bot.consent); the tests start after
        press_ok(world, who, ACCEPT)
    world.slack.reset()


def match(world: SlackWorld) -> None:
    assert ok_command(world, HANA, f'match "{PROGRAMME}"').startswith("Matched")


def intros(world: SlackWorld) -> dict[str, list[str]]:
    """What each read after their invitation."""
    return {who: said_to(world, who)[1:] for who in (MAYA, SAM)}


def assert_one_intro_each(world: SlackWorld) -> None:
    got = intros(world)
    assert [len(got[MAYA]), len(got[SAM])] == [1, 1], got
    assert got[MAYA][0].startswith("Hi maya!") and got[SAM][0].startswith("Hi sam.")


def outbox(world: SlackWorld) -> list[tuple[bool, bool, int]]:
    """(delivered, quarantined, attempts) of each outbox row."""
    return [
        (m.delivered_at is not None, m.quarantined_at is not None, m.attempts)
        for m in rows(world.db, OutboxMessage)
        if not any(b["action"] == "consent" for b in m.payload.get("buttons", []))
    ]


@pytest.fixture
def pacing(world: SlackWorld) -> FakeMonotonic:
    """The outbox sender's pacing clock, moved by hand: its waits are recorded, not slept."""
    clock = FakeMonotonic()
    throttle = world.server.senders["slack"].throttle  # type: ignore[attr-defined]
    throttle.now, throttle.sleep = clock, clock.sleep
    return clock


def test_a_429_storm_loses_nothing_and_sends_nothing_twice(
    world: SlackWorld, waits: list[float], pacing: FakeMonotonic
) -> None:
    enrolled(world)
    # Six 429s in a row: Maya's intro uses up the sender's five tries and waits in the
    # outbox; Sam's goes on its second.
    world.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=6)
    match(world)
    assert [len(texts) for texts in intros(world).values()] == [0, 1]
    # Each 429 held the whole workspace for its Retry-After, in the sender, not per request.
    assert not waits
    assert pacing.slept == [1.0] * 6  # before every send that followed a 429, Sam's too
    assert sorted(outbox(world)) == [(False, False, 1), (True, False, 1)]

    world.advance(hours=1)  # the back-off has passed: the next delivery run sends it
    assert_one_intro_each(world)
    assert outbox(world) == [(True, False, 2), (True, False, 1)]  # Maya's took two runs
    refused = [c for c in world.slack.calls("chat.postMessage") if c.status == 429]
    assert len(refused) == 6


def test_messages_go_over_one_kept_alive_connection(world: SlackWorld) -> None:
    """tandem serve's clients share one HTTP session: a backlog does not pay a new connection
    (and on Slack a TLS handshake) per message."""
    enrolled(world)
    match(world)
    assert_one_intro_each(world)
    posts = world.slack.calls("chat.postMessage")
    assert len(posts) == 2 and all(c.peer for c in posts)
    assert len({c.peer for c in posts}) == 1


def test_a_429_on_opening_a_dm_is_waited_out_and_the_message_sent_once(
    world: SlackWorld, waits: list[float], pacing: FakeMonotonic
) -> None:
    """conversations.open has its own, lower limit: a programme's first messages can meet it.
    The sender waits its Retry-After and opens again, within the same delivery run."""
    world.open_home(MAYA)  # known by name, no DM opened yet
    ok_command(world, HANA, f'programme create "{PROGRAMME}" --kind reverse')
    world.slack.reset()
    world.slack.fail_next("conversations.open", status=429, retry_after=1, times=1)
    ok_command(world, HANA, f'enrol {MAYA} --programme "{PROGRAMME}" --role mentor --level 2')
    opens = [c.status for c in world.slack.calls("conversations.open")]
    assert opens == [429, 200]
    assert not waits and pacing.slept == [1.0]  # held for the Retry-After by the sender
    assert len(world.slack.calls("chat.postMessage")) == 1  # the invitation, once
    [invitation] = rows(world.db, OutboxMessage)
    assert invitation.delivered_at is not None and invitation.attempts == 1  # at the first go


def test_a_dropped_connection_is_retried_and_sent_once(
    world: SlackWorld, waits: list[float]
) -> None:
    enrolled(world)
    world.slack.drop_next("chat.postMessage")
    match(world)
    assert_one_intro_each(world)
    dropped = [c for c in world.slack.calls("chat.postMessage") if c.response is None]
    assert len(dropped) == 1 and len(waits) == 1
    assert outbox(world) == [(True, False, 1), (True, False, 1)]


def test_an_inactive_account_is_given_up_at_once_and_the_coordinator_told(
    world: SlackWorld, waits: list[float]
) -> None:
    enrolled(world)
    world.slack.reset()  # count the calls from here
    world.slack.fail_user(SAM, "account_inactive")
    match(world)
    world.advance(hours=24)  # nothing is retried, however long we wait

    assert intros(world)[MAYA][0].startswith("Hi maya!")
    # Sam's DM was opened for the invitation; the intro into it is refused once, for good.
    naming_sam = [
        c
        for c in world.slack.calls()
        if SAM in str(c.params) or world.slack.dm_channel(SAM) in str(c.params)
    ]
    assert [(c.method, c.response and c.response["error"]) for c in naming_sam] == [
        ("chat.postMessage", "account_inactive")
    ]
    assert not waits
    maya, sam, report_to_hana = outbox(world)
    assert (maya, sam, report_to_hana) == ((True, False, 1), (False, True, 1), (True, False, 1))
    [report] = said_to(world, HANA)
    assert report == plain(
        say("delivery.quarantined", names="sam", reason="Slack answered account_inactive")
    )


def test_a_server_error_is_tried_again_later_by_the_outbox_and_sent_once(
    world: SlackWorld, waits: list[float]
) -> None:
    """A 500 from Slack is not retried by the client: the outbox tries again, once, later."""
    enrolled(world)
    world.slack.fail_next("chat.postMessage", error="internal_error", status=500, times=1)
    match(world)
    assert [len(texts) for texts in intros(world).values()] == [0, 1]
    world.advance(hours=1)
    world.advance(hours=24)
    assert_one_intro_each(world)
    assert not waits
