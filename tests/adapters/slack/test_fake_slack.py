"""The fake Slack Web API and the signed request builders, proved against the real slack_sdk."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt import App, BoltRequest
from slack_fake import FakeSlack, FakeUser
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_signing import (
    badly_signed_headers,
    block_actions,
    button,
    event_callback,
    signed_headers,
    slash_command,
    stale_timestamp,
    view_submission,
)

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
NOW = 1_798_963_200  # 2027-01-04 08:00 UTC, the engine tests' Monday
T = TypeVar("T")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack().in_background() as fake:
        yield fake


def with_client(
    slack: FakeSlack, use: Callable[[AsyncWebClient], Awaitable[T]], **options: Any
) -> T:
    """Run one async exchange on a fresh loop; the fake answers from its own thread."""

    async def run() -> T:
        client = AsyncWebClient(token=options.pop("token", TOKEN), base_url=slack.url, **options)
        return await use(client)

    return asyncio.run(run())


def error_of(slack: FakeSlack, use: Callable[[AsyncWebClient], Awaitable[Any]]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        with_client(slack, use)
    return raised.value


# ---- answers like Slack ---------------------------------------------------------------------


def test_auth_test_names_the_workspace_and_the_bot(slack: FakeSlack) -> None:
    answer = with_client(slack, lambda c: c.auth_test())
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == (
        "T0TANDEM",
        "U0TANDEM",
        "B0TANDEM",
    )


def test_conversations_open_gives_one_dm_per_user_and_one_group_dm_per_set(
    slack: FakeSlack,
) -> None:
    async def open_all(client: AsyncWebClient) -> list[str]:
        answers = [
            await client.conversations_open(users="U0MAYA"),
            await client.conversations_open(users=["U0MAYA"]),
            await client.conversations_open(users="U0MAYA,U0SAM"),
            await client.conversations_open(users="U0SAM,U0MAYA"),
            await client.conversations_open(users="U0SAM"),
        ]
        return [a["channel"]["id"] for a in answers]

    maya, maya_again, pair, pair_reversed, sam = with_client(slack, open_all)
    assert maya == maya_again == slack.dm_channel("U0MAYA") and maya.startswith("D")
    assert pair == pair_reversed == slack.group_dm_channel("U0SAM", "U0MAYA")
    assert pair.startswith("G") and sam.startswith("D") and len({maya, pair, sam}) == 3
    answers = [c.response or {} for c in slack.calls("conversations.open")]
    assert [a["already_open"] for a in answers] == [False, True, False, True, False]


def test_a_posted_message_is_stored_under_the_dm_and_answered_with_its_ts(
    slack: FakeSlack,
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello *Sam*"}}]
    answer = with_client(
        slack, lambda c: c.chat_postMessage(channel="U0SAM", text="Hello Sam", blocks=blocks)
    )

    assert answer["channel"] == slack.dm_channel("U0SAM")
    [message] = slack.messages_to("U0SAM")
    assert (message.ts, message.text, message.blocks) == (answer["ts"], "Hello Sam", blocks)
    [call] = slack.calls("chat.postMessage")
    assert call.token == TOKEN and call.params["blocks"] == blocks


def test_form_encoded_calls_are_parsed_like_json_ones(slack: FakeSlack) -> None:
    blocks = [{"type": "divider"}]
    with_client(
        slack,
        lambda c: c.api_call(
            "chat.postMessage",
            data={"channel": "U0HANA", "text": "hi", "blocks": json.dumps(blocks)},
        ),
    )
    [call] = slack.calls("chat.postMessage")
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.params == {"channel": "U0HANA", "text": "hi", "blocks": blocks}


def test_ephemeral_messages_and_updates_keep_their_ts(slack: FakeSlack) -> None:
    async def converse(client: AsyncWebClient) -> str:
        dm = slack.dm_channel("U0LENA")
        posted = await client.chat_postMessage(channel=dm, text="Your check-in is due")
        await client.chat_update(channel=dm, ts=posted["ts"], text="Check-in done")
        await client.chat_postEphemeral(channel=dm, user="U0LENA", text="Only you see this")
        return str(posted["ts"])

    ts = with_client(slack, converse)
    [message] = slack.messages_to("U0LENA")
    assert (message.ts, message.text) == (ts, "Check-in done")
    assert [m.text for m in slack.ephemerals_to("U0LENA")] == ["Only you see this"]


def test_users_info_reads_the_registry_with_time_zones(slack: FakeSlack) -> None:
    slack.add_user(FakeUser("U0NEW", "noor", "Noor Haddad", "Asia/Kolkata", "noor"))
    maya = with_client(slack, lambda c: c.users_info(user="U0MAYA"))["user"]
    noor = with_client(slack, lambda c: c.users_info(user="U0NEW"))["user"]

    assert (maya["real_name"], maya["profile"]["display_name"]) == ("Maya Okafor", "maya")
    assert (maya["tz"], maya["tz_offset"]) == ("America/Los_Angeles", -8 * 3600)  # January
    assert (noor["tz"], noor["tz_offset"]) == ("Asia/Kolkata", 5 * 3600 + 1800)
    assert error_of(slack, lambda c: c.users_info(user="U0NOBODY")).response["error"] == (
        "user_not_found"
    )


def test_views_publish_open_and_update_are_stored(slack: FakeSlack) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Check-in"}, "blocks": []}

    async def show(client: AsyncWebClient) -> str:
        await client.views_publish(user_id="U0SAM", view=home)
        opened = await client.views_open(trigger_id="123.456.abc", view=modal)
        updated = await client.views_update(view_id=opened["view"]["id"], view=modal)
        return str(updated["view"]["id"])

    view_id = with_client(slack, show)
    assert slack.home_of("U0SAM") == home and slack.home_of("U0MAYA") is None
    assert [v.type for v in slack.views()] == ["home", "modal"]
    assert view_id == slack.views()[1].id


def test_files_upload_v2_uploads_the_bytes_and_shares_them(slack: FakeSlack) -> None:
    dm = slack.dm_channel("U0HANA")
    answer = with_client(
        slack,
        lambda c: c.files_upload_v2(
            channel=dm, content=b"name,sessions\nsam,4\n", filename="report.csv", title="Report"
        ),
    )

    [uploaded] = slack.files()
    assert (uploaded.content, uploaded.title, uploaded.channels) == (
        b"name,sessions\nsam,4\n",
        "Report",
        (dm,),
    )
    assert answer["file"]["id"] == uploaded.id
    assert [m.file_ids for m in slack.messages_to("U0HANA")] == [(uploaded.id,)]


# ---- fails like Slack -----------------------------------------------------------------------


def test_a_rate_limit_says_when_to_retry(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", retry_after=7)
    error = error_of(slack, lambda c: c.chat_postMessage(channel="U0SAM", text="hi"))
    assert error.response.status_code == 429 and error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "7"
    assert slack.messages_to("U0SAM") == []


def test_the_sdk_rate_limit_handler_retries_and_then_succeeds(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", retry_after=0, times=1)
    answer = with_client(
        slack,
        lambda c: c.chat_postMessage(channel="U0SAM", text="hi"),
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert answer["ok"]
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200]
    assert len(slack.messages_to("U0SAM")) == 1


def test_a_dropped_connection_is_retried_by_the_sdk_connection_handler(slack: FakeSlack) -> None:
    slack.drop_next("chat.postMessage")
    no_wait = FixedValueRetryIntervalCalculator(0.0)
    answer = with_client(
        slack,
        lambda c: c.chat_postMessage(channel="U0SAM", text="hi"),
        retry_handlers=[AsyncConnectionErrorRetryHandler(interval_calculator=no_wait)],
    )
    assert answer["ok"]
    assert [c.response is None for c in slack.calls("chat.postMessage")] == [True, False]


def test_a_dropped_connection_without_a_retry_handler_is_a_client_error(slack: FakeSlack) -> None:
    slack.drop_next(times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        with_client(slack, lambda c: c.auth_test(), retry_handlers=[])
    assert with_client(slack, lambda c: c.auth_test(), retry_handlers=[])["ok"]


@pytest.mark.parametrize(
    ("failing_user", "failing_channel", "target", "error"),
    [
        pytest.param("U0SAM", None, "U0SAM", "account_inactive", id="inactive-user"),
        pytest.param("U0SAM", None, "DM of U0SAM", "account_inactive", id="dm-of-inactive-user"),
        pytest.param("U0SAM", None, "U0SAM", "user_not_found", id="vanished-user"),
        pytest.param(None, "C0OLD", "C0OLD", "is_archived", id="archived-channel"),
        pytest.param(None, None, "C0NEVER", "channel_not_found", id="unknown-channel"),
    ],
)
def test_permanent_errors_answer_200_with_ok_false(
    slack: FakeSlack, failing_user: str | None, failing_channel: str | None, target: str, error: str
) -> None:
    if failing_user:
        slack.fail_user(failing_user, error)
    if failing_channel:
        slack.add_channel(failing_channel)
        slack.fail_channel(failing_channel, error)
    channel = slack.dm_channel("U0SAM") if target == "DM of U0SAM" else target

    raised = error_of(slack, lambda c: c.chat_postMessage(channel=channel, text="hi"))
    assert (raised.response.status_code, raised.response["error"]) == (200, error)
    assert slack.messages() == []


def test_a_permanent_user_error_also_stops_opening_their_dm(slack: FakeSlack) -> None:
    slack.fail_user("U0LENA", "account_inactive")
    raised = error_of(slack, lambda c: c.conversations_open(users="U0MAYA,U0LENA"))
    assert raised.response["error"] == "account_inactive"


def test_calls_need_a_bot_token(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as user_token:
        with_client(slack, lambda c: c.auth_test(), token="xoxp-user")
    with pytest.raises(SlackApiError) as no_token:
        with_client(slack, lambda c: c.auth_test(), token=None)

    assert user_token.value.response["error"] == "invalid_auth"
    assert no_token.value.response["error"] == "not_authed"
    assert [c.token for c in slack.calls("auth.test")] == ["xoxp-user", None]


def test_unknown_methods_are_answered_and_recorded(slack: FakeSlack) -> None:
    raised = error_of(slack, lambda c: c.api_call("pairs.celebrate", json={"pair": 7}))
    assert raised.response["error"] == "unknown_method"
    assert slack.calls("pairs.celebrate")[0].params == {"pair": 7}


def test_the_fake_serves_sync_clients_too(slack: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=slack.url)
    channel = client.conversations_open(users="U0MAYA,U0SAM")["channel"]["id"]
    client.chat_postMessage(channel=channel, text="Welcome, both of you")
    assert [m.text for m in slack.messages_to(channel)] == ["Welcome, both of you"]


def test_the_fake_also_runs_on_the_loop_of_an_async_test() -> None:
    async def scenario() -> list[str]:
        async with FakeSlack() as slack:
            client = AsyncWebClient(token=TOKEN, base_url=slack.url)
            await client.chat_postMessage(channel="U0MAYA", text="Same loop")
            return [m.text for m in slack.messages_to("U0MAYA")]

    assert asyncio.run(scenario()) == ["Same loop"]


# ---- signed requests ------------------------------------------------------------------------


class FixedClock(Clock):
    def __init__(self, now: int) -> None:
        self.at = now

    def now(self) -> float:
        return float(self.at)


def command_body(slack: FakeSlack | None = None) -> str:
    return slash_command(
        "pause 2 weeks",
        user_id="U0SAM",
        user_name="sam",
        trigger_id="123.456.abc",
        response_url=slack.response_url() if slack else "http://127.0.0.1:9/respond/1",
    )


def test_a_signed_request_passes_the_sdk_verifier_and_a_tampered_one_fails() -> None:
    verifier = SignatureVerifier(SECRET, clock=FixedClock(NOW))
    body = command_body()
    headers = signed_headers(body, SECRET, NOW)

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body.replace("pause", "end"), headers)
    assert not verifier.is_valid_request(body, badly_signed_headers(body, SECRET, NOW))
    stale = stale_timestamp(NOW)
    assert not verifier.is_valid_request(body, signed_headers(body, SECRET, stale))
    assert SignatureVerifier(SECRET, clock=FixedClock(stale)).is_valid_request(
        body, signed_headers(body, SECRET, stale)
    )  # stale only because of the clock: the signature itself is right


def test_bodies_carry_what_slack_sends() -> None:
    command = {k: v[0] for k, v in parse_qs(command_body()).items()}
    assert (command["command"], command["text"], command["team_id"]) == (
        "/tandem",
        "pause 2 weeks",
        "T0TANDEM",
    )
    event = json.loads(event_callback({"type": "app_home_opened"}, event_id="Ev1", event_time=NOW))
    assert (event["type"], event["event_id"], event["event_time"]) == ("event_callback", "Ev1", NOW)
    retried = signed_headers("{}", SECRET, NOW, retry_num=1)
    assert (retried["X-Slack-Retry-Num"], retried["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert retried["Content-Type"] == "application/json"


def test_bolt_routes_each_signed_body_to_its_listener(slack: FakeSlack) -> None:
    # Bolt's own verifier reads the wall clock, so these requests are signed for now.
    now = int(time.time())
    seen: list[str] = []
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=slack.url),
        process_before_response=True,  # listeners finish before dispatch returns
    )

    @app.command("/tandem")
    def handle_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        respond(f"got {command['text']}")
        seen.append("command")

    @app.event("app_home_opened")
    def handle_home(ack: Any, event: dict[str, Any]) -> None:
        ack()
        seen.append(f"event {event['user']}")

    @app.action("pause")
    def handle_action(ack: Any, action: dict[str, Any]) -> None:
        ack()
        seen.append(f"action {action['value']}")

    @app.view("checkin")
    def handle_view(ack: Any, view: dict[str, Any]) -> None:
        ack()
        seen.append(f"view {view['state']['values']['mood']['mood']['value']}")

    bodies = [
        command_body(slack),
        event_callback(
            {"type": "app_home_opened", "user": "U0SAM", "tab": "home"},
            event_id="Ev1",
            event_time=now,
        ),
        block_actions(
            [button("pause", "2w", action_ts=f"{now}.000100")],
            user_id="U0SAM",
            user_name="sam",
            trigger_id="123.456.abc",
            channel_id=slack.dm_channel("U0SAM"),
            message={"ts": f"{now}.000001", "text": "Pause?"},
            response_url=slack.response_url("action"),
        ),
        view_submission(
            user_id="U0SAM",
            user_name="sam",
            callback_id="checkin",
            values={"mood": {"mood": {"type": "plain_text_input", "value": "good"}}},
            trigger_id="123.456.abc",
        ),
    ]
    statuses = [
        app.dispatch(BoltRequest(body=b, headers=signed_headers(b, SECRET, now))).status
        for b in bodies
    ]
    forged = app.dispatch(
        BoltRequest(body=bodies[0], headers=badly_signed_headers(bodies[0], SECRET, now))
    )

    assert statuses == [200, 200, 200, 200] and forged.status == 401
    assert seen == ["command", "event U0SAM", "action 2w", "view good"]
    [reply] = slack.calls("response_url")
    assert reply.params["text"] == "got pause 2 weeks"
