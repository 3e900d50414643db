"""Slack payloads -> engine events, on payloads recorded from Slack's documented formats."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from adapters.slack.translate import (
    SlackPayloadError,
    strip_prefix,
    to_action,
    to_actor,
    to_command,
    to_home_actor,
    to_message_event,
    to_submission,
    to_typed_text,
)
from bot.events import Action, Actor, Command, Message, Submission

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
TEAM = "T0001ACME"


def actor(user_id: str) -> Actor:
    return Actor(platform="slack", tenant=TEAM, user_id=user_id)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


EXPECTED: dict[str, object] = {
    "command_match.json": Command(
        actor=actor("U0HANA001"),
        text='match U0MAYA001 U0SAM0002 --programme "Spring & Summer"',
        event_id="6942078731281.1234567890123.8bb9f4a9e4c5c4cbbb1c4d1d7d1f0a2e",
    ),
    # Escaped brackets are typed text; `<...>` sequences are what Slack made of typed text.
    "command_typed_text.json": Command(
        actor=actor("U0MAYA001"),
        text=(
            "note Ask <@U0SAM0002> about https://example.com/plan?a=1&b=2 & mail "
            "sam@example.com, see #goals or #C0NOTES01, not @here @mentors"
        ),
        event_id="6942078731282.1234567890123.c0a1f2e3d4c5b6a7980716253443526f",
    ),
    "command_empty.json": Command(
        actor=actor("U0MAYA001"),
        text="",
        event_id="6942078731283.1234567890123.0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    ),
    "event_message_im.json": Message(
        actor=actor("U0MAYA001"),
        text="goal add Listen more & talk less <3 with U0SAM0002",
        event_id="message:D0123MAYA:1712054400.000200",
    ),
    "event_message_im_slash.json": Message(
        actor=actor("U0SAM0002"),
        text="status",
        event_id="message:D0456SAM0:1712058000.001100",
    ),
    "event_message_im_bot.json": None,
    "event_message_im_edited.json": None,
    "event_message_mpim.json": None,  # the pair's own conversation: never read
    "event_app_home_opened.json": actor("U0MAYA001"),
    "event_app_home_opened_messages.json": None,
    "block_actions_intro.json": Action(
        actor=actor("U0MAYA001"),
        action="intro",
        value="v1:7:yes",
        event_id="action:1712070123.456789:U0MAYA001:intro#0",
    ),
    # An org-wide install sends `team: null`; the user's team is the workspace.
    "block_actions_home.json": Action(
        actor=actor("U0SAM0002"),
        action="open_form",
        value="v1:checkin:31",
        event_id="action:1712070260.111222:U0SAM0002:open_form#2",
    ),
    "view_submission_checkin.json": Submission(
        actor=actor("U0MAYA001"),
        form_id="checkin",
        context="31",
        values={
            "happened": "yes",
            "agenda_set_by": "both",
            "challenge": "4",
            "breadth": "",
            "jumped_to_solutions": "",
            "goals_moved": "no",
            "actions": (
                "Read <Radical Candor> ch. 2 & try it\n- ask Sam for *one* piece of feedback"
            ),
            "note": "",
        },
        event_id="view:V0CHECKIN1:1712071000.MnBvCxZa",
    ),
    # Input values arrive as typed, unescaped: a typed `&amp;` stays `&amp;`.
    "view_submission_contract.json": Submission(
        actor=actor("U0SAM0002"),
        form_id="contract",
        context="7",
        values={
            "sessions": "6",
            "length_minutes": "45",
            "cadence": "monthly",
            "medium": "video",
            "start_date": "2027-03-01",
            "end_date": "",
            "mentor_goals": "Help Maya lead her first project",
            "mentee_goals": "Lead a project &amp; say no <politely>",
            "mentor_motivation": "Pay it forward",
            "agenda_owner": "mentee",
            "waits_until_end": "",
            "confidentiality": "",
        },
        event_id="view:V0CONTRACT:1712072000.PoIuYtRe",
    ),
}


def translate(name: str, payload: Any) -> object:
    """The translator the app calls for this kind of payload."""
    if name.startswith("command_"):
        return to_command(payload)
    if name.startswith("event_app_home_opened"):
        return to_home_actor(payload)
    if name.startswith("event_"):
        event = payload.get("event") if isinstance(payload, dict) else None
        return to_message_event(event, team_id=TEAM)  # type: ignore[arg-type]
    if name.startswith("block_actions_"):
        return to_action(payload)
    if name.startswith("view_submission_"):
        return to_submission(payload)
    raise AssertionError(f"no translator for {name}")


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(path.name for path in FIXTURES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_payload(name: str) -> None:
    assert translate(name, load(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("command_")))
def test_a_command_is_read_from_the_form_body_as_bolt_parses_it(name: str) -> None:
    payload = load(name)
    body = parse_body(urlencode(payload), "application/x-www-form-urlencoded")
    assert body == payload
    assert to_command(body) == EXPECTED[name]


# -- malformed payloads -----------------------------------------------------------------------


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key and list index in the payload, as a path from the top."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


def mutated(payload: Any, path: tuple[Any, ...], replacement: object) -> Any:
    data = copy.deepcopy(payload)
    target = data
    for key in path[:-1]:
        target = target[key]
    if replacement is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    return data


_DELETE = object()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_damaged_payload_raises_slack_payload_error_or_nothing_else(name: str) -> None:
    """Each key deleted or given a wrong type: the answer is an event or SlackPayloadError."""
    payload = load(name)
    for path in paths(payload):
        for replacement in (_DELETE, None, 7, "x", [], {}):
            try:
                translate(name, mutated(payload, path, replacement))
            except SlackPayloadError:
                pass


@pytest.mark.parametrize("body", [None, [], "text=status", 7])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    for translator in (to_command, to_action, to_submission, to_home_actor):
        with pytest.raises(SlackPayloadError):
            translator(body)
    with pytest.raises(SlackPayloadError):
        to_message_event(body, team_id=TEAM)


@pytest.mark.parametrize(
    ("name", "path", "message"),
    [
        ("command_match.json", ("user_id",), "user_id"),
        ("command_match.json", ("team_id",), "team_id"),
        ("command_match.json", ("text",), "text"),
        ("event_message_im.json", ("event", "user"), "user"),
        ("block_actions_intro.json", ("actions",), "actions"),
        ("block_actions_intro.json", ("actions", 0, "action_id"), "action_id"),
        ("block_actions_home.json", ("user", "team_id"), "team_id"),
        ("view_submission_checkin.json", ("view", "callback_id"), "callback_id"),
        ("view_submission_checkin.json", ("view", "state"), "state"),
    ],
)
def test_a_missing_key_is_named(name: str, path: tuple[Any, ...], message: str) -> None:
    with pytest.raises(SlackPayloadError, match=message):
        translate(name, mutated(load(name), path, _DELETE))


def test_an_input_type_tandem_never_renders_is_refused() -> None:
    payload = load("view_submission_checkin.json")
    payload["view"]["state"]["values"]["note"]["value"] = {"type": "users_select"}
    with pytest.raises(SlackPayloadError, match="note"):
        to_submission(payload)


def test_a_block_without_our_action_id_is_not_a_field() -> None:
    payload = load("view_submission_checkin.json")
    payload["view"]["state"]["values"]["extra"] = {"other": {"type": "plain_text_input"}}
    assert "extra" not in to_submission(payload).values


def test_the_wrong_kind_of_payload_is_refused() -> None:
    with pytest.raises(SlackPayloadError, match="block_actions"):
        to_action(load("view_submission_checkin.json"))
    with pytest.raises(SlackPayloadError, match="view_submission"):
        to_submission(load("block_actions_intro.json"))


def test_an_actor_needs_a_team_and_a_user() -> None:
    assert to_actor("T1", "U1", display_name="Maya", timezone="Europe/Oslo") == Actor(
        platform="slack", tenant="T1", user_id="U1", display_name="Maya", timezone="Europe/Oslo"
    )
    with pytest.raises(SlackPayloadError):
        to_actor("", "U1")
    with pytest.raises(SlackPayloadError):
        to_actor("T1", None)  # type: ignore[arg-type]


# -- typed text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("match <@U0MAYA001|maya> <@W0ENTERPRISE>", "match U0MAYA001 W0ENTERPRISE"),
        ("a &amp; b &lt;c&gt;", "a & b <c>"),
        ("&amp;lt; stays as typed", "&lt; stays as typed"),
        ("&amp;amp;", "&amp;"),
        ("<https://example.com>", "https://example.com"),
        ("<http://example.com|example.com>", "example.com"),
        ("<mailto:sam@example.com|sam@example.com>", "sam@example.com"),
        ("<https://example.com/?q=1&amp;r=2|the plan>", "the plan"),
        ("<#C0GOALS01|goals> <#C0NOTES01>", "#goals #C0NOTES01"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S0MENTORS|@mentors> <!subteam^S0MENTORS>", "@mentors @S0MENTORS"),
        ("<!date^1392734382^{date_pretty}|Feb 18th, 2014>", "Feb 18th, 2014"),
        ("no controls at all", "no controls at all"),
    ],
)
def test_slack_text_becomes_what_was_typed(slack: str, typed: str) -> None:
    assert to_typed_text(slack) == typed


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@given(st.text())
def test_any_typed_text_survives_slacks_escaping(text: str) -> None:
    assert to_typed_text(slack_escape(text)) == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tandem status", "status"),
        ("Tandem   goal add x", "goal add x"),
        ("/tandem status", "status"),
        ("/TANDEM", ""),
        ("tandem", ""),
        ("tandem\nnote hi", "note hi"),
        ("tandems are bikes", "tandems are bikes"),
        ("  status  ", "status"),
        ("note about tandem", "note about tandem"),
    ],
)
def test_a_dm_may_start_like_the_slash_command(text: str, words: str) -> None:
    assert strip_prefix(text) == words


def test_a_direct_message_needs_its_channel_and_ts_for_dedupe() -> None:
    event = load("event_message_im.json")["event"]
    del event["ts"]
    with pytest.raises(SlackPayloadError, match="ts"):
        to_message_event(event, team_id=TEAM)
