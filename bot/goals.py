"""Goals and actions a pair tracks: created from the contract, reviewed at every session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.form_values import MAX_GOALS, MAX_ITEM, MAX_OPEN_ACTIONS
from bot.identity import name_of
from bot.text import Text, compose, typed
from bot.turn import Refusal, Turn
from storage.models import ActionItem, Contract, Goal, Pair


def seed_from_contract(turn: Turn, pair: Pair, contract: Contract) -> None:
    """Each line of each side's goals becomes a goal, the first time a contract is agreed."""
    if turn.session.scalar(select(Goal.id).where(Goal.pair_id == pair.id)) is not None:
        return
    for owner_id, text in (
        (pair.mentor_id, contract.mentor_goals),
        (pair.mentee_id, contract.mentee_goals),
    ):
        for line in text.splitlines():
            line = line.strip("-• \t")
            if line:
                add_goal(turn, pair, owner_id, line)


def add_goal(turn: Turn, pair: Pair, owner_id: int, text: str) -> Goal:
    text = text.strip()
    if not text:
        raise Refusal(turn.text("goals.refusals.goal_empty"))
    if len(text) > MAX_ITEM:
        raise Refusal(turn.text("goals.refusals.goal_too_long", limit=MAX_ITEM, length=len(text)))
    if len([g for g in goals_of(turn, pair) if g.status != "dropped"]) >= MAX_GOALS:
        raise Refusal(turn.text("goals.refusals.too_many_goals", limit=MAX_GOALS))
    goal = Goal(
        pair_id=pair.id,
        owner_id=owner_id,
        text=text,
        status="open",
        created_at=turn.now,
        updated_at=turn.now,
    )
    turn.session.add(goal)
    turn.session.flush()
    return goal


def goals_of(turn: Turn, pair: Pair) -> list[Goal]:
    return list(turn.session.scalars(select(Goal).where(Goal.pair_id == pair.id).order_by(Goal.id)))


def actions_of(turn: Turn, pair: Pair, *, open_only: bool = False) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.pair_id == pair.id)
    if open_only:
        query = query.where(ActionItem.status == "open")
    return list(turn.session.scalars(query.order_by(ActionItem.id)))


def open_goals_text(turn: Turn, pair: Pair) -> Text:
    goals = [g for g in goals_of(turn, pair) if g.status == "open"]
    return Text.join("- " + words_of(g) for g in goals) or turn.text("goals.none_open")


def words_of(item: Goal | ActionItem) -> Text:
    """A goal's or an action's text, typed by (and so belonging to) its owner."""
    return typed(item.text, person_id=item.owner_id)


def numbered(items: Sequence[Goal | ActionItem], names: dict[int, Text]) -> Text:
    lines = []
    for number, item in enumerate(items, start=1):
        mark = {"open": " ", "met": "✓", "done": "✓", "dropped": "–"}.get(item.status, " ")
        lines.append(
            Text.engine(f"{number}. [{mark}] ")
            + words_of(item)
            + compose(" ({owner})", owner=names.get(item.owner_id, Text.engine("?")))
        )
    return Text.join(lines)


def add_action(
    turn: Turn, pair: Pair, owner_id: int, text: str, *, session_id: int | None = None
) -> ActionItem:
    text = text.strip()
    if len(text) > MAX_ITEM:
        raise Refusal(turn.text("goals.refusals.action_too_long", limit=MAX_ITEM, length=len(text)))
    if len(actions_of(turn, pair, open_only=True)) >= MAX_OPEN_ACTIONS:
        raise Refusal(turn.text("goals.refusals.too_many_actions", limit=MAX_OPEN_ACTIONS))
    action = ActionItem(
        pair_id=pair.id,
        session_id=session_id,
        owner_id=owner_id,
        text=text,
        status="open",
        created_at=turn.now,
    )
    turn.session.add(action)
    return action


def mark(
    turn: Turn, items: Sequence[Goal | ActionItem], number: int, *, status: str, what: str
) -> Text:
    """Mark item `number` with `status`; `what` ("goal" or "action") and `status` choose the
    wording (goals.mark.<what>.*)."""
    if not 1 <= number <= len(items):
        raise Refusal(turn.text(f"goals.mark.{what}.missing", number=number, have=len(items)))
    item = items[number - 1]
    if item.status == status:  # marking it again must not look like fresh progress
        raise Refusal(turn.text(f"goals.mark.{what}.already_{status}", item=words_of(item)))
    item.status = status
    if isinstance(item, Goal):
        item.updated_at = turn.now
    else:
        item.done_at = turn.now
    return words_of(item)


def owner_names(pair: Pair) -> dict[int, Text]:
    return {pair.mentor_id: name_of(pair.mentor), pair.mentee_id: name_of(pair.mentee)}
