"""What a coordinator does to one pair, from the dashboard's buttons (bot.routes) or by typing:
nudge, the check-in nudge, pause, resume, end and rematch. The buttons run these very
functions, so a button and its command always take the same step."""

from __future__ import annotations

from typing import Any

from bot import pairs_at_risk, rights
from bot.commands.grammar import Parsed
from bot.commands.lookup import pair_numbered
from bot.identity import name_of
from bot.lifecycle import pausing, wrap_up
from bot.lifecycle.dissolve import dissolve
from bot.lifecycle.transition import kind_of
from bot.programme_stages import stage_name
from bot.replies import Reply
from bot.stages import MIDDLE, TERMINAL, Stage, Trigger
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import NudgeSent, Pair, Person


def nudge(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    if Stage(target.stage) in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator.nudge.ended",
                pair_id=target.id,
                stage=stage_name(turn, target.stage),
            )
        )
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "nudges.manual.pair",
                kind=kind_of(target),
                note=typed(parsed.rest, person_id=person.id),
                coordinator=name_of(person),
            )
        ),
    )
    turn.session.add(
        NudgeSent(pair_id=target.id, nudge="manual", level=1, about=0, sent_at=turn.now)
    )
    return Reply(text=turn.text("coordinator.nudge.sent", pair_id=target.id))


# How the buttons' own steps appear in the audit trail (`coordinator list --log`).
CHECK_IN_VERB = "nudge check-in"  # not user-facing: a verb in the audit trail, like `pause`
REMATCH_VERB = "rematch"


