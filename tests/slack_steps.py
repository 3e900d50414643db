"""Scenario steps for the Slack end-to-end tests: a pair at any stage, through signed requests only.

Like tests/scenario.py for the engine, every step checks that it worked, so a test that needs
"a pair that has agreed its contract" says so in one line and fails loudly if the set-up broke.
Everything goes through `SlackWorld`: signed requests into `tandem serve`, and the fake Slack's
record of what the app sent back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from scenario import pair_of, stage
from slack_world import Answer, SlackWorld, flatten

from bot.content import default_content

PROGRAMME = "Reverse 2027"
HANA, MAYA, SAM = "U0HANA", "U0MAYA", "U0SAM"  # coordinator, mentor, mentee in the fake's CAST
CONTENT = default_content()
# Element types Slack turns into a ping, a link or a channel reference: typed text must not.
ACTIVE_ELEMENTS = frozenset({"user", "usergroup", "broadcast", "channel", "link", "team"})


def say(key: str, *, role: str | None = None, **params: object) -> str:
    return CONTENT.text(key, kind="reverse", role=role, **params)


# -- acting ---------------------------------------------------------------------------------------


def ok_command(world: SlackWorld, user: str, text: str) -> str:
    """A slash command that must be answered at once (in the ack), and its answer's text."""
    answer = world.command(user, text)
    assert answer.status == 200, answer
    shown = world.answer_text(answer)
    assert shown, f"/tandem {text} got no answer"
    return shown


def submit(world: SlackWorld, user: str, values: dict[str, str]) -> Answer:
    """Submit the newest modal (SlackWorld.submit), as Slack does."""
    return world.submit(user, values)


def press_ok(world: SlackWorld, user: str, label: str, *, where: str | None = None) -> None:
    answer = world.press(user, label, where=where)
    assert answer.status == 200 and not answer.body, answer


def jump(world: SlackWorld, moment: datetime) -> None:
    """Straight to `moment` and one run of the due work, like a worker back after a pause."""
    world.clock.set(moment)
    world.run(world.server.worker.run_due_work())
    world.settle()


def wait_for(world: SlackWorld, arrived: Callable[[], bool], *, hours: int = 72) -> None:
    """Let time pass an hour at a time until `arrived()` (messages wait for working hours)."""
    for _ in range(hours):
        if arrived():
            return
        world.advance(hours=1)
    assert arrived(), f"nothing arrived within {hours} hours"


def raw_post(world: SlackWorld, body: str, headers: dict[str, str]) -> Answer:
    """A request exactly as given: no signature added (forgeries, stale and broken requests)."""
    return world.http("/slack/events", body=body.encode(), headers=headers)


def get(world: SlackWorld, path: str) -> Answer:
    return world.http(path)


# -- a pair at each stage --------------------------------------------------------------------------


ACCEPT = "Yes, I'd like to"  # the invitation's Accept button (bot/content/en/consent.yaml)


def matched(
    world: SlackWorld, *, cadence: str = "weekly", mentor: str = MAYA, mentee: str = SAM
) -> int:
    """A programme, the two enrolled by their Slack mentions, and matched; the pair's id."""
    ok_command(
        world,
        HANA,
        f'programme create "{PROGRAMME}" --kind reverse --sessions 4 --cadence {cadence}',
    )
    ok_command(
        world,
        HANA,
        f'enrol <@{mentor}|m> --programme "{PROGRAMME}" --role mentor --level 2 --offers "TikTok" '
        "--hours 7-15",  # in Los Angeles; 15:00 to 23:00 in London, two hours of Sam's day
    )
    ok_command(
        world,
        HANA,
        f'enrol <@{mentee}|s> --programme "{PROGRAMME}" --role mentee --level 9 --wants "tiktok"',
    )
    for who in (mentor, mentee):  # each accepts the invitation, as they would (bot.consent)
        press_ok(world, who, ACCEPT)
    assert ok_command(world, HANA, f'match "{PROGRAMME}"').startswith("Matched")
    return pair_of(world.db, mentor, mentee).id


def contracting(world: SlackWorld, **kwargs: str) -> int:
    """Matched, both said yes to the intro and to going ahead: the contract is next."""
    pair_id = matched(world, **kwargs)
    mentor, mentee = kwargs.get("mentor", MAYA), kwargs.get("mentee", SAM)
    for who in (mentor, mentee):
        press_ok(world, who, "Yes, happy to meet")
    for who in (mentor, mentee):
        press_ok(world, who, "Let's go ahead")
    assert stage(world.db, pair_id) == "contracting"
    return pair_id


CONTRACT = {
    "mentor_goals": "Lead a meeting without slides",
    "mentee_goals": "See the app as customers do",
    "mentor_motivation": "Visibility",
    "medium": "video",
}


def agreed(world: SlackWorld, **contract: str) -> int:
    """A pair that has agreed its contract (four weekly sessions from Monday 11 January)."""
    pair_id = contracting(world)
    press_ok(world, MAYA, "Fill in the contract")
    assert submit(world, MAYA, {**CONTRACT, **contract}).body == ""
    for who in (SAM, MAYA):
        press_ok(world, who, "Confirm the contract")
    assert stage(world.db, pair_id) == "active"
    return pair_id


# -- reading what Slack received ------------------------------------------------------------------


def posts(world: SlackWorld) -> list[Any]:
    """Every chat.postMessage the fake answered ok, in order."""
    return [c for c in world.slack.calls("chat.postMessage") if c.ok]


def ephemerals(world: SlackWorld) -> list[str]:
    """What was said privately through response_urls (button answers), in order."""
    return [
        flatten(
            json.loads(c.params["blocks"])
            if isinstance(c.params.get("blocks"), str)
            else c.params.get("blocks")
        )
        or str(c.params.get("text", ""))
        for c in world.slack.calls("response_url")
    ]


def elements(value: Any) -> Iterator[dict[str, Any]]:
    """Every Block Kit object inside blocks or a view, depth first."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from elements(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from elements(inner)


visible = flatten  # what a person reads in rich_text blocks


def said_to(world: SlackWorld, channel_or_user: str) -> list[str]:
    """What everyone in a conversation (a user id: their DM with the bot) reads, in order."""
    return [visible(m.blocks) or m.text for m in world.slack.messages_to(channel_or_user)]
