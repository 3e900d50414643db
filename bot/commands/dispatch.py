"""From command words to a handler, with the coordinator check in one place."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import (
    audit,
    availability,
    coordinator,
    enrolment,
    grammar,
    language,
    pair_actions,
    pairing,
    participant,
    route,
)
from bot.commands.grammar import Parsed
from bot.replies import Reply
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Person

Handler = Callable[[Turn, Person, Parsed, str | None], Reply]

COORDINATOR_ONLY: dict[str, Handler] = {
    "programme create": coordinator.programme_create,  # not user-facing: a verb people type
    "programme list": coordinator.programme_list,  # not user-facing: a verb people type
    "enrol": enrolment.enrol,
    "pair": pairing.pair,
    "match": pairing.match,
    "report": coordinator.report,
    "nudge": pair_actions.nudge,
    "end": pair_actions.end,
    "coordinator add": coordinator.coordinator_add,  # not user-facing: a verb people type
    "coordinator remove": coordinator.coordinator_remove,  # not user-facing: a verb people type
    "coordinator list": coordinator.coordinator_list,  # not user-facing: a verb people type
    "language": language.language,
}

# `pause 12` and `status "Reverse 2026"`: participant verbs that name a pair or programme.
COORDINATOR_FORMS: dict[str, Handler] = {
    "pause": pair_actions.pause_pair,
    "resume": pair_actions.resume_pair,
    "status": coordinator.status,
}

ANYONE: dict[str, Handler] = {
    "status": participant.status,
    "checkin": participant.checkin,
    "goals": participant.goals,
    "goals add": participant.goals_add,  # not user-facing: a verb people type
    "goals met": participant.goals_met,  # not user-facing: a verb people type
    "actions": participant.actions,
    "actions add": participant.actions_add,  # not user-facing: a verb people type
    "actions done": participant.actions_done,  # not user-facing: a verb people type
    "pause": participant.pause,
    "resume": participant.resume,
    "swap": participant.swap,
    "waypoints": route.waypoints_,
    "waypoints add": route.waypoints_add,  # not user-facing: a verb people type
    "waypoints reached": route.waypoints_reached,  # not user-facing: a verb people type
    "parked": route.parked,
    "help": participant.help_,
    "forget-me": participant.forget_me,
    "my-data": participant.my_data,
    "leave": participant.leave,
    "join": participant.join,
    "hours": availability.hours_,
    "away until": availability.away_until,  # not user-facing: a verb people type
    "away off": availability.away_off,  # not user-facing: a verb people type
}


def run(turn: Turn, person: Person, text: str, *, attachment: str | None) -> Reply:
    # A refusal says what was wrong and the one usage line that applies; only `help` lists all.
    try:
        parsed = grammar.parse(text, coordinator=person.is_coordinator)
    except grammar.UsageError as error:
        if error.verb and not person.is_coordinator and grammar.is_for_coordinators(error.verb):
            raise Refusal(_for_coordinators(turn, error.verb)) from None
        raise Refusal(error.text_in(turn.content)) from None
    if parsed.verb in COORDINATOR_ONLY or _names_a_pair_or_programme(parsed):
        if not person.is_coordinator:
            own_form = parsed.verb in ANYONE
            raise Refusal(_for_coordinators(turn, parsed.verb, own_form=own_form))
        handler = COORDINATOR_ONLY.get(parsed.verb) or COORDINATOR_FORMS[parsed.verb]
        with audit.changes(turn.session) as changed:
            reply = handler(turn, person, parsed, attachment)
        if audit.is_audited(parsed) and changed():  # a refusal never gets here
            audit.record(turn, person, parsed)
        return reply
    anyone = ANYONE.get(parsed.verb)
    if anyone is None:  # the grammar knows a verb the engine doesn't: a bug, said plainly
        raise Refusal(turn.text("usage.not_yet", verb=Text.engine(parsed.verb)))
    return anyone(turn, person, parsed, attachment)


def _for_coordinators(turn: Turn, verb: str, *, own_form: bool = False) -> Text:
    """A participant's answer to a coordinator verb: whose it is and how to reach yours."""
    # `pause 12`: the bare verb is the participant's own
    whose = turn.text(
        f"usage.for_coordinators.{'own_form' if own_form else 'verb'}", verb=Text.engine(verb)
    )
    return Text.join([whose, turn.text("usage.for_coordinators.reach_yours")], " ")


def _names_a_pair_or_programme(parsed: Parsed) -> bool:
    return parsed.verb in COORDINATOR_FORMS and bool(parsed.args)
