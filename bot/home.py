"""A person's dashboard, as sections: Slack's Home tab and the Teams card render it.

A participant sees each live pair: partner, roles, stage, next session, open goals and actions,
parked items, and the button for whatever is theirs to do now. A coordinator also sees each
programme's pairs per stage, its sessions held against contracted, and the pairs at risk
(bot.pairs_at_risk), each with the signal behind it in words and buttons to nudge, pause or
resume, end or rematch it. No one's private check-in or evaluation answers are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import exists, func, select

from bot import pairs_at_risk, programme_stages, wire
from bot.commands.lookup import live_pairs_of
from bot.lifecycle import chemistry, contracting, intro, planning, sessions, wrap_up
from bot.lifecycle.transition import kind_of, partner_of, role_of
from bot.replies import Button, Reply
from bot.stages import TERMINAL, Stage
from bot.text import Text, typed
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
    Pair,
    ParkedItem,
    Person,
    Programme,
)

MAX_AT_RISK = 20  # pairs listed per programme; the rest are counted
MAX_ITEMS = 10  # goals, actions or parked items listed per pair


def build(turn: Turn, person: Person) -> tuple[Reply, ...]:
    """Each section is a Reply (text and buttons); the first is the heading."""
    sections = [Reply(text=turn.text("home.heading", name=_name(person)))]
    pairs = live_pairs_of(turn, person)
    sections += [_pair_section(turn, person, pair) for pair in pairs]
    if not pairs and not person.is_coordinator:
        sections.append(_no_pair(turn, person))
    if person.is_coordinator:
        sections += _coordinator_sections(turn, person)
    return tuple(sections)


# -- a participant ------------------------------------------------------------------------------


def _name(person: Person) -> Text:
    return typed(person.display_name, person_id=person.id)


def _stage_name(turn: Turn, stage: str) -> Text:
    return turn.text(f"home.stage_names.{stage}")


def _no_pair(turn: Turn, person: Person) -> Reply:
    names = turn.session.scalars(
        select(Programme.name)
        .join(Enrolment, Enrolment.programme_id == Programme.id)
        .where(Enrolment.person_id == person.id)
        .order_by(Programme.name)
    ).all()
    if not names:
        return Reply(text=turn.text("home.no_pair.not_enrolled"))
    programmes = Text.join([typed(name) for name in names], ", ")
    return Reply(text=turn.text("home.no_pair.enrolled", programmes=programmes))


def _pair_section(turn: Turn, person: Person, pair: Pair) -> Reply:
    kind = kind_of(pair)
    role = role_of(pair, person, turn.content)
    partner = partner_of(pair, person, turn.content)
    partner_role = "mentee" if role == "mentor" else "mentor"
    stage = Stage(pair.stage)
    lines: list[str] = [
        turn.text("home.pair.title", programme=typed(pair.programme.name), pair_id=pair.id),
        turn.text(
            "home.pair.roles",
            own_role=turn.text(f"roles.{role}", kind=kind),
            partner=_name(partner),
            partner_role=turn.text(f"roles.{partner_role}", kind=kind),
        ),
    ]
    if stage is Stage.PAUSED:
        was = _stage_name(turn, pair.paused_from or Stage.ACTIVE.value)
        lines.append(turn.text("home.stage_now.paused", stage=was))
    else:
        lines.append(turn.text(f"home.stage_now.{stage.value}"))
    if stage is Stage.ACTIVE:
        upcoming = next(iter(planning.sessions_ahead(turn, pair)), None)
        if upcoming is not None:
            when = planning.describe_when(upcoming.planned_at, person, turn.content)
            lines.append(turn.text("home.pair.next_session", number=upcoming.number, when=when))
    names = {pair.mentor_id: _name(pair.mentor), pair.mentee_id: _name(pair.mentee)}
    goals = turn.session.scalars(
        select(Goal).where(Goal.pair_id == pair.id, Goal.status == "open").order_by(Goal.id)
    ).all()
    actions = turn.session.scalars(
        select(ActionItem)
        .where(ActionItem.pair_id == pair.id, ActionItem.status == "open")
        .order_by(ActionItem.id)
    ).all()
    for heading, items in (("goals_heading", goals), ("actions_heading", actions)):
        if items:
            lines += ["", turn.text(f"home.pair.{heading}")]
            lines += _listed(
                turn,
                [
                    turn.text(
                        "home.pair.item",
                        text=typed(item.text, person_id=item.owner_id),
                        owner=names.get(item.owner_id, typed("?")),
                    )
                    for item in items
                ],
            )
    lines += _parked(turn, pair)
    return Reply(text=Text.join(lines), buttons=_participant_buttons(turn, person, pair))


def _parked(turn: Turn, pair: Pair) -> list[str]:
    parked = turn.session.scalars(
        select(ParkedItem).where(ParkedItem.pair_id == pair.id).order_by(ParkedItem.id)
    ).all()
    lines: list[str] = []
    for heading, items in (
        ("parked_heading", [p for p in parked if p.handed_back_at is None]),
        ("parked_back_heading", [p for p in parked if p.handed_back_at is not None]),
    ):
        if items:
            lines += ["", turn.text(f"home.pair.{heading}")]
            lines += _listed(
                turn,
                [
                    turn.text(
                        "home.pair.parked_item",
                        topic=turn.text(f"nudges.park_it.topics.{item.topic}"),
                        note=typed(item.note),
                    )
                    for item in items
                ],
            )
    return lines


def _listed(turn: Turn, lines: Sequence[str], limit: int = MAX_ITEMS) -> list[str]:
    shown = list(lines[:limit])
    if len(lines) > limit:
        shown.append(turn.text("home.more", count=len(lines) - limit))
    return shown


def _participant_buttons(turn: Turn, person: Person, pair: Pair) -> tuple[Button, ...]:
    """The button for what is this person's to do now, the same one the lifecycle sent."""
    stage = Stage(pair.stage)
    if stage in (Stage.PROPOSED, Stage.CHEMISTRY):
        gate = "intro" if stage is Stage.PROPOSED else "chemistry"
        answered = turn.session.scalar(
            select(Answer.id).where(
                Answer.pair_id == pair.id, Answer.person_id == person.id, Answer.gate == gate
            )
        )
        if answered is not None:
            return ()
        if stage is Stage.PROPOSED:
            return intro.answer_buttons(turn, pair)
        return chemistry.ask(turn, pair, person).buttons
    if stage is Stage.CONTRACTING:
        latest = contracting.current(turn, pair)
        if latest is None:
            return (contracting.open_button(turn, pair),)
        confirmed = (
            latest.mentor_confirmed_at
            if person.id == pair.mentor_id
            else latest.mentee_confirmed_at
        )
        if confirmed is not None:
            return ()
        proposer = pair.mentor if latest.proposed_by_id == pair.mentor_id else pair.mentee
        return contracting.posted(turn, pair, latest, proposer).buttons
    if stage is Stage.ACTIVE:
        session = _open_checkin(turn, person, pair)
        if session is None:
            return ()
        return (
            wire.button(
                turn.text("sessions.checkin_button"),
                contracting.OPEN_FORM,
                sessions.FORM_ID,
                session.id,
                primary=True,
            ),
        )
    if stage is Stage.WRAP_UP:
        evaluated = turn.session.scalar(
            select(Evaluation.id).where(
                Evaluation.pair_id == pair.id, Evaluation.person_id == person.id
            )
        )
        return () if evaluated is not None else (wrap_up.evaluation_button(turn, pair),)
    return ()


