"""What people see when they ask how things stand: a participant's pair, a programme's health,
and the programme's evaluation in aggregate (never one person's private answers)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import mean
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload
from sqlalchemy.sql.expression import ScalarSelect

from bot import goals as tracking
from bot import waypoints, wire
from bot.identity import name_of
from bot.lifecycle import chemistry, planning
from bot.lifecycle.planning import describe_when
from bot.lifecycle.transition import partner_of, role_of
from bot.replies import Button, Reply
from bot.stages import MIDDLE, TERMINAL, Stage
from bot.text import Text, typed
from bot.turn import Turn
from storage.models import (
    Answer,
    Contract,
    Evaluation,
    MentoringSession,
    NudgeSent,
    Pair,
    ParkedItem,
    Person,
    Programme,
)

STAGE_ORDER = [s.value for s in Stage]
# The fewest people an aggregate of participants' answers may cover (DESIGN.md section 11).
K_ANONYMITY = 3
MIN_ANSWERS_FOR_TEXT = K_ANONYMITY


def my_pairs(turn: Turn, person: Person, pairs: list[Pair]) -> Text:
    if not pairs:
        reader = "coordinator" if person.is_coordinator else "participant"
        return turn.text(f"reports.my_pairs.none_{reader}")
    blocks = []
    for pair in pairs:
        lines: list[str] = [
            turn.text(
                f"reports.my_pairs.pair_as_{role_of(pair, person, turn.content)}",
                pair_id=pair.id,
                programme=typed(pair.programme.name),
                partner=name_of(partner_of(pair, person, turn.content)),
                stage=stage_name(turn, pair.stage),
            )
        ]
        upcoming = next(iter(planning.sessions_ahead(turn, pair)), None)
        if upcoming is not None:
            when = describe_when(upcoming.planned_at, person, turn.content)
            lines.append(
                turn.text("reports.my_pairs.next_session", number=upcoming.number, when=when)
            )
        open_goals = [g for g in tracking.goals_of(turn, pair) if g.status == "open"]
        open_actions = tracking.actions_of(turn, pair, open_only=True)
        if open_goals or open_actions:
            lines.append(
                turn.text(
                    "reports.my_pairs.open_work",
                    goals=turn.text("reports.my_pairs.open_goals", count=len(open_goals)),
                    actions=turn.text("reports.my_pairs.open_actions", count=len(open_actions)),
                )
            )
        lines += waypoints.status_lines(turn, pair)  # the route or the parked list, for both
        blocks.append(Text.join(lines))
    return Text.join(blocks, "\n\n")


def overview(turn: Turn) -> Text:
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.name)
    ).all()
    if not programmes:
        return turn.text("reports.overview.none")
    lines: list[str] = [turn.text("reports.overview.title")]
    for programme in programmes:
        counts = dict(_stage_counts(turn, programme))
        lines.append(
            turn.text(
                "reports.overview.programme",
                name=typed(programme.name),
                counts=stage_summary(turn, counts),
            )
        )
    lines.append(turn.text("reports.overview.hint"))
    return Text.join(lines)


def health(turn: Turn, programme: Programme, viewer: Person) -> Reply:
    """`status <programme>`: pairs per stage, sessions held against contracted, each live pair,
    then the pairs at risk with the signal behind each in words and the buttons to act on it.

    A fixed number of queries however many pairs (people, sessions, contracts and signals are
    read for all the live pairs at once): a coordinator's status must not cost a query per pair.
    """
    live = [p for p in _pairs(turn, programme, with_people=True) if Stage(p.stage) not in TERMINAL]
    ids = [pair.id for pair in live]
    sessions = _session_counts(turn, ids)
    contracted = _contracted(turn, ids)
    counts = dict(_stage_counts(turn, programme))
    lines: list[str] = [
        turn.text(
            "reports.health.title",
            programme=typed(programme.name),
            kind_name=turn.text("kinds.name", kind=programme.kind),
            counts=stage_summary(turn, counts),
        )
    ]
    if sum(contracted.values()):
        lines.append(
            turn.text(
                "reports.health.sessions",
                count=sum(sessions.get(i, (0, 0))[0] for i in ids),
                contracted=turn.content.number(sum(contracted.values())),
                missed=turn.content.number(sum(sessions.get(i, (0, 0))[1] for i in ids)),
            )
        )
    for pair in live:
        held, missed = sessions.get(pair.id, (0, 0))
        lines.append(
            turn.text(
                "reports.health.pair",
                pair_id=pair.id,
                mentor=name_of(pair.mentor),
                mentee=name_of(pair.mentee),
                stage=stage_name(turn, pair.stage),
                sessions=turn.text(
                    "reports.health.held_of",
                    count=held,
                    contracted=turn.content.number(contracted[pair.id]),
                    missed=turn.content.number(missed),
                )
                if pair.id in contracted
                else turn.text("reports.health.no_contract"),
            )
        )
    risky = sorted(at_risk(turn, viewer, programme_id=programme.id), key=worst_first)
    buttons: list[Button] = []
    if risky:
        lines += ["", at_risk_heading(turn, len(risky))]
        for risk in risky[:MAX_AT_RISK]:
            lines += at_risk_lines(turn, risk)
        for risk in risky[:MAX_WITH_BUTTONS]:
            buttons += pair_buttons(turn, risk)
        if len(risky) > MAX_WITH_BUTTONS:
            lines.append(turn.text("reports.health.buttons_for_first", count=MAX_WITH_BUTTONS))
    elif live:
        lines += ["", turn.text("home.coordinator.none_at_risk")]
    return Reply(text=Text.join(lines), buttons=tuple(buttons))


def stage_name(turn: Turn, stage: str) -> Text:
    return turn.text(f"home.stage_names.{stage}")


def stage_summary(turn: Turn, counts: dict[str, int]) -> Text:
    """The pairs per stage in the stages' order ("2 proposed, 1 active"), or "no pairs yet"."""
    per_stage = [
        turn.text("home.coordinator.stage_count", count=counts[s.value], stage=stage_name(turn, s))
        for s in Stage
        if counts.get(s.value)
    ]
    return Text.join(per_stage, ", ") if per_stage else turn.text("home.coordinator.no_pairs")


