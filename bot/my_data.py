"""`my-data`: everything Tandem stores about the person asking, sent to them alone.

Collected by reference, like erasure (bot.privacy): rows with their id, their pairs, and the
stored messages addressed to them or quoting them. What belongs to their partner alone (the
partner's check-ins, evaluation and private notes) is not theirs and is left out.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from bot.replies import File, Reply
from bot.text import Text, compose, typed
from bot.turn import Turn
from storage.models import (
    ActionItem,
    Answer,
    CheckIn,
    Contract,
    Enrolment,
    Evaluation,
    Goal,
    MentoringSession,
    OutboxMessage,
    Pair,
    ParkedItem,
    Person,
    Programme,
    Waypoint,
)

Section = list[dict[str, Any]]


def collect(turn: Turn, person: Person) -> dict[str, Section]:
    """Every section, titled in the workspace's language (my_data.sections.<id>)."""
    return {
        str(turn.text(f"my_data.sections.{key}")): rows
        for key, rows in _sections(turn, person).items()
    }


def _sections(turn: Turn, person: Person) -> dict[str, Section]:
    db = turn.session
    pairs = list(
        db.scalars(
            select(Pair)
            .where(or_(Pair.mentor_id == person.id, Pair.mentee_id == person.id))
            .order_by(Pair.id)
        )
    )
    pair_ids = [pair.id for pair in pairs]
    session_ids = select(MentoringSession.id).where(MentoringSession.pair_id.in_(pair_ids))
    data: dict[str, Section] = {
        "you": [
            _row(
                person,
                "platform_user_id",
                "display_name",
                "timezone",
                "work_start_hour",
                "work_end_hour",
                "work_days",
                "away_until",
                "team",
                "is_coordinator",
                "created_at",
            )
        ],
        "enrolments": [
            {
                "programme": programme,
                **_row(
                    e,
                    "role",
                    "seniority",
                    "topics_offered",
                    "topics_wanted",
                    "capacity",
                    "consent_at",
                    "created_at",
                ),
            }
            for e, programme in db.execute(
                select(Enrolment, Programme.name)
                .join(Programme, Programme.id == Enrolment.programme_id)
                .where(Enrolment.person_id == person.id)
                .order_by(Enrolment.id)
            )
        ],
        "pairs": [
            {
                "pair": pair.id,
                "programme": pair.programme.name,
                "role": "mentor" if pair.mentor_id == person.id else "mentee",
                "stage": pair.stage,
                "created_at": pair.created_at,
            }
            for pair in pairs
        ],
        "answers": [
            _row(a, "pair_id", "gate", "answer", "at")
            for a in db.scalars(select(Answer).where(Answer.person_id == person.id))
        ],
        "contracts": [
            _row(
                c,
                "pair_id",
                "version",
                "sessions",
                "cadence",
                "start_date",
                "end_date",
                "mentor_goals",
                "mentee_goals",
                "mentor_motivation",
                "waits_until_end",
                "confidentiality",
                "destination",
            )
            for c in db.scalars(
                select(Contract).where(Contract.pair_id.in_(pair_ids)).order_by(Contract.id)
            )
        ],
        "check_ins": [
            _row(
                c,
                "happened",
                "agenda_set_by",
                "challenge",
                "breadth",
                "jumped_to_solutions",
                "career_talk",
                "goals_moved",
                "note",
                "submitted_at",
            )
            for c in db.scalars(
                select(CheckIn)
                .where(CheckIn.person_id == person.id, CheckIn.session_id.in_(session_ids))
                .order_by(CheckIn.id)
            )
        ],
        "goals": [
            _row(g, "pair_id", "text", "status", "created_at")
            for g in db.scalars(select(Goal).where(Goal.owner_id == person.id).order_by(Goal.id))
        ],
        "actions": [
            _row(a, "pair_id", "text", "status", "created_at")
            for a in db.scalars(
                select(ActionItem).where(ActionItem.owner_id == person.id).order_by(ActionItem.id)
            )
        ],
        "parked": [
            _row(p, "pair_id", "topic", "note", "raised_at", "handed_back_at")
            for p in db.scalars(
                select(ParkedItem).where(ParkedItem.pair_id.in_(pair_ids)).order_by(ParkedItem.id)
            )
        ],
        "waypoints": [
            _row(w, "pair_id", "text", "created_at", "reached_at")
            for w in db.scalars(
                select(Waypoint).where(Waypoint.pair_id.in_(pair_ids)).order_by(Waypoint.id)
            )
        ],
        "evaluations": [
            _row(
                e,
                "pair_id",
                "goals_met",
                "what_worked",
                "what_to_change",
                "take_back",
                "continue_as",
                "submitted_at",
            )
            for e in db.scalars(select(Evaluation).where(Evaluation.person_id == person.id))
        ],
        "messages": [
            {
                "at": m.created_at,
                "delivered": m.delivered_at is not None,
                "text": str(m.payload.get("text", "")),
            }
            for m in db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.person_id == person.id)
                .order_by(OutboxMessage.id)
            )
        ],
    }
    return data


def reply(turn: Turn, person: Person) -> Reply:
    """The export as text (read anywhere) and as a JSON file (kept, where files go)."""
    data = collect(turn, person)
    lines: list[str] = [turn.text("my_data.heading")]
    for title, items in data.items():
        lines.append("")
        lines.append(
            turn.text("my_data.title" if items else "my_data.title_empty", title=Text.engine(title))
        )
        for item in items:
            lines.append(
                Text.engine("- ")
                + Text.join(
                    (
                        compose("{key}: {value}", key=Text.engine(key), value=_shown(v, person))
                        for key, v in item.items()
                    ),
                    "; ",
                )
            )
    document = json.dumps(data, default=_json, ensure_ascii=False, indent=2).encode()
    return Reply(
        text=Text.join(lines),
        files=(File(name="tandem-my-data.json", media_type="application/json", data=document),),
    )


def _shown(value: Any, person: Person) -> Text:
    if value is None or value == "" or value == []:
        return Text.engine("-")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return typed(_json(value) if isinstance(value, date) else value, person_id=person.id)


def _row(obj: object, *names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)
