"""A pair's whole life in Teams, through activities posted to `tandem serve` and nothing else.

Maya (London) mentors Sam (New York); Hana (Tokyo) coordinates. Their names and zones come from
the activities Teams posts (`from.name`, `localTimezone`). The test reads what the fake Bot
Connector received: replies in each person's personal chat, and proactive messages sent there
through the stored conversation references. Teams has no group chat the bot can open, so every
pair message reaches each member's personal chat, headed "To you and <partner>".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from db_snapshot import assert_unchanged, snapshot
from scenario import rows, stage
from teams_steps import (
    CONTRACT,
    accepted,
    is_reply,
    jump,
    matched,
    press_ok,
    repeated,
    say,
    summaries_to,
)
from teams_world import (
    MAYA,
    SAM,
    TeamsUser,
    TeamsWorld,
    _actions,
    _elements,
    card_text,
    teams_world,
)

from bot.text import plain
from storage.models import MentoringSession, NudgeSent

PRIVATE = "NOTE-ONLY-FOR-ME"


def partner_of(user: TeamsUser) -> TeamsUser:
    return SAM if user is MAYA else MAYA


def headed(world: TeamsWorld, user: TeamsUser) -> list[str]:
    """The pair messages `user` received, header removed: each must name the partner."""
    header = f"To you and {partner_of(user).name}"
    return [
        text.removeprefix(header + "\n")
        for text in world.texts_to(user)
        if text.startswith(header + "\n")
    ]


def shown(moment: datetime, user: TeamsUser) -> str:
    """A moment as the engine shows it to `user`: in their own zone, named."""
    return f"{moment.astimezone(ZoneInfo(user.timezone)):%a %d %b %Y, %H:%M} ({user.timezone})"


def hours_until(world: TeamsWorld, moment: datetime) -> int:
    return int((moment - world.clock.now()).total_seconds() // 3600)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in _elements(card) if str(e.get("type", "")).startswith("Input.")}


def errors_after(card: dict[str, Any]) -> dict[str, str]:
    """Each input's error: the attention-coloured TextBlock straight after it."""
    body = card["body"]
    found = {}
    for element, following in zip(body, body[1:], strict=False):
        if "id" in element and following.get("color") == "attention":
            found[element["id"]] = card_text({"body": [following]})
    return found


def check_in(world: TeamsWorld, user: TeamsUser, **answers: str) -> None:
    """Open the newest check-in card `user` was sent and submit it."""
    press_ok(world, user, "Check in")
    form = world.cards_to(user)[-1]
    assert "Session check-in" in card_text(form)
    values = {"happened": "yes", "agenda_set_by": "mentor", "career_talk": "no", **answers}
    accepted(world.submit(user, values))


