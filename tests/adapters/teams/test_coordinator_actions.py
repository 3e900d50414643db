"""A coordinator acts on a pair at risk from a Teams card: `status <programme>` answers with the
pairs at risk and a button for each step; Nudge and Rematch, through posted activities only.
Hana coordinates Maya (mentor) and Sam (mentee)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from db_snapshot import assert_unchanged, snapshot
from scenario import pair_of, rows, stage
from teams_steps import PROGRAMME, accepted, command, jump, matched
from teams_world import HANA, MAYA, SAM, _actions, card_text, teams_world

from bot import pairs_at_risk
from bot.content import default_content
from storage.models import NudgeSent

CONTENT = default_content()


def labels(world, user) -> list[str]:  # type: ignore[no-untyped-def]
    """The button titles on the newest card `user` received."""
    return [a.get("title", "") for a in _actions(world.cards_to(user)[-1])]


def test_a_coordinator_nudges_then_rematches_a_stalled_pair_from_the_status_card(
    tmp_path: Path,
) -> None:
    with teams_world(tmp_path) as world:
        pair_id = matched(world)
        jump(world, world.clock.now() + timedelta(days=22, hours=1))

        shown = command(world, HANA, f'status "{PROGRAMME}"')
        assert "1 pair needs a look:" in shown
        assert "proposed for 22 days without moving on" in shown
        assert labels(world, HANA) == [
            f"Nudge pair {pair_id}",
            f"Pause pair {pair_id}",
            f"End pair {pair_id}",
            f"Rematch pair {pair_id}",
        ]

        # Nudge: both get the check-in in their own chat; Hana gets the answer.
        before = {user.name: len(world.cards_to(user)) for user in (MAYA, SAM)}
        accepted(world.press(HANA, f"Nudge pair {pair_id}"))
        world.settle()
        for user in (MAYA, SAM):
            cards = world.cards_to(user)
            assert len(cards) == before[user.name] + 1
            text = card_text(cards[-1])
            assert "A short check-in from Tandem, on behalf of your coordinator" in text
            assert "at the proposed step for 22 days" in text
        again = CONTENT.day_month((world.clock.now() + pairs_at_risk.NUDGE_AGAIN_AFTER).date())
        answer = card_text(world.cards_to(HANA)[-1])
        assert answer.startswith(f"Sent pair {pair_id}") and again in answer
        assert [n.nudge for n in rows(world.db, NudgeSent)].count(pairs_at_risk.CHECK_IN) == 1

        # The same button again, within the week: a clear answer and nothing changes.
        state = snapshot(world.db)
        accepted(world.press(HANA, f"Nudge pair {pair_id}"))
        assert "already heard from a coordinator" in card_text(world.cards_to(HANA)[-1])
        assert_unchanged(world.db, state)

        # Sam presses a copy of the Rematch button: refused, nothing changes.
        status_card = next(
            card
            for card in reversed(world.cards_to(HANA))
            if any(a.get("title") == f"Rematch pair {pair_id}" for a in _actions(card))
        )
        [rematch] = [a for a in _actions(status_card) if a["title"] == f"Rematch pair {pair_id}"]
        state = snapshot(world.db)
        accepted(world.post(world.activity(SAM, value=rematch["data"], text=None)))
        assert "for programme coordinators" in card_text(world.cards_to(SAM)[-1])
        assert_unchanged(world.db, state)

        # Rematch: the pair ends without fault, both are told, and Hana hears what is next.
        accepted(world.press(HANA, f"Rematch pair {pair_id}"))
        world.settle()
        assert stage(world.db, pair_id) == "dissolved"
        note = card_text(world.cards_to(MAYA)[-1])
        assert "your coordinator has ended it, and that is nobody's fault" in note
        assert f'match "{PROGRAMME}"' in card_text(world.cards_to(HANA)[-1])
        assert pair_of(world.db, MAYA.aad, SAM.aad).id == pair_id  # and no new pair of the two
        assert command(world, HANA, f'match "{PROGRAMME}"').startswith("**Matched**")
        assert pair_of(world.db, MAYA.aad, SAM.aad).id == pair_id
