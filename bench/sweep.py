"""How long the scheduler's sweep and the outbox delivery take as a programme grows.

Prints figures; asserts nothing. Run: .venv/bin/python bench/sweep.py [pairs ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.content import default_content
from bot.delivery import deliver_pending
from bot.engine import Engine
from bot.events import Action, Actor, Command, Submission
from storage.db import Database


class NullSender:
    def send(self, delivery: object) -> None:
        pass


def actor(user: str) -> Actor:
    return Actor(platform="console", tenant="bench", user_id=user, display_name=user)


def build(pairs: int, folder: Path) -> tuple[Engine, Database, FakeClock]:
    db = Database(url=f"sqlite:///{folder / 'bench.db'}")
    db.migrate()
    clock = FakeClock(datetime(2027, 1, 4, 8, tzinfo=UTC))
    engine = Engine(db=db, clock=clock, content=default_content(), coordinators={"hr"})
    engine.handle(Command(actor=actor("hr"), text="programme create Bench --kind reverse"))
    for n in range(pairs):
        for user, role, level in ((f"m{n}", "mentor", 2), (f"e{n}", "mentee", 9)):
            engine.handle(
                Command(
                    actor=actor("hr"),
                    text=f"enrol {user} --programme Bench --role {role} --level {level}",
                )
            )
        engine.handle(
            Command(actor=actor("hr"), text=f"pair m{n} e{n} --programme Bench --reason bench")
        )
        pair_id = str(n + 1)
        for user in (f"m{n}", f"e{n}"):
            engine.handle(Action(actor=actor(user), action="intro", value=f"{pair_id}:yes"))
        for user in (f"m{n}", f"e{n}"):
            engine.handle(Action(actor=actor(user), action="chemistry", value=f"{pair_id}:go"))
        form = engine.handle(
            Action(actor=actor(f"m{n}"), action="open_form", value=f"contract:{pair_id}")
        )
        assert form.answer and form.answer.form
        values = {f.name: f.initial or "x" for f in form.answer.form.fields}
        values.update(medium="video")
        engine.handle(
            Submission(actor=actor(f"m{n}"), form_id="contract", context=pair_id, values=values)
        )
        for user in (f"m{n}", f"e{n}"):
            engine.handle(
                Action(actor=actor(user), action="contract", value=f"{pair_id}:1:confirm")
            )
    deliver_pending(db=db, clock=clock, sender=NullSender(), limit=100_000)
    return engine, db, clock


def main(sizes: list[int]) -> None:
    print(
        f"{'pairs':>6} {'sweeps':>7} {'sweep ms (mean)':>16} {'ticks':>7} "
        f"{'delivered':>10} {'deliver ms':>11}"
    )
    for pairs in sizes:
        with tempfile.TemporaryDirectory() as folder:
            engine, db, clock = build(pairs, Path(folder))
            sweeps, ticks, sweep_time, delivered, deliver_time = 0, 0, 0.0, 0, 0.0
            for _ in range(24 * 14):  # two simulated weeks, one sweep an hour
                clock.advance(timedelta(hours=1))
                started = time.perf_counter()
                ticks += engine.sweep()
                sweep_time += time.perf_counter() - started
                sweeps += 1
                started = time.perf_counter()
                delivered += deliver_pending(db=db, clock=clock, sender=NullSender())
                deliver_time += time.perf_counter() - started
            print(
                f"{pairs:>6} {sweeps:>7} {1000 * sweep_time / sweeps:>16.2f} {ticks:>7} "
                f"{delivered:>10} {1000 * deliver_time:>11.1f}"
            )
            db.dispose()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 50])
