"""A sponsorship's route, and what a reverse pair parks: the lists both people can always see.

Sponsorship is a journey: the protégé's destination (their own words, in the contract) and the
waypoints the pair records on the way. Shown on request, at each reminder and at the wrap-up,
so the pair can always say where they are, where they are going and what is left.

Reverse mentoring parks career talk until the contract ends; `parked` shows that list.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.identity import name_of
from bot.lifecycle import contracting
from bot.lifecycle.transition import kind_of, partner_of, role_of
from bot.programmes import Kind
from bot.replies import Reply
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import Pair, ParkedItem, Person, Waypoint

MAX_TEXT = 200  # a waypoint is a step, not an essay
MAX_WAYPOINTS = 12  # a route with more stops than this is a plan of its own


def is_sponsorship(pair: Pair) -> bool:
    return kind_of(pair) is Kind.SPONSORSHIP


def require_sponsorship(turn: Turn, pair: Pair) -> None:
    if not is_sponsorship(pair):
        raise Refusal(turn.text("waypoints.not_sponsorship"))


def of(turn: Turn, pair: Pair) -> list[Waypoint]:
    return list(
        turn.session.scalars(
            select(Waypoint).where(Waypoint.pair_id == pair.id).order_by(Waypoint.id)
        )
    )


def add(turn: Turn, pair: Pair, person: Person, text: str) -> Waypoint:
    require_sponsorship(turn, pair)
    text = " ".join(text.split())
    if not text:
        raise Refusal(turn.text("waypoints.add_empty"))
    if len(text) > MAX_TEXT:
        raise Refusal(turn.text("waypoints.too_long", limit=MAX_TEXT, length=len(text)))
    count = turn.session.scalar(
        select(func.count()).select_from(Waypoint).where(Waypoint.pair_id == pair.id)
    )
    if (count or 0) >= MAX_WAYPOINTS:
        raise Refusal(turn.text("waypoints.too_many", limit=MAX_WAYPOINTS))
    waypoint = Waypoint(pair_id=pair.id, author_id=person.id, text=text, created_at=turn.now)
    turn.session.add(waypoint)
    turn.session.flush()
    return waypoint


def reach(turn: Turn, pair: Pair, number: int) -> Waypoint:
    require_sponsorship(turn, pair)
    items = of(turn, pair)
    if not 1 <= number <= len(items):
        raise Refusal(turn.text("waypoints.no_such", number=number, count=len(items)))
    waypoint = items[number - 1]
    if waypoint.reached_at is not None:
        raise Refusal(turn.text("waypoints.already_reached", waypoint=words_of(waypoint)))
    waypoint.reached_at = turn.now
    return waypoint


def words_of(waypoint: Waypoint) -> Text:
    """A waypoint as its author typed it."""
    return typed(waypoint.text, person_id=waypoint.author_id)


def destination(turn: Turn, pair: Pair) -> Text | None:
    """The protégé's destination from the agreed contract, typed by whoever wrote it."""
    contract = contracting.agreed(turn, pair)
    if contract is None or not contract.destination.strip():
        return None
    return typed(contract.destination.strip(), person_id=contract.proposed_by_id)


def route(turn: Turn, pair: Pair) -> Text:
    """Where the pair is going and how far along: the destination, then each waypoint."""
    items = of(turn, pair)
    goal = destination(turn, pair)
    lines: list[str] = [
        turn.text("waypoints.destination", destination=goal)
        if goal is not None
        else turn.text("waypoints.no_destination")
    ]
    if not items:
        lines.append(turn.text("waypoints.none_yet"))
        return Text.join(lines)
    reached = sum(1 for w in items if w.reached_at is not None)
    lines.append(turn.text("waypoints.progress", reached=reached, total=len(items)))
    for number, waypoint in enumerate(items, start=1):
        state = "reached" if waypoint.reached_at is not None else "ahead"
        lines.append(
            turn.text(f"waypoints.item.{state}", number=number, waypoint=words_of(waypoint))
        )
    return Text.join(lines)


def parked(turn: Turn, pair: Pair) -> list[ParkedItem]:
    return list(
        turn.session.scalars(
            select(ParkedItem).where(ParkedItem.pair_id == pair.id).order_by(ParkedItem.id)
        )
    )


def parked_list(turn: Turn, pair: Pair) -> Text:
    """The parked list as both people see it: what waits, and what was handed back."""
    items = parked(turn, pair)
    if not items:
        return turn.text("waypoints.parked.empty", kind=kind_of(pair).value)
    lines: list[str] = []
    for heading, group in (
        ("waiting", [p for p in items if p.handed_back_at is None]),
        ("handed_back", [p for p in items if p.handed_back_at is not None]),
    ):
        if group:
            lines.append(turn.text(f"waypoints.parked.{heading}"))
            lines += [
                turn.text(
                    "waypoints.parked.item",
                    topic=turn.text(f"nudges.park_it.topics.{p.topic}"),
                    note=Text.engine(p.note),  # Tandem's own words ("came up in session 4")
                )
                for p in group
            ]
    return Text.join(lines)


def status_lines(turn: Turn, pair: Pair) -> list[str]:
    """What a participant's `status` adds for their pair: the route, or the parked list."""
    if is_sponsorship(pair):
        return [route(turn, pair)]
    if parked(turn, pair):
        return [parked_list(turn, pair)]
    return []


def reminder_lines(turn: Turn, pair: Pair, person: Person) -> list[str]:
    """Added to a sponsorship pair's session reminder: the route, and the nudge to act on it."""
    if not is_sponsorship(pair):
        return []
    return [
        "",
        turn.text("waypoints.reminder", route=route(turn, pair)),
        "",
        turn.text(
            "waypoints.reminder_act",
            kind=Kind.SPONSORSHIP.value,
            role=role_of(pair, person, turn.content),
            partner=name_of(partner_of(pair, person, turn.content)),
        ),
    ]


def show_at_wrap_up(turn: Turn, pair: Pair) -> None:
    """The route as it stands when the contract ends, to both, for the evaluation."""
    if is_sponsorship(pair):
        turn.to_pair(pair, Reply(text=turn.text("waypoints.wrap_up", route=route(turn, pair))))
