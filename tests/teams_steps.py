"""Scenario steps for the Teams end-to-end tests: a pair at any stage, through posted activities.

Like tests/slack_steps.py, every step checks that it worked. Everything goes through
`TeamsWorld`: activities posted to `tandem serve`'s /api/messages as Teams posts them, and the
fake Bot Connector's record of what the bot sent back (turn replies and proactive messages).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from scenario import pair_of, stage
from teams_world import HANA, MAYA, SAM, Answer, TeamsUser, TeamsWorld, _actions, card_text

from bot.content import default_content

PROGRAMME = "Reverse 2027"
CONTENT = default_content()
CONTRACT = {
    "sessions": "4",
    "mentor_goals": "Lead a meeting without slides",
    "mentee_goals": "See the app as customers do",
    "mentor_motivation": "Visibility",
    "medium": "video",
}


def say(key: str, *, role: str | None = None, **params: object) -> str:
    return CONTENT.text(key, kind="reverse", role=role, **params)


# -- acting ---------------------------------------------------------------------------------------


def accepted(answer: Answer) -> None:
    """Teams' answer to a message or a card's Action.Submit: 201 and no body."""
    assert answer.status == 201 and not answer.body, answer


def command(world: TeamsWorld, user: TeamsUser, text: str) -> str:
    """Typed text in the bot's personal chat, and the card that answered it, as text."""
    activity = world.activity(user, text=text)
    accepted(world.post(activity))
    answers = [r for r in world.fake.delivered if r.reply_to_id == activity["id"]]
    assert len(answers) == 1, f"{text!r} was answered {len(answers)} times"
    [attachment] = answers[0].activity["attachments"]
    return card_text(attachment["content"])


def press_ok(world: TeamsWorld, user: TeamsUser, label: str) -> None:
    accepted(world.press(user, label))


def jump(world: TeamsWorld, moment: datetime) -> None:
    """Straight to `moment` and one run of the due work, like a worker back after a pause."""
    world.clock.set(moment)
    world.run(world.server.worker.run_due_work())
    world.settle()


def get(world: TeamsWorld, path: str) -> Answer:
    return world.http(path)


def health(world: TeamsWorld) -> dict[str, object]:
    answer = get(world, "/healthz")
    assert answer.status == 200, answer
    return json.loads(answer.body)  # type: ignore[no-any-return]


# -- a pair at each stage --------------------------------------------------------------------------


def installed(world: TeamsWorld, *people: TeamsUser) -> None:
    """Each adds the app in Teams (an installationUpdate) and is greeted in their chat."""
    for user in people or (HANA, MAYA, SAM):
        before = len(world.cards_to(user))
        accepted(world.install(user))
        assert len(world.cards_to(user)) == before + 1, f"{user.name} was not greeted once"


ACCEPT = "Yes, I'd like to"  # the invitation's Accept button (bot/content/en/consent.yaml)


def has_invitation(world: TeamsWorld, user: TeamsUser) -> bool:
    return any(
        action.get("title") == ACCEPT for card in world.cards_to(user) for action in _actions(card)
    )


def enrolled(world: TeamsWorld, *, cadence: str = "weekly", accept: bool = True) -> None:
    """A programme with Maya and Sam enrolled by their Entra (AAD) object ids; each who has
    the app installed accepts the invitation (unless not `accept`)."""
    created = command(
        world,
        HANA,
        f'programme create "{PROGRAMME}" --kind reverse --sessions 4 --cadence {cadence}',
    )
    assert created.startswith("Created the reverse mentoring programme"), created
    for user, options in (
        (MAYA, '--role mentor --level 2 --offers "TikTok"'),
        (SAM, '--role mentee --level 9 --wants "tiktok"'),
    ):
        answer = command(world, HANA, f'enrol {user.aad} --programme "{PROGRAMME}" {options}')
        assert answer.startswith("Enrolled"), answer
        if accept and has_invitation(world, user):  # only delivered to those who installed
            press_ok(world, user, ACCEPT)  # they accept, as they would (bot.consent)


def matched(world: TeamsWorld, *, install: bool = True, cadence: str = "weekly") -> int:
    """Everyone installed (unless not), a programme, both enrolled and matched; the pair's id."""
    if install:
        installed(world)
    else:
        installed(world, HANA)
    enrolled(world, cadence=cadence)
    assert command(world, HANA, f'match "{PROGRAMME}"').startswith("**Matched**")
    return pair_of(world.db, MAYA.aad, SAM.aad).id


def contracting(world: TeamsWorld) -> int:
    """Matched, both said yes to the intro and to going ahead: the contract is next."""
    pair_id = matched(world)
    for user in (MAYA, SAM):
        press_ok(world, user, "Yes, happy to meet")
    for user in (MAYA, SAM):
        press_ok(world, user, "Let's go ahead")
    assert stage(world.db, pair_id) == "contracting"
    return pair_id


def agreed(world: TeamsWorld) -> int:
    """A pair that has agreed its contract (four weekly sessions from Monday 11 January)."""
    pair_id = contracting(world)
    press_ok(world, MAYA, "Fill in the contract")
    accepted(world.submit(MAYA, CONTRACT))
    for user in (SAM, MAYA):
        press_ok(world, user, "Confirm the contract")
    assert stage(world.db, pair_id) == "active"
    return pair_id


# -- reading what the Bot Connector received ------------------------------------------------------


def summaries_to(world: TeamsWorld, user: TeamsUser, *, proactive: bool = False) -> list[str]:
    """The notification summary of every activity delivered to `user`'s personal chat.

    `proactive`: only messages the bot sent on its own (through a stored reference), not its
    replies in a turn, which answer an activity's id (the harness's are `act-N`).
    """
    return [
        str(r.activity.get("summary") or r.activity.get("text") or "")
        for r in world.fake.delivered
        if r.conversation_id == user.conversation and not (proactive and is_reply(r.reply_to_id))
    ]


def is_reply(reply_to_id: str | None) -> bool:
    return (reply_to_id or "").startswith("act-")


def repeated(items: list[str]) -> dict[str, int]:
    return {item: count for item, count in Counter(items).items() if count > 1}
