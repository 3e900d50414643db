"""The one registry of buttons and forms: each action name and form id, and what it runs.

Adapters hand the engine an `Action` (a button's action name and its wire value, see
`bot.wire`) or a `Submission` (a form id, its context and the typed values); the engine looks
the name up here. To add a button: give it a name below and build it with `wire.button`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot import consent, pairs_at_risk, wire
from bot.commands import audit, pair_actions
from bot.commands.grammar import Parsed
from bot.lifecycle import chemistry, contract_terms, contracting, intro, sessions, wrap_up
from bot.nudges import runner
from bot.replies import Form, Reply
from bot.turn import Refusal, Turn
from storage.models import Pair, Person

ActionHandler = Callable[[Turn, Person, tuple[str, ...]], Reply]
CoordinatorCommand = Callable[[Turn, Person, Parsed, str | None], Reply]


@dataclass(frozen=True, kw_only=True)
class FormRoute:
    """How a form opens (from a button) and what its submission does; `ref` is its context."""

    open: Callable[[Turn, Person, int], Form]
    submit: Callable[[Turn, Person, int, Mapping[str, str]], Reply]


# -- forms ------------------------------------------------------------------------------------


def _open_contract(turn: Turn, person: Person, ref: int) -> Form:
    return contracting.form(turn, locked_pair(turn, ref, person), person)


def _submit_contract(turn: Turn, person: Person, ref: int, values: Mapping[str, str]) -> Reply:
    return contracting.handle_submission(turn, locked_pair(turn, ref, person), person, values)


def _open_checkin(turn: Turn, person: Person, ref: int) -> Form:
    session = sessions.session_for(turn, ref)
    return sessions.form(turn, locked_pair(turn, session.pair_id, person), session, person)


def _submit_checkin(turn: Turn, person: Person, ref: int, values: Mapping[str, str]) -> Reply:
    session = sessions.session_for(turn, ref)
    pair = locked_pair(turn, session.pair_id, person)
    reply = sessions.handle_submission(turn, pair, session, person, values)
    runner.run_for(turn, pair)  # the nudges react to what the check-in revealed
    return reply


def _open_evaluation(turn: Turn, person: Person, ref: int) -> Form:
    return wrap_up.form(turn, locked_pair(turn, ref, person), person)


def _submit_evaluation(turn: Turn, person: Person, ref: int, values: Mapping[str, str]) -> Reply:
    return wrap_up.handle_submission(turn, locked_pair(turn, ref, person), person, values)


FORMS: dict[str, FormRoute] = {
    contract_terms.FORM_ID: FormRoute(open=_open_contract, submit=_submit_contract),
    sessions.FORM_ID: FormRoute(open=_open_checkin, submit=_submit_checkin),
    wrap_up.FORM_ID: FormRoute(open=_open_evaluation, submit=_submit_evaluation),
}


# -- buttons ----------------------------------------------------------------------------------


def _open_form(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
    form_id, ref = args
    route = FORMS.get(form_id)
    if route is None:
        raise Refusal(turn.text("routes.unknown_form"))
    return Reply(text="", form=route.open(turn, person, number(turn, ref)))


def _intro(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
    pair_ref, answer = args
    return intro.handle_answer(turn, locked_pair(turn, pair_ref, person), person, answer)


def _consent(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
    enrolment_ref, answer = args
    return consent.handle_answer(turn, person, number(turn, enrolment_ref), answer)


def _chemistry(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
    pair_ref, answer = args
    return chemistry.handle_answer(turn, locked_pair(turn, pair_ref, person), person, answer)


def _confirm_contract(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
    pair_ref, version, verb = args
    if verb != "confirm":
        raise Refusal(turn.text("routes.unknown_button"))
    pair = locked_pair(turn, pair_ref, person)
    return contracting.handle_confirm(turn, pair, person, number(turn, version))


# The coordinator's buttons on a pair at risk (the Home tab and `status <programme>`, built by
# bot.pairs_at_risk): the same steps as the `nudge`, `pause`, `resume` and `end` commands, run by
# the very functions behind those commands, plus the check-in nudge and the rematch.
COORDINATOR_NUDGE = pairs_at_risk.NUDGE
COORDINATOR_PAUSE = pairs_at_risk.PAUSE
COORDINATOR_RESUME = pairs_at_risk.RESUME
COORDINATOR_END = pairs_at_risk.END
COORDINATOR_REMATCH = pairs_at_risk.REMATCH


def _as_coordinator(command: CoordinatorCommand, verb: str) -> ActionHandler:
    def handle(turn: Turn, person: Person, args: tuple[str, ...]) -> Reply:
        if not person.is_coordinator:
            raise Refusal(turn.text("home.refusals.not_coordinator"))
        (pair_ref,) = args
        # The command looks the pair up within this tenant: another tenant's pair is refused
        # with the same answer as a pair that does not exist.
        parsed = Parsed(verb=verb, args=(str(number(turn, pair_ref)),))
        # Audited like the typed command (bot.commands.dispatch): only a step that changed
        # something is kept, and a refusal never gets that far.
        with audit.changes(turn.session) as changed:
            reply = command(turn, person, parsed, None)
        if changed():
            audit.record(turn, person, parsed)
        return reply

    return handle


# action name -> (how many arguments its value carries, handler)
ACTIONS: dict[str, tuple[int, ActionHandler]] = {
    contracting.OPEN_FORM: (2, _open_form),
    consent.ACTION: (2, _consent),
    intro.ACTION: (2, _intro),
    chemistry.ACTION: (2, _chemistry),
    contracting.ACTION: (3, _confirm_contract),
    COORDINATOR_NUDGE: (1, _as_coordinator(pair_actions.check_in, pair_actions.CHECK_IN_VERB)),
    COORDINATOR_PAUSE: (1, _as_coordinator(pair_actions.pause_pair, "pause")),
    COORDINATOR_RESUME: (1, _as_coordinator(pair_actions.resume_pair, "resume")),
    COORDINATOR_END: (1, _as_coordinator(pair_actions.end, "end")),
    COORDINATOR_REMATCH: (1, _as_coordinator(pair_actions.rematch, pair_actions.REMATCH_VERB)),
}


def run_action(turn: Turn, person: Person, action: str, value: str) -> Reply:
    route = ACTIONS.get(action)
    _version, args = wire.decode(value, turn.content)
    if route is None or len(args) != route[0]:
        raise Refusal(turn.text("routes.unknown_button"))
    return route[1](turn, person, args)


def run_submission(
    turn: Turn, person: Person, form_id: str, context: str, values: Mapping[str, str]
) -> Reply:
    route = FORMS.get(form_id)
    if route is None:
        raise Refusal(turn.text("routes.unknown_form"))
    return route.submit(turn, person, number(turn, context), values)


# -- references -------------------------------------------------------------------------------

_REFERENCE = re.compile(r"#?([0-9]{1,9})")  # ids fit a 32-bit integer column everywhere


def number(turn: Turn, text: str | int) -> int:
    """The id a reference names ("7" or "#7"); anything else is refused in the turn's words."""
    if isinstance(text, int):
        return text
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        raise Refusal(turn.text("routes.bad_reference"))
    return int(match.group(1))


def locked_pair(turn: Turn, ref: str | int, person: Person) -> Pair:
    """The pair a button or form names, locked for this transaction.

    Someone outside the pair gets the same answer as for a pair that does not exist, so a
    crafted button reveals nothing. The row lock (PostgreSQL) serialises two people answering
    at the same moment, so the second one sees the first one's answer and the pair moves on.
    """
    pair = turn.session.get(Pair, number(turn, ref), with_for_update=True)
    if pair is None or person.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(turn.text("routes.no_pair"))
    return pair
