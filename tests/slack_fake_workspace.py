"""The state behind the fake Slack Web API, and what each method does to it, as Slack does."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# The Monday morning tests/flow.py starts on: offsets are fixed here, never read from the clock.
REFERENCE_INSTANT = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)

# Parameters the SDK sends JSON-encoded inside a form body; decoded so tests read structures.
JSON_PARAMS = frozenset({"blocks", "attachments", "view", "files", "metadata"})


class SlackError(Exception):
    """A Slack error code, answered as HTTP 200 with "ok": false, as Slack does."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class FakeUser:
    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    display_name: str = ""
    email: str = ""
    deleted: bool = False
    is_bot: bool = False

    def to_slack(self, *, team_id: str, at: datetime) -> dict[str, Any]:
        """The `user` object of users.info; the offset is the one in force at `at`, like Slack's."""
        zone = ZoneInfo(self.tz)
        offset = zone.utcoffset(at.astimezone(zone).replace(tzinfo=None))
        profile = {
            "real_name": self.real_name,
            "display_name": self.display_name,
            "email": self.email,
        }
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": at.astimezone(zone).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_bot": self.is_bot,
            "is_admin": False,
            "profile": profile,
        }


# The people of the engine tests (tests/bot/lifecycle/conftest.py), spread over time zones.
CAST: tuple[FakeUser, ...] = (
    FakeUser("U0MAYA", "maya", "Maya Okafor", "America/Los_Angeles", "maya", "maya@example.org"),
    FakeUser("U0SAM", "sam", "Sam Whitfield", "Europe/London", "sam", "sam@example.org"),
    FakeUser("U0HANA", "hana", "Hana Sato", "Asia/Tokyo", "hana", "hana@example.org"),
    FakeUser("U0LENA", "lena", "Lena Vogel", "Europe/Berlin", "", "lena@example.org"),
)


@dataclass(frozen=True)
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    thread_ts: str | None = None
    ephemeral_for: str | None = None  # the one user who sees a chat.postEphemeral message
    file_ids: tuple[str, ...] = ()  # files shared by files.completeUploadExternal
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    id: str
    type: str
    view: dict[str, Any]
    hash: str
    user_id: str | None = None  # whose Home tab, for views.publish
    trigger_id: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None  # None until the upload URL receives the bytes
    title: str = ""
    channels: tuple[str, ...] = ()


def stable_id(prefix: str, key: str) -> str:
    """The same id for the same key in every run, so tests can name channels before they open."""
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:10].upper()


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(params)
    for name in JSON_PARAMS & decoded.keys():
        if isinstance(decoded[name], str):
            try:
                decoded[name] = json.loads(decoded[name])
            except ValueError:
                pass  # Slack would answer invalid_arguments; the raw text is kept for the test
    return decoded


def split_ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [item.strip() for item in str(value or "").split(",") if item.strip()]