def _open_checkin(turn: Turn, person: Person, pair: Pair) -> MentoringSession | None:
    """The latest session whose check-in went out and that this person has not answered."""
    return turn.session.scalar(
        select(MentoringSession)
        .where(
            MentoringSession.pair_id == pair.id,
            MentoringSession.checkin_sent_at.is_not(None),
            MentoringSession.planned_at <= turn.now,
            MentoringSession.status != "unreported",
            ~exists().where(
                CheckIn.session_id == MentoringSession.id, CheckIn.person_id == person.id
            ),
        )
        .order_by(MentoringSession.number.desc())
        .limit(1)
    )


# -- a coordinator ------------------------------------------------------------------------------


def _coordinator_sections(turn: Turn, viewer: Person) -> list[Reply]:
    """Programme health in a fixed number of queries, however many pairs there are."""
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.name)
    ).all()
    heading = turn.text("home.coordinator.heading")
    if not programmes:
        return [Reply(text=Text.join([heading, turn.text("home.coordinator.no_programmes")]))]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for programme_id, stage, n in turn.session.execute(
        select(Pair.programme_id, Pair.stage, func.count())
        .join(Programme, Pair.programme_id == Programme.id)
        .where(Programme.tenant_id == turn.tenant.id)
        .group_by(Pair.programme_id, Pair.stage)
    ):
        counts[programme_id][stage] = n
    sessions = _sessions_per_programme(turn)
    at_risk = pairs_at_risk.at_risk(turn, viewer)
    sections = [Reply(text=heading)]
    for programme in programmes:
        risky = sorted(
            (r for r in at_risk if r.pair.programme_id == programme.id),
            key=pairs_at_risk.worst_first,
        )
        sections.append(
            _programme_section(
                turn, programme, counts[programme.id], sessions.get(programme.id), len(risky)
            )
        )
        sections += [
            Reply(
                text=Text.join(pairs_at_risk.at_risk_lines(turn, r)),
                buttons=pairs_at_risk.pair_buttons(turn, r),
            )
            for r in risky[:MAX_AT_RISK]
        ]
        if len(risky) > MAX_AT_RISK:
            more = turn.text(
                "home.coordinator.more",
                count=len(risky) - MAX_AT_RISK,
                programme=typed(programme.name),
            )
            sections.append(Reply(text=more))
    return sections


