"""Teams activities (JSON as the Bot Connector posts them) -> engine events and references (pure).

Who is who: a person's `Actor.user_id` is their Microsoft Entra (AAD) object id when the
activity carries one, which Teams does for every person in a tenant. It is the same for every
bot and app, and it is the id an administrator can look up and put in TANDEM_COORDINATORS or an
enrolment CSV. The Bot Framework id (`29:...`) differs per bot registration, so it is kept only
in the conversation reference, where the Bot Connector needs it to message the person later.
Only when there is no AAD object id (a guest or an emulator) does the `29:` id stand in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.events import Action, Actor, Command, Message, Submission
from bot.identity import is_time_zone

PLATFORM = "teams"
CHANNEL = "msteams"
SUBMIT_KEYS = ("tandem", "form_id", "context", "msteams")  # not form values: see render.py

_AT = re.compile(r"<at(?:\s[^<>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_PREFIX = re.compile(r"/?tandem\b[\s:,]*", re.IGNORECASE)


class TeamsActivityError(ValueError):
    """An activity that lacks what Teams always sends; the request is refused, not guessed."""


# -- reading fields -----------------------------------------------------------------------------


def _object(data: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = data.get(key)
    if isinstance(value, Mapping):
        return value
    if value is None and not required:
        return {}
    raise TeamsActivityError(f"the activity's {key!r} is missing or not an object")


def _string(data: Mapping[str, Any], key: str, *, where: str = "activity") -> str:
    value = data.get(key)
    if isinstance(value, str) and value:
        return value
    raise TeamsActivityError(f"the {where}'s {key!r} is missing or not a non-empty string")


def _optional(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _entities(activity: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entities = activity.get("entities") or []
    if not isinstance(entities, list):
        raise TeamsActivityError("the activity's 'entities' is not a list")
    return [entity for entity in entities if isinstance(entity, Mapping)]


# -- who ----------------------------------------------------------------------------------------


def tenant_of(activity: Mapping[str, Any]) -> str:
    """The tenant id: Teams puts it in channelData.tenant.id and in conversation.tenantId."""
    tenant = _object(_object(activity, "channelData", required=False), "tenant", required=False)
    found = _optional(tenant, "id") or _optional(
        _object(activity, "conversation", required=False), "tenantId"
    )
    if found is None:
        raise TeamsActivityError("the activity names no tenant (channelData.tenant.id)")
    return found


def to_actor(activity: Mapping[str, Any]) -> Actor:
    """The person who sent the activity (see the module docstring for which id is used)."""
    sender = _object(activity, "from")
    user_id = _optional(sender, "aadObjectId") or _string(sender, "id", where="sender")
    return Actor(
        platform=PLATFORM,
        tenant=tenant_of(activity),
        user_id=user_id,
        display_name=_optional(sender, "name"),
        timezone=_time_zone(activity),
    )


def _time_zone(activity: Mapping[str, Any]) -> str | None:
    """The client's IANA zone: `localTimezone` on the activity, else the clientInfo entity's."""
    candidates = [activity.get("localTimezone")]
    candidates += [e.get("timezone") for e in _entities(activity) if e.get("type") == "clientInfo"]
    for zone in candidates:
        if isinstance(zone, str) and is_time_zone(zone):
            return zone
    return None


# -- what they did ------------------------------------------------------------------------------


def to_event(
    activity: Mapping[str, Any], *, bot_id: str | None
) -> Message | Command | Action | Submission | None:
    """A message activity as an engine event; None for activities the engine does not take.

    Typed text is a Command (the words after `/tandem`, which is optional, as in the console);
    a card's button is an Action and a card's form a Submission. `bot_id` is the bot's app id
    (or its `28:` id), used with the activity's recipient to recognise mentions of the bot.
    """
    if activity.get("type") != "message":
        return None
    actor = to_actor(activity)
    event_id = _optional(activity, "id")
    value = activity.get("value")
    if isinstance(value, Mapping) and "tandem" in value:
        return _from_card(value, actor=actor, event_id=event_id)
    text = activity.get("text")
    if text is None:
        return None  # a card from elsewhere, or an attachment without words
    if not isinstance(text, str):
        raise TeamsActivityError("the activity's 'text' is not a string")
    return Command(actor=actor, text=to_command_text(activity, bot_id=bot_id), event_id=event_id)


def _from_card(
    value: Mapping[str, Any], *, actor: Actor, event_id: str | None
) -> Action | Submission:
    kind = value.get("tandem")
    if kind == "action":
        return Action(
            actor=actor,
            action=_string(value, "action", where="button"),
            value=_scalar(value.get("value"), "value"),
            event_id=event_id,
        )
    if kind == "form":
        values = {
            str(key): _scalar(raw, str(key)) for key, raw in value.items() if key not in SUBMIT_KEYS
        }
        return Submission(
            actor=actor,
            form_id=_string(value, "form_id", where="form"),
            context=_scalar(value.get("context"), "context"),
            values=values,
            event_id=event_id,
        )
    raise TeamsActivityError(f"a card submitted {kind!r}, which is not a Tandem card kind")


def _scalar(raw: object, name: str) -> str:
    """A submitted value as the string the engine validates; Teams sends strings, mostly."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # some clients send Input.Number as a JSON number
    if isinstance(raw, str | int | float):
        return str(raw)
    raise TeamsActivityError(f"the submitted {name!r} is not a single value")