def test_a_pair_from_match_to_nudge_in_teams(tmp_path: Path) -> None:
    with teams_world(tmp_path) as world:
        fake = world.fake
        pair_id = matched(world)

        # Each gets an intro card proactively, in their personal chat, with the buttons.
        for user, greeting in ((MAYA, "Hi Maya Lind!"), (SAM, "Hi Sam Whitfield.")):
            intro = [r for r in fake.delivered if r.conversation_id == user.conversation][-1]
            assert not is_reply(intro.reply_to_id)  # sent on its own, through the reference
            assert intro.activity["recipient"]["id"] == user.bf_id
            card = intro.activity["attachments"][0]["content"]
            assert card_text(card).startswith(greeting)
            assert "Yes, happy to meet" in [a["title"] for a in _actions(card)]
        assert fake.created_conversations == []  # only the chats people opened by installing

        # Intro and chemistry: the invitation reaches each personal chat, naming the partner.
        for user in (MAYA, SAM):
            press_ok(world, user, "Yes, happy to meet")
        invitation = plain(say("chemistry.invitation", mentor="Maya Lind", mentee="Sam Whitfield"))
        for user in (MAYA, SAM):
            [received] = [t for t in headed(world, user) if t.startswith(invitation[:40])]
        for user in (SAM, MAYA):
            press_ok(world, user, "Let's go ahead")
        assert stage(world.db, pair_id) == "contracting"

        # The contract: a form card; a refused submit comes back as the same card, each error
        # beside its field and what was typed kept, and nothing is stored or sent to Sam.
        press_ok(world, MAYA, "Fill in the contract")
        form = world.cards_to(MAYA)[-1]
        assert set(CONTRACT) <= set(inputs(form))
        before, to_sam = snapshot(world.db), len(summaries_to(world, SAM))
        accepted(world.submit(MAYA, {**CONTRACT, "sessions": "99", "mentor_goals": ""}))
        again = world.cards_to(MAYA)[-1]
        assert list(inputs(again)) == list(inputs(form))
        assert errors_after(again) == {
            "sessions": "Please give a number from 1 to 24.",
            "mentor_goals": "Please fill this in.",
        }
        kept = {name: element.get("value") for name, element in inputs(again).items()}
        assert kept["sessions"] == 99
        assert kept["mentee_goals"] == CONTRACT["mentee_goals"]
        assert kept["medium"] == "video"
        assert_unchanged(world.db, before)
        assert len(summaries_to(world, SAM)) == to_sam
        accepted(world.submit(MAYA, CONTRACT))
        for user in (MAYA, SAM):
            contract = headed(world, user)[-1]
            assert contract.startswith("**Contract, version** 1, proposed by Maya Lind")
            assert CONTRACT["mentor_goals"] in contract and CONTRACT["mentee_goals"] in contract
        for user in (SAM, MAYA):
            press_ok(world, user, "Confirm the contract")
        assert stage(world.db, pair_id) == "active"
        planned = [s.planned_at for s in rows(world.db, MentoringSession)]
        assert len(planned) == 4 and planned[0].date() == date(2027, 1, 11)
        for user in (MAYA, SAM):
            # One plan for the pair, in the mentor's zone: the engine writes pair messages once.
            assert f"First session: {shown(planned[0], MAYA)}" in headed(world, user)[-1]

        # Before the session: a reminder for each, proactively, in their own zone.
        seen = {user: len(world.cards_to(user)) for user in (MAYA, SAM)}
        world.advance(hours=hours_until(world, planned[0]))
        reminders = {user: world.texts_to(user)[seen[user] :] for user in (MAYA, SAM)}
        assert [
            t
            for t in reminders[MAYA]
            if f"session 1 of 4 with Sam Whitfield, {shown(planned[0], MAYA)}" in t
        ]
        assert [
            t
            for t in reminders[SAM]
            if f"session 1 of 4 with Maya Lind, {shown(planned[0], SAM)}" in t
        ]

        # After it: a check-in card for each.
        world.advance(days=1)
        for user in (MAYA, SAM):
            prompt = world.cards_to(user)[-1]
            expected = say("sessions.checkin_prompt", number=1, partner=partner_of(user).name)
            assert card_text(prompt) == plain(expected)
            assert [a["title"] for a in _actions(prompt)] == ["Check in"]

        # Sam set the agenda in two sessions running: the pair is nudged, in both chats.
        check_in(world, MAYA, agenda_set_by="mentee", note=PRIVATE)
        check_in(world, SAM, agenda_set_by="mentee")
        jump(world, planned[1] + timedelta(hours=2))
        check_in(world, MAYA, agenda_set_by="mentee")
        check_in(world, SAM, agenda_set_by="mentee")
        nudge = plain(say("nudges.mentor_leading.pair", leader="Maya Lind", other="Sam Whitfield"))
        for user in (MAYA, SAM):
            assert headed(world, user)[-1] == nudge
        assert ("mentor_leading", 2) in [(n.nudge, n.about) for n in rows(world.db, NudgeSent)]
        assert [s.status for s in rows(world.db, MentoringSession)][:2] == ["held", "held"]

        # Nothing private left the server, and nothing reached anyone twice.
        assert not [r for r in fake.received if PRIVATE in str(r.activity)]
        for user in (MAYA, SAM):
            assert repeated(summaries_to(world, user, proactive=True)) == {}
            assert len(headed(world, user)) >= 5
        assert {r.status for r in fake.received} == {200}
