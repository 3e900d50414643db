"""A pair's whole life in Slack, through signed requests into `tandem serve` and nothing else.

Maya (U0MAYA, Los Angeles) mentors Sam (U0SAM, London); Hana (U0HANA, Tokyo) coordinates.
Their names and zones come from the fake's users.info. The test reads what the fake Slack
received: DMs, the pair's one group DM, modals, ephemeral answers and Home tabs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from db_snapshot import assert_unchanged, snapshot
from scenario import rows, stage
from slack_steps import (
    ACCEPT,
    CONTRACT,
    HANA,
    MAYA,
    SAM,
    contracting,
    ephemerals,
    jump,
    matched,
    posts,
    press_ok,
    said_to,
    say,
    submit,
    wait_for,
)
from slack_world import SlackWorld, flatten, slack_world

from bot.text import plain
from storage.models import MentoringSession, NudgeSent

LOS_ANGELES, LONDON = "America/Los_Angeles", "Europe/London"  # Maya's and Sam's, from users.info


def local(moment: datetime, zone: str) -> str:
    """A moment as Tandem shows it to someone in `zone`."""
    return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b %Y, %H:%M} ({zone})"


def planned(world: SlackWorld) -> list[MentoringSession]:
    return rows(world.db, MentoringSession)


def buttons_to(world: SlackWorld, who: str) -> list[str]:
    """The labels of the buttons on the newest message in `who`'s DM."""
    newest = world.slack.messages_to(who)[-1]
    return [
        e["text"]["text"] for b in newest.blocks if b["type"] == "actions" for e in b["elements"]
    ]


def first_line(key: str, **params: object) -> str:
    return plain(say(key, **params)).splitlines()[0]


def check_in(world: SlackWorld, who: str, **answers: str) -> None:
    """Open the newest check-in form `who` was sent and submit it."""
    press_ok(world, who, "Check in", where=world.slack.dm_channel(who))
    assert world.slack.views()[-1].view["callback_id"] == "checkin"
    values = {"happened": "yes", "agenda_set_by": "mentor", "career_talk": "no", **answers}
    assert submit(world, who, values).body == ""


