"""Teams activities, as recorded from Microsoft's documented formats, into engine events."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.render import to_form_card
from adapters.teams.translate import (
    TeamsActivityError,
    is_install,
    is_uninstall,
    to_actor,
    to_command_text,
    to_event,
    to_reference,
)
from bot.events import Action, Actor, Command, Submission
from bot.replies import Choice, FieldKind, Form, FormField

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "teams"
APP_ID = "8d3b1a2c-5f4e-4b7a-9c1d-2e3f4a5b6c7d"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MAYA_AAD = "6b1f0c3e-2d4a-4e8b-9f61-0a7c3d5e9b12"
MAYA_BF = "29:1Xq4mWq3sPZ0-maya-bot-framework-id"


def activity(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


ALL = sorted(path.stem for path in FIXTURES.glob("*.json"))


def test_the_fixtures_are_all_here() -> None:
    assert {
        "message_bot_mention",
        "message_person_mention",
        "message_submit_action",
        "message_submit_form",
        "conversation_update_bot_added",
        "installation_update_add",
        "installation_update_remove",
    } <= set(ALL)


# -- who ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_every_activity_names_its_sender_by_aad_object_id_in_the_tenant(name: str) -> None:
    actor = to_actor(activity(name))
    assert actor.platform == "teams"
    assert actor.tenant == TENANT
    assert actor.user_id in (MAYA_AAD, "0d2e4f6a-8b1c-4d3e-a5f7-9b0c2d4e6f8a")


def test_the_actor_has_a_name_and_the_clients_time_zone() -> None:
    assert to_actor(activity("message_bot_mention")) == Actor(
        platform="teams",
        tenant=TENANT,
        user_id=MAYA_AAD,
        display_name="Maya Lind",
        timezone="Europe/London",
    )


def test_local_timezone_wins_over_the_client_info_entity() -> None:
    message = activity("message_bot_mention")
    message["localTimezone"] = "America/New_York"
    assert to_actor(message).timezone == "America/New_York"


def test_without_local_timezone_the_client_info_entity_tells() -> None:
    assert to_actor(activity("message_person_mention")).timezone == "Asia/Tokyo"


def test_a_zone_that_is_not_iana_is_no_zone() -> None:
    message = activity("message_person_mention")
    message["entities"][-1]["timezone"] = "Pacific Standard Time"
    assert to_actor(message).timezone is None


def test_without_an_aad_object_id_the_bot_framework_id_stands_in() -> None:
    message = activity("message_bot_mention")
    del message["from"]["aadObjectId"]
    assert to_actor(message).user_id == MAYA_BF


def test_the_tenant_comes_from_the_conversation_when_channel_data_lacks_it() -> None:
    message = activity("message_bot_mention")
    del message["channelData"]["tenant"]
    assert to_actor(message).tenant == TENANT


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.pop("from"),
        lambda a: a["from"].update(id="", aadObjectId=None),
        lambda a: (a["channelData"].pop("tenant"), a["conversation"].pop("tenantId")),
        lambda a: a.update(entities="nope"),
    ],
)
def test_a_malformed_activity_is_refused(change: Any) -> None:
    message = activity("message_bot_mention")
    change(message)
    with pytest.raises(TeamsActivityError):
        to_event(message, bot_id=APP_ID)


# -- typed text ---------------------------------------------------------------------------------


def test_a_message_to_the_bot_is_a_command_without_the_mention() -> None:
    event = to_event(activity("message_bot_mention"), bot_id=APP_ID)
    assert isinstance(event, Command)
    assert event.text == "status"
    assert event.event_id == "1772442904123"
    assert event.actor.user_id == MAYA_AAD


def test_another_persons_mention_becomes_their_id_and_nbsp_is_a_space() -> None:
    event = to_event(activity("message_person_mention"), bot_id=APP_ID)
    assert isinstance(event, Command)
    assert event.text == "coordinator add 29:1Sam-bot-framework-id"


def test_a_mention_carrying_an_aad_object_id_becomes_that_id() -> None:
    message = activity("message_person_mention")
    message["entities"][1]["mentioned"]["aadObjectId"] = "5a5a5a5a-0000-4000-8000-000000000005"
    assert to_command_text(message, bot_id=APP_ID) == (
        "coordinator add 5a5a5a5a-0000-4000-8000-000000000005"
    )


def text_of(text: str, **extra: Any) -> str:
    message = activity("message_bot_mention")
    message.update(text=text, entities=[], **extra)
    return to_command_text(message, bot_id=APP_ID)


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("tandem status", "status"),
        ("/tandem goals add Run the retro", "goals add Run the retro"),
        ("Tandem: checkin", "checkin"),
        ("<at>Tandem</at>", ""),  # the bot's mention without its entity, recognised by name
        ('<at id="0">Tandem</at> help', "help"),
        ("<p>goals add Learn &amp; teach &lt;AI&gt;</p>", "goals add Learn & teach <AI>"),
        ("actions add one<br>two", "actions add one\ntwo"),
        ("nudge 12 Keep   going", "nudge 12 Keep   going"),  # typed spacing stays
        ("tandems are fun", "tandems are fun"),
        ("coordinator add <at>Sam Lee</at>", "coordinator add Sam Lee"),  # no entity: the name
    ],
)
def test_command_text_is_the_words_after_tandem(typed: str, command: str) -> None:
    assert text_of(typed) == command


def test_the_bot_is_recognised_by_its_app_id_too() -> None:
    message = activity("message_bot_mention")
    message["recipient"] = {}
    assert to_command_text(message, bot_id=APP_ID) == "status"
    assert to_command_text(message, bot_id=f"28:{APP_ID}") == "status"


# -- cards --------------------------------------------------------------------------------------


def test_a_pressed_button_is_an_action() -> None:
    event = to_event(activity("message_submit_action"), bot_id=APP_ID)
    assert event == Action(
        actor=to_actor(activity("message_submit_action")),
        action="intro",
        value="v1:7:yes",
        event_id="f:8417319734123456789",
    )


def test_a_submitted_form_is_a_submission_of_its_string_values() -> None:
    event = to_event(activity("message_submit_form"), bot_id=APP_ID)
    assert isinstance(event, Submission)
    assert (event.form_id, event.context) == ("checkin", "41")
    assert event.values == {
        "happened": "yes",
        "challenge": "4",
        "actions": "Book a site visit\nShare the retro notes",
        "note": "",
    }


def test_numbers_and_flags_from_other_clients_become_strings() -> None:
    message = activity("message_submit_form")
    message["value"].update(challenge=4.0, extra=True, missing=None, msteams={"x": 1})
    event = to_event(message, bot_id=APP_ID)
    assert isinstance(event, Submission)
    assert event.values["challenge"] == "4"
    assert (event.values["extra"], event.values["missing"]) == ("true", "")
    assert "msteams" not in event.values


@pytest.mark.parametrize(
    "value",
    [
        {"tandem": "action"},  # no action name
        {"tandem": "form", "context": "1"},  # no form id
        {"tandem": "form", "form_id": "checkin", "note": ["a", "b"]},
        {"tandem": "poll", "x": "1"},
    ],
)
def test_a_malformed_card_submission_is_refused(value: dict[str, Any]) -> None:
    message = activity("message_submit_action")
    message["value"] = value
    with pytest.raises(TeamsActivityError):
        to_event(message, bot_id=APP_ID)


def test_a_card_from_elsewhere_is_not_an_event() -> None:
    message = activity("message_submit_action")
    message["value"] = {"someone": "else"}
    assert to_event(message, bot_id=APP_ID) is None


def test_what_the_form_card_submits_comes_back_as_the_same_values() -> None:
    """Teams merges the inputs' values into the submit data; translate takes them apart again."""
    form = Form(
        form_id="evaluation",
        title="Evaluation",
        context="9",
        fields=(
            FormField(
                name="goals_met", label="Goals", kind=FieldKind.INTEGER, minimum=1, maximum=5
            ),
            FormField(name="what_worked", label="What worked", kind=FieldKind.LONG_TEXT),
            FormField(
                name="continue_as",
                label="Continue?",
                kind=FieldKind.CHOICE,
                choices=(Choice(value="no", label="No"),),
            ),
        ),
    )
    card = to_form_card(form)
    typed = {"goals_met": "4", "what_worked": "Being *listened* to", "continue_as": "no"}
    message = activity("message_submit_form")
    message["value"] = {**card["actions"][0]["data"], **typed}
    event = to_event(message, bot_id=APP_ID)
    assert event == Submission(
        actor=event.actor, form_id="evaluation", context="9", values=typed, event_id=event.event_id
    )