# -- pairs at risk (the Home tab and `status <programme>`) ------------------------------------

STALLED_AFTER = timedelta(days=21)
NUDGE_WINDOW = timedelta(days=45)
ESCALATED = 2  # the nudge level at which a rule speaks to the coordinator
MAX_AT_RISK = 20  # pairs listed per programme; the rest are counted
MAX_WITH_BUTTONS = 10  # pairs whose buttons `status` carries (4 each; a message holds ~48)
# Active pairs stay in their stage for months by design; their stall shows as missed sessions
# and escalated nudges instead, so only the stages a pair should pass through are timed.
TIMED_STAGES = (Stage.PROPOSED, Stage.CHEMISTRY, Stage.CONTRACTING, Stage.WRAP_UP, Stage.PAUSED)
NUDGE_WORDS = ("mentor_leading", "steam", "waiting")

# The coordinator's buttons on a pair at risk, run by bot.routes: nudge, pause or resume, end
# and rematch, the same steps as the commands, by the very functions behind them.
NUDGE = "coordinator.nudge"
PAUSE = "coordinator.pause"
RESUME = "coordinator.resume"
END = "coordinator.end"
REMATCH = "coordinator.rematch"
# A coordinator's check-in (the Nudge button) is stored as a nudge of its own, and a pair hears
# from a coordinator at most once in NUDGE_AGAIN_AFTER, by button or by a typed `nudge` note.
CHECK_IN = "coordinator_check_in"
COORDINATOR_NUDGES = (CHECK_IN, "manual")
NUDGE_AGAIN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Signal:
    """One warning sign: `key` says which (`stalled`, `missed`, `unreported`, `nudge.steam`,
    `nudge.mentor_leading`, `nudge.waiting`, `nudge.other`, `talk`), `text` says it in words."""

    key: str
    text: Text
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class AtRisk:
    pair: Pair
    signals: list[Signal] = field(default_factory=list)
    checked_in_at: datetime | None = None  # the latest coordinator nudge, inside the window