def test_a_pair_from_match_to_nudge_in_slack(tmp_path: Path, database_url: str | None) -> None:
    with slack_world(tmp_path, database_url=database_url) as world:
        slack = world.slack
        pair_id = matched(world)

        # Each gets an invitation to accept, then an intro, in a DM the bot opened once, each
        # with the buttons to answer it.
        assert [c.params["users"] for c in slack.calls("conversations.open")] == [MAYA, SAM]
        for who in (MAYA, SAM):
            invitation, intro = slack.messages_to(who)
            assert invitation.channel == intro.channel == slack.dm_channel(who)
            assert ACCEPT in [b["text"]["text"] for b in invitation.blocks[-1]["elements"]]
            assert "Yes, happy to meet" in [b["text"]["text"] for b in intro.blocks[-1]["elements"]]

        # Intro and chemistry: the pair's messages land in one group DM, opened once.
        for who in (MAYA, SAM):
            press_ok(world, who, "Yes, happy to meet")
        group = slack.group_dm_channel(MAYA, SAM)
        assert slack.members_of(group) == {MAYA, SAM}
        assert said_to(world, group)[0].startswith(
            first_line("chemistry.invitation", mentor="maya", mentee="sam")
        )
        assert ephemerals(world)[-1].startswith("You and maya both said yes")
        for who in (SAM, MAYA):
            press_ok(world, who, "Let's go ahead")
        assert stage(world.db, pair_id) == "contracting"

        # The contract: a modal; a bad submit keeps it open with the error under the field.
        press_ok(world, MAYA, "Fill in the contract", where=group)
        [modal] = [c.params["view"] for c in slack.calls("views.open")]
        assert modal["callback_id"] == "contract"
        before, sent = snapshot(world.db), len(posts(world))
        refused = submit(world, MAYA, {**CONTRACT, "sessions": "99", "mentor_goals": ""}).json()
        assert refused["response_action"] == "errors"
        assert set(refused["errors"]) == {"sessions", "mentor_goals"}
        assert "1 to 24" in refused["errors"]["sessions"]
        assert_unchanged(world.db, before)
        assert len(posts(world)) == sent
        assert submit(world, MAYA, CONTRACT).body == ""
        contract = said_to(world, group)[-1]
        assert contract.startswith("Contract, version 1, proposed by maya")
        assert CONTRACT["mentor_goals"] in contract and CONTRACT["mentee_goals"] in contract
        for who in (SAM, MAYA):
            press_ok(world, who, "Confirm the contract", where=group)
        assert stage(world.db, pair_id) == "active"
        first, _, third = (s.planned_at for s in planned(world)[:3])
        assert f"First session: {local(first, LOS_ANGELES)}" in said_to(world, group)[-1]

        # Before the session a reminder for each, in their own zone; the check-in after it.
        # (A reminder falls due a day before; it waits for the recipient's working hours, so
        # only "by the time the session starts" is certain.)
        jump(world, first - timedelta(minutes=1))
        jump(world, first)
        maya_reminder, sam_reminder = said_to(world, MAYA)[-1], said_to(world, SAM)[-1]
        assert f"session 1 of 4 with sam, {local(first, LOS_ANGELES)}" in maya_reminder
        assert f"session 1 of 4 with maya, {local(first, LONDON)}" in sam_reminder
        jump(world, planned(world)[0].checkin_due_at)
        prompt = {
            who: plain(say("sessions.checkin_prompt", number=1, partner=partner))
            for who, partner in ((MAYA, "sam"), (SAM, "maya"))
        }
        wait_for(world, lambda: all(said_to(world, who)[-1] == prompt[who] for who in prompt))

        # Sam set the agenda in two sessions running: the pair is nudged, in its group DM.
        check_in(world, MAYA, agenda_set_by="mentee", note="only for me")
        check_in(world, SAM, agenda_set_by="mentee")
        jump(world, planned(world)[1].checkin_due_at)
        wait_for(world, lambda: all("Check in" in buttons_to(world, who) for who in (MAYA, SAM)))
        check_in(world, MAYA, agenda_set_by="mentee")
        check_in(world, SAM, agenda_set_by="mentee")
        nudge = plain(say("nudges.mentor_leading.pair", leader="maya", other="sam"))
        assert said_to(world, group)[-1] == nudge
        assert [(n.nudge, n.about) for n in rows(world.db, NudgeSent)] == [
            ("midpoint_review", 2),  # half of four sessions held
            ("mentor_leading", 2),
        ]
        assert [s.status for s in planned(world)][:2] == ["held", "held"]
        assert not [m for m in slack.messages() if "only for me" in flatten(m.blocks) + m.text]

        # Every pair message went to that one group DM, opened once and remembered after.
        pair_posts = [c for c in posts(world) if c.params["channel"].startswith("G")]
        assert {c.params["channel"] for c in pair_posts} == {group}
        assert len(pair_posts) >= 5
        assert [c.params["users"] for c in slack.calls("conversations.open")].count(
            f"{MAYA},{SAM}"
        ) == 1

        # The Home tabs: each person's pair and its stage, the coordinator's programme health.
        maya_home = flatten(world.open_home(MAYA)["blocks"])  # type: ignore[index]
        assert "You are the reverse mentor; sam is your mentee." in maya_home
        assert "Now: meeting regularly." in maya_home
        assert f"Next session: number 3, {local(third, LOS_ANGELES)}" in maya_home
        sam_home = flatten(world.open_home(SAM)["blocks"])  # type: ignore[index]
        assert "You are the mentee; maya is your reverse mentor." in sam_home
        assert f"Next session: number 3, {local(third, LONDON)}" in sam_home
        hana_home = flatten(world.open_home(HANA)["blocks"])  # type: ignore[index]
        assert "Reverse 2027 (reverse mentoring): 1 active" in hana_home


def test_the_intro_greets_each_person_by_their_slack_name(tmp_path: Path) -> None:
    with slack_world(tmp_path) as world:
        matched(world)
        # The invitation first, then the intro: each greets them by their Slack name.
        assert said_to(world, MAYA)[0].startswith("Hi maya, hana would like to invite you")
        assert said_to(world, MAYA)[1].startswith("Hi maya!")
        assert said_to(world, SAM)[1].startswith("Hi sam.")


def test_pressing_a_button_twice_takes_effect_once(tmp_path: Path) -> None:
    with slack_world(tmp_path) as world:
        pair_id = contracting(world)
        press_ok(world, MAYA, "Fill in the contract")
        assert submit(world, MAYA, CONTRACT).body == ""
        before = len(posts(world))
        press_ok(world, SAM, "Confirm the contract")
        press_ok(world, SAM, "Confirm the contract")
        assert stage(world.db, pair_id) == "contracting"
        assert len(posts(world)) == before  # no second "Sam confirmed" anywhere
        assert ephemerals(world)[-1] == ephemerals(world)[-2]