def _sessions_per_programme(turn: Turn) -> dict[int, tuple[int, int]]:
    """(sessions held, sessions contracted) of each programme's live pairs, in one query."""
    held = (
        select(func.count())
        .where(MentoringSession.pair_id == Pair.id, MentoringSession.status == "held")
        .correlate(Pair)
        .scalar_subquery()
    )
    found: dict[int, tuple[int, int]] = {}
    for programme_id, n_held, n_contracted in turn.session.execute(
        select(Pair.programme_id, func.sum(held), func.sum(Contract.sessions))
        .join(Programme, Pair.programme_id == Programme.id)
        .join(Contract, (Contract.pair_id == Pair.id) & Contract.superseded_at.is_(None))
        .where(
            Programme.tenant_id == turn.tenant.id,
            Pair.stage.not_in([s.value for s in TERMINAL]),
        )
        .group_by(Pair.programme_id)
    ):
        found[programme_id] = (int(n_held or 0), int(n_contracted or 0))
    return found


def _programme_section(
    turn: Turn,
    programme: Programme,
    counts: dict[str, int],
    sessions: tuple[int, int] | None,
    at_risk: int,
) -> Reply:
    lines = [
        turn.text(
            "home.coordinator.programme",
            programme=typed(programme.name),
            kind_name=turn.text("kinds.name", kind=programme.kind),
            counts=programme_stages.stage_summary(turn, counts),
        )
    ]
    if sessions is not None:
        held, contracted = sessions
        lines.append(
            turn.text(
                "reports.health.held_of_contracted",
                count=held,
                contracted=turn.content.number(contracted),
            )
        )
    if at_risk:
        lines.append(pairs_at_risk.at_risk_heading(turn, at_risk))
    elif sum(counts.get(s.value, 0) for s in Stage if s not in TERMINAL):
        lines.append(turn.text("home.coordinator.none_at_risk"))
    return Reply(text=Text.join(lines))
