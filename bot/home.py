"""A person's dashboard, as sections: Slack's Home tab and the Teams card render it.

A participant sees each live pair: partner, roles, stage, next session, open goals and actions,
parked items, and the button for whatever is theirs to do now. A coordinator also sees each
programme's pairs per stage and the pairs at risk, each with the signal behind it in words and
buttons to pause, resume or end it. No one's private check-in or evaluation answers are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.sql.expression import ScalarSelect

from bot import routes, wire
from bot.commands.lookup import live_pairs_of
from bot.lifecycle import chemistry, contracting, intro, planning, sessions, wrap_up
from bot.lifecycle.transition import kind_of, partner_of, role_of
from bot.replies import Button, Reply
from bot.stages import MIDDLE, TERMINAL, Stage
from bot.text import Text, typed
from bot.turn import Turn
from storage.models import (
    ActionItem,
    Answer,
    CheckIn,
    Enrolment,
    Evaluation,
    Goal,
    MentoringSession,
    NudgeSent,
    Pair,
    ParkedItem,
    Person,
    Programme,
)

STALLED_AFTER = timedelta(days=21)
NUDGE_WINDOW = timedelta(days=45)
ESCALATED = 2  # the nudge level at which a rule speaks to the coordinator
MAX_AT_RISK = 20  # pairs listed per programme; the rest are counted
MAX_ITEMS = 10  # goals, actions or parked items listed per pair
# Active pairs stay in their stage for months by design; their stall shows as missed sessions
# and escalated nudges instead, so only the stages a pair should pass through are timed.
TIMED_STAGES = (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.WRAP_UP, Stage.PAUSED)
NUDGE_WORDS = ("mentor_leading", "steam", "waiting")


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
    role = role_of(pair, person)
    partner = partner_of(pair, person)
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
            when = planning.describe_when(upcoming.planned_at, person)
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


@dataclass
class _AtRisk:
    pair: Pair
    signals: list[Text] = field(default_factory=list)


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
    at_risk = _at_risk(turn, viewer)
    sections = [Reply(text=heading)]
    for programme in programmes:
        risky = sorted(
            (r for r in at_risk if r.pair.programme_id == programme.id),
            key=lambda r: (-len(r.signals), r.pair.id),
        )
        sections.append(_programme_section(turn, programme, counts[programme.id], len(risky)))
        sections += [_at_risk_section(turn, r) for r in risky[:MAX_AT_RISK]]
        if len(risky) > MAX_AT_RISK:
            more = turn.text(
                "home.coordinator.more",
                count=len(risky) - MAX_AT_RISK,
                programme=typed(programme.name),
            )
            sections.append(Reply(text=more))
    return sections


def _programme_section(
    turn: Turn, programme: Programme, counts: dict[str, int], at_risk: int
) -> Reply:
    per_stage = [
        turn.text("home.coordinator.stage_count", count=counts[s.value], stage=_stage_name(turn, s))
        for s in Stage
        if counts.get(s.value)
    ]
    summary = Text.join(per_stage, ", ") if per_stage else turn.text("home.coordinator.no_pairs")
    lines = [
        turn.text(
            "home.coordinator.programme",
            programme=typed(programme.name),
            kind_name=turn.text("kinds.name", kind=programme.kind),
            counts=summary,
        )
    ]
    if at_risk == 1:
        lines.append(turn.text("home.coordinator.one_at_risk"))
    elif at_risk:
        lines.append(turn.text("home.coordinator.at_risk_heading", count=at_risk))
    elif sum(counts.get(s.value, 0) for s in Stage if s not in TERMINAL):
        lines.append(turn.text("home.coordinator.none_at_risk"))
    return Reply(text=Text.join(lines))


def _at_risk_section(turn: Turn, risk: _AtRisk) -> Reply:
    pair = risk.pair
    title = turn.text(
        "home.coordinator.pair",
        pair_id=pair.id,
        mentor=_name(pair.mentor),
        mentee=_name(pair.mentee),
        stage=_stage_name(turn, pair.stage),
    )
    lines = [title, *(Text.engine("- ") + signal for signal in risk.signals)]
    return Reply(text=Text.join(lines), buttons=_coordinator_buttons(turn, pair))


def _coordinator_buttons(turn: Turn, pair: Pair) -> tuple[Button, ...]:
    """Only the steps the coordinator commands would accept for the pair's stage."""
    stage = Stage(pair.stage)
    buttons: list[Button] = []
    if stage in MIDDLE:
        buttons.append(_button(turn, "pause", routes.COORDINATOR_PAUSE, pair))
    if stage is Stage.PAUSED:
        buttons.append(_button(turn, "resume", routes.COORDINATOR_RESUME, pair))
    if stage not in TERMINAL:
        buttons.append(_button(turn, "end", routes.COORDINATOR_END, pair))
    return tuple(buttons)