def to_command_text(activity: Mapping[str, Any], *, bot_id: str | None) -> str:
    """The message's words as command text: mentions resolved, markup and `tandem` removed.

    The bot's own mention is dropped; another person's becomes their id, which is what the
    engine looks people up by (their AAD object id when the mention carries one).
    """
    text = activity.get("text")
    if not isinstance(text, str):
        raise TeamsActivityError("the activity's 'text' is missing or not a string")
    bots = _bot_ids(activity, bot_id)
    for entity in _entities(activity):
        if entity.get("type") != "mention":
            continue
        tag = entity.get("text")
        mentioned = entity.get("mentioned")
        if not isinstance(tag, str) or not tag or not isinstance(mentioned, Mapping):
            continue
        who = _optional(mentioned, "id")
        if who in bots:
            replacement = ""
        else:
            replacement = _optional(mentioned, "aadObjectId") or who or ""
        text = text.replace(tag, replacement)
    # A mention without its entity: the bot's own (by name) goes, anyone else's keeps the name.
    bot_name = _optional(_object(activity, "recipient", required=False), "name")
    text = _AT.sub(lambda m: "" if _same_name(m.group(1), bot_name) else m.group(1), text)
    text = _TAG.sub("", _BREAK.sub("\n", text))
    # Only what Teams added is removed; spaces inside what was typed stay as typed.
    text = html.unescape(text).replace("\xa0", " ").strip()
    prefix = _PREFIX.match(text)
    return text[prefix.end() :].strip() if prefix else text


def to_mentioned(activity: Mapping[str, Any], *, bot_id: str | None) -> list[Actor]:
    """The people a message mentions (not the bot), with the names Teams shows for them.

    Someone enrolled by mention may never have written to the bot: this is the only place
    Teams tells Tandem their name (there is no users.info without Microsoft Graph).
    """
    bots = _bot_ids(activity, bot_id)
    found: list[Actor] = []
    for entity in _entities(activity):
        mentioned = entity.get("mentioned")
        if entity.get("type") != "mention" or not isinstance(mentioned, Mapping):
            continue
        who = _optional(mentioned, "id")
        user_id = _optional(mentioned, "aadObjectId") or who
        if who in bots or not user_id:
            continue
        found.append(
            Actor(
                platform=PLATFORM,
                tenant=tenant_of(activity),
                user_id=user_id,
                display_name=_optional(mentioned, "name"),
            )
        )
    return found


def _bot_ids(activity: Mapping[str, Any], bot_id: str | None) -> set[str]:
    ids = {_optional(_object(activity, "recipient", required=False), "id")}
    if bot_id:
        ids |= {bot_id, f"28:{bot_id}"}
    return {i for i in ids if i}


def _same_name(tagged: str, bot_name: str | None) -> bool:
    return bot_name is not None and html.unescape(_TAG.sub("", tagged)).strip() == bot_name


# -- installation and addresses -----------------------------------------------------------------


def is_install(activity: Mapping[str, Any]) -> bool:
    """The app was added for this person: installationUpdate `add`, or the bot joining a chat.

    Teams sends both for one personal install; either is a moment to store the reference, and
    the caller greets once however many arrive.
    """
    kind = activity.get("type")
    if kind == "installationUpdate":
        return activity.get("action") == "add"
    if kind == "conversationUpdate":
        bot = _optional(_object(activity, "recipient", required=False), "id")
        added = activity.get("membersAdded") or []
        if bot is None or not isinstance(added, list):
            return False
        return any(isinstance(member, Mapping) and member.get("id") == bot for member in added)
    return False


def is_uninstall(activity: Mapping[str, Any]) -> bool:
    """The app was removed. `remove-upgrade` is the old version leaving during an upgrade."""
    return activity.get("type") == "installationUpdate" and activity.get("action") == "remove"


def to_reference(activity: Mapping[str, Any]) -> dict[str, str | None]:
    """What is needed to message this conversation later, as plain JSON to store.

    `user_id` is the Bot Framework id (`29:...`) that proactive messages need; `aad_object_id`
    is the id Tandem knows the person by. No names, so `forget-me` has nothing to find here.
    """
    conversation = _object(activity, "conversation")
    sender = _object(activity, "from")
    bot = _object(activity, "recipient")
    return {
        "channel_id": _optional(activity, "channelId") or CHANNEL,
        "service_url": _string(activity, "serviceUrl"),
        "conversation_id": _string(conversation, "id", where="conversation"),
        "conversation_type": _optional(conversation, "conversationType"),
        "tenant_id": tenant_of(activity),
        "bot_id": _string(bot, "id", where="recipient"),
        "user_id": _string(sender, "id", where="sender"),
        "aad_object_id": _optional(sender, "aadObjectId"),
    }
