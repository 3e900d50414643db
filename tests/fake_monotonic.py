"""A monotonic clock a test moves by hand, for the senders' pacing (Throttle, Pacer): sleeping
on it advances it at once, so pacing is tested without waiting."""

from __future__ import annotations


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0  # a monotonic clock starts anywhere
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the pacing asked to sleep for nothing"
        self.slept.append(seconds)
        self.now += seconds


def most_in_any_window(times: list[float], window: float) -> int:
    """The most sends that fall in any half-open window of `window` seconds."""
    return max(sum(1 for t in times if start <= t < start + window) for start in times)
