"""Participant commands: my pair, check-in, goals, actions, pause, help, swap, leave, join,
forget-me."""

from __future__ import annotations

from sqlalchemy import select

from bot import consent, privacy, reporting
from bot import goals as tracking
from bot import my_data as my_data_export
from bot.commands import grammar
from bot.commands.grammar import Parsed
from bot.commands.lookup import find_programme, live_pairs_of, my_pair
from bot.identity import name_of
from bot.lifecycle import pausing, planning, sessions
from bot.lifecycle.dissolve import dissolve
from bot.lifecycle.transition import kind_of, move, partner_of
from bot.programmes import Kind
from bot.replies import Reply
from bot.stages import Stage, Trigger
from bot.text import Text, compose, typed
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
        raise Refusal("Your first session hasn't happened yet; I'll ask you after it.")
    return Reply(text="", form=sessions.form(turn, pair, session, person))


def goals(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    items = tracking.goals_of(turn, pair)
    if not items:
        return Reply(
            text="No goals yet. They come from your contract, or add one: `goals add <goal>`."
        )
    return Reply(text="*Your goals*\n" + tracking.numbered(items, tracking.owner_names(pair)))


def goals_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    goal = tracking.add_goal(turn, pair, person.id, parsed.rest)
    return Reply(text="Added the goal: " + tracking.words_of(goal))


def goals_met(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = tracking.mark(
        turn, tracking.goals_of(turn, pair), int(parsed.args[0]), status="met", what="goal"
    )
    turn.to_person(
        partner_of(pair, person),
        Reply(text=compose("{name} marked a goal as met: {goal}", name=name_of(person), goal=text)),
    )
    return Reply(text="Well done: " + text)


def actions(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    items = tracking.actions_of(turn, pair)
    if not items:
        return Reply(
            text="No actions yet. Add the ones you agree in the check-in, "
            "or `actions add <action>`."
        )
    return Reply(text="*Your actions*\n" + tracking.numbered(items, tracking.owner_names(pair)))


def actions_add(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = parsed.rest.strip()
    if not text:
        raise Refusal(
            "Say what the action is, for example: `actions add Try the app with my team`."
        )
    tracking.add_action(turn, pair, person.id, text)
    return Reply(
        text=compose(
            "Added the action: {action}. I'll bring it up before your next session.",
            action=typed(text, person_id=person.id),
        )
    )


def actions_done(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    text = tracking.mark(
        turn, tracking.actions_of(turn, pair), int(parsed.args[0]), status="done", what="action"
    )
    return Reply(text="Marked as done: " + text)


def pause(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person)
    pausing.pause(turn, pair, actor=person)
    partner = partner_of(pair, person)
    turn.to_person(
        partner,
        Reply(
            text=name_of(person) + " has paused your pair for now. "
            "Reminders and check-ins wait until one of you resumes."
        ),
    )
    turn.to_coordinators(
        Reply(
            text=compose(
                "{name} paused pair #{id} ({programme}).",
                name=name_of(person),
                id=pair.id,
                programme=pair.programme.name,
            )
        )
    )
    return Reply(text="Paused. Type `resume` whenever you are ready to carry on.")


def resume(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person, stages=(Stage.PAUSED,))
    # The lifecycle's resume also replans an active pair's sessions that fell inside the pause.
    stage = pausing.resume(turn, pair, actor=person)
    turn.to_person(partner_of(pair, person), Reply(text=name_of(person) + " resumed your pair."))
    return Reply(text=f"Welcome back: your pair is {stage.value.replace('_', ' ')} again.")


def swap(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    pair = my_pair(turn, person, stages=(Stage.ACTIVE,))
    if kind_of(pair) is not Kind.RECIPROCAL:
        raise Refusal(
            "Swapping who leads is part of reciprocal mentoring; in your programme the "
            "roles stay as agreed in the contract."
        )
    # A session that has happened but awaits its check-in keeps the leader it had.
    upcoming = planning.sessions_ahead(turn, pair)
    if not upcoming:
        raise Refusal(
            "There is no session left to lead: your contract's sessions are all behind you."
        )
    # Who leads now is whoever leads the next session: the planned swap may already have happened.
    current = turn.session.get(Person, upcoming[0].leader_id or pair.mentor_id) or pair.mentor
    new_leader = partner_of(pair, current)
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
        text=compose(
            "Swapped: {leader} leads from session {number}.",
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
        return Reply(text=grammar.usage(coordinator=person.is_coordinator))
    if grammar.is_verb(parsed.rest):
        # `help enrol` asks how a command works; it is not a note for the coordinator.
        return Reply(
            text=grammar.usage(parsed.rest.strip().lower(), coordinator=person.is_coordinator)
        )
    pairs = live_pairs_of(turn, person)
    about = (
        compose(" (pair #{id}, {programme})", id=pairs[0].id, programme=pairs[0].programme.name)
        if pairs
        else ""
    )
    sent = turn.to_coordinators(
        Reply(
            text=compose(
                "A confidential note from {name}{about}:\n> {note}",
                name=name_of(person),
                about=Text.engine(about),
                note=typed(parsed.rest.strip(), person_id=person.id),
            )
        )
    )
    if not sent:
        raise Refusal("There is no coordinator set up yet, so I could not pass your note on.")
    return Reply(text="Your note went to your coordinator only; your partner does not see it.")


def forget_me(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if not parsed.options.get("confirm"):
        return Reply(
            text="This ends any pair you are in and removes your name wherever Tandem stored "
            "it, with everything you typed: notes, goals, actions, contract goals and "
            "evaluation comments. Messages already delivered stay in Slack or Teams, where "
            "Tandem cannot reach them. Type `forget-me --confirm` to go ahead."
        )
    for pair in live_pairs_of(turn, person):
        reason = "a participant asked to be forgotten"
        if Stage(pair.stage) is Stage.WRAP_UP:  # the evaluation can no longer be completed
            move(turn, pair, Trigger.EVALUATED, actor=person, reason=reason)
        else:
            dissolve(turn, pair, actor=person, reason=reason)
    return Reply(text=privacy.summary(privacy.forget(turn, person)))


def my_data(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    return my_data_export.reply(turn, person)