def worst_first(risk: AtRisk) -> tuple[int, int]:
    return (-len(risk.signals), risk.pair.id)


def at_risk_heading(turn: Turn, count: int) -> Text:
    if count == 1:
        return turn.text("home.coordinator.one_at_risk")
    return turn.text("home.coordinator.at_risk_heading", count=count)


def at_risk_lines(turn: Turn, risk: AtRisk) -> list[str]:
    """The pair, then each signal in words, then when a coordinator last checked in."""
    pair = risk.pair
    lines: list[str] = [
        turn.text(
            "home.coordinator.pair",
            pair_id=pair.id,
            mentor=name_of(pair.mentor),
            mentee=name_of(pair.mentee),
            stage=stage_name(turn, pair.stage),
        )
    ]
    lines += [Text.engine("- ") + signal.text for signal in risk.signals]
    if risk.checked_in_at is not None:
        lines.append(
            turn.text(
                "coordinator_actions.nudge.checked_in",
                on=turn.content.day_month(risk.checked_in_at.date()),
                again=turn.content.day_month((risk.checked_in_at + NUDGE_AGAIN_AFTER).date()),
            )
        )
    return lines


def pair_buttons(turn: Turn, risk: AtRisk) -> tuple[Button, ...]:
    """Only the steps the coordinator's commands would accept for the pair's stage now."""
    pair = risk.pair
    stage = Stage(pair.stage)
    buttons: list[Button] = []
    if stage not in TERMINAL and risk.checked_in_at is None:
        buttons.append(_button(turn, "coordinator_actions.buttons.nudge", NUDGE, pair))
    if stage in MIDDLE:
        buttons.append(_button(turn, "home.buttons.pause", PAUSE, pair))
    if stage is Stage.PAUSED:
        buttons.append(_button(turn, "home.buttons.resume", RESUME, pair))
    if stage not in TERMINAL:
        buttons.append(_button(turn, "home.buttons.end", END, pair))
    if stage in (*MIDDLE, Stage.PAUSED):
        buttons.append(_button(turn, "coordinator_actions.buttons.rematch", REMATCH, pair))
    return tuple(buttons)


def _button(turn: Turn, key: str, action: str, pair: Pair) -> Button:
    return wire.button(turn.text(key, pair_id=pair.id), action, pair.id)


def at_risk(
    turn: Turn, viewer: Person, *, programme_id: int | None = None, pair_id: int | None = None
) -> list[AtRisk]:
    """Every live pair of the tenant (or of one programme, or one pair) with at least one
    warning sign: four queries in all, however many pairs."""
    mentor, mentee = aliased(Person), aliased(Person)
    scope = [
        Programme.tenant_id == turn.tenant.id,
        Pair.stage.not_in([s.value for s in TERMINAL]),
    ]
    if programme_id is not None:
        scope.append(Pair.programme_id == programme_id)
    if pair_id is not None:
        scope.append(Pair.id == pair_id)
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
        .where(*scope)
        .order_by(Pair.id)
    )
    pairs = {pair.id: pair for pair in turn.session.scalars(live).unique()}
    if not pairs:
        return []
    live_ids = (
        select(Pair.id)
        .join(Programme, Pair.programme_id == Programme.id)
        .where(*scope)
        .scalar_subquery()
    )
    signals: dict[int, list[Signal]] = defaultdict(list)
    for pair in pairs.values():
        waited = turn.now - pair.stage_changed_at
        if Stage(pair.stage) in TIMED_STAGES and waited > STALLED_AFTER:
            params: dict[str, Any] = {"stage": stage_name(turn, pair.stage), "days": waited.days}
            text = turn.text("home.signals.stalled", **params)
            signals[pair.id].append(Signal("stalled", text, params))
    _session_signals(turn, live_ids, signals)
    checked_in = _nudge_signals(turn, viewer, live_ids, signals)
    _talk_signals(turn, viewer, live_ids, pairs, signals)
    return [
        AtRisk(pair=pairs[pid], signals=found, checked_in_at=checked_in.get(pid))
        for pid, found in signals.items()
        if found
    ]


