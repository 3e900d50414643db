"""A whole Slack set-up for end-to-end tests: `tandem serve` on 127.0.0.1 and a fake Slack.

Everything goes through the wire as Slack sends it: requests are signed with the signing
secret, the real Bolt app behind `tandem serve`'s own aiohttp server checks them, and the real
AsyncWebClient calls the fake Web API. Time is a FakeClock; the scheduler's work is run by hand
(`advance`), the way the engine tests do it, so nothing waits on the wall clock.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flow import START
from served import Answer, ServedWorld, serving
from slack_fake import FakeSlack
from slack_signing import (
    TEAM_ID,
    block_actions,
    button,
    event_callback,
    signed_headers,
    slash_command,
    view_submission,
)

from bot.clock import FakeClock
from tandem.serve import Server
from tandem.settings import load_settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


class SlackWorld(ServedWorld):
    """A running `tandem serve` with Slack enabled, talking to a FakeSlack."""

    def __init__(self, slack: FakeSlack, server: Server, clock: FakeClock, port: int, loop: Any):
        self.slack = slack
        self.server = server
        self.clock = clock
        self.port = port
        self.loop = loop
        self._ids = itertools.count(1)

    @property
    def db(self) -> Any:
        return self.server.built.db

    # -- sending what Slack sends -----------------------------------------------------------

    def post(
        self,
        body: str,
        *,
        content_type: str,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {
            "Content-Type": content_type,
            **signed_headers(body, secret=secret, timestamp=timestamp or int(time.time())),
            **(headers or {}),
        }
        return self.http("/slack/events", body=body.encode(), headers=sent)

    def command(self, user: str, text: str, *, team_id: str = TEAM_ID) -> Answer:
        body = slash_command(
            text,
            user_id=user,
            user_name=user.lower(),
            trigger_id=self._trigger(),
            response_url=self.slack.response_url(f"cmd{next(self._ids)}"),
            team_id=team_id,
        )
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def answer_text(self, answer: Answer) -> str:
        """The text of an ephemeral command answer (the ack's body), blocks flattened."""
        data = answer.json() or {}
        return flatten(data.get("blocks")) or data.get("text", "")

    def dm(self, user: str, text: str, *, event_id: str | None = None, retry: int = 0) -> Answer:
        event = {
            "type": "message",
            "channel": self.slack.dm_channel(user),
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        }
        body = event_callback(
            event, event_id=event_id or f"Ev{next(self._ids):08d}", event_time=int(time.time())
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return self.post(body, content_type="application/json", headers=headers)

    def open_home(self, user: str) -> dict[str, Any] | None:
        event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
        body = event_callback(
            event, event_id=f"Ev{next(self._ids):08d}", event_time=int(time.time())
        )
        self.post(body, content_type="application/json")
        return self.slack.home_of(user)

    def press(self, user: str, label: str, *, where: str | None = None) -> Answer:
        """Press the newest button labelled `label` in a message `user` can see."""
        message, element = self.find_button(user, label, where=where)
        body = block_actions(
            [button(element["action_id"], element["value"], action_ts=f"{time.time():.6f}")],
            user_id=user,
            user_name=user.lower(),
            trigger_id=self._trigger(),
            response_url=self.slack.response_url(f"act{next(self._ids)}"),
            channel_id=message.channel,
            message={"ts": message.ts},
        )
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def submit(self, user: str, values: dict[str, str]) -> Answer:
        """Submit the newest modal opened, as Slack does: with that view's own id and hash,
        and the typed raw values per field over its initial ones."""
        opened = [v for v in self.slack.views() if v.type == "modal"][-1]
        state: dict[str, dict[str, dict[str, Any]]] = {}
        for block in opened.view["blocks"]:
            element = block["element"]
            raw = values.get(block["block_id"], _initial(element))
            state[block["block_id"]] = {"value": _state_value(element, raw)}
        body = view_submission(
            user_id=user,
            user_name=user.lower(),
            callback_id=opened.view["callback_id"],
            values=state,
            trigger_id=self._trigger(),
            view_id=opened.id,
            view_hash=opened.hash,
            private_metadata=opened.view.get("private_metadata", ""),
            view_blocks=opened.view["blocks"],
        )
        return self.post(body, content_type="application/x-www-form-urlencoded")

    # -- time ------------------------------------------------------------------------------

    # -- reading what Slack received -------------------------------------------------------

    def texts_to(self, channel_or_user: str) -> list[str]:
        return [flatten(m.blocks) or m.text for m in self.slack.messages_to(channel_or_user)]

    def find_button(
        self, user: str, label: str, *, where: str | None = None
    ) -> tuple[Any, dict[str, Any]]:
        channels = [where] if where else None
        for message in reversed(self.slack.messages()):
            if channels is not None and message.channel not in channels:
                continue
            if channels is None and not self._sees(user, message.channel):
                continue
            for block in message.blocks or []:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("text", {}).get("text") == label:
                        return message, element
        raise AssertionError(f"{user} sees no button {label!r}")

    def _sees(self, user: str, channel: str) -> bool:
        if channel == self.slack.dm_channel(user):
            return True
        return channel.startswith(("G", "C")) and user in self.slack.members_of(channel)

    def _trigger(self) -> str:
        return f"{next(self._ids)}.{int(time.time())}.abcdef"


def flatten(blocks: Any) -> str:
    """What a person reads in Block Kit blocks: each section, list item and quote on its own
    line, so a message compares with the engine's text as `bot.text.plain` shows it. A
    mention, link or emoji element shows as `<its type>`, so a test notices one."""
    shown: list[str] = []
    for block in blocks or []:
        if block.get("type") == "rich_text":
            shown.append("\n".join(_part(part) for part in block.get("elements", [])))
        elif block.get("type") in ("section", "context", "header"):
            text = block.get("text") or {}
            parts = [text.get("text", "")] if text else []
            parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
            shown.append("".join(parts))
    return "\n".join(shown)


def _part(part: dict[str, Any]) -> str:
    if part["type"] == "rich_text_list":
        return "\n".join("• " + _inline(item["elements"]) for item in part["elements"])
    text = _inline(part.get("elements", []))
    return "> " + text.replace("\n", "\n> ") if part["type"] == "rich_text_quote" else text


def _inline(parts: list[dict[str, Any]]) -> str:
    return "".join(p.get("text", "") if p["type"] == "text" else f"<{p['type']}>" for p in parts)


def _initial(element: dict[str, Any]) -> str:
    if "initial_option" in element:
        return str(element["initial_option"]["value"])
    return str(element.get("initial_value") or element.get("initial_date") or "")


def _state_value(element: dict[str, Any], raw: str) -> dict[str, Any]:
    kind = element["type"]
    if kind == "static_select":
        return {"type": kind, "selected_option": {"value": raw} if raw else None}
    if kind == "datepicker":
        return {"type": kind, "selected_date": raw or None}
    return {"type": kind, "value": raw or None}


def slack_environment(slack: FakeSlack) -> dict[str, str]:
    """The settings that point `tandem serve`'s Slack (over HTTP) at `slack`."""
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
    }


@contextmanager
def slack_world(
    tmp_path: Path, *, database_url: str | None = None, start: datetime = START
) -> Iterator[SlackWorld]:
    """A fake Slack and a `tandem serve` (Slack over HTTP) on free ports; hana coordinates."""
    with FakeSlack().in_background() as slack:
        settings = load_settings(
            {
                "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'tandem.db'}",
                **slack_environment(slack),
                "TANDEM_COORDINATORS": "U0HANA",
                "TANDEM_HOST": "127.0.0.1",
                # The scheduler's own interval never fires during a test; `advance` runs it.
                "TANDEM_SWEEP_SECONDS": "3600",
                "TANDEM_WORKER_ID": "test-worker",
            }
        )
        clock = FakeClock(start)
        with serving(settings, clock=clock) as served:
            yield SlackWorld(slack, served.server, clock, served.port, served.loop)
