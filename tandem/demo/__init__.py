"""`tandem demo`: a whole reverse-mentoring programme in simulated time, printed as it happens.

It runs on a fresh SQLite file through the real engine, storage and outbox; nothing is canned.
The storyline checks itself (see story.py) and raises StorylineError if the engine drifts.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from bot.clock import FakeClock
from tandem import bootstrap
from tandem.demo import story
from tandem.demo.checks import Checks, StorylineError
from tandem.demo.printer import Printer
from tandem.demo.world import World
from tandem.settings import load_settings

__all__ = ["StorylineError", "run"]

ZONE = ZoneInfo("Europe/London")
START = datetime(2027, 1, 4, 8, 0, tzinfo=ZONE)  # a Monday morning


def run(*, database: Path, console: Console, hourly: bool = False, language: str = "en") -> Checks:
    """Run the storyline on a new SQLite file at `database`, with Tandem speaking `language`;
    return the checks that passed."""
    # Only what the demo needs: the process environment (a bad PORT, say) plays no part.
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "TANDEM_COORDINATORS": story.HANA.user_id,
            "TANDEM_LANGUAGE": language,
        }
    )
    clock = FakeClock(START)
    app = bootstrap.build(settings, clock=clock)
    try:
        printer = Printer(console, zone=ZONE, names=[p.name for p in story.CAST])
        world = World(app=app, clock=clock, printer=printer, zone=ZONE, hourly=hourly)
        checks = Checks(app.db)
        _introduce(printer, hourly)
        started = time.perf_counter()
        maya_sam, leo_priya = story.set_up(world, checks)
        story.intros_and_chemistry(world, checks, maya_sam, leo_priya)
        story.contract(world, checks, maya_sam)
        story.sessions(world, checks, maya_sam)
        story.wrap_up(world, checks, maya_sam)
        _conclude(printer, checks, world, time.perf_counter() - started, database)
        return checks
    finally:
        app.close()


def _introduce(printer: Printer, hourly: bool) -> None:
    printer.title("[bold]Tandem demo: a reverse-mentoring programme, January to June 2027[/bold]")
    for person in story.CAST:
        printer.note(f"  [bold]{escape(person.name)}[/bold], {escape(person.about)}")
    sweeps = (
        "every simulated hour"
        if hourly
        else "on the hour whenever something is due or someone has just acted, and every "
        "morning at 09:00"
    )
    printer.note(
        "Lines with → are messages Tandem delivered from its outbox, and ↳ is its answer to "
        "whoever just acted: all of it straight from the engine. Lines marked ▸ are the story. "
        f"Times are {ZONE.key}. The scheduler sweeps {sweeps}. Nothing is printed twice: (…) "
        "marks sentences shown before (names aside), and a list shown before is named, not "
        "repeated."
    )


def _conclude(
    printer: Printer, checks: Checks, world: World, seconds: float, database: Path
) -> None:
    printer.note("")
    printer.title(f"[bold]Storyline checks: {len(checks.passed)} passed[/bold]")
    for claim in checks.passed:
        printer.note(f"  [green]✓[/green] {escape(claim)}")
    printer.note(
        f"[dim]Simulated {START:%d %b} – {world.clock.now():%d %b %Y} with "
        f"{world.sweeps} sweeps in {seconds:.1f} s; {len(world.received)} messages "
        f"delivered. Database: {escape(str(database))}[/dim]"
    )
