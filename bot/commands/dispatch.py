"""From command words to a handler, with the coordinator check in one place."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import (
    audit,
    availability,
    coordinator,
    enrolment,
    grammar,
    participant,
    route,
)
from bot.commands.grammar import Parsed
from bot.replies import Reply
from bot.turn import Refusal, Turn
from storage.models import Person

Handler = Callable[[Turn, Person, Parsed, str | None], Reply]

COORDINATOR_ONLY: dict[str, Handler] = {
    "programme create": coordinator.programme_create,
    "programme list": coordinator.programme_list,
    "enrol": enrolment.enrol,
    "pair": coordinator.pair,
    "match": coordinator.match,
    "report": coordinator.report,
    "nudge": coordinator.nudge,
    "end": coordinator.end,
    "coordinator add": coordinator.coordinator_add,
    "coordinator remove": coordinator.coordinator_remove,
    "coordinator list": coordinator.coordinator_list,
}

# `pause 12` and `status "Reverse 2026"`: participant verbs that name a pair or programme.
COORDINATOR_FORMS: dict[str, Handler] = {
    "pause": coordinator.pause_pair,
    "resume": coordinator.resume_pair,
    "status": coordinator.status,
}

ANYONE: dict[str, Handler] = {
    "status": participant.status,
    "checkin": participant.checkin,
    "goals": participant.goals,
    "goals add": participant.goals_add,
    "goals met": participant.goals_met,
    "actions": participant.actions,
    "actions add": participant.actions_add,
    "actions done": participant.actions_done,
    "pause": participant.pause,
    "resume": participant.resume,
    "swap": participant.swap,
    "waypoints": route.waypoints_,
    "waypoints add": route.waypoints_add,
    "waypoints reached": route.waypoints_reached,
    "parked": route.parked,
    "help": participant.help_,
    "forget-me": participant.forget_me,
    "my-data": participant.my_data,
    "leave": participant.leave,
    "join": participant.join,
    "hours": availability.hours_,
    "away until": availability.away_until,
    "away off": availability.away_off,
}


def run(turn: Turn, person: Person, text: str, *, attachment: str | None) -> Reply:
    # A refusal says what was wrong and the one usage line that applies; only `help` lists all.
    try:
        parsed = grammar.parse(text, coordinator=person.is_coordinator)
    except grammar.UsageError as error:
        if error.verb and not person.is_coordinator and grammar.is_for_coordinators(error.verb):
            raise Refusal(_for_coordinators(error.verb)) from None
        raise Refusal(error.message + "\n\n" + error.usage) from None
    if parsed.verb in COORDINATOR_ONLY or _names_a_pair_or_programme(parsed):
        if not person.is_coordinator:
            raise Refusal(_for_coordinators(parsed.verb, own_form=parsed.verb in ANYONE))
        handler = COORDINATOR_ONLY.get(parsed.verb) or COORDINATOR_FORMS[parsed.verb]
        with audit.changes(turn.session) as changed:
            reply = handler(turn, person, parsed, attachment)
        if audit.is_audited(parsed) and changed():  # a refusal never gets here
            audit.record(turn, person, parsed)
        return reply
    anyone = ANYONE.get(parsed.verb)
    if anyone is None:  # the grammar knows a verb the engine doesn't: a bug, said plainly
        raise Refusal(f"I know `{parsed.verb}` but can't do it yet. `help` lists what I can do.")
    return anyone(turn, person, parsed, attachment)


def _for_coordinators(verb: str, *, own_form: bool = False) -> str:
    """A participant's answer to a coordinator verb: whose it is and how to reach yours."""
    whose = (
        f"Naming a pair or programme after `{verb}` is for programme coordinators; "
        f"`{verb}` on its own is about your own pair."
        if own_form  # `pause 12`: the bare verb is the participant's own
        else f"`{verb}` is for programme coordinators."
    )
    return (
        whose
        + " If you need something from yours, send them a private note with `help <your note>`."
    )


def _names_a_pair_or_programme(parsed: Parsed) -> bool:
    return parsed.verb in COORDINATOR_FORMS and bool(parsed.args)
