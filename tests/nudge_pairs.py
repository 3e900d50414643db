"""Active pairs for nudge tests, built the way coordinators and participants build them.

Every step goes through the real engine (commands, buttons, the contract form), so a nudge test
starts from the same stored state production would have. Maya is always the mentor and Sam
the mentee; Hana is the coordinator. Who is senior depends on the kind, as in real programmes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flow import Flow
from sqlalchemy import select

from bot.nudges.facts import PairFacts
from bot.nudges.gather import facts_for
from bot.turn import Turn
from storage.models import MentoringSession, NudgeSent, Pair, Programme, Tenant

MENTOR, MENTEE, COORDINATOR = "maya", "sam", "hana"
# After the planned start of a session, the check-in is asked once the session has ended.
AFTER_SESSION = timedelta(hours=2)


def active_pair(
    flow: Flow,
    *,
    kind: str = "reverse",
    sessions: int = 6,
    cadence: str = "monthly",
    swap_after: int | None = None,
    programme: str = "Pilot",
) -> int:
    """Create a programme, pair Maya with Sam, pass intro and chemistry, agree the contract."""

    def ok(who: str, command: str) -> None:
        outcome = flow.command(who, command)
        assert outcome.changed, outcome.answer.text if outcome.answer else command

    ok(
        COORDINATOR,
        f'programme create "{programme}" --kind {kind} --sessions {sessions} --cadence {cadence}',
    )
    # Reverse: the mentor is the junior colleague; every other kind: the senior one.
    mentor_level, mentee_level = (2, 8) if kind == "reverse" else (8, 2)
    for who, role, level, name, team in (
        (MENTOR, "mentor", mentor_level, "Maya", "Support"),
        (MENTEE, "mentee", mentee_level, "Sam", "Board"),
    ):
        ok(
            COORDINATOR,
            f'enrol {who} --programme "{programme}" --role {role} --level {level} '
            f"--name {name} --team {team}",
        )
        flow.answer_invitation(who)  # they accept, as they would (bot.consent)
    ok(COORDINATOR, f'pair {MENTOR} {MENTEE} --programme "{programme}" --reason "a test pair"')
    for gate in ("intro", "chemistry"):
        for who in (MENTOR, MENTEE):
            flow.press_button(who, gate)
    value = flow.form_value(MENTOR, "contract")
    pair_id = int(value.split(":")[1])
    form = flow.press(MENTOR, "open_form", value).answer.form
    assert form is not None
    values = {f.name: f.initial or "" for f in form.fields}
    values.update(
        mentor_goals="Lead a session with confidence",
        mentee_goals="Understand the app",
        mentor_motivation="Visibility",
        medium="video",
        destination="Head of product",
    )
    if swap_after is not None:
        values["swap_after_session"] = str(swap_after)
    outcome = flow.submit(MENTOR, "contract", str(pair_id), **values)
    assert not outcome.field_errors, outcome.field_errors
    for who in (MENTOR, MENTEE):
        flow.press_button(who, "contract")
    with flow.db.transaction() as db:
        assert db.get(Pair, pair_id).stage == "active"  # type: ignore[union-attr]
    return pair_id


def session_row(flow: Flow, pair_id: int, number: int) -> tuple[int, datetime]:
    """The stored id and planned start of session `number`."""
    with flow.db.transaction() as db:
        session = db.scalar(
            select(MentoringSession).where(
                MentoringSession.pair_id == pair_id, MentoringSession.number == number
            )
        )
        assert session is not None, f"pair {pair_id} has no session {number}"
        return session.id, session.planned_at


def at_least(flow: Flow, moment: datetime) -> None:
    """Move the clock to `moment` unless it is already later (time never runs backwards)."""
    if flow.clock.now() < moment:
        flow.clock.set(moment)


def check_in(flow: Flow, pair_id: int, number: int, who: str, **answers: str) -> None:
    """`who` answers the check-in for session `number`, just after the session ended."""
    session_id, planned_at = session_row(flow, pair_id, number)
    at_least(flow, planned_at + AFTER_SESSION)
    values = {"happened": "yes", **answers}
    outcome = flow.submit(who, "checkin", str(session_id), **values)
    # A nudge that fails to render rolls the whole check-in back: `changed` would be False.
    assert outcome.changed and not outcome.field_errors, (outcome.answer, outcome.field_errors)


def both_check_in(flow: Flow, pair_id: int, number: int, **answers: str) -> None:
    for who in (MENTOR, MENTEE):
        check_in(flow, pair_id, number, who, **answers)


def sweep(flow: Flow) -> None:
    """One scheduler pass at the current moment, then delivery."""
    flow.engine.sweep()
    flow.deliver()


def nudges_sent(flow: Flow, pair_id: int) -> list[tuple[str, int, int]]:
    """(nudge, level, about) of every stored rule nudge, oldest first."""
    with flow.db.transaction() as db:
        rows = db.execute(
            select(NudgeSent.nudge, NudgeSent.level, NudgeSent.about)
            .where(
                NudgeSent.pair_id == pair_id, NudgeSent.nudge.not_in(("manual", "midpoint_review"))
            )
            .order_by(NudgeSent.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def facts_of(flow: Flow, pair_id: int) -> PairFacts:
    """What the nudge rules would see for this pair right now."""
    with flow.db.transaction() as db:
        pair = db.get(Pair, pair_id)
        assert pair is not None
        programme = db.get(Programme, pair.programme_id)
        tenant = db.get(Tenant, programme.tenant_id)  # type: ignore[union-attr]
        turn = Turn(session=db, now=flow.clock.now(), content=flow.engine.content, tenant=tenant)  # type: ignore[arg-type]
        return facts_for(turn, pair)
