"""A whole Teams set-up for end-to-end tests: `tandem serve` on 127.0.0.1 and a fake Bot Framework.

Activities are posted as Teams posts them (camelCase JSON, a channel token signed by the fake's
keys when an app id is configured), to the real CloudAdapter behind `tandem serve`'s aiohttp
server; the bot's replies and proactive messages reach the fake Bot Connector. Time is a
FakeClock and the scheduler's work is run by hand (`advance`), as in the Slack harness.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flow import START
from served import Answer, ServedWorld, serving
from teams_fake import FakeBotFramework
from teams_identity import bearer

from bot.clock import FakeClock
from tandem.serve import Server
from tandem.settings import load_settings

APP_ID = "8d3b1a2c-5f4e-4b7a-9c1d-2e3f4a5b6c7d"
SECRET = "teams-app-secret"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass(frozen=True)
class TeamsUser:
    aad: str  # the id Tandem knows them by (TANDEM_COORDINATORS, enrol)
    bf_id: str  # the Bot Framework id ("29:...") proactive messages go to
    name: str
    timezone: str = "Europe/London"

    @property
    def conversation(self) -> str:
        return f"a:personal-{self.aad}"


HANA = TeamsUser("aad-hana", "29:hana", "Hana Sato", "Asia/Tokyo")
MAYA = TeamsUser("aad-maya", "29:maya", "Maya Lind", "Europe/London")
SAM = TeamsUser("aad-sam", "29:sam", "Sam Whitfield", "America/New_York")


class TeamsWorld(ServedWorld):
    def __init__(
        self, fake: FakeBotFramework, server: Server, clock: FakeClock, port: int, loop: Any
    ):
        self.fake = fake
        self.server = server
        self.clock = clock
        self.port = port
        self.loop = loop
        self._ids = itertools.count(1)

    @property
    def db(self) -> Any:
        return self.server.built.db

    def activity(self, user: TeamsUser, **fields: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "id": f"act-{next(self._ids)}",
            "timestamp": self.clock.now().isoformat().replace("+00:00", "Z"),
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": user.bf_id, "name": user.name, "aadObjectId": user.aad},
            "conversation": {
                "conversationType": "personal",
                "tenantId": TENANT,
                "id": user.conversation,
            },
            "recipient": {"id": f"28:{APP_ID}", "name": "Tandem"},
            "channelData": {"tenant": {"id": TENANT}},
            "localTimezone": user.timezone,
            **fields,
        }

    def post(self, activity: dict[str, Any], *, token: str | None | bool = True) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token is True:
            token = self.fake.issuer.token(app_id=APP_ID, service_url=self.fake.service_url)
        if isinstance(token, str):
            headers.update(bearer(token))
        return self.http("/api/messages", body=json.dumps(activity).encode(), headers=headers)

    def install(self, user: TeamsUser) -> Answer:
        return self.post(self.activity(user, type="installationUpdate", action="add", text=None))

    def say(self, user: TeamsUser, text: str) -> Answer:
        return self.post(self.activity(user, text=text))

    def press(self, user: TeamsUser, label: str) -> Answer:
        """Press the newest Action.Submit labelled `label` in a card sent to `user`."""
        for card in reversed(self.cards_to(user)):
            for action in _actions(card):
                if action.get("title") == label:
                    return self.post(self.activity(user, value=action["data"], text=None))
        raise AssertionError(f"{user.name} has no button {label!r}")

    def submit(self, user: TeamsUser, values: dict[str, str]) -> Answer:
        """Submit the newest form card sent to `user`, typed values over its defaults."""
        for card in reversed(self.cards_to(user)):
            inputs = [e for e in _elements(card) if str(e.get("type", "")).startswith("Input.")]
            submits = [a for a in _actions(card) if a.get("data", {}).get("tandem") == "form"]
            if inputs and submits:
                data = dict(submits[0]["data"])
                for element in inputs:
                    data[element["id"]] = values.get(element["id"], element.get("value", ""))
                return self.post(self.activity(user, value=data, text=None))
        raise AssertionError(f"{user.name} has no form card")

    def cards_to(self, user: TeamsUser) -> list[dict[str, Any]]:
        cards = []
        for request in self.fake.delivered:
            if request.conversation_id != user.conversation:
                continue
            for attachment in request.activity.get("attachments") or []:
                if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    cards.append(attachment["content"])
        return cards

    def texts_to(self, user: TeamsUser) -> list[str]:
        return [card_text(card) for card in self.cards_to(user)]


def card_text(card: dict[str, Any]) -> str:
    """The visible text of a card: its TextBlocks, markdown escapes undone."""
    from adapters.teams.render import escape  # noqa: F401 - documents what is undone

    lines = [str(e.get("text", "")) for e in _elements(card) if e.get("type") == "TextBlock"]
    return _unescape("\n".join(lines))


def _unescape(text: str) -> str:
    out, escaped = [], False
    for char in text:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def _elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "inlines"):
            for child in node.get(key, []) or []:
                yield from _elements(child)
    elif isinstance(node, list):
        for child in node:
            yield from _elements(child)


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(card.get("actions", []))
    for element in _elements(card):
        if element.get("type") == "ActionSet":
            found += element.get("actions", [])
    return found


def teams_environment(fake: FakeBotFramework, *, authenticated: bool) -> dict[str, str]:
    """The settings that point `tandem serve`'s Teams at `fake` (none: unauthenticated)."""
    if not authenticated:
        return {}
    return {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": SECRET,
        "TANDEM_TEAMS_OPENID_METADATA_URL": fake.openid_metadata_url,
        "TANDEM_TEAMS_LOGIN_URL": fake.login_url,
    }


@contextmanager
def fake_bot_framework(*, authenticated: bool) -> Iterator[FakeBotFramework]:
    """A fake Bot Framework, trusted by `requests` (MSAL, msrest) while the block runs.

    Without an app id the bot sends no token, as against the Emulator, so the fake then
    accepts sends without one.
    """
    app_id, password = (APP_ID, SECRET) if authenticated else (None, None)
    with FakeBotFramework(app_id=app_id, app_password=password) as fake:
        saved = {k: os.environ.get(k) for k in fake.environment()}
        os.environ.update(fake.environment())
        try:
            yield fake
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextmanager
def teams_world(
    tmp_path: Path,
    *,
    authenticated: bool = True,
    extra: dict[str, str] | None = None,
    start: datetime = START,
) -> Iterator[TeamsWorld]:
    """A fake Bot Framework and a `tandem serve` with Teams on a free port; Hana coordinates."""
    with fake_bot_framework(authenticated=authenticated) as fake:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}",
            "TANDEM_COORDINATORS": HANA.aad,
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_SWEEP_SECONDS": "3600",
            "TANDEM_WORKER_ID": "teams-test-worker",
            **teams_environment(fake, authenticated=authenticated),
            **(extra or {}),
        }
        clock = FakeClock(start)
        with serving(load_settings(env), clock=clock) as served:
            yield TeamsWorld(fake, served.server, clock, served.port, served.loop)
