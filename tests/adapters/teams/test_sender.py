"""adapters/teams/sender.Pacer: Teams' per-conversation limits, on a fake monotonic clock.

Teams allows a bot 7 sends a second and 60 in 30 seconds to one conversation. The pacer's clock
and sleep are injected: sleeping moves the fake clock, so nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio

import pytest
from fake_monotonic import FakeMonotonic, most_in_any_window

from adapters.teams.sender import TENANT_RATE, Pacer, TeamsSender
from bot.delivery import Delivery, Recipient, Throttle
from bot.replies import Audience, Reply


def sends(pacer: Pacer, clock: FakeMonotonic, conversation: str, count: int) -> list[float]:
    async def run() -> list[float]:
        times = []
        for _ in range(count):
            await pacer.wait(conversation)
            times.append(clock.now)
        return times

    return asyncio.run(run())


def test_a_conversation_never_gets_more_than_7_a_second_nor_60_in_30_seconds() -> None:
    clock = FakeMonotonic()
    pacer = Pacer(now=clock, sleep=clock.sleep)
    times = sends(pacer, clock, "a:maya", 200)
    assert most_in_any_window(times, 1.0) == 7
    assert most_in_any_window(times, 30.0) == 60
    # As fast as the limits allow, no slower: a burst of 7, then the next second's 7.
    assert times[:7] == [100.0] * 7 and times[7] == 101.0
    assert times[60] == 130.0  # the 61st waits for the first to leave the 30-second window
    assert times[-1] - times[0] < 4 * 30  # 200 sends take a little over three windows


def test_sends_spread_over_time_are_never_held_up() -> None:
    clock = FakeMonotonic()
    pacer = Pacer(now=clock, sleep=clock.sleep)

    async def run() -> None:
        for _ in range(50):
            await pacer.wait("a:maya")
            clock.now += 0.5  # two a second: well inside both limits

    asyncio.run(run())
    assert clock.slept == []


def test_a_busy_conversation_does_not_hold_up_another() -> None:
    clock = FakeMonotonic()
    released = asyncio.Event()
    pacer = Pacer(now=clock, sleep=lambda seconds: released.wait())

    async def run() -> None:
        for _ in range(7):
            await pacer.wait("a:maya")  # Maya's chat has used this second's sends
        held = asyncio.create_task(pacer.wait("a:maya"))
        await asyncio.sleep(0)
        assert not held.done()  # the eighth send to Maya waits...
        for _ in range(7):
            await asyncio.wait_for(pacer.wait("a:sam"), timeout=1)  # ...Sam's go at once
        assert not held.done()
        clock.now += 1.0
        released.set()
        await asyncio.wait_for(held, timeout=1)

    asyncio.run(run())


# -- the tenant's limit, across conversations ---------------------------------------------------


class FakeAdapter:
    """CloudAdapter's continue_conversation, recording which conversation each send went to."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def continue_conversation(self, reference, callback, _app_id) -> None:  # type: ignore[no-untyped-def]
        class Turn:
            async def send_activity(self, _activity: object) -> None:
                pass

        await callback(Turn())
        self.sent.append(reference.conversation.id)


def test_a_tenant_never_gets_more_than_50_sends_a_second_across_its_conversations() -> None:
    """Teams allows 50 requests a second per app per tenant, whichever conversations they go to;
    each conversation here gets one message, so only the tenant's limit can bind."""
    clock = FakeMonotonic()
    adapter = FakeAdapter()
    teams = TeamsSender(
        adapter=adapter,  # type: ignore[arg-type]
        app_id=None,
        pacer=Pacer(now=clock, sleep=clock.sleep),
        throttle=Throttle(rate=TENANT_RATE, now=clock, sleep=clock.sleep),  # as by default
    )
    times: list[float] = []

    async def run() -> None:
        for n in range(140):
            person = Recipient(
                person_id=n,
                user_id=f"29:{n}",
                name=f"Person {n}",
                address={"conversation_id": f"a:{n}", "service_url": "https://smba.example/"},
            )
            await teams.send(
                Delivery(
                    message_id=n,
                    platform="teams",
                    tenant="tenant-1",
                    audience=Audience.PERSON,
                    recipients=(person,),
                    pair_id=None,
                    reply=Reply(text="hello"),
                )
            )
            times.append(clock.now)

    asyncio.run(run())
    assert len(adapter.sent) == 140 and len(set(adapter.sent)) == 140
    # 50 in any second, never more (a hair under a second: the float sum of 50 gaps of 0.02)
    assert most_in_any_window(times, 0.999_999) == TENANT_RATE
    assert max(times) - min(times) == pytest.approx(139 / TENANT_RATE)  # and no slower
