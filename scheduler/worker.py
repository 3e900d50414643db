"""The background work of one `tandem serve` process: the sweep (on the leader) and delivery.

Every worker delivers (outbox rows are claimed, so two workers never send one message), and
delivers promptly: a request that queued messages `kick`s a delivery run instead of waiting
for the next interval. Only the lease holder sweeps for due work. `stop` lets the message in
flight finish and then returns, so a shutdown never leaves a message half-sent.

Leadership: every worker tries the lease every `lease_seconds` (a fraction of its time to
live), so the leader renews it while a sweep runs and a follower takes over soon after a dead
leader's lease expires, sweeping at once. The sweep checks the lease (the fence) before each
pair's transaction commits, so a leader that lost it stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import DUE_WORK_JOB_ID, Lease

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        *,
        lease: Lease,
        sweep: Callable[..., int],
        deliver: Callable[[asyncio.Event], Awaitable[int]],
        interval_seconds: int,
        lease_seconds: float | None = None,
    ) -> None:
        self.lease = lease
        self.sweep = sweep  # called with fence=<the lease's check> when the lease has one
        self.deliver = deliver
        self.interval_seconds = interval_seconds
        self.lease_seconds = lease_seconds or interval_seconds
        self.leading = False
        self.stopping = asyncio.Event()
        self._delivering = asyncio.Lock()
        self._sweeping = asyncio.Lock()
        self._again = False
        self._tasks: set[asyncio.Task[object]] = set()
        self._scheduler: AsyncIOScheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Run the due work now and then every interval, on the running event loop."""
        self._loop = asyncio.get_running_loop()
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._scheduled,
            IntervalTrigger(seconds=self.interval_seconds, timezone=UTC),
            id=DUE_WORK_JOB_ID,
            name="sweep due work (leader) and deliver the outbox",
            max_instances=1,
            coalesce=True,  # runs missed while busy collapse into one: each run catches up
            misfire_grace_time=self.interval_seconds,
        )
        scheduler.add_job(
            self._keep_lease,
            IntervalTrigger(seconds=self.lease_seconds, timezone=UTC),
            id="lease",
            name="renew (leader) or try (follower) the scheduler lease",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(self.lease_seconds)),
        )
        scheduler.start()
        self._scheduler = scheduler
        self._track(self.run_due_work())  # at once, not an interval after start

    def kick(self) -> None:
        """Deliver soon: something was just written to the outbox.

        Safe from any thread: a Teams turn runs in a worker thread with a loop of its own, and
        a delivery started on that short-lived loop would die with it, claims and all.
        """
        if self._loop is None or self.stopping.is_set():
            return
        self._loop.call_soon_threadsafe(self._kick_here)

    def _kick_here(self) -> None:
        if not self.stopping.is_set():
            self._track(self.deliver_now())

    async def run_due_work(self) -> tuple[int, int] | None:
        """Sweep (when this worker leads) and deliver; None when stopping."""
        if self.stopping.is_set():
            return None
        swept = 0
        try:
            self.leading = await asyncio.to_thread(self.lease.try_acquire)
            if self.leading and not self._sweeping.locked():  # one sweep at a time
                async with self._sweeping:
                    swept = await asyncio.to_thread(self._sweep)
        except Exception:  # a database hiccup must not stop the schedule
            log.exception("the sweep failed")
        return swept, await self.deliver_now()

    def _sweep(self) -> int:
        fence = getattr(self.lease, "fence", None)
        kwargs: dict[str, Any] = {"fence": fence} if fence is not None else {}
        return self.sweep(**kwargs)

    async def _keep_lease(self) -> None:
        """Renew the lease while leading (a sweep in progress included); a follower that
        finds it free takes it and sweeps at once instead of waiting for its next interval."""
        if self.stopping.is_set():
            return
        try:
            was_leading = self.leading
            self.leading = await asyncio.to_thread(self.lease.try_acquire)
        except Exception:
            log.exception("the lease could not be renewed")
            return
        if self.leading and not was_leading:
            log.info("took the scheduler lease over")
            self._track(self.run_due_work())

    async def deliver_now(self) -> int:
        """One delivery run at a time per worker; a kick during a run asks for one more."""
        if self._delivering.locked():
            self._again = True
            return 0
        delivered = 0
        async with self._delivering:
            while not self.stopping.is_set():
                self._again = False
                try:
                    delivered += await self.deliver(self.stopping)
                except Exception:
                    log.exception("delivery failed")
                if not self._again:
                    break
        return delivered

    async def idle(self) -> None:
        """Wait until no sweep or delivery of this worker is running (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Stop the schedule, let the message in flight finish, and wait for running work."""
        self.stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        await self.idle()
        release = getattr(self.lease, "release", None)
        if self.leading and release is not None:
            try:  # another worker need not wait for the lease to expire
                await asyncio.to_thread(release)
            except Exception:
                log.exception("giving the lease back failed")
            self.leading = False

    async def _scheduled(self) -> None:
        # APScheduler runs this coroutine on the loop (one at a time: max_instances=1); it is
        # tracked so that stop() waits for a sweep in progress instead of cutting it off.
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self.run_due_work()
        finally:
            if task is not None:
                self._tasks.discard(task)  # type: ignore[arg-type]

    def _track(self, work: Awaitable[object]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
