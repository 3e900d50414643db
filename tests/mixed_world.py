"""One `tandem serve` with a Slack workspace and a Teams tenant at once, each against its fake.

The two worlds share the server, its database and its clock; each drives and reads its own
platform exactly as tests/slack_world.py and tests/teams_world.py do on their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flow import START
from served import serving
from slack_fake import FakeSlack
from slack_world import SlackWorld, slack_environment
from teams_world import HANA, TeamsWorld, fake_bot_framework, teams_environment

from bot.clock import FakeClock
from tandem.settings import load_settings

SLACK_COORDINATOR = "U0HANA"


@contextmanager
def mixed_world(
    tmp_path: Path, *, start: datetime = START
) -> Iterator[tuple[SlackWorld, TeamsWorld]]:
    """Slack (over HTTP) and Teams (authenticated) on one server; Hana coordinates on each."""
    with FakeSlack().in_background() as slack, fake_bot_framework(authenticated=True) as fake:
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}",
                **slack_environment(slack),
                **teams_environment(fake, authenticated=True),
                "TANDEM_COORDINATORS": f"{SLACK_COORDINATOR},{HANA.aad}",
                "TANDEM_HOST": "127.0.0.1",
                "TANDEM_SWEEP_SECONDS": "3600",
                "TANDEM_WORKER_ID": "mixed-test-worker",
            }
        )
        clock = FakeClock(start)
        with serving(settings, clock=clock) as served:
            yield (
                SlackWorld(slack, served.server, clock, served.port, served.loop),
                TeamsWorld(fake, served.server, clock, served.port, served.loop),
            )
