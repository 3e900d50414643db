"""Pacing sends per workspace under a platform's rate limit (a token bucket, written as GCRA).

Apart from the rest of delivery because it has no database side: the asyncio senders in
adapters/ use it around their platform calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


class Throttle:
    """Sends to one workspace paced under the platform's limit, instead of learning it from 429s.

    A token bucket per key (a workspace, say): on average `rate` sends a second, at most `burst`
    at once; `rate` None paces nothing. `hold` is the platform saying "slow down" (a 429's
    Retry-After): every send to that key waits until then, and starts again without a burst,
    since the platform's own bucket is empty. Written as a virtual schedule (GCRA: one time
    stamp per key, the moment the bucket would be full again): each `wait` reserves its moment
    before it sleeps, so one sleep is enough and concurrent senders in a process are spaced as
    well. `now` is a monotonic clock and `sleep` waits on it; both are injected, so a test
    drives them and the pacing never reads the time of day.
    """

    def __init__(
        self,
        *,
        rate: float | None,
        burst: float = 1.0,
        now: Callable[[], float],
        sleep: Callable[[float], Awaitable[Any]],
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("a rate must be above zero (or None: no pacing)")
        self.rate = rate
        self.burst = max(1.0, burst)
        self.now = now
        self.sleep = sleep
        self._full_at: dict[str, float] = {}  # per key: when the bucket is full again

    @property
    def _interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    @property
    def _tolerance(self) -> float:
        return (self.burst - 1.0) * self._interval  # how far ahead of the schedule a send may go

    async def wait(self, key: str) -> None:
        """Return when one more send to `key` keeps within the limit (and any hold is over)."""
        now = self.now()
        full_at = max(self._full_at.get(key, now), now)
        at = max(now, full_at - self._tolerance)
        self._full_at[key] = full_at + self._interval
        if at > now:
            await self.sleep(at - now)

    def hold(self, key: str, seconds: float) -> None:
        """Nothing more goes to `key` for `seconds`; then sends resume at the rate, no burst."""
        until = self.now() + max(seconds, 0.0)
        self._full_at[key] = max(self._full_at.get(key, until), until + self._tolerance)
