"""The Teams app package: a manifest Teams' schema accepts, the icons it asks for, one zip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from PIL import Image
from typer.testing import CliRunner

from adapters.teams.package import (
    COLOR_ICON,
    MANIFEST,
    OUTLINE_ICON,
    ZIP_NAME,
    PackageError,
    build_manifest,
    color_icon,
    outline_icon,
    write_package,
)
from bot.commands.grammar import VERBS, UsageError, parse
from tandem.cli import app

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT.parent / "shared" / "schemas" / "teams-manifest-1.19.schema.json"
APP_ID = "8d3b1a2c-5f4e-4b7a-9c1d-2e3f4a5b6c7d"
SETTINGS = (
    "DATABASE_URL",
    "TANDEM_COORDINATORS",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
)


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is not beside the checkout")
    # Draft 7, not the declared draft 4: only draft 6+ validators check `manifestVersion`'s const.
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def test_the_manifest_is_valid_against_the_teams_1_19_schema() -> None:
    manifest = build_manifest(app_id=APP_ID, domain="tandem.contoso.com", version="1.4.0")
    assert schema_errors(manifest) == []
    assert manifest["manifestVersion"] == "1.19" and manifest["version"] == "1.4.0"
    assert manifest["id"] == APP_ID and manifest["validDomains"] == ["tandem.contoso.com"]


def test_the_schema_check_would_catch_a_wrong_manifest_version() -> None:
    manifest = build_manifest(app_id=APP_ID)
    manifest["manifestVersion"] = "1.17"
    assert schema_errors(manifest) != []


def test_the_bot_is_personal_without_files_and_its_menu_fits_teams_limits() -> None:
    (bot,) = build_manifest(app_id=APP_ID)["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal"] and bot["supportsFiles"] is False
    (menu,) = bot["commandLists"]
    assert menu["scopes"] == ["personal"]
    commands = menu["commands"]
    assert len(commands) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    titles = [c["title"] for c in commands]
    assert {"status", "checkin", "help"} <= set(titles)  # participants
    assert {"programme create", "enrol", "match"} <= set(titles)  # coordinators


def test_every_menu_command_is_a_verb_of_the_grammar() -> None:
    labels = {verb.label for verb in VERBS}
    for command in build_manifest(app_id=APP_ID)["bots"][0]["commandLists"][0]["commands"]:
        assert command["title"] in labels
        # What Teams sends when it is picked starts a real command: the parser knows the verb
        # and at most asks for its arguments.
        try:
            parse(command["title"])
        except UsageError as error:
            assert error.verb == command["title"], error.message


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"app_id": "not-a-guid"}, "MICROSOFT_APP_ID"),
        ({"app_id": APP_ID, "domain": "https://tandem.contoso.com"}, "--domain"),
        ({"app_id": APP_ID, "version": "1.0"}, "--version"),
    ],
)
def test_bad_values_are_named(given: dict[str, str], named: str) -> None:
    with pytest.raises(PackageError, match=named):
        build_manifest(**given)


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_the_colour_icon_is_192_square_and_opaque() -> None:
    icon = png(color_icon())
    assert icon.size == (192, 192)
    assert icon.convert("RGBA").getextrema()[3] == (255, 255)


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    icon = png(outline_icon())
    assert icon.size == (32, 32) and icon.mode == "RGBA"
    raw = icon.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    assert icon.getpixel((0, 0))[3] == 0  # the background is transparent
    drawn = [p for p in pixels if p[3] > 0]
    assert len(drawn) > 50  # there is a shape
    assert all(p[:3] == (255, 255, 255) for p in drawn)  # and it is white alone
    assert sum(1 for p in pixels if p[3] == 0) > len(pixels) // 3


def test_the_package_writes_three_files_and_a_zip_of_them(tmp_path: Path) -> None:
    archive = write_package(tmp_path / "out", app_id=APP_ID, domain="tandem.contoso.com")
    assert archive == tmp_path / "out" / ZIP_NAME
    with zipfile.ZipFile(archive) as bundle:
        assert sorted(bundle.namelist()) == sorted([MANIFEST, COLOR_ICON, OUTLINE_ICON])
        for name in bundle.namelist():
            assert bundle.read(name) == (tmp_path / "out" / name).read_bytes()
        manifest = json.loads(bundle.read(MANIFEST))
    assert schema_errors(manifest) == []
    assert manifest["icons"] == {"color": COLOR_ICON, "outline": OUTLINE_ICON}


def test_the_same_inputs_give_the_same_zip(tmp_path: Path) -> None:
    first = write_package(tmp_path / "a", app_id=APP_ID, version="1.0.0").read_bytes()
    assert write_package(tmp_path / "b", app_id=APP_ID, version="1.0.0").read_bytes() == first


# -- the command --------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the machine, and no .env file is found."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("clean_environment")
def test_the_command_without_an_app_id_names_it_and_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["teams-package", "--out", str(tmp_path / "pkg")])
    assert result.exit_code == 2
    assert "MICROSOFT_APP_ID is not set" in result.stderr
    assert not (tmp_path / "pkg").exists()


@pytest.mark.usefixtures("clean_environment")
def test_the_command_with_a_bad_app_id_names_it_and_exits_2(tmp_path: Path) -> None:
    env = {"MICROSOFT_APP_ID": "my-bot", "MICROSOFT_APP_PASSWORD": "secret"}
    result = CliRunner().invoke(app, ["teams-package", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 2
    assert "MICROSOFT_APP_ID must be" in result.stderr


@pytest.mark.usefixtures("clean_environment")
def test_the_command_writes_the_package(tmp_path: Path) -> None:
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret"}
    args = ["teams-package", "--out", str(tmp_path / "pkg"), "--domain", "tandem.contoso.com"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "pkg" / ZIP_NAME) in result.stdout
    manifest = json.loads((tmp_path / "pkg" / MANIFEST).read_text())
    assert manifest["bots"][0]["botId"] == APP_ID
    assert "secret" not in (tmp_path / "pkg" / MANIFEST).read_text()
