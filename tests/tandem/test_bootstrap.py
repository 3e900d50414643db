"""The composition root wires the scheduler: one leader sweeps and delivers, others wait."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flow import START, RecordingSender, accept_invitations

from bot.clock import FakeClock
from bot.events import Actor, Command
from tandem.bootstrap import build
from tandem.settings import load_settings


def test_only_the_leader_sweeps_and_delivers_until_its_lease_lapses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    clock = FakeClock(START)
    first = build(
        load_settings(
            {"DATABASE_URL": url, "TANDEM_WORKER_ID": "one", "TANDEM_COORDINATORS": "hana"}
        ),
        clock=clock,
    )
    second = build(load_settings({"DATABASE_URL": url, "TANDEM_WORKER_ID": "two"}), clock=clock)
    hana = Actor(platform="console", tenant="t", user_id="hana", display_name="Hana")
    first.engine.handle(Command(actor=hana, text="programme create P --kind classic"))
    first.engine.handle(Command(actor=hana, text="enrol ola --programme P --role mentor --level 8"))
    first.engine.handle(Command(actor=hana, text="enrol bo --programme P --role mentee --level 2"))
    accept_invitations(
        first.engine,
        [
            Actor(platform="console", tenant="t", user_id=who, display_name=who)
            for who in ("ola", "bo")
        ],
    )
    first.engine.handle(Command(actor=hana, text="pair ola bo --programme P"))
    one, two = RecordingSender(), RecordingSender()

    # The two invitations and the two intros go out through the leader.
    assert first.due_work(one)() == (0, 4)
    assert second.due_work(two)() is None and two.deliveries == []
    clock.advance(timedelta(seconds=3 * first.settings.sweep_seconds + 1))
    assert second.due_work(two)() == (0, 0)  # the first worker went quiet: the second leads

    scheduler = first.scheduler(one)
    [job] = scheduler.get_jobs()
    assert job.trigger.interval == timedelta(seconds=first.settings.sweep_seconds)
    first.close()
    second.close()
