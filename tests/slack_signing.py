"""Request bodies as Slack sends them to the app, and Slack's v0 request signature over them."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0TANDEM"  # the same workspace FakeSlack answers for
TEAM_DOMAIN = "tandem-test"
API_APP_ID = "A0TANDEM"
BOT_USER_ID = "U0TANDEM"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated by Slack but still sent
STALE_AFTER_SECONDS = 60 * 5  # Slack's SDKs reject requests older than this

# ---- signatures -----------------------------------------------------------------------------


def signature(body: str, *, secret: str, timestamp: int) -> str:
    """Slack's v0 signature: HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str,
    secret: str,
    timestamp: int,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """The headers Slack sends with `body`; pass `retry_num` for Slack's redelivery of an event."""
    # Slack posts events as JSON and commands and interactivity as forms.
    is_json = body.lstrip().startswith("{")
    headers = {
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(body, secret=secret, timestamp=timestamp),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def stale_timestamp(now: int) -> int:
    """A timestamp one second past the replay window, for requests the app must refuse."""
    return now - STALE_AFTER_SECONDS - 1


def badly_signed_headers(body: str, secret: str, timestamp: int) -> dict[str, str]:
    """Headers signed with the wrong secret: what a forger without our secret can produce."""
    return signed_headers(body, secret + "-wrong", timestamp)


# ---- bodies ---------------------------------------------------------------------------------


def slash_command(
    text: str,
    *,
    user_id: str,
    user_name: str,
    trigger_id: str,
    response_url: str,
    command: str = "/tandem",
    team_id: str = TEAM_ID,
    channel_id: str = "D0TANDEM01",
    channel_name: str = "directmessage",
) -> str:
    """A slash command, form-encoded with the fields and order Slack uses."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str,
    event_time: int,
    team_id: str = TEAM_ID,
    bot_user_id: str = BOT_USER_ID,
) -> str:
    """An Events API delivery wrapping `event`, as JSON."""
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
    )


def url_verification(challenge: str) -> str:
    """The handshake Slack sends when the Events URL is saved in the app's settings."""
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    )


def button(
    action_id: str, value: str, *, action_ts: str, block_id: str = "actions"
) -> dict[str, Any]:
    """One entry of `actions` in block_actions: a button press."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "action_ts": action_ts,
    }


def block_actions(
    actions: list[dict[str, Any]],
    *,
    user_id: str,
    user_name: str,
    trigger_id: str,
    response_url: str | None = None,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
) -> str:
    """A press in a message (pass channel_id and message) or in a view (pass view)."""
    if view is not None:
        container: dict[str, Any] = {"type": "view", "view_id": view.get("id", "")}
    else:
        container = {
            "type": "message",
            "message_ts": (message or {}).get("ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": actions,
    }
    if view is not None:
        payload["view"] = view
    else:
        payload["channel"] = {"id": channel_id, "name": "directmessage"}
        payload["message"] = message or {}
        payload["response_url"] = response_url
    return _form_payload(payload)


def view_submission(
    *,
    user_id: str,
    user_name: str,
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    trigger_id: str,
    view_id: str = "V0000000001",
    private_metadata: str = "",
    team_id: str = TEAM_ID,
    view_blocks: list[dict[str, Any]] | None = None,
    view_hash: str = "1.h",
) -> str:
    """A modal's submit: `values` is state.values, {block_id: {action_id: {"type", "value"}}}."""
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": values},
        "hash": view_hash,
        "title": {"type": "plain_text", "text": "Tandem"},
        "blocks": view_blocks or [],  # Slack sends the view as it was opened
        "app_id": API_APP_ID,
        "bot_id": "B0TANDEM",
        "root_view_id": view_id,
        "previous_view_id": None,
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return _form_payload(payload)


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _form_payload(payload: dict[str, Any]) -> str:
    # Interactivity arrives as a form with one field, `payload`, holding the JSON.
    return urlencode({"payload": json.dumps(payload)})
