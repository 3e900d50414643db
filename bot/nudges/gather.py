"""Building a pair's facts from storage: the only nudge code that touches the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.identity import name_of
from bot.lifecycle import contracting
from bot.lifecycle.transition import kind_of
from bot.nudges.facts import CheckInFacts, PairFacts, SessionFacts
from bot.programmes import Cadence, typical_gap
from bot.turn import Turn
from storage.models import ActionItem, CheckIn, Goal, MentoringSession, NudgeSent, Pair


def facts_for(turn: Turn, pair: Pair) -> PairFacts:
    contract = contracting.agreed(turn, pair)
    sessions = turn.session.scalars(
        select(MentoringSession)
        .where(MentoringSession.pair_id == pair.id)
        .order_by(MentoringSession.number)
    ).all()
    checkins = turn.session.scalars(
        select(CheckIn).where(CheckIn.session_id.in_([s.id for s in sessions])).order_by(CheckIn.id)
    ).all()
    actions = turn.session.scalars(select(ActionItem).where(ActionItem.pair_id == pair.id)).all()
    goals_met = turn.session.scalars(
        select(Goal.updated_at).where(Goal.pair_id == pair.id, Goal.status == "met")
    ).all()
    sent = turn.session.execute(
        select(NudgeSent.nudge, NudgeSent.level, NudgeSent.about, NudgeSent.sent_at).where(
            NudgeSent.pair_id == pair.id
        )
    ).all()
    role_by_person = {pair.mentor_id: "mentor", pair.mentee_id: "mentee"}

    def leader_role(session: MentoringSession) -> str | None:
        return role_by_person.get(session.leader_id) if session.leader_id else None

    built = []
    previous_at = None
    for session in sessions:
        mine = [c for c in checkins if c.session_id == session.id]
        end = session.resolved_at or turn.now
        built.append(
            SessionFacts(
                number=session.number,
                planned_at=session.planned_at,
                status=session.status,
                leader_role=leader_role(session),
                checkins=tuple(
                    CheckInFacts(
                        by_role=role_by_person.get(c.person_id, "mentor"),
                        happened=c.happened,
                        agenda_set_by=c.agenda_set_by,
                        challenge=c.challenge,
                        breadth=c.breadth,
                        # The check-in records whether the *senior* jumped to solutions.
                        senior_jumped=c.jumped_to_solutions,
                        career_talk=c.career_talk,
                        goals_moved=c.goals_moved,
                    )
                    for c in mine
                ),
                # Agreed in this session's check-ins, or added with `actions add` since the last.
                actions_agreed=sum(
                    1
                    for a in actions
                    if a.session_id == session.id
                    or (a.session_id is None and _between(a.created_at, previous_at, end))
                ),
                actions_done=sum(1 for a in actions if _between(a.done_at, previous_at, end)),
                goals_met=sum(1 for at in goals_met if _between(at, previous_at, end)),
            )
        )
        previous_at = session.resolved_at or previous_at
    return PairFacts(
        pair_id=pair.id,
        kind=kind_of(pair),
        now=turn.now,
        # Names as typed spans (a Text is a str): nudge texts keep them typed, by person.
        mentor=name_of(pair.mentor),
        mentee=name_of(pair.mentee),
        programme=pair.programme.name,
        gap=typical_gap(Cadence(contract.cadence)) if contract else typical_gap(Cadence.MONTHLY),
        sessions=tuple(built),
        swap_after_session=contract.swap_after_session if contract else None,
        sent=tuple((row.nudge, row.level, row.about, row.sent_at) for row in sent),
    )


def _between(moment: datetime | None, after: datetime | None, until: datetime) -> bool:
    """In (after, until]: what happened since the previous session resolved, up to this one."""
    return moment is not None and (after is None or moment > after) and moment <= until
