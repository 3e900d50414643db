"""Building a pair's facts from storage: the only nudge code that touches the database."""

from __future__ import annotations

from sqlalchemy import select

from bot.lifecycle import contracting
from bot.lifecycle.transition import kind_of
from bot.nudges.facts import CheckInFacts, PairFacts, SessionFacts
from bot.programmes import Cadence, typical_gap
from bot.turn import Turn
from storage.models import ActionItem, CheckIn, MentoringSession, NudgeSent, Pair


def facts_for(turn: Turn, pair: Pair) -> PairFacts:
    contract = contracting.agreed(turn, pair)
    sessions = turn.session.scalars(
        select(MentoringSession).where(MentoringSession.pair_id == pair.id).order_by(MentoringSession.number)
    ).all()
    checkins = turn.session.scalars(
        select(CheckIn).where(CheckIn.session_id.in_([s.id for s in sessions])).order_by(CheckIn.id)
    ).all()
    actions = turn.session.scalars(select(ActionItem).where(ActionItem.pair_id == pair.id)).all()
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
                actions_agreed=sum(1 for a in actions if a.session_id == session.id),
                actions_done=sum(
                    1
                    for a in actions
                    if a.done_at is not None
                    and (previous_at is None or a.done_at > previous_at)
                    and a.done_at <= (session.resolved_at or turn.now)
                ),
            )
        )
        previous_at = session.resolved_at or previous_at
    return PairFacts(
        pair_id=pair.id,
        kind=kind_of(pair),
        now=turn.now,
        mentor=pair.mentor.display_name,
        mentee=pair.mentee.display_name,
        programme=pair.programme.name,
        gap=typical_gap(Cadence(contract.cadence)) if contract else typical_gap(Cadence.MONTHLY),
        sessions=tuple(built),
        swap_after_session=contract.swap_after_session if contract else None,
        sent=tuple((row.nudge, row.level, row.about, row.sent_at) for row in sent),
    )
