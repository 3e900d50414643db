"""How fast `tandem serve`'s Teams sender can deliver, with its pacing switched off.

A real `tandem serve` (SQLite, Teams only, on 127.0.0.1) and the fake Bot Framework of the tests
(tests/teams_fake.py: signed tokens, the Bot Connector's REST API) run in this process. Sam
installs the app, so his chat has a stored conversation reference; then `--messages` outbox
rows for him are written in bulk and one delivery run sends them. Teams' own limits (7 a second
and 60 in 30 seconds per conversation, 50 a second per tenant) are what the sender normally
paces at; here both are lifted, so the figure is the sender's own speed, to compare with them.
"CPU/msg" is this process's CPU per message, the fake's share included. Prints figures;
asserts nothing.

    .venv/bin/python bench/teams_send.py            # --messages 300
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

from scenario import person  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from teams_steps import installed  # noqa: E402
from teams_world import SAM, teams_world  # noqa: E402

from bot.delivery import deliver_pending_async  # noqa: E402
from bot.replies import Reply  # noqa: E402
from storage.models import OutboxMessage, Tenant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, teams_world(Path(folder)) as world:
        installed(world)
        db = world.db
        sam = person(db, SAM.aad)
        with db.transaction() as session:
            tenant_id = session.scalar(select(Tenant.id))
            session.execute(
                insert(OutboxMessage),
                [
                    {
                        "tenant_id": tenant_id,
                        "audience": "person",
                        "person_id": sam.id,
                        "pair_id": None,
                        "payload": Reply(text=f"bench message {n}").to_dict(),
                        "created_at": world.clock.now(),
                        "attempts": 0,
                        "not_before": None,
                    }
                    for n in range(arguments.messages)
                ],
            )
        sender = world.server.senders["teams"]
        sender.pacer.LIMITS = ((10**9, 1.0),)  # type: ignore[attr-defined]
        sender.throttle.rate = None  # type: ignore[attr-defined]
        before = len(world.fake.received)
        started, cpu = time.perf_counter(), time.process_time()
        run = deliver_pending_async(db=db, clock=world.clock, senders=world.server.senders)
        sent = asyncio.run_coroutine_threadsafe(run, world.loop).result(timeout=600)
        seconds = time.perf_counter() - started
        received = len(world.fake.received) - before
        print(
            f"teams: {sent:,} delivered ({received:,} received by the fake) in {seconds:.2f} s: "
            f"{sent / seconds:.1f}/s, {(time.process_time() - cpu) * 1000 / max(sent, 1):.1f} "
            "ms CPU/msg",
            flush=True,
        )


if __name__ == "__main__":
    main()
