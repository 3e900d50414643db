"""Participant commands for the lists a pair shares: `waypoints` (sponsorship) and `parked`."""

from __future__ import annotations

from bot import waypoints
from bot.commands.grammar import Parsed
from bot.commands.lookup import my_pair
from bot.identity import name_of
from bot.lifecycle.transition import partner_of
from bot.replies import Reply
from bot.text import Text
from bot.turn import Turn
from storage.models import Person


def waypoints_(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    waypoints.require_sponsorship(turn, pair)
    return Reply(text=waypoints.route(turn, pair))


def waypoints_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    waypoint = waypoints.add(turn, pair, person, parsed.rest)
    # The route is the pair's: the partner sees every change to it, in the author's words.
    turn.to_person(partner_of(pair, person, turn.content), Reply(text=waypoints.route(turn, pair)))
    return Reply(
        text=Text.join(
            [
                turn.text(
                    "waypoints.added",
                    number=len(waypoints.of(turn, pair)),
                    waypoint=waypoints.words_of(waypoint),
                ),
                "",
                waypoints.route(turn, pair),
            ]
        )
    )


def waypoints_reached(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    waypoint = waypoints.reach(turn, pair, int(parsed.args[0]))
    words = waypoints.words_of(waypoint)
    left = sum(1 for w in waypoints.of(turn, pair) if w.reached_at is None)
    turn.to_person(
        partner_of(pair, person, turn.content),
        Reply(text=turn.text("waypoints.reached_partner", name=name_of(person), waypoint=words)),
    )
    lines: list[str] = [turn.text("waypoints.reached", waypoint=words, left=left)]
    if left == 0:
        lines.append(turn.text("waypoints.arrived"))
    return Reply(text=Text.join(lines))


def parked(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    return Reply(
        text=Text.join([turn.text("waypoints.parked.title"), waypoints.parked_list(turn, pair)])
    )