class Workspace:
    """Not thread-safe on its own: FakeSlack holds its lock around every call."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        bot_id: str,
        users: Iterable[FakeUser],
        now: datetime,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.now = now
        self.upload_base = ""  # set by the server once its port is known
        self.users: dict[str, FakeUser] = {}
        self.channels: set[str] = set()
        self.opened: set[str] = set()
        self.dm_owner: dict[str, str] = {}
        self.group_members: dict[str, frozenset[str]] = {}  # group DM id -> its human members
        self.messages: list[Message] = []
        self.views: dict[str, View] = {}
        self.files: dict[str, UploadedFile] = {}
        self._seq = itertools.count(1)
        for user in users:
            self.add_user(user)
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "conversations.open": self.conversations_open,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "views.open": self.views_open,
            "views.publish": self.views_publish,
            "views.update": self.views_update,
            "users.info": self.users_info,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
        }

    # ---- identities -------------------------------------------------------------------------

    def add_user(self, user: FakeUser) -> None:
        self.users[user.id] = user
        self.dm_owner[self.dm_channel(user.id)] = user.id
        self.channels.add(self.dm_channel(user.id))

    def dm_channel(self, user_id: str) -> str:
        return stable_id("D", user_id)

    def group_dm_channel(self, user_ids: Iterable[str]) -> str:
        return stable_id("G", ",".join(sorted(set(user_ids))))

    def resolve_channel(self, channel: str) -> str:
        """Slack accepts a user id as `channel` and posts to the bot's DM with that user."""
        if channel in self.users:
            return self.dm_channel(channel)
        if channel not in self.channels:
            raise SlackError("channel_not_found")
        return channel

    def _user(self, user_id: Any) -> FakeUser:
        if not user_id or user_id not in self.users:
            raise SlackError("user_not_found")
        return self.users[user_id]

    def _ts(self) -> str:
        seq = next(self._seq)
        return f"{int(self.now.timestamp()) + seq}.{seq:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq):010d}"

    # ---- methods ----------------------------------------------------------------------------

    def auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_name.lower().replace(' ', '-')}.slack.com/",
            "team": self.team_name,
            "user": "tandem",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = split_ids(params.get("users"))
        if not users:
            raise SlackError("users_list_not_supplied")
        for user_id in users:
            self._user(user_id)
        humans = sorted(set(users) - {self.bot_user_id})
        if len(humans) > 8:
            raise SlackError("too_many_users")
        if len(humans) == 1:
            channel = self.dm_channel(humans[0])
        else:
            self.group_members[self.group_dm_channel(humans)] = frozenset(humans)
            channel = self.group_dm_channel(humans)
            self.channels.add(channel)
        already_open = channel in self.opened
        self.opened.add(channel)
        return {"no_op": already_open, "already_open": already_open, "channel": {"id": channel}}

    def chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(str(params.get("channel") or ""))
        message = self._store(channel, params)
        return {"channel": channel, "ts": message.ts, "message": self._as_slack(message)}

    def chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(str(params.get("channel") or ""))
        user = self._user(params.get("user"))
        message = self._store(channel, params, ephemeral_for=user.id)
        return {"message_ts": message.ts}

    def chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(str(params.get("channel") or ""))
        for index, old in enumerate(self.messages):
            if old.channel == channel and old.ts == params.get("ts") and not old.ephemeral_for:
                new = replace(
                    old,
                    text=str(params.get("text", old.text)),
                    blocks=params.get("blocks", old.blocks),
                    params=params,
                )
                self.messages[index] = new
                return {
                    "channel": channel,
                    "ts": new.ts,
                    "text": new.text,
                    "message": self._as_slack(new),
                }
        raise SlackError("message_not_found")

    def _store(
        self, channel: str, params: dict[str, Any], *, ephemeral_for: str | None = None
    ) -> Message:
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise SlackError("no_text")
        message = Message(
            channel=channel,
            ts=self._ts(),
            text=str(params.get("text") or ""),
            blocks=params.get("blocks") or [],
            thread_ts=params.get("thread_ts"),
            ephemeral_for=ephemeral_for,
            params=params,
        )
        self.messages.append(message)
        return message

    def _as_slack(self, message: Message) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "text": message.text,
            "blocks": message.blocks,
            "ts": message.ts,
            **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
        }

    def views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise SlackError("invalid_arguments")
        view = self._save_view(self._next_id("V"), params, trigger_id=params["trigger_id"])
        return {"view": self._view_as_slack(view)}

    def views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._user(params.get("user_id"))
        current = next((v for v in self.views.values() if v.user_id == user.id), None)
        if current and params.get("hash") and params["hash"] != current.hash:
            raise SlackError("hash_conflict")
        view_id = current.id if current else self._next_id("V")
        view = self._save_view(view_id, params, user_id=user.id)
        return {"view": self._view_as_slack(view)}

    def views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        external = params.get("external_id")
        current = next(
            (
                v
                for v in self.views.values()
                if v.id == params.get("view_id")
                or (external and v.view.get("external_id") == external)
            ),
            None,
        )
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current.hash:
            raise SlackError("hash_conflict")
        view = self._save_view(current.id, params, user_id=current.user_id)
        return {"view": self._view_as_slack(view)}

    def _save_view(self, view_id: str, params: dict[str, Any], **extra: Any) -> View:
        body = params.get("view")
        if not isinstance(body, dict) or "type" not in body:
            raise SlackError("invalid_arguments")
        view = View(id=view_id, type=body["type"], view=body, hash=f"{next(self._seq)}.h", **extra)
        self.views[view_id] = view
        return view

    def _view_as_slack(self, view: View) -> dict[str, Any]:
        return {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **view.view,
            "id": view.id,
            "team_id": self.team_id,
            "type": view.type,
            "state": {"values": {}},
            "hash": view.hash,
            "app_id": "A0TANDEM",
            "bot_id": self.bot_id,
            "root_view_id": view.id,
            "previous_view_id": None,
        }

    def users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._user(params.get("user"))
        return {"user": user.to_slack(team_id=self.team_id, at=self.now)}

    def files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self.files[file_id] = UploadedFile(file_id, params["filename"], int(params["length"]))
        return {"upload_url": f"{self.upload_base}{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """The bytes POSTed to an upload URL; False for an id Slack never handed out."""
        if file_id not in self.files:
            return False
        self.files[file_id] = replace(self.files[file_id], content=content)
        return True

    def files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        channels = split_ids(params.get("channels")) or split_ids(params.get("channel_id"))
        channels = [self.resolve_channel(channel) for channel in channels]
        done: list[UploadedFile] = []
        for entry in entries:
            uploaded = self.files.get(str(entry.get("id")))
            if uploaded is None or uploaded.content is None:
                raise SlackError("file_not_found")
            if len(uploaded.content) != uploaded.length:
                raise SlackError("file_upload_size_mismatch")  # Slack checks the declared length
            title = str(entry.get("title") or uploaded.filename)
            done.append(replace(uploaded, title=title, channels=tuple(channels)))
        for uploaded in done:
            self.files[uploaded.id] = uploaded
        for channel in channels:  # Slack shares the files as one message in each channel
            self.messages.append(
                Message(
                    channel=channel,
                    ts=self._ts(),
                    text=str(params.get("initial_comment") or ""),
                    thread_ts=params.get("thread_ts"),
                    file_ids=tuple(f.id for f in done),
                    params=params,
                )
            )
        return {"files": [self._file_as_slack(f) for f in done]}

    def _file_as_slack(self, uploaded: UploadedFile) -> dict[str, Any]:
        return {
            "id": uploaded.id,
            "created": int(self.now.timestamp()),
            "name": uploaded.filename,
            "title": uploaded.title,
            "mimetype": "application/octet-stream",
            "user": self.bot_user_id,
            "size": uploaded.length,
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{uploaded.id}/",
            "channels": list(uploaded.channels),
        }
