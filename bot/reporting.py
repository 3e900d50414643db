"""What people see when they ask how things stand: a participant's pairs, the coordinator's
overview of the programmes, and one programme's health with its pairs at risk. The pairs at
risk themselves are bot.pairs_at_risk; the evaluation in aggregate is bot.evaluation_report."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import goals as tracking
from bot import waypoints
from bot.identity import name_of
from bot.lifecycle import planning
from bot.lifecycle.planning import describe_when
from bot.lifecycle.transition import partner_of, role_of
from bot.pairs_at_risk import at_risk, at_risk_heading, at_risk_lines, pair_buttons, worst_first
from bot.programme_stages import pairs_in, stage_counts, stage_name, stage_summary
from bot.replies import Button, Reply
from bot.stages import TERMINAL, Stage
from bot.text import Text, typed
from bot.turn import Turn
from storage.models import Contract, MentoringSession, Pair, Person, Programme

MAX_AT_RISK = 20  # pairs listed per programme; the rest are counted
MAX_WITH_BUTTONS = 10  # pairs whose buttons `status` carries (4 each; a message holds ~48)


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
        counts = dict(stage_counts(turn, programme))
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
    live = [
        p for p in pairs_in(turn, programme, with_people=True) if Stage(p.stage) not in TERMINAL
    ]
    ids = [pair.id for pair in live]
    sessions = _session_counts(turn, ids)
    contracted = _contracted(turn, ids)
    counts = dict(stage_counts(turn, programme))
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
