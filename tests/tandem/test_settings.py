"""Settings: defaults, parsing, and start-up errors that name the variable at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.settings import ConfigError, Settings, load_settings

SLACK_HTTP = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cret"}
TEAMS = {"MICROSOFT_APP_ID": "00000000-app", "MICROSOFT_APP_PASSWORD": "hunter2"}


def config_error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    return str(raised.value)


def test_defaults_enable_nothing_but_teams_unauthenticated() -> None:
    settings = load_settings({})

    assert isinstance(settings, Settings)
    assert settings.database_url == "sqlite:///tandem.db"
    assert settings.coordinators == frozenset()
    assert settings.port == 3000
    assert settings.sweep_seconds == 60
    assert settings.language == "en"
    assert settings.worker_id
    assert settings.slack_api_url is None
    assert not settings.slack_enabled
    assert not settings.slack_socket_mode
    assert not settings.teams_authenticated


def test_explicit_mapping_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "not a port")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")

    settings = load_settings({})

    assert settings.port == 3000
    assert settings.database_url == "sqlite:///tandem.db"


def test_process_environment_and_dotenv_file_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for field in Settings.model_fields.values():
        monkeypatch.delenv(str(field.validation_alias), raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TANDEM_LANGUAGE=de\nPORT=8080\n")
    monkeypatch.setenv("PORT", "9000")

    settings = load_settings()

    assert settings.language == "de"
    assert settings.port == 9000  # the environment outranks .env


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://db/tandem",
            "PORT": "8080",
            "TANDEM_SWEEP_SECONDS": "5",
            "TANDEM_LANGUAGE": "fr",
            "TANDEM_WORKER_ID": "web-1",
            "SLACK_API_URL": "http://127.0.0.1:8888/api/",
        }
    )

    assert settings.database_url == "postgresql://db/tandem"
    assert settings.port == 8080
    assert settings.sweep_seconds == 5
    assert settings.language == "fr"
    assert settings.worker_id == "web-1"
    assert settings.slack_api_url == "http://127.0.0.1:8888/api/"


def test_coordinators_are_a_comma_list_with_spaces_and_blanks_ignored() -> None:
    settings = load_settings({"TANDEM_COORDINATORS": " U01ABC , U02DEF,,29:1xyz , "})

    assert settings.coordinators == frozenset({"U01ABC", "U02DEF", "29:1xyz"})


def test_settings_are_frozen() -> None:
    settings = load_settings({})

    with pytest.raises(ValueError):
        settings.port = 1


def test_secrets_are_kept_out_of_repr() -> None:
    settings = load_settings(SLACK_HTTP | TEAMS)

    assert "s3cret" not in repr(settings)
    assert "hunter2" not in repr(settings)
    assert "xoxb-" not in repr(settings)


def test_empty_values_count_as_unset() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "", "PORT": ""})

    assert not settings.slack_enabled
    assert settings.port == 3000


def test_slack_over_http_with_a_signing_secret() -> None:
    settings = load_settings(SLACK_HTTP)

    assert settings.slack_enabled
    assert not settings.slack_socket_mode


def test_slack_app_token_selects_socket_mode() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-A-1-b"})

    assert settings.slack_enabled
    assert settings.slack_socket_mode


def test_teams_is_authenticated_with_an_app_id_and_password() -> None:
    assert load_settings(TEAMS).teams_authenticated


def test_bot_token_without_secret_or_app_token_names_the_signing_secret() -> None:
    message = config_error({"SLACK_BOT_TOKEN": "xoxb-1"})

    assert "SLACK_SIGNING_SECRET" in message
    assert "missing" in message


def test_bot_token_must_be_a_bot_token() -> None:
    message = config_error({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"})

    assert message.startswith("SLACK_BOT_TOKEN")
    assert "xoxb-" in message
    assert "xoxp-user-token" not in message  # never echo a secret


def test_app_token_must_be_an_app_level_token() -> None:
    message = config_error({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"})

    assert message.startswith("SLACK_APP_TOKEN")
    assert "xapp-" in message


def test_slack_secret_without_bot_token_names_the_bot_token() -> None:
    message = config_error({"SLACK_SIGNING_SECRET": "s"})

    assert message.startswith("SLACK_BOT_TOKEN is missing")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"MICROSOFT_APP_PASSWORD": "p"}, "MICROSOFT_APP_ID"),
        ({"MICROSOFT_APP_ID": "a"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_TENANT_ID": "t"}, "MICROSOFT_APP_ID"),
    ],
)
def test_half_configured_teams_names_the_missing_variable(
    env: dict[str, str], missing: str
) -> None:
    assert config_error(env).startswith(f"{missing} is missing")


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http", "80.5"])
def test_a_bad_port_names_port(port: str) -> None:
    assert config_error({"PORT": port}).startswith("PORT: ")


def test_a_too_short_sweep_names_the_variable() -> None:
    message = config_error({"TANDEM_SWEEP_SECONDS": "4"})

    assert message.startswith("TANDEM_SWEEP_SECONDS: ")
    assert "5" in message


def test_every_problem_is_reported_on_its_own_line() -> None:
    lines = config_error({"PORT": "0", "TANDEM_SWEEP_SECONDS": "1"}).splitlines()

    assert sorted(line.split(":")[0] for line in lines) == ["PORT", "TANDEM_SWEEP_SECONDS"]


def test_variable_names_are_case_insensitive_in_a_mapping() -> None:
    assert load_settings({"port": "4000"}).port == 4000
