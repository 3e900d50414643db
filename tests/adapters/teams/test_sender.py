"""adapters/teams/sender.Pacer: Teams' per-conversation limits, on a fake monotonic clock.

Teams allows a bot 7 sends a second and 60 in 30 seconds to one conversation. The pacer's clock
and sleep are injected: sleeping moves the fake clock, so nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio

from adapters.teams.sender import Pacer


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0  # a monotonic clock starts anywhere
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the pacer asked to sleep for nothing"
        self.slept.append(seconds)
        self.now += seconds


def most_in_any_window(times: list[float], window: float) -> int:
    """The most sends that fall in any half-open window of `window` seconds."""
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


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
