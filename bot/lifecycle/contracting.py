"""Contracting: one side proposes the terms, both confirm; any change is a new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import goals, wire
from bot.identity import name_of
from bot.lifecycle import contract_terms, planning
from bot.lifecycle.transition import kind_of, move, partner_of, require_stage, role_of
from bot.replies import Button, Form, Reply
from bot.stages import Stage, Trigger
from bot.text import Text, typed
from bot.turn import Refusal, Turn
from storage.models import Contract, Pair, Person

ACTION = "contract"
OPEN_FORM = "open_form"


def start(turn: Turn, pair: Pair) -> None:
    kind = kind_of(pair)
    turn.to_pair(
        pair,
        Reply(
            text=turn.text(
                "contracting.start",
                kind=kind,
                mentor=name_of(pair.mentor),
                mentee=name_of(pair.mentee),
            ),
            buttons=(open_button(turn, pair),),
        ),
    )


def open_button(turn: Turn, pair: Pair) -> Button:
    return wire.button(
        turn.text("contracting.open_button"),
        OPEN_FORM,
        contract_terms.FORM_ID,
        pair.id,
        primary=True,
    )


def current(turn: Turn, pair: Pair) -> Contract | None:
    """The newest version, agreed or not."""
    return turn.session.scalar(
        select(Contract)
        .where(Contract.pair_id == pair.id, Contract.superseded_at.is_(None))
        .order_by(Contract.version.desc())
    )


def agreed(turn: Turn, pair: Pair) -> Contract | None:
    """The newest version both sides confirmed: the one sessions follow."""
    return agreed_in(turn.session, pair)


def agreed_in(session: Session, pair: Pair) -> Contract | None:
    return session.scalar(
        select(Contract)
        .where(
            Contract.pair_id == pair.id,
            Contract.mentor_confirmed_at.is_not(None),
            Contract.mentee_confirmed_at.is_not(None),
        )
        .order_by(Contract.version.desc())
    )


def form(turn: Turn, pair: Pair, person: Person) -> Form:
    require_stage(turn, pair, Stage.CONTRACTING, Stage.ACTIVE, doing="contract_form")
    role_of(pair, person, turn.content)
    latest = current(turn, pair)
    if latest is not None:
        # A change starts from the latest version, so only what changes needs typing.
        defaults = {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in _terms_of(latest).items()
            if value is not None
        }
        if latest.start_date < turn.now.date():
            # A passed start date would only be refused; offer fresh dates from today instead.
            del defaults["start_date"], defaults["end_date"]
    else:
        programme = pair.programme
        defaults = {
            "sessions": str(programme.default_sessions),
            "length_minutes": str(programme.default_length_minutes),
            "cadence": programme.default_cadence,
        }
    return contract_terms.build_form(
        turn.content,
        kind=kind_of(pair),
        context=str(pair.id),
        today=turn.now.date(),
        defaults=defaults,
    )


def handle_submission(turn: Turn, pair: Pair, person: Person, values: Mapping[str, str]) -> Reply:
    require_stage(turn, pair, Stage.CONTRACTING, Stage.ACTIVE, doing="contract")
    role_of(pair, person, turn.content)
    terms, errors = contract_terms.validate(
        values, kind=kind_of(pair), today=turn.now.date(), content=turn.content
    )
    if terms is None:
        raise Refusal(turn.text("lifecycle.needs_another_look"), field_errors=errors)
    latest = current(turn, pair)
    # An unconfirmed draft is replaced outright; an agreed version stays in force until both
    # confirm the new one (handle_confirm supersedes it then).
    if latest is not None and not (latest.mentor_confirmed_at and latest.mentee_confirmed_at):
        latest.superseded_at = turn.now
    version = 1 + (
        turn.session.scalar(
            select(Contract.version)
            .where(Contract.pair_id == pair.id)
            .order_by(Contract.version.desc())
        )
        or 0
    )
    fields = asdict(terms)
    fields.update(
        cadence=terms.cadence.value,
        medium=terms.medium.value,
        agenda_owner=terms.agenda_owner.value,
    )
    contract = Contract(
        pair_id=pair.id,
        version=version,
        proposed_by_id=person.id,
        proposed_at=turn.now,
        **fields,
    )
    turn.session.add(contract)
    turn.session.flush()
    turn.to_pair(pair, posted(turn, pair, contract, person))
    return Reply(text=turn.text("lifecycle.contracting.posted", version=version))


def posted(turn: Turn, pair: Pair, contract: Contract, proposer: Person) -> Reply:
    header = turn.text("contracting.posted", proposer=name_of(proposer), version=contract.version)
    return Reply(
        text=Text.join([header, "", summary(turn, pair, contract)]),
        buttons=(
            wire.button(
                turn.text("contracting.confirm_button"),
                ACTION,
                pair.id,
                contract.version,
                "confirm",
                primary=True,
            ),
            wire.button(
                turn.text("contracting.change_button"), OPEN_FORM, contract_terms.FORM_ID, pair.id
            ),
        ),
    )


def summary(turn: Turn, pair: Pair, contract: Contract) -> Text:
    kind = kind_of(pair)

    def label(name: str) -> Text:
        return turn.text(f"contracting.fields.{name}.label", kind=kind)

    def term(name: str, value: str) -> Text:
        return "*" + label(name) + ":* " + value

    def words(name: str, person_id: int) -> Text:
        return _one_line(getattr(contract, name), person_id=person_id)

    agenda_key = {"mentor": "by_mentor", "mentee": "by_mentee"}.get(
        contract.agenda_owner, contract.agenda_owner
    )
    # Each side's goals are that person's words; the other terms are the proposer's.
    lines = [
        term("sessions", str(contract.sessions)),
        term("length_minutes", str(contract.length_minutes)),
        term("cadence", turn.text("contracting.choices.cadence." + contract.cadence)),
        term("medium", turn.text("contracting.choices.medium." + contract.medium)),
        term("start_date", contract.start_date.isoformat()),
        term("end_date", contract.end_date.isoformat()),
        term("mentor_goals", words("mentor_goals", pair.mentor_id)),
        term("mentee_goals", words("mentee_goals", pair.mentee_id)),
        term("mentor_motivation", words("mentor_motivation", pair.mentor_id)),
        term("agenda_owner", turn.text("contracting.choices.agenda_owner." + agenda_key)),
    ]
    for name in ("waits_until_end", "confidentiality", "destination"):
        if getattr(contract, name):
            lines.append(term(name, words(name, contract.proposed_by_id)))
    if contract.swap_after_session:
        lines.append(term("swap_after_session", str(contract.swap_after_session)))
    return Text.join(lines)


def handle_confirm(turn: Turn, pair: Pair, person: Person, version: int) -> Reply:
    require_stage(turn, pair, Stage.CONTRACTING, Stage.ACTIVE, doing="contract_confirmation")
    role = role_of(pair, person, turn.content)
    contract = current(turn, pair)
    if contract is None or contract.version != version:
        raise Refusal(turn.text("lifecycle.contracting.replaced", version=version))
    if contract.mentor_confirmed_at and contract.mentee_confirmed_at:
        return Reply(text=turn.text("lifecycle.contracting.already_agreed", version=version))
    if contract.start_date < turn.now.date():
        # Agreeing now would plan sessions in the past and ask about meetings that never were.
        raise Refusal(
            turn.text(
                "lifecycle.contracting.start_passed",
                version=version,
                start=turn.content.date(contract.start_date),
                change_button=turn.text("contracting.change_button"),
            )
        )
    if role == "mentor":
        contract.mentor_confirmed_at = contract.mentor_confirmed_at or turn.now
    else:
        contract.mentee_confirmed_at = contract.mentee_confirmed_at or turn.now
    partner = partner_of(pair, person, turn.content)
    if not (contract.mentor_confirmed_at and contract.mentee_confirmed_at):
        return Reply(text=turn.text("contracting.confirmed_waiting", partner=name_of(partner)))
    # Both confirmed: older versions are history now.
    for older in turn.session.scalars(
        select(Contract).where(Contract.pair_id == pair.id, Contract.version < contract.version)
    ):
        older.superseded_at = older.superseded_at or turn.now
    if Stage(pair.stage) is Stage.CONTRACTING:
        reason = turn.text("lifecycle.reasons.contract_agreed", version=version)
        move(turn, pair, Trigger.CONTRACT_AGREED, actor=person, reason=reason)
    first = planning.plan(turn, pair, contract)
    goals.seed_from_contract(turn, pair, contract)
    turn.to_pair(
        pair,
        Reply(
            text=turn.text(
                "contracting.agreed",
                kind=kind_of(pair),
                sessions=contract.sessions,
                cadence=turn.text("contracting.choices.cadence." + contract.cadence),
                first_session=planning.describe_when_for_pair(first.planned_at, pair, turn.content)
                if first
                else turn.content.date(contract.start_date),
            )
        ),
    )
    return Reply(text=turn.text("lifecycle.contracting.confirmed", version=version))


def _terms_of(contract: Contract) -> dict[str, object]:
    return {name: getattr(contract, name) for name in contract_terms.Terms.__dataclass_fields__}


def _one_line(text: str, *, person_id: int | None) -> Text:
    """Goals are typed one per line; in the summary they read better as one line."""
    return Text.join(
        (
            typed(line.strip("-• \t"), person_id=person_id)
            for line in text.splitlines()
            if line.strip("-• \t")
        ),
        "; ",
    )
