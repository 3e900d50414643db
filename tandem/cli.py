"""The `tandem` command: demo, chat, migrate, serve, sweep, status and teams-package.

Configuration errors, and a database that cannot be reached or is too new, exit 2.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from bot.clock import FakeClock, SystemClock
from tandem.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:  # each command imports what it needs: `tandem --help` stays light
    from sqlalchemy.exc import OperationalError

    from tandem import bootstrap

CONFIG_ERROR = 2
STORY_BROKEN = 1
NOT_SWEPT = 1  # `tandem sweep` while another worker leads: delivered, but did not sweep

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
    language: Annotated[
        str,
        typer.Option("--language", help="What Tandem speaks: a folder of bot/content (en, de)."),
    ] = "en",
) -> None:
    """Run a whole reverse-mentoring programme in simulated time and print what everyone gets."""
    from bot.content import Content
    from tandem.demo import StorylineError, run

    if language not in Content.languages():
        _fail(f"--language {language!r}: Tandem speaks {', '.join(Content.languages())}.")
    if database is None:
        database = Path(tempfile.mkdtemp(prefix="tandem-demo-")) / "demo.db"
    elif database.exists():
        _fail(f"{database} already exists; the demo needs a new file (or leave out --database).")
    elif not database.parent.is_dir():
        _fail(f"{database.parent} is not a folder; --database needs a file in an existing one.")
    console = Console(highlight=False, color_system=None) if plain else Console(highlight=False)
    try:
        run(database=database, console=console, hourly=hourly, language=language)
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
    from adapters.console.app import PLATFORM, TENANT, ConsoleApp, TerminalIO
    from tandem import bootstrap
    from tandem.status import real_workspaces

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
            deliver=partial(built.deliver, platforms=(PLATFORM,)),
            sweep=partial(built.engine.sweep, platforms=(PLATFORM,)),
            real_workspaces=partial(real_workspaces, built.db),
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
    from tandem import bootstrap

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


@app.command("teams-package")
def teams_package(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the package into.")],
    domain: Annotated[
        str, typer.Option("--domain", help="The host name Tandem is served from.")
    ] = "tandem.example.com",
    version: Annotated[
        str | None, typer.Option("--version", help="The app version (default: Tandem's).")
    ] = None,
) -> None:
    """Write the Teams app package (manifest.json, icons, zip) for MICROSOFT_APP_ID."""
    from adapters.teams.package import PackageError, write_package

    app_id = _settings().microsoft_app_id
    if app_id is None:
        _fail("MICROSOFT_APP_ID is not set: the Teams app package needs the bot's app id.")
    try:
        archive = write_package(out, app_id=app_id, domain=domain, version=version)
    except PackageError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"can't write the package to {out}: {error}")
    typer.echo(f"Wrote {archive}: upload it in Teams (Apps > Manage your apps > Upload an app).")


@app.command()
def serve() -> None:
    """Serve Slack (and Teams) on PORT, sweep and deliver; stop cleanly on SIGTERM."""
    import asyncio
    import logging

    from tandem import serve as serving

    settings = _settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(serving.run(settings, clock=SystemClock()))
    except ConfigError as error:
        _config_failed(error)
    except OSError as error:  # the port is taken, or the host is not this machine's
        _fail(f"cannot listen on {settings.host}:{settings.port}: {error.strerror or error}")


# -- operator commands (issue 7) ---------------------------------------------------------------


@app.command()
def sweep(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Judge what is due as of this moment, ISO 8601 with a zone "
            "(2027-03-01T09:00Z): for rehearsals. Default: the real time.",
        ),
    ] = None,
) -> None:
    """Run one sweep and delivery by hand, through the platforms `tandem serve` would use."""
    import logging

    from sqlalchemy.exc import OperationalError

    from tandem.sweep import sweep_once

    clock = SystemClock() if now is None else FakeClock(_moment(now))
    settings = _settings()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        outcome = sweep_once(settings, clock=clock)
    except ConfigError as error:
        _config_failed(error)
    except OperationalError as error:  # unreachable or locked after start-up
        _database_failed(error, settings)
    through = ", ".join(outcome.platforms) or "no platform"
    at = f" as of {clock.now():%Y-%m-%d %H:%M} UTC" if now is not None else ""
    if outcome.swept is None:
        until = f"{outcome.leader_until:%Y-%m-%d %H:%M:%S} UTC" if outcome.leader_until else "?"
        typer.echo(
            f"Not swept: worker {outcome.leader} leads (its lease runs until {until}); "
            f"delivered {outcome.delivered} messages through {through}."
        )
        raise typer.Exit(NOT_SWEPT)
    typer.echo(
        f"Swept{at}: {outcome.swept} due items handled; "
        f"delivered {outcome.delivered} messages through {through}."
    )


@app.command()
def status(
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain text, no tables (the default when piped).")
    ] = False,
) -> None:
    """Per workspace: what is due in the next day, the outbox, the leader and the last sweep."""
    from sqlalchemy.exc import OperationalError

    from tandem import bootstrap
    from tandem.status import gather, show

    settings = _settings()
    try:
        db = bootstrap.open_database(settings.database_url, migrate=False)
    except ConfigError as error:
        _config_failed(error)
    try:
        report = gather(db, now=SystemClock().now())
    except OperationalError as error:  # a lock or statement timeout, or the server went away
        _database_failed(error, settings)
    finally:
        db.dispose()
    console = Console(highlight=False)
    show(
        report,
        console=console,
        plain=plain or not console.is_terminal,
        database=bootstrap.safe_url(settings.database_url),
    )


def _database_failed(error: OperationalError, settings: Settings) -> NoReturn:
    from tandem.bootstrap import safe_url

    reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    _fail(f"DATABASE_URL: the database at {safe_url(settings.database_url)} failed: {reason}")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--now {text!r} is not an ISO 8601 time; try 2027-03-01T09:00Z")
    if moment.tzinfo is None:
        _fail(f"--now {text!r} has no time zone; add one, like 2027-03-01T09:00Z or +01:00")
    return moment.astimezone(UTC)


# -- end of the operator commands ---------------------------------------------------------------


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        _config_failed(error)


def _build(settings: Settings, clock: FakeClock) -> bootstrap.App:
    from tandem import bootstrap

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


if __name__ == "__main__":  # python -m tandem.cli, as the benchmarks run it
    app()
