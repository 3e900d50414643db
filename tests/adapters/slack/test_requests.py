"""What reaches /slack/events: forged, stale, retried, foreign, wrong and broken requests.

Each request goes over HTTP into `tandem serve`'s real Bolt app; the test compares every row
of the database before and after, and reads what the fake Slack received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from db_snapshot import assert_unchanged, snapshot
from scenario import rows
from slack_fake import FakeSlack
from slack_signing import (
    TEAM_ID,
    badly_signed_headers,
    block_actions,
    button,
    event_callback,
    signed_headers,
    slash_command,
    stale_timestamp,
)
from slack_steps import HANA, MAYA, contracting, ephemerals, posts, raw_post
from slack_world import SECRET, SlackWorld, slack_world

from bot.content import default_content
from storage.models import Programme

# The app's default language is the operator's (English here): nothing else is known yet.
FOREIGN_WORKSPACE = str(default_content("en").text("adapters.slack.foreign_workspace"))
UNREADABLE = str(default_content("en").text("adapters.slack.unreadable"))

OTHER_TEAM = "T0ELSEWHERE"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
CREATE = 'programme create "Reverse 2027" --kind reverse'


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SlackWorld]:
    with slack_world(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackWorld]:
    """One server for the tests of refused requests: each checks that it changed nothing."""
    with slack_world(tmp_path_factory.mktemp("refusals")) as running:
        running.command(HANA, "help")  # Hana exists and Bolt has authorized: a quiet baseline
        yield running


def command_body(text: str, *, user: str = HANA, team_id: str = TEAM_ID) -> str:
    return slash_command(
        text,
        user_id=user,
        user_name=user.lower(),
        trigger_id=f"{time.time_ns()}.abcdef",
        response_url="http://127.0.0.1:9/respond/never",
        team_id=team_id,
    )


def dm_body(user: str, text: str, *, event_id: str, team_id: str = TEAM_ID) -> str:
    event = {
        "type": "message",
        "channel": FakeSlack().dm_channel(user),
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1799999999.000100",
        "team": team_id,
    }
    return event_callback(event, event_id=event_id, event_time=int(time.time()), team_id=team_id)


def signed(body: str, **extra: str) -> dict[str, str]:
    return {**signed_headers(body, SECRET, int(time.time())), **extra}


# -- signatures --------------------------------------------------------------------------------


def forgeries(body: str) -> dict[str, dict[str, str]]:
    now = int(time.time())
    good = signed_headers(body, SECRET, now)
    return {
        "unsigned": {"Content-Type": FORM},
        "no timestamp": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
        "signed with another secret": badly_signed_headers(body, SECRET, now),
        "signed over another body": signed_headers(body + "x", SECRET, now),
        "signed five minutes ago and more": signed_headers(body, SECRET, stale_timestamp(now)),
        "signed in the future": signed_headers(body, SECRET, now + 6 * 60),
    }


def test_unsigned_badly_signed_and_stale_requests_get_401_and_change_nothing(
    shared: SlackWorld,
) -> None:
    body = command_body(CREATE)
    before, calls = snapshot(shared.db), len(shared.slack.calls())
    for kind, headers in forgeries(body).items():
        answer = raw_post(shared, body, headers)
        assert answer.status == 401, kind
        assert "Traceback" not in answer.body
    assert_unchanged(shared.db, before)
    assert len(shared.slack.calls()) == calls  # not even a users.info


def test_the_same_request_signed_now_works(world: SlackWorld) -> None:
    body = command_body(CREATE)
    assert raw_post(world, body, signed(body)).status == 200
    assert [p.name for p in rows(world.db, Programme)] == ["Reverse 2027"]


# -- retries -------------------------------------------------------------------------------------


def test_a_retried_event_is_answered_200_and_takes_effect_once(world: SlackWorld) -> None:
    body = dm_body(HANA, CREATE, event_id="Ev0RETRY01")
    assert raw_post(world, body, signed(body)).status == 200
    for retry in ("1", "2"):  # Slack sends the same body again, saying which retry it is
        headers = signed(body, **{"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "timeout"})
        assert raw_post(world, body, headers).status == 200
    assert [p.name for p in rows(world.db, Programme)] == ["Reverse 2027"]
    [answer] = [c for c in posts(world) if c.params["channel"] == world.slack.dm_channel(HANA)]
    assert answer.params["text"].startswith(
        'Created the reverse mentoring programme "Reverse 2027"'
    )


# -- another workspace ------------------------------------------------------------------------


def test_a_command_from_another_workspace_is_told_so_and_changes_nothing(
    shared: SlackWorld,
) -> None:
    before = snapshot(shared.db)
    answer = shared.command(HANA, CREATE, team_id=OTHER_TEAM)
    assert answer.status == 200
    assert answer.json() == {"response_type": "ephemeral", "text": FOREIGN_WORKSPACE}
    assert_unchanged(shared.db, before)


def test_a_button_or_a_dm_from_another_workspace_changes_nothing(world: SlackWorld) -> None:
    contracting(world)
    before, sent = snapshot(world.db), len(posts(world))
    message, element = world.find_button(MAYA, "Fill in the contract")
    press = block_actions(
        [button(element["action_id"], element["value"], action_ts=f"{time.time():.6f}")],
        user_id=MAYA,
        user_name="maya",
        trigger_id=f"{time.time_ns()}.abcdef",
        response_url=world.slack.response_url("foreign"),
        channel_id=message.channel,
        message={"ts": message.ts},
        team_id=OTHER_TEAM,
    )
    assert world.post(press, content_type=FORM).status == 200
    assert ephemerals(world)[-1] == FOREIGN_WORKSPACE
    dm = dm_body(HANA, CREATE, event_id="Ev0FOREIGN", team_id=OTHER_TEAM)
    assert world.post(dm, content_type=JSON).status == 200
    assert_unchanged(world.db, before)
    assert len(posts(world)) == sent
    assert not world.slack.calls("views.open")


# -- wrong and broken requests ----------------------------------------------------------------

BAD_COMMANDS = {
    "frobnicate": "/tandem help",
    "enrol": "enrol <person>",
    "programme create Reverse --kind sideways": "reverse|reciprocal|classic|sponsorship",
}


def test_a_bad_command_gets_usage_text_and_changes_nothing(shared: SlackWorld) -> None:
    before = snapshot(shared.db)
    for text, expected in BAD_COMMANDS.items():
        answer = shared.command(HANA, text)
        assert answer.status == 200
        assert answer.json()["response_type"] == "ephemeral"
        assert expected in shared.answer_text(answer), text
    assert_unchanged(shared.db, before)


def interactive(payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


def dm_event(**changes: object) -> str:
    event = {"type": "message", "channel_type": "im", "channel": "D0X", "user": HANA, "ts": "1.2"}
    return event_callback({**event, **changes}, event_id="Ev0ODD", event_time=int(time.time()))


ACTOR = {"team": {"id": TEAM_ID}, "user": {"id": HANA, "team_id": TEAM_ID}}
REFUSED = (400, UNREADABLE)  # not something Slack sends: refused in words
TOLD = (200, UNREADABLE)  # a command: Slack shows the person the answer
ACKED = (200, "")  # an event or a press: acknowledged, so Slack does not retry it; nothing done
MALFORMED: dict[str, tuple[str, str, tuple[int, str]]] = {
    "an event without its event": (
        json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev0BROKEN"}),
        JSON,
        REFUSED,
    ),
    "a DM with a number for text": (dm_event(text=42), JSON, ACKED),
    "a DM without a channel": (dm_event(text="help", channel=None), JSON, ACKED),
    "an event Tandem does not use": (dm_event(type="reaction_added"), JSON, ACKED),
    "a press without actions": (
        interactive({"type": "block_actions", **ACTOR, "actions": []}),
        FORM,
        REFUSED,
    ),
    "a press with a list for a value": (
        interactive(
            {
                "type": "block_actions",
                **ACTOR,
                "actions": [{"action_id": "intro#0", "value": ["x"], "action_ts": "1"}],
            }
        ),
        FORM,
        ACKED,
    ),
    "a submission without a view": (
        interactive({"type": "view_submission", **ACTOR}),
        FORM,
        REFUSED,
    ),
    "a submission with a broken state": (
        interactive(
            {
                "type": "view_submission",
                **ACTOR,
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": "contract",
                    "state": {"values": {"sessions": "six"}},
                },
            }
        ),
        FORM,
        ACKED,
    ),
    "a command without its user": (
        urlencode({"command": "/tandem", "text": "help", "team_id": TEAM_ID}),
        FORM,
        TOLD,
    ),
    "a form with nothing Slack sends": (urlencode({"hello": "world"}), FORM, REFUSED),
    "an empty body": ("", FORM, REFUSED),
}


def test_a_malformed_payload_gets_a_clear_answer_never_a_500(shared: SlackWorld) -> None:
    before, sent = snapshot(shared.db), len(posts(shared))
    for kind, (body, content_type, (status, words)) in MALFORMED.items():
        answer = raw_post(shared, body, signed(body, **{"Content-Type": content_type}))
        assert answer.status == status, (kind, answer)
        assert (words in answer.body) if words else not answer.body, (kind, answer)
    assert_unchanged(shared.db, before)
    assert len(posts(shared)) == sent


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{'type': 'event_callback',", JSON), (urlencode({"payload": "{nope"}), FORM)],
)
def test_a_body_that_is_not_json_gets_a_clear_answer(
    shared: SlackWorld, body: str, content_type: str
) -> None:
    answer = raw_post(shared, body, signed(body, **{"Content-Type": content_type}))
    assert answer.status == 400 and UNREADABLE in answer.body


def test_an_unsigned_body_that_is_not_json_is_refused_as_unsigned(shared: SlackWorld) -> None:
    body = "{'type': 'event_callback',"
    answer = raw_post(shared, body, {"Content-Type": JSON})
    assert answer.status == 401 and UNREADABLE not in answer.body
