"""The one frozen settings object, read from the environment and `.env`, validated at start."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)


class ConfigError(Exception):
    """Start-up configuration is wrong; the message names each bad or missing variable."""


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    """Every setting Tandem reads. Each field's alias is the environment variable behind it."""

    # Secrets are hidden from repr so a logged Settings never leaks a token.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=True,
    )

    database_url: str = Field(
        default="sqlite:///tandem.db", min_length=1, validation_alias="DATABASE_URL"
    )
    # A plain string: pydantic-settings would try to decode a collection type as JSON.
    # Comma-separated entries, each `platform:workspace:user` (slack:T123:U456,
    # teams:<tenant id>:<AAD object id>, console:console:<name>) or a plain user id. A plain id
    # means "the only configured workspace": it applies in a workspace only when no entry
    # names another workspace explicitly, and beside entries for two or more workspaces it is
    # refused as ambiguous (bot.rights). Rights it grants are taken back at the next start
    # once it stops naming someone; `coordinator add` rights are not.
    coordinators_csv: str = Field(default="", validation_alias="TANDEM_COORDINATORS")

    @field_validator("coordinators_csv")
    @classmethod
    def _is_coordinator_list(cls, value: str) -> str:
        from bot.rights import parse_grants  # bot imports nothing from tandem: no cycle

        parse_grants(value.split(","))  # ValueError names the bad entry
        return value

    port: int = Field(default=3000, ge=1, le=65535, validation_alias="PORT")
    # All interfaces by default (a container's port is published from outside it).
    host: str = Field(default="0.0.0.0", min_length=1, validation_alias="TANDEM_HOST")  # noqa: S104

    slack_bot_token: str | None = Field(
        default=None, repr=False, validation_alias="SLACK_BOT_TOKEN"
    )
    slack_signing_secret: str | None = Field(
        default=None, repr=False, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: str | None = Field(
        default=None, repr=False, validation_alias="SLACK_APP_TOKEN"
    )
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")
    # chat.postMessage a second this process sends to one Slack workspace (adapters/slack/
    # sender.py RATE explains the default). Several `tandem serve` processes share the
    # workspace's limit: give each the workspace's rate divided by their number.
    slack_rate: float = Field(default=10.0, gt=0, validation_alias="TANDEM_SLACK_RATE")

    @field_validator("slack_api_url")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, like https://slack.com/api/")
        # slack_sdk appends the method name to the base URL, so it must end with a slash.
        return value if value is None or value.endswith("/") else value + "/"

    microsoft_app_id: str | None = Field(default=None, validation_alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(
        default=None, repr=False, validation_alias="MICROSOFT_APP_PASSWORD"
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, validation_alias="MICROSOFT_APP_TENANT_ID"
    )
    microsoft_app_type: str = Field(default="MultiTenant", validation_alias="MICROSOFT_APP_TYPE")
    # Where the Bot Framework's identity services are: Microsoft's public cloud unless set
    # (a sovereign cloud, or the local fakes the tests run against).
    teams_openid_metadata_url: str | None = Field(
        default=None, validation_alias="TANDEM_TEAMS_OPENID_METADATA_URL"
    )
    teams_token_issuer: str | None = Field(
        default=None, validation_alias="TANDEM_TEAMS_TOKEN_ISSUER"
    )
    teams_login_url: str | None = Field(default=None, validation_alias="TANDEM_TEAMS_LOGIN_URL")

    @field_validator("microsoft_app_type")
    @classmethod
    def _is_app_type(cls, value: str) -> str:
        known = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
        match = [kind for kind in known if kind.lower() == value.lower()]
        if not match:
            raise ValueError(f"must be one of {', '.join(known)}")
        return match[0]

    sweep_seconds: int = Field(default=60, ge=5, validation_alias="TANDEM_SWEEP_SECONDS")
    # How long delivered messages and processed event ids are kept (they live on in Slack or
    # Teams; Tandem's copy only keeps people's words longer than needed).
    retention_days: int = Field(default=30, ge=1, validation_alias="TANDEM_RETENTION_DAYS")
    language: str = Field(default="en", min_length=1, validation_alias="TANDEM_LANGUAGE")
    worker_id: str = Field(
        default_factory=_default_worker_id, min_length=1, validation_alias="TANDEM_WORKER_ID"
    )

    @field_validator("slack_bot_token")
    @classmethod
    def _is_bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with 'xoxb-'")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _is_app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with 'xapp-'")
        return value

    @model_validator(mode="after")
    def _no_half_configured_platform(self) -> Settings:
        problems = _slack_problems(self) + _teams_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def coordinators(self) -> frozenset[str]:
        """TANDEM_COORDINATORS entries (bot.rights.parse_grants reads them)."""
        return frozenset(part.strip() for part in self.coordinators_csv.split(",") if part.strip())

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def slack_socket_mode(self) -> bool:
        return self.slack_enabled and self.slack_app_token is not None

    @property
    def teams_authenticated(self) -> bool:
        return self.microsoft_app_id is not None


def _slack_problems(settings: Settings) -> list[str]:
    if settings.slack_bot_token is None:
        orphans = [
            name
            for name, value in (
                ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
                ("SLACK_APP_TOKEN", settings.slack_app_token),
            )
            if value is not None
        ]
        if orphans:
            given = " and ".join(orphans) + (" are" if len(orphans) > 1 else " is")
            return [f"SLACK_BOT_TOKEN is missing: it is required when {given} set"]
        return []
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        return [
            "SLACK_SIGNING_SECRET is missing: it is required when SLACK_BOT_TOKEN is set "
            "(or set SLACK_APP_TOKEN to use Socket Mode instead)"
        ]
    return []


def _teams_problems(settings: Settings) -> list[str]:
    if settings.microsoft_app_id is None:
        for name, value in (
            ("MICROSOFT_APP_PASSWORD", settings.microsoft_app_password),
            ("MICROSOFT_APP_TENANT_ID", settings.microsoft_app_tenant_id),
        ):
            if value is not None:
                return [f"MICROSOFT_APP_ID is missing: it is required when {name} is set"]
        return []
    if settings.microsoft_app_password is None and settings.microsoft_app_type != "UserAssignedMSI":
        return ["MICROSOFT_APP_PASSWORD is missing: it is required when MICROSOFT_APP_ID is set"]
    if settings.microsoft_app_type == "SingleTenant" and settings.microsoft_app_tenant_id is None:
        return [
            "MICROSOFT_APP_TENANT_ID is missing: "
            "it is required when MICROSOFT_APP_TYPE is SingleTenant"
        ]
    return []


class _GivenSettings(Settings):
    """Settings from an explicit mapping only: the process environment and `.env` are ignored."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)

    def __repr_name__(self) -> str:
        return "Settings"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings from `env`, or from the process environment and `.env`.

    Raises ConfigError with one line per problem, each naming the variable, so start-up can
    print it instead of a traceback. Values are never echoed: some of them are secrets.
    """
    try:
        if env is None:
            return Settings()
        # Like the environment source: names are case-insensitive and empty means unset.
        given: dict[str, Any] = {name.upper(): value for name, value in env.items() if value}
        return _GivenSettings(**given)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except SettingsError as error:
        raise ConfigError(f"could not read settings: {error}") from None


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        if problem["type"] == "value_error":
            # Our own validators' messages, without pydantic's "Value error, " prefix.
            message = str(problem["ctx"]["error"])
        else:
            message = problem["msg"]
        field = ".".join(str(part) for part in problem["loc"])
        lines.append(f"{field.upper()}: {message}" if field else message)
    return "\n".join(lines)
