"""Participant commands: my pair, check-in, goals, actions, pause, help, swap, leave, join,
forget-me."""

from __future__ import annotations

from sqlalchemy import select

from bot import consent, privacy, reporting
from bot import goals as tracking
from bot import my_data as my_data_export
from bot.commands import grammar
from bot.commands.grammar import Parsed
from bot.commands.lookup import find_programme, live_pairs_of, my_pair, stage_name
from bot.identity import name_of
from bot.lifecycle import pausing, planning, sessions
from bot.lifecycle.dissolve import dissolve
from bot.lifecycle.transition import kind_of, move, partner_of
from bot.programmes import Kind
from bot.replies import Reply
from bot.stages import Stage, Trigger
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import MentoringSession, Person


def status(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pairs = live_pairs_of(turn, person)
    if not person.is_coordinator:
        return Reply(text=reporting.my_pairs(turn, person, pairs))
    # A coordinator's status opens with their programmes; their own pairs follow if they have
    # any, and "you are not in a pair" is no news to a coordinator, so it is left out.
    parts = [reporting.overview(turn)]
    if pairs:
        parts.append(reporting.my_pairs(turn, person, pairs))
    return Reply(text=Text.join(parts, "\n\n"))


def checkin(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person, stages=(Stage.ACTIVE, Stage.WRAP_UP))
    session = turn.session.scalar(
        select(MentoringSession)
        .where(MentoringSession.pair_id == pair.id, MentoringSession.planned_at <= turn.now)
        .order_by(MentoringSession.number.desc())
    )
    if session is None:
        raise Refusal(turn.text("participant.checkin.not_yet"))
    return Reply(text="", form=sessions.form(turn, pair, session, person))


def goals(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    items = tracking.goals_of(turn, pair)
    if not items:
        return Reply(text=turn.text("participant.goals.none"))
    listed = tracking.numbered(items, tracking.owner_names(pair))
    return Reply(text=Text.join([turn.text("participant.goals.title"), listed]))


def goals_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    goal = tracking.add_goal(turn, pair, person.id, parsed.rest)
    return Reply(text=turn.text("participant.goals.added", goal=tracking.words_of(goal)))


def goals_met(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = tracking.mark(
        turn, tracking.goals_of(turn, pair), int(parsed.args[0]), status="met", what="goal"
    )
    turn.to_person(
        partner_of(pair, person, turn.content),
        Reply(text=turn.text("participant.goals.met_partner", name=name_of(person), goal=text)),
    )
    return Reply(text=turn.text("participant.goals.met", goal=text))


def actions(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    items = tracking.actions_of(turn, pair)
    if not items:
        return Reply(text=turn.text("participant.actions.none"))
    listed = tracking.numbered(items, tracking.owner_names(pair))
    return Reply(text=Text.join([turn.text("participant.actions.title"), listed]))


def actions_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = parsed.rest.strip()
    if not text:
        raise Refusal(turn.text("participant.actions.say_what"))
    tracking.add_action(turn, pair, person.id, text)
    action = typed(text, person_id=person.id)
    return Reply(text=turn.text("participant.actions.added", action=action))


def actions_done(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = tracking.mark(
        turn, tracking.actions_of(turn, pair), int(parsed.args[0]), status="done", what="action"
    )
    return Reply(text=turn.text("participant.actions.done", action=text))


def pause(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    pausing.pause(turn, pair, actor=person)
    partner = partner_of(pair, person, turn.content)
    turn.to_person(
        partner,
        Reply(text=turn.text("participant.pause.partner", name=name_of(person))),
    )
    turn.to_coordinators(
        Reply(
            text=turn.text(
                "participant.pause.coordinators",
                name=name_of(person),
                id=pair.id,
                programme=pair.programme.name,
            )
        )
    )
    return Reply(text=turn.text("participant.pause.paused"))


def resume(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person, stages=(Stage.PAUSED,))
    # The lifecycle's resume also replans an active pair's sessions that fell inside the pause.
    stage = pausing.resume(turn, pair, actor=person)
    partner = partner_of(pair, person, turn.content)
    turn.to_person(
        partner, Reply(text=turn.text("participant.resume.partner", name=name_of(person)))
    )
    return Reply(text=turn.text("participant.resume.resumed", stage=stage_name(turn, stage)))


def swap(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person, stages=(Stage.ACTIVE,))
    if kind_of(pair) is not Kind.RECIPROCAL:
        raise Refusal(turn.text("participant.swap.not_reciprocal"))
    # A session that has happened but awaits its check-in keeps the leader it had.
    upcoming = planning.sessions_ahead(turn, pair)
    if not upcoming:
        raise Refusal(turn.text("participant.swap.none_left"))
    # Who leads now is whoever leads the next session: the planned swap may already have happened.
    current = turn.session.get(Person, upcoming[0].leader_id or pair.mentor_id) or pair.mentor
    new_leader = partner_of(pair, current, turn.content)
    pair.leader_id = new_leader.id
    for session in upcoming:
        session.leader_id = new_leader.id
    turn.to_pair(
        pair,
        Reply(
            text=turn.text(
                "commands.swap.pair",
                kind=kind_of(pair),
                leader=name_of(new_leader),
                other=name_of(current),
                number=upcoming[0].number,
            )
        ),
    )
    return Reply(
        text=turn.text(
            "participant.swap.swapped",
            leader=name_of(new_leader),
            number=upcoming[0].number,
        )
    )


def leave(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = find_programme(turn, parsed.args[0])
    if programme is None:  # named as typed; the other programmes are not a participant's business
        raise Refusal(turn.text("consent.refusals.not_enrolled", programme=parsed.args[0]))
    return consent.leave(turn, person, programme)


def join(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    programme = find_programme(turn, parsed.args[0])
    if programme is None:
        raise Refusal(turn.text("consent.refusals.join_not_invited", programme=parsed.args[0]))
    return consent.join(turn, person, programme)


def help_(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if not parsed.rest.strip():
        return Reply(text=grammar.usage(coordinator=person.is_coordinator, content=turn.content))
    if grammar.is_verb(parsed.rest):
        # `help enrol` asks how a command works; it is not a note for the coordinator.
        verb = parsed.rest.strip().lower()
        usage = grammar.usage(verb, coordinator=person.is_coordinator, content=turn.content)
        return Reply(text=usage)
    pairs = live_pairs_of(turn, person)
    note = typed(parsed.rest.strip(), person_id=person.id)
    if pairs:
        text = turn.text(
            "participant.help.note_about",
            name=name_of(person),
            id=pairs[0].id,
            programme=pairs[0].programme.name,
            note=note,
        )
    else:
        text = turn.text("participant.help.note", name=name_of(person), note=note)
    if not turn.to_coordinators(Reply(text=text)):
        raise Refusal(turn.text("participant.help.no_coordinator"))
    return Reply(text=turn.text("participant.help.sent"))


def forget_me(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if not parsed.options.get("confirm"):
        return Reply(text=turn.text("participant.forget_me.warning"))
    reason = str(turn.text("participant.forget_me.reason"))
    for pair in live_pairs_of(turn, person):
        if Stage(pair.stage) is Stage.WRAP_UP:  # the evaluation can no longer be completed
            move(turn, pair, Trigger.EVALUATED, actor=person, reason=reason)
        else:
            dissolve(turn, pair, actor=person, reason=reason)
    return Reply(text=privacy.summary(privacy.forget(turn, person)))


def my_data(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    return my_data_export.reply(turn, person)
