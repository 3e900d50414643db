"""A coordinator acts on a pair at risk from Slack's Home tab: Nudge, through signed requests
into `tandem serve` and nothing else. Hana (U0HANA) coordinates Maya (U0MAYA) and Sam (U0SAM)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from db_snapshot import assert_unchanged, snapshot
from scenario import rows
from slack_signing import block_actions, button
from slack_steps import HANA, MAYA, SAM, jump, matched, ok_command, said_to
from slack_world import Answer, SlackWorld, flatten, slack_world

from adapters.slack import app as slack_app
from bot import pairs_at_risk
from bot.content import default_content
from bot.text import plain
from storage.models import NudgeSent

CONTENT = default_content()


def home_buttons(world: SlackWorld, user: str) -> dict[str, dict[str, Any]]:
    """The buttons on `user`'s Home tab, freshly opened, by label."""
    view = world.open_home(user)
    assert view is not None
    return {
        element["text"]["text"]: element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def press_on_home(world: SlackWorld, user: str, element: dict[str, Any]) -> Answer:
    """Press a Home tab button as Slack sends it: from a view, with no response_url."""
    home = world.slack.home_of(user)
    body = block_actions(
        [button(element["action_id"], element["value"], action_ts=f"{time.time():.6f}")],
        user_id=user,
        user_name=user.lower(),
        trigger_id=f"{time.time_ns()}.1.abcdef",
        view={"id": "V0HOME", "type": "home", **(home or {})},
    )
    return world.post(body, content_type="application/x-www-form-urlencoded")


def test_a_coordinator_nudges_a_stalled_pair_from_the_home_tab(
    tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every command is answered in its ack here, however busy the machine (what is tested is
    # the Home tab's buttons, not the answer budget).
    monkeypatch.setattr(slack_app, "ANSWER_BUDGET", 60.0)
    with slack_world(tmp_path, database_url=database_url) as world:
        pair_id = matched(world)
        jump(world, world.clock.now() + timedelta(days=22, hours=1))
        found = home_buttons(world, HANA)
        assert {f"Nudge pair {pair_id}", f"Rematch pair {pair_id}"} <= set(found)
        assert "proposed for 22 days without moving on" in flatten(
            world.slack.home_of(HANA)["blocks"]
        )  # type: ignore[index]

        # Maya and Sam see no coordinator buttons on their own Home tabs.
        assert not [label for label in home_buttons(world, MAYA) if "pair" in label]

        answer = press_on_home(world, HANA, found[f"Nudge pair {pair_id}"])
        assert answer.status == 200 and not answer.body
        world.settle()
        # The pair gets the check-in in their group DM, in Tandem's words, naming the signal.
        group = world.slack.group_dm_channel(MAYA, SAM)
        check_in = said_to(world, group)[-1]
        assert check_in.startswith("A short check-in from Tandem, on behalf of your coordinator")
        assert "at the proposed step for 22 days" in check_in
        # Hana's answer comes to her DM (a Home button has no response_url), and the Home tab
        # is published again at once: no Nudge button until the week is over.
        again = CONTENT.day_month((world.clock.now() + pairs_at_risk.NUDGE_AGAIN_AFTER).date())
        assert said_to(world, HANA)[-1] == plain(
            CONTENT.text(
                "coordinator_actions.nudge.done",
                pair_id=pair_id,
                mentor="maya",
                mentee="sam",
                again=again,
            )
        )
        assert f"Nudge pair {pair_id}" not in home_buttons(world, HANA)
        checked = [(n.nudge, n.level) for n in rows(world.db, NudgeSent)]
        assert checked.count((pairs_at_risk.CHECK_IN, 1)) == 1

        # The same button pressed again (an old copy of the tab) is refused and changes nothing.
        before, said = snapshot(world.db), len(said_to(world, group))
        press_on_home(world, HANA, found[f"Nudge pair {pair_id}"])
        world.settle()
        assert "already heard from a coordinator" in said_to(world, HANA)[-1]
        assert len(said_to(world, group)) == said
        assert_unchanged(world.db, before)

        # A participant pressing a crafted copy of it is refused too.
        before = snapshot(world.db)
        press_on_home(world, SAM, found[f"Rematch pair {pair_id}"])
        world.settle()
        assert "for programme coordinators" in said_to(world, SAM)[-1]
        assert_unchanged(world.db, before)

        # `status <programme>` says the same, with the buttons.
        shown = ok_command(world, HANA, 'status "Reverse 2027"')
        assert "1 pair needs a look:" in shown and "A coordinator checked in with them" in shown
