"""The `tandem` command: demo, chat and migrate. Configuration errors end with exit code 2."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from bot.clock import FakeClock, SystemClock
from tandem import bootstrap
from tandem.settings import ConfigError, Settings, load_settings

CONFIG_ERROR = 2
STORY_BROKEN = 1

app = typer.Typer(
    name="tandem",
    help="Tandem coaches mentoring pairs in Slack and Teams. Try `tandem demo` first.",
    no_args_is_help=True,
    add_completion=False,
    # Tracebacks with local variables could print a token; plain ones are enough for bugs.
    pretty_exceptions_enable=False,
)


@app.command()
def demo(
    database: Annotated[
        Path | None,
        typer.Option("--database", help="SQLite file to create (default: a fresh temporary file)."),
    ] = None,
    plain: Annotated[bool, typer.Option("--plain", help="No colours or styles.")] = False,
    hourly: Annotated[
        bool, typer.Option("--hourly", help="Sweep every simulated hour, as the tests do (slower).")
    ] = False,
) -> None:
    """Run a whole reverse-mentoring programme in simulated time and print what everyone gets."""
    from tandem.demo import StorylineError, run

    if database is None:
        database = Path(tempfile.mkdtemp(prefix="tandem-demo-")) / "demo.db"
    elif database.exists():
        _fail(f"{database} already exists; the demo needs a new file (or leave out --database).")
    elif not database.parent.is_dir():
        _fail(f"{database.parent} is not a folder; --database needs a file in an existing one.")
    console = Console(highlight=False, color_system=None) if plain else Console(highlight=False)
    try:
        run(database=database, console=console, hourly=hourly)
    except ConfigError as error:
        _config_failed(error)
    except StorylineError as error:
        typer.echo(f"tandem demo: the storyline broke: {error}", err=True)
        raise typer.Exit(STORY_BROKEN) from None


@app.command()
def chat(
    user: Annotated[
        str, typer.Option("--as", help="Who you are at first (switch later with :as <user>).")
    ] = "coordinator",
) -> None:
    """Talk to Tandem in the terminal, as anyone, with simulated time (DATABASE_URL)."""
    from adapters.console.app import TENANT, ConsoleApp, TerminalIO

    settings = _settings()
    greeting = ""
    if not settings.coordinators:
        # Someone has to be able to create a programme; without the setting, it's you.
        settings = settings.model_copy(update={"coordinators_csv": user})
        greeting = (
            f"TANDEM_COORDINATORS is not set, so you ({user}) are a coordinator here. "
            f"Data is kept in {bootstrap.safe_url(settings.database_url)} "
            f"(tenant {TENANT!r})."
        )
    clock = FakeClock(SystemClock().now().replace(second=0, microsecond=0))
    built = _build(settings, clock)
    try:
        console = ConsoleApp(
            engine=built.engine,
            # Only the console workspace: a shared database may hold real Slack or Teams ones.
            deliver=partial(built.deliver, platforms=("console",)),
            clock=clock,
            io=TerminalIO(),
            user=user,
        )
        console.run(greeting=greeting)
    finally:
        built.close()


@app.command()
def migrate() -> None:
    """Apply the database migrations to DATABASE_URL and print the revision it is at."""
    settings = _settings()
    try:
        db = bootstrap.open_database(settings.database_url)
    except ConfigError as error:
        _config_failed(error)
    try:
        current, head = bootstrap.revisions(db)
    finally:
        db.dispose()
    latest = " (the latest)" if current == head else f" (the latest is {head})"
    typer.echo(
        f"Migrated {bootstrap.safe_url(settings.database_url)}: at revision {current}{latest}."
    )


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        _config_failed(error)


def _build(settings: Settings, clock: FakeClock) -> bootstrap.App:
    try:
        return bootstrap.build(settings, clock=clock)
    except ConfigError as error:
        _config_failed(error)


def _config_failed(error: ConfigError) -> NoReturn:
    # One line, however many variables are wrong: "PORT: …; DATABASE_URL: …".
    _fail("configuration error: " + "; ".join(str(error).splitlines()))


def _fail(message: str) -> NoReturn:
    typer.echo(f"tandem: {message}", err=True)
    raise typer.Exit(CONFIG_ERROR)