# -- installation and references ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "install", "uninstall"),
    [
        ("installation_update_add", True, False),
        ("installation_update_remove", False, True),
        ("installation_update_remove_upgrade", False, False),
        ("conversation_update_bot_added", True, False),
        ("message_bot_mention", False, False),
    ],
)
def test_installs_and_uninstalls(name: str, install: bool, uninstall: bool) -> None:
    assert is_install(activity(name)) is install
    assert is_uninstall(activity(name)) is uninstall


def test_someone_else_joining_is_not_an_install() -> None:
    update = activity("conversation_update_bot_added")
    update["membersAdded"] = [{"id": "29:someone-else"}]
    assert not is_install(update)


@pytest.mark.parametrize("name", ["installation_update_add", "conversation_update_bot_added"])
def test_installation_activities_are_not_engine_events(name: str) -> None:
    assert to_event(activity(name), bot_id=APP_ID) is None


def test_the_reference_holds_what_a_proactive_message_needs_and_no_name() -> None:
    reference = to_reference(activity("message_bot_mention"))
    assert reference == {
        "channel_id": "msteams",
        "service_url": "https://smba.trafficmanager.net/emea/",
        "conversation_id": "a:1Hq7PkXyZ-maya-personal-conversation",
        "conversation_type": "personal",
        "tenant_id": TENANT,
        "bot_id": f"28:{APP_ID}",
        "user_id": MAYA_BF,
        "aad_object_id": MAYA_AAD,
    }
    assert json.loads(json.dumps(reference)) == reference
    assert "Maya" not in json.dumps(reference)


def test_a_reference_needs_a_service_url() -> None:
    update = copy.deepcopy(activity("installation_update_add"))
    del update["serviceUrl"]
    with pytest.raises(TeamsActivityError, match="serviceUrl"):
        to_reference(update)
