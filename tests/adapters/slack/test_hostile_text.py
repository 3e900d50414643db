"""Text people type (a display name, goals, notes) reaches the others exactly as typed.

Eve's Slack display name and her contract goals are Slack markup: a broadcast, a mention, a
link. Whatever the others receive must show those characters literally, create no user,
broadcast or link element, and escape `<`, `>` and `&` in the notification text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slack_fake import FakeUser
from slack_steps import (
    ACTIVE_ELEMENTS,
    CONTRACT,
    HANA,
    SAM,
    contracting,
    elements,
    press_ok,
    submit,
    visible,
)
from slack_world import SlackWorld, slack_world

from adapters.slack.render import escape

EVE = "U0EVE"
HOSTILE = "*Eve* <!channel> <@U0HANA> <https://evil.example|click> & <b>co</b> &amp;"
GOAL = "Ship it <!here> <@U0SAM> <mailto:x@evil.example|mail> & more &lt;"


def what_others_received(world: SlackWorld) -> list[tuple[str, Any, str]]:
    """(where, blocks, fallback text) of everything sent where Sam or Hana reads it."""
    shared = [SAM, HANA, world.slack.group_dm_channel(EVE, SAM)]
    received: list[tuple[str, Any, str]] = [
        (m.channel, m.blocks, m.text) for who in shared for m in world.slack.messages_to(who)
    ]
    for call in world.slack.calls("response_url"):  # answers to Sam's own presses
        received.append(("response_url", call.params.get("blocks"), call.params.get("text", "")))
    for who in (SAM, HANA):
        home = world.open_home(who)
        assert home is not None
        received.append((f"home of {who}", home["blocks"], ""))
    return received


def assert_literal(received: list[tuple[str, Any, str]], typed: str) -> int:
    """Each message showing `typed` shows it verbatim and inert; how many showed it."""
    shown = 0
    for where, blocks, text in received:
        inert = [e for e in elements(blocks) if e.get("type") in ACTIVE_ELEMENTS]
        assert not inert, (where, inert)
        if typed in visible(blocks):
            shown += 1
            assert not text or escape(typed) in text, (where, text)
        for fragment in ("<!", "<@", "<http", "<mailto"):
            assert fragment not in text, (where, text)
    return shown


def test_a_hostile_name_and_goals_reach_the_others_exactly_as_typed(tmp_path: Path) -> None:
    with slack_world(tmp_path) as world:
        world.slack.add_user(FakeUser(EVE, "eve", "Eve Example", "Europe/Berlin", HOSTILE))
        contracting(world, mentor=EVE, mentee=SAM)  # Eve's name comes from users.info
        press_ok(world, EVE, "Fill in the contract")
        assert submit(world, EVE, {**CONTRACT, "mentor_goals": GOAL}).body == ""
        press_ok(world, SAM, "Confirm the contract")

        received = what_others_received(world)
        assert assert_literal(received, HOSTILE) >= 4  # invitation, contract, answers, homes
        assert assert_literal(received, GOAL) >= 1  # the contract in the group DM