def last_checked_in(turn: Turn, pair: Pair) -> datetime | None:
    """When a coordinator last nudged the pair, if inside NUDGE_AGAIN_AFTER."""
    moment = turn.session.scalar(
        select(func.max(NudgeSent.sent_at)).where(
            NudgeSent.pair_id == pair.id,
            NudgeSent.nudge.in_(COORDINATOR_NUDGES),
            NudgeSent.sent_at > turn.now - NUDGE_AGAIN_AFTER,
        )
    )
    return None if moment is None else _as_utc(moment)


def _session_signals(
    turn: Turn, live_ids: ScalarSelect[int], signals: dict[int, list[Signal]]
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
            text = turn.text(f"home.signals.{status}", number=number)
            signals[pair_id].append(Signal(status, text, {"number": number}))


def _nudge_signals(
    turn: Turn, viewer: Person, live_ids: ScalarSelect[int], signals: dict[int, list[Signal]]
) -> dict[int, datetime]:
    """Nudges a rule escalated to the coordinator recently, newest of each kind per pair; and,
    from the same query, when a coordinator last nudged each pair (returned)."""
    checked_in: dict[int, datetime] = {}
    for pair_id, nudge, level, sent_at in turn.session.execute(
        select(
            NudgeSent.pair_id,
            NudgeSent.nudge,
            func.max(NudgeSent.level),
            func.max(NudgeSent.sent_at),
        )
        .where(
            NudgeSent.pair_id.in_(live_ids),
            NudgeSent.nudge != "midpoint_review",  # a milestone, not a warning sign
            (NudgeSent.level >= ESCALATED) | NudgeSent.nudge.in_(COORDINATOR_NUDGES),
            NudgeSent.sent_at >= turn.now - NUDGE_WINDOW,
        )
        .group_by(NudgeSent.pair_id, NudgeSent.nudge)
        .order_by(NudgeSent.pair_id, NudgeSent.nudge)
    ):
        moment = _as_utc(sent_at)
        if nudge in COORDINATOR_NUDGES:
            if moment > turn.now - NUDGE_AGAIN_AFTER:
                checked_in[pair_id] = max(moment, checked_in.get(pair_id, moment))
            continue
        if level < ESCALATED:
            continue
        key = nudge if nudge in NUDGE_WORDS else "other"
        on = turn.content.day_month(moment.astimezone(planning.zone(viewer)).date())
        text = turn.text(f"home.signals.nudge.{key}", on=on)
        signals[pair_id].append(Signal(f"nudge.{key}", text, {"on": on}))
    return checked_in


def _talk_signals(
    turn: Turn,
    viewer: Person,
    live_ids: ScalarSelect[int],
    pairs: dict[int, Pair],
    signals: dict[int, list[Signal]],
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
        text = turn.text("home.signals.talk", person=name_of(who))
        signals[pair_id].append(Signal("talk", text))


def _as_utc(moment: datetime) -> datetime:
    # max() keeps the column's type, but a driver may still hand back a naive UTC value.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def evaluation(turn: Turn, programme: Programme) -> Text:
    pairs = _pairs(turn, programme)
    ids = [p.id for p in pairs]
    evaluations = turn.session.scalars(select(Evaluation).where(Evaluation.pair_id.in_(ids))).all()
    held = (
        turn.session.scalar(
            select(func.count())
            .select_from(MentoringSession)
            .where(MentoringSession.pair_id.in_(ids), MentoringSession.status == "held")
        )
        or 0
    )
    missed = (
        turn.session.scalar(
            select(func.count())
            .select_from(MentoringSession)
            .where(
                MentoringSession.pair_id.in_(ids),
                MentoringSession.status.in_(("missed", "unreported")),
            )
        )
        or 0
    )
    nudges = Counter(
        turn.session.scalars(
            select(NudgeSent.nudge).where(
                NudgeSent.pair_id.in_(ids), NudgeSent.nudge != "midpoint_review"
            )
        ).all()
    )
    parked = (
        turn.session.scalar(
            select(func.count()).select_from(ParkedItem).where(ParkedItem.pair_id.in_(ids))
        )
        or 0
    )
    stages = dict(_stage_counts(turn, programme))
    running = sum(n for s, n in stages.items() if s not in ("closed", "dissolved"))
    number = turn.content.number
    lines: list[str] = [
        turn.text("reports.evaluation.title", name=typed(programme.name), kind_word=programme.kind),
        turn.text(
            "reports.evaluation.pairs",
            count=number(len(pairs)),
            closed=number(stages.get("closed", 0)),
            dissolved=number(stages.get("dissolved", 0)),
            running=number(running),
        ),
        turn.text("reports.evaluation.sessions", held=number(held), missed=number(missed)),
    ]
    people = len({e.person_id for e in evaluations})
    if not evaluations:
        lines.append(turn.text("reports.evaluation.none_yet"))
    elif people < K_ANONYMITY:
        lines.append(withheld(turn, "evaluations_so_far", "people", people))
    else:
        lines += _evaluations(turn, evaluations)
    # Nudges and parked items follow from one person's check-in answers, so a tally over
    # fewer than three pairs would point at them.
    if nudges:
        nudged = _pairs_with(turn, NudgeSent.pair_id, ids, NudgeSent.nudge != "midpoint_review")
        if nudged < K_ANONYMITY:
            lines.append(withheld(turn, "nudges_so_far", "pairs", nudged))
        else:
            lines.append(_nudge_tally(turn, nudges))
    if parked:
        parking = _pairs_with(turn, ParkedItem.pair_id, ids)
        if parking < K_ANONYMITY:
            lines.append(withheld(turn, "parked_so_far", "pairs", parking))
        else:
            lines.append(turn.text("reports.evaluation.parked", count=number(parked)))
    return Text.join(lines)


def _evaluations(turn: Turn, evaluations: Sequence[Evaluation]) -> list[str]:
    """The answers in aggregate (only once K_ANONYMITY people have answered)."""
    average = format_decimal(
        mean(e.goals_met for e in evaluations), "0.0", locale=turn.content.locale
    )
    wishes = Counter(e.continue_as for e in evaluations)
    choices = [
        turn.text(
            "reports.evaluation.choice",
            count=turn.content.number(n),
            choice=turn.text("wrap_up.choices.continue_as." + w),
        )
        for w, n in wishes.most_common()
    ]
    return [
        turn.text(
            "reports.evaluation.goals_met",
            average=average,
            evaluations=turn.text("reports.evaluation.evaluations", count=len(evaluations)),
        ),
        turn.text("reports.evaluation.what_next", choices=Text.join(choices, ", ")),
        *_free_text(turn, evaluations),
    ]


def _nudge_tally(turn: Turn, nudges: Counter[str]) -> Text:
    """How many of each nudge were sent, each by its name in the reader's language."""
    tally = [
        turn.text(
            "reports.evaluation.nudge", name=nudge_name(turn, key), count=turn.content.number(n)
        )
        for key, n in sorted(nudges.items())
    ]
    return turn.text("reports.evaluation.nudges", tally=Text.join(tally, ", "))


def nudge_name(turn: Turn, key: str) -> Text:
    """A nudge's name; a nudge no longer known (a rule since removed) by its stored key."""
    name = f"reports.evaluation.nudge_names.{key}"
    return turn.text(name) if turn.content.has(name) else Text.engine(key)


def withheld(turn: Turn, what: str, among: str, counted: int) -> Text:
    """The line shown instead of an aggregate that covers too few people to hide each one:
    `what` (a key under reports.evaluation) names it and says how many `among` ("people" or
    "pairs") it counts so far."""
    so_far = turn.text(
        f"reports.evaluation.{what}",
        counted=turn.text(
            "reports.evaluation." + ("people" if among == "people" else "pairs_counted"),
            count=counted,
        ),
    )
    return turn.text(f"reports.evaluation.withheld.{among}", what=so_far, count=K_ANONYMITY)


def _pairs_with(turn: Turn, column: Any, ids: list[int], *where: Any) -> int:
    return (
        turn.session.scalar(
            select(func.count(func.distinct(column))).where(column.in_(ids), *where)
        )
        or 0
    )


def _free_text(turn: Turn, evaluations: Sequence[Evaluation]) -> list[str]:
    """The written answers, without names and in no telling order, and only once enough
    people have answered that none can be traced to its author (the wrap-up promises this)."""
    if len(evaluations) < MIN_ANSWERS_FOR_TEXT:
        return [turn.text("reports.evaluation.written_later", count=MIN_ANSWERS_FOR_TEXT)]
    lines: list[str] = []
    for title, items in (
        ("what_worked", [e.what_worked for e in evaluations]),
        ("what_to_change", [e.what_to_change for e in evaluations]),
        ("take_back", [e.take_back for e in evaluations]),
    ):
        written = sorted(item for item in items if item)
        if written:
            # Typed, but with no person: the report promises no answer can be traced to anyone.
            heading = turn.text(f"reports.evaluation.written.{title}")
            lines.append(Text.join([heading, *(Text.engine("- ") + typed(i) for i in written)]))
    return lines


def _pairs(turn: Turn, programme: Programme, *, with_people: bool = False) -> list[Pair]:
    query = select(Pair).where(Pair.programme_id == programme.id).order_by(Pair.id)
    if with_people:
        query = query.options(selectinload(Pair.mentor), selectinload(Pair.mentee))
    return list(turn.session.scalars(query))


def _stage_counts(turn: Turn, programme: Programme) -> list[tuple[str, int]]:
    rows = turn.session.execute(
        select(Pair.stage, func.count())
        .where(Pair.programme_id == programme.id)
        .group_by(Pair.stage)
    ).all()
    return sorted(((stage, n) for stage, n in rows), key=lambda row: STAGE_ORDER.index(row[0]))


def _contracted(turn: Turn, pair_ids: list[int]) -> dict[int, int]:
    """The sessions each pair's current contract agreed, in one query (none before contracting)."""
    return dict(
        turn.session.execute(  # type: ignore[arg-type]
            select(Contract.pair_id, Contract.sessions).where(
                Contract.pair_id.in_(pair_ids), Contract.superseded_at.is_(None)
            )
        ).all()
    )


def _session_counts(turn: Turn, pair_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(held, missed or unreported) per pair, in one query."""
    counts: dict[int, dict[str, int]] = {}
    for pair_id, status, n in turn.session.execute(
        select(MentoringSession.pair_id, MentoringSession.status, func.count())
        .where(MentoringSession.pair_id.in_(pair_ids))
        .group_by(MentoringSession.pair_id, MentoringSession.status)
    ):
        counts.setdefault(pair_id, {})[status] = n
    return {
        pair_id: (rows.get("held", 0), rows.get("missed", 0) + rows.get("unreported", 0))
        for pair_id, rows in counts.items()
    }
