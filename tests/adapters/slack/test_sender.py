"""Pacing sends per workspace (bot.delivery.Throttle) and the Slack sender's 429s, on a fake clock.

The throttle's monotonic clock and sleep are injected: sleeping moves the fake clock, so nothing
here waits on the wall clock, and what is asserted is when each send was let go.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_monotonic import FakeMonotonic, most_in_any_window
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from adapters.slack.sender import TRIES, SlackSender
from bot.delivery import Delivery, Recipient, Throttle
from bot.replies import Audience, Reply


def throttled(rate: float | None, burst: float = 1.0) -> tuple[Throttle, FakeMonotonic]:
    clock = FakeMonotonic()
    return Throttle(rate=rate, burst=burst, now=clock, sleep=clock.sleep), clock


def release_times(throttle: Throttle, clock: FakeMonotonic, key: str, count: int) -> list[float]:
    async def run() -> list[float]:
        times = []
        for _ in range(count):
            await throttle.wait(key)
            times.append(clock.now)
        return times

    return asyncio.run(run())


def test_the_bucket_lets_a_burst_go_then_spaces_sends_at_the_rate() -> None:
    throttle, clock = throttled(rate=10.0, burst=5)
    times = release_times(throttle, clock, "T1", 45)
    assert times[:5] == [100.0] * 5  # the burst goes at once
    gaps = [b - a for a, b in zip(times[5:], times[6:], strict=False)]
    assert all(gap == pytest.approx(0.1) for gap in gaps)  # then one every 1/rate
    assert times[-1] == pytest.approx(104.0)  # 45 sends: 5 at once, 40 at 10 a second
    # Never more than the burst plus what the rate refills, in any window.
    assert most_in_any_window(times, 1.0) <= 5 + 10


def test_sends_spread_over_time_are_never_held_up() -> None:
    throttle, clock = throttled(rate=10.0, burst=1)

    async def run() -> None:
        for _ in range(30):
            await throttle.wait("T1")
            clock.now += 0.2  # five a second, under the rate

    asyncio.run(run())
    assert clock.slept == []


def test_an_idle_bucket_refills_only_up_to_its_burst() -> None:
    throttle, clock = throttled(rate=10.0, burst=3)
    release_times(throttle, clock, "T1", 3)
    clock.now += 60  # a long quiet spell
    times = release_times(throttle, clock, "T1", 5)
    assert times[:3] == [160.0] * 3 and times[3] == pytest.approx(160.1)


def test_workspaces_are_paced_apart() -> None:
    throttle, clock = throttled(rate=1.0, burst=1)
    assert release_times(throttle, clock, "T1", 1) == [100.0]
    assert release_times(throttle, clock, "T2", 1) == [100.0]  # T1's pace is not T2's
    assert release_times(throttle, clock, "T1", 1) == [101.0]


def test_a_hold_stops_the_whole_workspace_and_it_resumes_without_a_burst() -> None:
    throttle, clock = throttled(rate=10.0, burst=5)
    throttle.hold("T1", 3.0)  # a 429 with Retry-After: 3
    times = release_times(throttle, clock, "T1", 3)
    assert times[0] == pytest.approx(103.0)  # nothing before the Retry-After is over
    assert times[1] - times[0] == pytest.approx(0.1)  # and then at the rate, not a burst
    assert release_times(throttle, clock, "T2", 1) == [pytest.approx(103.2)]  # T2 never held


def test_no_rate_paces_nothing_but_still_honours_a_hold() -> None:
    throttle, clock = throttled(rate=None)
    assert release_times(throttle, clock, "T1", 100) == [100.0] * 100
    throttle.hold("T1", 2.0)
    assert release_times(throttle, clock, "T1", 2) == [102.0, 102.0]


# -- the Slack sender -------------------------------------------------------------------------


class Refusal(dict):  # what slack_sdk's response looks like to an error handler
    def __init__(self, status: int, retry_after: str | None) -> None:
        super().__init__(ok=False, error="ratelimited" if status == 429 else "internal_error")
        self.status_code = status
        self.headers = {"retry-after": retry_after} if retry_after is not None else {}


class FakeClient:
    """chat.postMessage only: refuses the next `refuse` posts with `status`, records the rest."""

    def __init__(self, clock: FakeMonotonic, *, retry_handlers: list[Any] | None = None) -> None:
        self.clock = clock
        self.retry_handlers = retry_handlers or []
        self.refuse: list[tuple[int, str | None]] = []
        self.posted: list[tuple[float, str]] = []
        self.refused: list[tuple[float, str]] = []

    async def chat_postMessage(self, *, channel: str, **_: Any) -> dict[str, Any]:  # noqa: N802
        if self.refuse:
            status, retry_after = self.refuse.pop(0)
            self.refused.append((self.clock.now, channel))
            raise SlackApiError("refused", Refusal(status, retry_after))
        self.posted.append((self.clock.now, channel))
        return {"ok": True, "channel": channel}


def to(channel: str, *, workspace: str = "T1", message_id: int = 1) -> Delivery:
    return Delivery(
        message_id=message_id,
        platform="slack",
        tenant=workspace,
        audience=Audience.PERSON,
        recipients=(
            Recipient(
                person_id=message_id, user_id="U1", name="Maya", address={"channel": channel}
            ),
        ),
        pair_id=None,
        reply=Reply(text="hello"),
    )


def sender_on(client: FakeClient, clock: FakeMonotonic, rate: float = 10.0) -> SlackSender:
    throttle = Throttle(rate=rate, burst=1, now=clock, sleep=clock.sleep)
    return SlackSender(client=client, throttle=throttle)  # type: ignore[arg-type]


def test_a_429_holds_every_send_to_the_workspace_for_its_retry_after() -> None:
    clock = FakeMonotonic()
    client = FakeClient(clock)
    sender = sender_on(client, clock)
    client.refuse = [(429, "2")]

    async def run() -> None:
        await sender.send(to("D-maya"))  # refused once, then sent after the hold
        await sender.send(to("D-sam", message_id=2))  # another DM in the same workspace
        await sender.send(to("D-lee", workspace="T2", message_id=3))  # another workspace

    asyncio.run(run())
    assert client.refused == [(100.0, "D-maya")]
    posted = dict((channel, at) for at, channel in client.posted)
    assert posted["D-maya"] == pytest.approx(102.0)  # Retry-After honoured, no extra jitter
    assert posted["D-sam"] == pytest.approx(102.1)  # waited too, then at the rate
    assert posted["D-lee"] == pytest.approx(102.1)  # (sent after Sam's; its own pace)


def test_a_429_storm_longer_than_the_tries_is_left_to_the_outbox() -> None:
    clock = FakeMonotonic()
    client = FakeClient(clock)
    sender = sender_on(client, clock)
    client.refuse = [(429, "1")] * (TRIES + 1)
    with pytest.raises(SlackApiError):
        asyncio.run(sender.send(to("D-maya")))
    assert len(client.refused) == TRIES and client.posted == []


def test_a_client_that_retries_429s_itself_is_left_to_do_so() -> None:
    """serve's client carries slack_sdk's handler: it has waited and retried already."""
    clock = FakeMonotonic()
    client = FakeClient(clock, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
    sender = sender_on(client, clock)
    client.refuse = [(429, "5")]
    with pytest.raises(SlackApiError):
        asyncio.run(sender.send(to("D-maya")))
    asyncio.run(sender.send(to("D-sam", message_id=2)))
    [(at, channel)] = client.posted
    assert channel == "D-sam" and at == pytest.approx(100.1)  # at the rate: no hold on top


def test_a_backlog_goes_out_at_the_configured_rate() -> None:
    clock = FakeMonotonic()
    client = FakeClient(clock)
    sender = sender_on(client, clock, rate=4.0)

    async def run() -> None:
        for n in range(21):
            await sender.send(to(f"D{n}", message_id=n + 1))

    asyncio.run(run())
    times = [at for at, _ in client.posted]
    assert times[-1] - times[0] == pytest.approx(5.0)  # 20 gaps of 1/4 s
    assert most_in_any_window(times, 1.0) == 4
