"""The Teams app package: manifest.json (schema v1.19), two generated icons, and the zip of them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bot.commands.grammar import VERBS

MANIFEST_VERSION = "1.19"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
MANIFEST = "manifest.json"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
ZIP_NAME = "tandem-teams.zip"
ACCENT = "#2E6F62"
DEFAULT_DOMAIN = "tandem.example.com"  # the same placeholder manifest.yml uses for Slack

# Teams shows at most 10 commands per list, and a personal bot has one menu, so these are the
# verbs people reach for first; `help` lists the rest. Titles are what Teams sends when picked.
PARTICIPANT_COMMANDS = ("status", "checkin", "goals", "actions", "help")
COORDINATOR_COMMANDS = ("programme create", "enrol", "match", "report", "nudge")

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_HOST = re.compile(r"(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


class PackageError(ValueError):
    """A value the package cannot be built with; the message names the setting or option."""


def build_manifest(
    *, app_id: str, domain: str = DEFAULT_DOMAIN, version: str | None = None
) -> dict[str, Any]:
    """The manifest for a personal-scope bot whose Teams app id is the bot's own app id.

    Using one id for both is what the Teams samples do; it keeps configuration to the one
    MICROSOFT_APP_ID the server already has.
    """
    if not _GUID.fullmatch(app_id):
        raise PackageError(
            "MICROSOFT_APP_ID must be the bot's app id, a GUID like "
            "8d3b1a2c-5f4e-4b7a-9c1d-2e3f4a5b6c7d"
        )
    if not _HOST.fullmatch(domain):
        raise PackageError(f"--domain takes a host name like {DEFAULT_DOMAIN}, not {domain!r}")
    version = version or _own_version()
    if not _SEMVER.fullmatch(version):
        raise PackageError(f"--version must be like 1.2.3 (Teams wants semver), not {version!r}")
    website = f"https://{domain.removeprefix('*.')}"
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "Tandem",
            "websiteUrl": website,
            "privacyUrl": website,
            "termsOfUseUrl": website,
        },
        "name": {"short": "Tandem", "full": "Tandem: a coach for mentoring pairs"},
        "description": {
            "short": "Coaches mentoring pairs through a whole programme.",
            "full": (
                "Tandem coaches mentoring pairs (reverse, reciprocal, classic mentoring and "
                "sponsorship) through a whole programme: intros, a contract, reminders with "
                "preparation tips, short check-ins, gentle nudges and an evaluation. "
                "Coordinators create programmes, enrol people, match pairs and watch how "
                "each programme is going."
            ),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal"], "commands": commands()}],
            }
        ],
        "validDomains": [domain],
    }


def commands() -> list[dict[str, str]]:
    """The command menu, worded from the grammar's own verb table."""
    listed = []
    for title in PARTICIPANT_COMMANDS + COORDINATOR_COMMANDS:
        verb = next((v for v in VERBS if v.label == title), None)
        if verb is None:
            raise PackageError(f"the command menu names {title!r}, which the grammar lacks")
        who = "Coordinators: " if title in COORDINATOR_COMMANDS else ""
        description = f"{who}{verb.summary}"
        family = [v.full for v in VERBS if v.name == title and v.sub]
        if family and len(description) + len(family) * 16 < 100:
            description += " Also: " + ", ".join(family) + "."
        example = f" Example: {verb.example}"
        if verb.example != title and len(description + example) <= 128:
            description += example
        listed.append({"title": title, "description": description[:128]})
    return listed


def _own_version() -> str:
    try:
        return metadata.version("tandem-coach")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0.1.0"


# -- icons ------------------------------------------------------------------------------------


def _glyph(size: int, *, margin: float) -> Image.Image:
    """A tandem drawn in white on transparent: two wheels and the frame that joins them.

    Drawn four times larger and scaled down, so the edges are smooth at 32 pixels too.
    """
    scale = 4
    big = size * scale
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    inner = big * (1 - 2 * margin)
    left = big * margin
    radius = inner * 0.2
    width = max(scale * 2, round(inner * 0.07))
    cy = big / 2 + inner * 0.15
    wheels = (left + radius, left + inner - radius)
    for cx in wheels:
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=255, width=width)
    top = cy - radius * 1.6
    ends = (wheels[0] + radius * 0.6, wheels[1] - radius * 0.6)
    frame = [(wheels[0], cy), (ends[0], top), (ends[1], top), (wheels[1], cy)]
    draw.line(frame, fill=255, width=width, joint="curve")
    # Two seats on the top tube: a tandem, not a bicycle.
    for seat in (ends[0] + (ends[1] - ends[0]) * 0.2, ends[1] - (ends[1] - ends[0]) * 0.2):
        post = top - radius * 0.6
        draw.line([(seat, top), (seat, post)], fill=255, width=width)
        saddle = radius * 0.4
        draw.line([(seat - saddle, post), (seat + saddle, post)], fill=255, width=width)
    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    # White everywhere, shaped only by alpha: Teams wants an outline icon of white alone.
    icon = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    icon.putalpha(alpha)
    return icon


def color_icon() -> bytes:
    """The 192x192 full-colour icon: the white tandem on the accent colour."""
    size = 192
    icon = Image.new("RGBA", (size, size), ACCENT)
    icon.alpha_composite(_glyph(size, margin=0.16))
    return _png(icon.convert("RGB"))


def outline_icon() -> bytes:
    """The 32x32 outline icon: white on a transparent background."""
    return _png(_glyph(32, margin=0.03))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# -- the package --------------------------------------------------------------------------------


def write_package(
    out: Path, *, app_id: str, domain: str = DEFAULT_DOMAIN, version: str | None = None
) -> Path:
    """Write manifest.json, the two icons and the zip to upload into `out`; return the zip."""
    manifest = build_manifest(app_id=app_id, domain=domain, version=version)
    files = {
        MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        COLOR_ICON: color_icon(),
        OUTLINE_ICON: outline_icon(),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    archive = out / ZIP_NAME
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            # A fixed date keeps the zip byte-for-byte the same for the same inputs.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
    return archive
