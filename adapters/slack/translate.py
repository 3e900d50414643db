"""Slack payloads (as Bolt hands them to listeners) -> engine events (pure functions).

Slack rewrites what people type before sending it: `&`, `<` and `>` arrive escaped, and
mentions, channels and links arrive as `<...>` control sequences. The engine must receive the
text as the person typed it, and its grammar names people by platform id, so:

- `<@U123|maya>` and `<@U123>` become `U123`;
- `<#C123|general>` becomes `#general` (`#C123` when Slack sends no name);
- `<!here>`, `<!channel>`, `<!everyone>` become `@here`, `@channel`, `@everyone`, and a
  user group or date with a label becomes its label;
- a link becomes what the person typed: its label when it has one (Slack adds a label when it
  turns typed text such as `example.com` or an email address into a link), else the URL,
  which is then what was typed (`<https://example.com>`).

Display names are never taken from these payloads: `user_name` and `user.name` are legacy
handles, and an Actor's display name overwrites the stored one. The app may look up the real
name (users.info) and pass it to `to_actor`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.events import Action, Actor, Command, Message, Submission

PLATFORM = "slack"

_DM_PREFIX = re.compile(r"/?tandem(?:\s+|$)", re.IGNORECASE)
_CONTROL = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
# What each input element puts in view.state, by the key that holds its value.
_VALUE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}
_OPTION_TYPES = ("static_select", "external_select", "radio_buttons")


class SlackPayloadError(ValueError):
    """A payload without the keys or types Slack documents for it."""


def to_actor(
    team_id: str, user_id: str, *, display_name: str | None = None, timezone: str | None = None
) -> Actor:
    """A Slack user in a workspace: the tenant is the team id."""
    for what, value in (("team id", team_id), ("user id", user_id)):
        if not isinstance(value, str) or not value:
            raise SlackPayloadError(f"missing {what}")
    return Actor(
        platform=PLATFORM,
        tenant=team_id,
        user_id=user_id,
        display_name=display_name,
        timezone=timezone,
    )


def to_command(body: Mapping[str, Any]) -> Command:
    """A `/tandem` slash command (its form body, as Bolt parses it) as a Command."""
    _require_mapping(body, "command body")
    actor = to_actor(_string(body, "team_id"), _string(body, "user_id"))
    trigger = body.get("trigger_id")
    return Command(
        actor=actor,
        text=to_typed_text(_string(body, "text", allow_empty=True)).strip(),
        # No retries for slash commands, but trigger_id names this invocation uniquely.
        event_id=trigger if isinstance(trigger, str) and trigger else None,
    )


def to_message_event(event: Mapping[str, Any], *, team_id: str) -> Message | None:
    """A direct message to the bot (message.im) as a Message; None for anything else.

    Bot messages (ours included), edits, deletions and every other subtype are not someone
    talking to Tandem. Neither is a message outside a DM: the bot never reads a pair's group
    DM, which is the pair's own conversation.
    """
    _require_mapping(event, "message event")
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") or event.get("bot_id") or event.get("hidden"):
        return None
    channel = _string(event, "channel")
    ts = _string(event, "ts")
    text = strip_prefix(to_typed_text(_string(event, "text", allow_empty=True)))
    return Message(
        actor=to_actor(team_id, _string(event, "user")),
        text=text,
        # Slack redelivers an event it thinks we missed; the message's channel and ts stay.
        event_id=f"message:{channel}:{ts}",
    )


def to_home_actor(body: Mapping[str, Any]) -> Actor | None:
    """Who opened the Home tab (an app_home_opened event_callback); None for the Messages tab."""
    _require_mapping(body, "event body")
    event = _mapping(body, "event")
    if event.get("type") != "app_home_opened" or event.get("tab", "home") != "home":
        return None
    return to_actor(_string(body, "team_id"), _string(event, "user"))


def to_action(body: Mapping[str, Any]) -> Action:
    """A button press (block_actions) as an Action; the action name is the id before '#'."""
    _require_mapping(body, "action body")
    if body.get("type") != "block_actions":
        raise SlackPayloadError("not a block_actions payload")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise SlackPayloadError("block_actions without actions")
    action = actions[0]
    action_id = _string(action, "action_id")
    user = _mapping(body, "user")
    user_id = _string(user, "id")
    value = action.get("value", "")
    if not isinstance(value, str):
        raise SlackPayloadError("action value is not text")
    return Action(
        actor=to_actor(_team_of(body), user_id),
        action=action_id.rpartition("#")[0] or action_id,
        value=value,
        # A double click is two presses with two action_ts; a redelivered one keeps its own.
        event_id=f"action:{_string(action, 'action_ts')}:{user_id}:{action_id}",
    )


def to_submission(body: Mapping[str, Any]) -> Submission:
    """A submitted modal (view_submission) as a Submission of raw string values."""
    _require_mapping(body, "submission body")
    if body.get("type") != "view_submission":
        raise SlackPayloadError("not a view_submission payload")
    view = _mapping(body, "view")
    state = _mapping(_mapping(view, "state"), "values")
    values: dict[str, str] = {}
    for block_id, actions in state.items():
        if not isinstance(actions, Mapping):
            raise SlackPayloadError(f"state of block {block_id!r} is not an object")
        if "value" in actions:  # our inputs all use action_id "value"; others are not ours
            values[str(block_id)] = _input_value(actions["value"], str(block_id))
    context = view.get("private_metadata") or ""
    if not isinstance(context, str):
        raise SlackPayloadError("private_metadata is not text")
    view_id = _string(view, "id")
    view_hash = view.get("hash")
    return Submission(
        actor=to_actor(_team_of(body), _string(_mapping(body, "user"), "id")),
        form_id=_string(view, "callback_id"),
        context=context,
        values=values,
        # One view is submitted once; the hash tells a later version of the same view apart.
        event_id=f"view:{view_id}:{view_hash}" if isinstance(view_hash, str) else f"view:{view_id}",
    )


def unreadable(body: Any) -> str | None:
    """Why Bolt could not even route this payload (None when it can).

    Bolt reads `actions[0]`, `view.type` and `event.type` of every request before any listener
    runs, so a payload missing them fails inside Bolt with a 500 and a stack trace. Slack never
    sends one; a caller who can sign requests might, and deserves a plain refusal instead.
    """
    if not isinstance(body, Mapping) or not body:
        return "not a Slack payload"
    kind = body.get("type")
    if "command" in body or kind in ("url_verification", "ssl_check"):
        return None  # commands are checked by to_command; the handshakes by Bolt itself
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            return "an event_callback without an event"
    elif kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, Mapping) and isinstance(a.get("action_id"), str) for a in actions):
            return "an action without an action_id"
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, Mapping) or not all(
            isinstance(view.get(key), str) for key in ("type", "callback_id")
        ):
            return f"{kind} without a view"
    elif not isinstance(kind, str):
        return "a payload without a type"
    return None


# -- text -------------------------------------------------------------------------------------


def to_typed_text(text: str) -> str:
    """Slack's text as the person typed it: control sequences resolved, escaping undone."""
    out: list[str] = []
    position = 0
    for match in _CONTROL.finditer(text):
        out.append(_unescape(text[position : match.start()]))
        out.append(_unescape(_resolve(match.group(1))))
        position = match.end()
    out.append(_unescape(text[position:]))
    return "".join(out)


