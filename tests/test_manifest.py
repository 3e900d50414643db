"""manifest.yml installs the Slack app: it must pass Slack's published manifest schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "schemas"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def schema(name: str) -> dict[str, object]:
    path = SCHEMAS / name
    if not path.exists():
        pytest.skip(f"{path} is not beside the checkout")
    return json.loads(path.read_text())


def manifest() -> dict[str, object]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_the_manifest_is_valid_against_slacks_entry_schema() -> None:
    # The entry schema picks v1 or v2 through remote $refs; no network here, so map them.
    registry = Registry().with_resources(
        [
            (
                REMOTE + "manifest.schema.1.0.0.json",
                Resource.from_contents(schema("slack-app-manifest-v1.schema.json")),
            ),
            (
                REMOTE + "manifest.schema.2.0.0.json",
                Resource.from_contents(schema("slack-app-manifest-v2.schema.json")),
            ),
        ]
    )
    validator = Draft7Validator(schema("slack-app-manifest.schema.json"), registry=registry)
    errors = sorted(validator.iter_errors(manifest()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_manifest_is_valid_against_the_v1_schema_directly() -> None:
    errors = list(
        Draft7Validator(schema("slack-app-manifest-v1.schema.json")).iter_errors(manifest())
    )
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_manifest_registers_the_one_command_and_the_events_tandem_handles() -> None:
    features = manifest()["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/tandem"]  # type: ignore[index]
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]  # type: ignore[index]
    assert {"app_home_opened", "message.im"} <= set(events)


def test_every_event_command_and_scope_in_the_manifest_is_what_the_app_uses() -> None:
    from adapters.slack import app

    features = manifest()["features"]
    settings = manifest()["settings"]
    commands = {c["command"] for c in features["slash_commands"]}  # type: ignore[index]
    events = set(settings["event_subscriptions"]["bot_events"])  # type: ignore[index]
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])  # type: ignore[index]
    assert commands == set(app.COMMANDS)
    assert events == set(app.EVENTS)
    assert scopes == set(app.SCOPES), "a scope nobody uses, or a use without its scope"
    assert settings["interactivity"]["is_enabled"]  # type: ignore[index]  # buttons and modals
    source = "".join(p.read_text() for p in (ROOT / "adapters" / "slack").glob("*.py"))
    registered = {"bolt.command": "self.bolt.command(", "message.im": 'self.bolt.event("message")'}
    for scope, use in app.SCOPES.items():
        assert registered.get(use, use) in source, f"{scope}: {use} is not used"
    for event in app.EVENTS:
        assert registered.get(event, f'self.bolt.event("{event}")') in source
