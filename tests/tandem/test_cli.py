"""The `tandem` command: migrate, chat, and configuration errors as one line with exit code 2."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from storage.db import MIGRATIONS
from tandem.cli import app

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()

SETTINGS = (
    "DATABASE_URL",
    "TANDEM_COORDINATORS",
    "PORT",
    "TANDEM_LANGUAGE",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the machine, and no .env file is found."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env, input=input)


def test_migrate_brings_a_new_sqlite_file_to_the_latest_revision(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"

    result = invoke("migrate", env={"DATABASE_URL": f"sqlite:///{path}"})

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Migrated sqlite:///{path}: at revision {HEAD} (the latest)."
    with sqlite3.connect(path) as connection:
        assert connection.execute("select version_num from alembic_version").fetchall() == [(HEAD,)]
        tables = {
            row[0]
            for row in connection.execute("select name from sqlite_master where type = 'table'")
        }
    assert {"tenants", "people", "pairs", "sessions", "outbox", "nudges_sent"} <= tables


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'twice.db'}"}
    assert invoke("migrate", env=env).exit_code == 0
    again = invoke("migrate", env=env)
    assert again.exit_code == 0 and f"at revision {HEAD} (the latest)" in again.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "nosuchdb://somewhere/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url at all"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////no/such/folder/tandem.db"}, "DATABASE_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "chat"])
def test_bad_configuration_is_one_clear_line_and_exit_code_2(
    command: str, env: dict[str, str], named: str
) -> None:
    result = invoke(command, env=env, input=":quit\n")

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tandem: configuration error: ")
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_a_language_without_content_is_a_configuration_error(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TANDEM_LANGUAGE": "xx"}

    result = invoke("chat", env=env, input=":quit\n")

    assert result.exit_code == 2
    assert result.stderr.startswith("tandem: configuration error: TANDEM_LANGUAGE: ")
    assert "Traceback" not in result.stderr


def test_a_password_in_a_bad_database_url_is_never_printed() -> None:
    result = invoke("migrate", env={"DATABASE_URL": "postgresql://tandem:s3cret@127.0.0.1:1/x"})

    assert result.exit_code == 2
    assert "s3cret" not in result.stderr
    assert "DATABASE_URL: cannot open the database at" in result.stderr


def test_chat_makes_the_first_person_a_coordinator_when_none_is_configured(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    lines = [
        'programme create "Reverse 2027" --kind reverse',
        ":who",
        ":as sam",
        'programme create "Mine" --kind reverse',
        ":quit",
    ]

    result = invoke("chat", env=env, input="\n".join(lines) + "\n")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "you are coordinator" in out
    assert "TANDEM_COORDINATORS is not set, so you (coordinator) are a coordinator here." in out
    assert 'Created the reverse mentoring programme "Reverse 2027"' in out
    assert "`programme create` is for programme coordinators." in out  # sam is not


def test_chat_with_configured_coordinators_does_not_promote_anyone(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "TANDEM_COORDINATORS": "hana"}

    result = invoke("chat", "--as", "maya", env=env, input='programme create "X" --kind reverse\n')

    assert result.exit_code == 0
    assert "is not set" not in result.stdout
    assert "`programme create` is for programme coordinators." in result.stdout


def test_the_demo_refuses_an_existing_database_file_or_a_missing_folder(tmp_path: Path) -> None:
    existing = tmp_path / "old.db"
    existing.write_bytes(b"")

    result = invoke("demo", "--database", str(existing))

    assert result.exit_code == 2
    assert "already exists" in result.stderr
    nowhere = invoke("demo", "--database", str(tmp_path / "no" / "such" / "demo.db"))
    assert nowhere.exit_code == 2
    assert "is not a folder" in nowhere.stderr


def test_no_command_shows_the_commands() -> None:
    result = invoke()
    assert result.exit_code in (0, 2)
    for command in ("demo", "chat", "migrate", "serve", "sweep", "status", "teams-package"):
        assert command in result.output


def test_help_stays_light() -> None:
    # Each command imports what it needs; `tandem --help` loads neither numpy's science stack
    # nor the migration machinery.
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from tandem.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in ('scipy', 'alembic') "
        "if m in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]"