def check_in(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The Nudge button: a short, kind check-in to the pair in Tandem's words, saying what the
    coordinator noticed, asking how they are and offering help; once a week at most."""
    target = _locked(turn, pair_numbered(turn, parsed.args[0]))
    if Stage(target.stage) in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator_actions.nudge.ended",
                pair_id=target.id,
                stage=stage_name(turn, target.stage),
            )
        )
    again_after = pairs_at_risk.NUDGE_AGAIN_AFTER
    last = pairs_at_risk.last_checked_in(turn, target)
    if last is not None:
        raise Refusal(
            turn.text(
                "coordinator_actions.nudge.too_soon",
                pair_id=target.id,
                on=turn.content.day_month(last.date()),
                again=turn.content.day_month((last + again_after).date()),
                count=again_after.days,
            )
        )
    risks = pairs_at_risk.at_risk(turn, person, pair_id=target.id)
    signals = [s for risk in risks for s in risk.signals]
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "coordinator_actions.nudge.pair",
                kind=kind_of(target),
                coordinator=name_of(person),
                noticed=_noticed(turn, signals),
            )
        ),
    )
    turn.session.add(
        NudgeSent(
            pair_id=target.id, nudge=pairs_at_risk.CHECK_IN, level=1, about=0, sent_at=turn.now
        )
    )
    return Reply(
        text=turn.text(
            "coordinator_actions.nudge.done",
            pair_id=target.id,
            mentor=name_of(target.mentor),
            mentee=name_of(target.mentee),
            again=turn.content.day_month((turn.now + again_after).date()),
        )
    )


def _noticed(turn: Turn, signals: list[pairs_at_risk.Signal]) -> Text:
    """What the coordinator noticed, in words for the pair. A request to talk was one person's
    private answer, so it is never named to both: the pair hears the general words instead."""
    for signal in signals:
        if signal.key == "stalled":
            return turn.text(
                "coordinator_actions.nudge.noticed.stalled",
                stage=signal.params["stage"],
                count=signal.params["days"],
            )
        if signal.key in ("missed", "unreported"):
            return turn.text(
                f"coordinator_actions.nudge.noticed.{signal.key}", number=signal.params["number"]
            )
        if signal.key.startswith("nudge."):
            return turn.text(f"coordinator_actions.nudge.noticed.{signal.key.split('.', 1)[1]}")
    return turn.text("coordinator_actions.nudge.noticed.general")


def rematch(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    """The Rematch button: end the pair without fault (the dissolve path) and put both back in
    the programme's pool; the next `match` pairs each with someone else, never each other."""
    target = _locked(turn, pair_numbered(turn, parsed.args[0]))
    stage = Stage(target.stage)
    programme = typed(target.programme.name)
    if stage in TERMINAL:
        raise Refusal(
            turn.text(
                "coordinator_actions.rematch.ended",
                pair_id=target.id,
                stage=stage_name(turn, stage),
                programme=programme,
            )
        )
    if stage is Stage.WRAP_UP:
        raise Refusal(
            turn.text(
                "coordinator_actions.rematch.wrapping_up", pair_id=target.id, programme=programme
            )
        )
    dissolve(
        turn,
        target,
        actor=person,
        reason=str(turn.text("coordinator.reasons.rematched")),
        pair_note=turn.text("coordinator_actions.rematch.pair_note", programme=programme),
        tell_coordinators=False,  # the others here; the one who pressed it has the answer
    )
    people: dict[str, Any] = {
        "pair_id": target.id,
        "programme": programme,
        "mentor": name_of(target.mentor),
        "mentee": name_of(target.mentee),
    }
    note = Reply(
        text=turn.text("coordinator_actions.rematch.coordinator", actor=name_of(person), **people)
    )
    for other in rights.coordinators_of(turn.session, turn.tenant.id):
        if other.id != person.id and other.forgotten_at is None:
            turn.to_person(other, note)
    return Reply(text=turn.text("coordinator_actions.rematch.done", **people))


def _locked(turn: Turn, pair: Pair) -> Pair:
    """The pair again, row-locked (PostgreSQL): two coordinators pressing at the same moment
    take turns, and the second sees what the first did."""
    locked = turn.session.get(Pair, pair.id, with_for_update=True, populate_existing=True)
    return locked or pair


def pause_pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    pausing.pause(turn, target, actor=person)
    note = Reply(text=turn.text("coordinator.pause.pair_note", name=name_of(person)))
    turn.to_pair(target, note)
    return Reply(text=turn.text("coordinator.pause.done", pair_id=target.id))


def resume_pair(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    # The lifecycle's resume also replans an active pair's sessions that fell inside the pause.
    stage = pausing.resume(turn, target, actor=person)
    turn.to_pair(
        target,
        Reply(
            text=turn.text(
                "coordinator.resume.pair_note",
                name=name_of(person),
                stage=turn.text(f"lifecycle.stage.{stage.value}"),
            )
        ),
    )
    return Reply(
        text=turn.text("coordinator.resume.done", pair_id=target.id, stage=stage_name(turn, stage))
    )


def end(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    target = pair_numbered(turn, parsed.args[0])
    stage = Stage(target.stage)
    if stage is Stage.PAUSED and target.paused_from == Stage.ACTIVE.value:
        # A pair that met deserves its evaluation and its parked items, paused or not.
        pausing.resume(turn, target, actor=person)
        stage = Stage.ACTIVE
    reason = str(turn.text("coordinator.reasons.ended"))
    if stage is Stage.ACTIVE:
        wrap_up.start(turn, target, trigger=Trigger.ENDED_EARLY, actor=person, reason=reason)
        return Reply(text=turn.text("coordinator.end.evaluating", pair_id=target.id))
    if stage is Stage.WRAP_UP:
        wrap_up.close_without_evaluations(turn, target, actor=person)
        return Reply(text=turn.text("coordinator.end.closed", pair_id=target.id))
    if stage in (*MIDDLE, Stage.PAUSED):
        dissolve(turn, target, actor=person, reason=reason)
        return Reply(text=turn.text("coordinator.end.dissolved", pair_id=target.id))
    raise Refusal(
        turn.text(
            "coordinator.end.nothing_to_end",
            pair_id=target.id,
            stage=turn.text(f"lifecycle.stage.{stage.value}"),
        )
    )
