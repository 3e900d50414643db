"""Slack and Teams served by one `tandem serve`: a programme in each, each side's messages
reaching only its own platform, and time passing for both at once."""

from __future__ import annotations

import json
from pathlib import Path

import slack_steps
import teams_steps
from mixed_world import mixed_world
from scenario import rows, stage
from teams_world import MAYA, SAM

from storage.models import Tenant


def test_a_slack_workspace_and_a_teams_tenant_on_one_server(tmp_path: Path) -> None:
    with mixed_world(tmp_path) as (slack, teams):
        assert teams_steps.health(teams)["platforms"] == {  # type: ignore[arg-type]
            "slack": "http",
            "teams": "authenticated",
        }
        in_slack = slack_steps.contracting(slack)
        in_teams = teams_steps.contracting(teams)
        assert in_slack != in_teams
        assert sorted(t.platform for t in rows(teams.db, Tenant)) == ["slack", "teams"]

        # Slack's pair talks in its group DM; Teams' pair in each personal chat.
        group = slack.slack.group_dm_channel(slack_steps.MAYA, slack_steps.SAM)
        assert any("going ahead" in text for text in slack.texts_to(group))
        for user in (MAYA, SAM):
            assert any("going ahead" in text for text in teams.texts_to(user))

        # Nothing of one side reached the other: names, conversations, ids.
        slack_sent = json.dumps([m.blocks for m in slack.slack.messages()]) + json.dumps(
            [m.text for m in slack.slack.messages()]
        )
        teams_sent = json.dumps([r.activity for r in teams.fake.received])
        for teams_only in ("Maya Lind", "Sam Whitfield", MAYA.aad, SAM.aad):
            assert teams_only not in slack_sent
        for slack_only in (slack_steps.MAYA, slack_steps.SAM, "U0HANA"):
            assert slack_only not in teams_sent
        conversations = {r.conversation_id for r in teams.fake.received}
        assert conversations <= {f"a:personal-{aad}" for aad in ("aad-hana", "aad-maya", "aad-sam")}

        # The contract in each, then a week passes for both: each reminder on its own side.
        slack_steps.press_ok(slack, slack_steps.MAYA, "Fill in the contract", where=group)
        assert slack_steps.submit(slack, slack_steps.MAYA, slack_steps.CONTRACT).body == ""
        for who in (slack_steps.SAM, slack_steps.MAYA):
            slack_steps.press_ok(slack, who, "Confirm the contract", where=group)
        teams_steps.press_ok(teams, MAYA, "Fill in the contract")
        teams_steps.accepted(teams.submit(MAYA, teams_steps.CONTRACT))
        for user in (SAM, MAYA):
            teams_steps.press_ok(teams, user, "Confirm the contract")
        assert stage(slack.db, in_slack) == stage(teams.db, in_teams) == "active"
        seen = {
            who: len(slack.slack.messages_to(who)) for who in (slack_steps.MAYA, slack_steps.SAM)
        }
        teams_seen = len(teams.fake.received)
        teams.advance(days=8)  # one clock and one worker: the sweep serves both platforms
        for who in (slack_steps.MAYA, slack_steps.SAM):
            assert len(slack.slack.messages_to(who)) > seen[who]
        teams_new = {r.conversation_id for r in teams.fake.received[teams_seen:]}
        assert teams_new == {MAYA.conversation, SAM.conversation}
        assert {r.status for r in teams.fake.received} == {200}