def _button(turn: Turn, label: str, action: str, pair: Pair) -> Button:
    return wire.button(turn.text(f"home.buttons.{label}", pair_id=pair.id), action, pair.id)


def _at_risk(turn: Turn, viewer: Person) -> list[_AtRisk]:
    """Every live pair of the tenant with at least one warning sign: four queries in all."""
    mentor, mentee = aliased(Person), aliased(Person)
    live = (
        select(Pair)
        .join(Pair.programme)
        .join(mentor, Pair.mentor)
        .join(mentee, Pair.mentee)
        .options(
            contains_eager(Pair.programme),
            contains_eager(Pair.mentor.of_type(mentor)),
            contains_eager(Pair.mentee.of_type(mentee)),
        )
        .where(
            Programme.tenant_id == turn.tenant.id,
            Pair.stage.not_in([s.value for s in TERMINAL]),
        )
        .order_by(Pair.id)
    )
    pairs = {pair.id: pair for pair in turn.session.scalars(live).unique()}
    if not pairs:
        return []
    live_ids = (
        select(Pair.id)
        .join(Programme, Pair.programme_id == Programme.id)
        .where(
            Programme.tenant_id == turn.tenant.id,
            Pair.stage.not_in([s.value for s in TERMINAL]),
        )
        .scalar_subquery()
    )
    signals: dict[int, list[Text]] = defaultdict(list)
    for pair in pairs.values():
        waited = turn.now - pair.stage_changed_at
        if Stage(pair.stage) in TIMED_STAGES and waited > STALLED_AFTER:
            stage = _stage_name(turn, pair.stage)
            signals[pair.id].append(
                turn.text("home.signals.stalled", stage=stage, days=waited.days)
            )
    _session_signals(turn, live_ids, signals)
    _nudge_signals(turn, viewer, live_ids, signals)
    _talk_signals(turn, viewer, live_ids, pairs, signals)
    return [_AtRisk(pair=pairs[pid], signals=found) for pid, found in signals.items() if found]


def _session_signals(
    turn: Turn, live_ids: ScalarSelect[int], signals: dict[int, list[Text]]
) -> None:
    """The latest session the pair has an outcome for did not happen, or nobody said."""
    latest: dict[int, tuple[int, str]] = {}
    for pair_id, number, status in turn.session.execute(
        select(MentoringSession.pair_id, MentoringSession.number, MentoringSession.status).where(
            MentoringSession.pair_id.in_(live_ids),
            MentoringSession.status != "planned",
        )
    ):
        if pair_id not in latest or number > latest[pair_id][0]:
            latest[pair_id] = (number, status)
    for pair_id, (number, status) in sorted(latest.items()):
        if status in ("missed", "unreported"):
            signals[pair_id].append(turn.text(f"home.signals.{status}", number=number))


def _nudge_signals(
    turn: Turn, viewer: Person, live_ids: ScalarSelect[int], signals: dict[int, list[Text]]
) -> None:
    """Nudges a rule escalated to the coordinator recently, newest of each kind per pair."""
    for pair_id, nudge, sent_at in turn.session.execute(
        select(NudgeSent.pair_id, NudgeSent.nudge, func.max(NudgeSent.sent_at))
        .where(
            NudgeSent.pair_id.in_(live_ids),
            NudgeSent.level >= ESCALATED,
            NudgeSent.sent_at >= turn.now - NUDGE_WINDOW,
        )
        .group_by(NudgeSent.pair_id, NudgeSent.nudge)
        .order_by(NudgeSent.pair_id, NudgeSent.nudge)
    ):
        key = nudge if nudge in NUDGE_WORDS else "other"
        on = _local_day(_as_utc(sent_at), viewer)
        signals[pair_id].append(turn.text(f"home.signals.nudge.{key}", on=on))


def _talk_signals(
    turn: Turn,
    viewer: Person,
    live_ids: ScalarSelect[int],
    pairs: dict[int, Pair],
    signals: dict[int, list[Text]],
) -> None:
    """A chemistry "talk to the coordinator" answer, meant for the coordinators to act on.

    A coordinator who is in the pair themselves is not shown their partner's answer.
    """
    for pair_id, person_id in turn.session.execute(
        select(Answer.pair_id, Answer.person_id)
        .where(
            Answer.pair_id.in_(live_ids),
            Answer.gate == "chemistry",
            Answer.answer == chemistry.TALK,
        )
        .order_by(Answer.pair_id, Answer.person_id)
    ):
        pair = pairs.get(pair_id)
        if pair is None or viewer.id in (pair.mentor_id, pair.mentee_id):
            continue
        who = pair.mentor if person_id == pair.mentor_id else pair.mentee
        signals[pair_id].append(turn.text("home.signals.talk", person=_name(who)))


def _as_utc(moment: datetime) -> datetime:
    # max() keeps the column's type, but a driver may still hand back a naive UTC value.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _local_day(moment: datetime, person: Person) -> str:
    return f"{moment.astimezone(planning.zone(person)):%d %b}"