def strip_prefix(text: str) -> str:
    """A DM takes the slash command's grammar: a leading `/tandem` or `tandem` is dropped."""
    stripped = text.strip()
    match = _DM_PREFIX.match(stripped)
    return stripped[match.end() :].strip() if match else stripped


def _resolve(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return target[1:]  # the engine's grammar takes the user id
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        # `!here` and friends, or `!subteam^S123`: Slack adds the typed `@name` as the label.
        return label or "@" + target[1:].split("^")[-1]
    return label or target


def _unescape(text: str) -> str:
    # One pass, so `&amp;lt;` (a typed `&lt;`) comes back as `&lt;`, not `<`.
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


# -- payload access ---------------------------------------------------------------------------


def _input_value(state: Any, block_id: str) -> str:
    if not isinstance(state, Mapping):
        raise SlackPayloadError(f"state of field {block_id!r} is not an object")
    kind = state.get("type")
    if kind in _OPTION_TYPES:
        option = state.get("selected_option")
        if option is None:
            return ""
        if not isinstance(option, Mapping):
            raise SlackPayloadError(f"selected option of {block_id!r} is not an object")
        return _string(option, "value", allow_empty=True)
    key = _VALUE_KEYS.get(kind) if isinstance(kind, str) else None
    if key is None:
        raise SlackPayloadError(f"field {block_id!r} has an input type Tandem does not use")
    value = state.get(key)
    if value is None:  # an optional field left empty
        return ""
    if not isinstance(value, str):
        raise SlackPayloadError(f"value of field {block_id!r} is not text")
    return value


def _team_of(body: Mapping[str, Any]) -> str:
    """The workspace: `team.id`, or the user's team where an org-wide app gets `team: null`."""
    team = body.get("team")
    if isinstance(team, Mapping) and isinstance(team.get("id"), str) and team["id"]:
        return str(team["id"])
    user = _mapping(body, "user")
    return _string(user, "team_id")


def _require_mapping(value: Any, what: str) -> None:
    if not isinstance(value, Mapping):
        raise SlackPayloadError(f"{what} is not an object")


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise SlackPayloadError(f"missing {key!r} object")
    return value


def _string(data: Mapping[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise SlackPayloadError(f"missing {key!r}")
    return value
