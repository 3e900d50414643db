"""Finding the programme, person or pair a command names, with a helpful answer if not found."""

from __future__ import annotations

from sqlalchemy import select

from bot.identity import find_person, unknown_person
from bot.stages import TERMINAL, Stage
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Pair, Person, Programme


def name_key(name: str) -> str:
    """How programme names compare: case and spacing never make two programmes different.

    Compared in Python, not with SQL lower(): SQLite's lower() folds ASCII only, so "ÉCOLE"
    and "école" would pass the duplicate check and then collide in the unique index.
    """
    return " ".join(name.split()).casefold()


def find_programme(turn: Turn, name: str) -> Programme | None:
    programmes = turn.session.scalars(
        select(Programme).where(Programme.tenant_id == turn.tenant.id).order_by(Programme.id)
    ).all()
    exact = [p for p in programmes if p.name == name.strip()]
    alike = [p for p in programmes if name_key(p.name) == name_key(name)]
    return next(iter(exact or alike), None)


def programme_named(turn: Turn, name: str) -> Programme:
    programme = find_programme(turn, name)
    if programme is None:
        known = turn.session.scalars(
            select(Programme.name)
            .where(Programme.tenant_id == turn.tenant.id)
            .order_by(Programme.name)
        ).all()
        listing = Text.join(
            (turn.text("lookup.programme", name=n) for n in known), ", "
        ) or turn.text("lookup.no_programmes")
        raise Refusal(turn.text("lookup.no_programme", name=name, listing=listing))
    return programme


def person_named(turn: Turn, ref: str) -> Person:
    person = find_person(turn.session, turn.tenant, ref)
    if person is None:
        unknown = unknown_person(ref, turn.content)
        raise Refusal(turn.text("lookup.enrol_first", unknown=unknown))
    return person


def pair_numbered(turn: Turn, ref: str) -> Pair:
    try:
        number = int(ref.lstrip("#"))
    except ValueError:
        raise Refusal(turn.text("lookup.not_a_pair_number", ref=ref)) from None
    pair = turn.session.get(Pair, number)
    if pair is None or pair.programme.tenant_id != turn.tenant.id:
        raise Refusal(turn.text("lookup.no_pair", number=number))
    return pair


def live_pairs_of(turn: Turn, person: Person) -> list[Pair]:
    return list(
        turn.session.scalars(
            select(Pair)
            .where(
                (Pair.mentor_id == person.id) | (Pair.mentee_id == person.id),
                Pair.stage.not_in([s.value for s in TERMINAL]),
            )
            .order_by(Pair.id.desc())
        )
    )


def my_pair(turn: Turn, person: Person, *, stages: tuple[Stage, ...] = ()) -> Pair:
    """The person's most recent live pair (in one of `stages`, if given)."""
    for pair in live_pairs_of(turn, person):
        if not stages or Stage(pair.stage) in stages:
            return pair
    if stages:
        names = [stage_name(turn, s) for s in stages]
        wanted = names[0]
        if len(names) > 1:
            first = Text.join(names[:-1], ", ")
            wanted = turn.text("lookup.either", first=first, last=names[-1])
        raise Refusal(turn.text("lookup.no_pair_in", stages=wanted))
    raise Refusal(turn.text("lookup.no_pair_yet"))


def stage_name(turn: Turn, stage: Stage) -> Text:
    """A stage as a word in the turn's language ("wrap up")."""
    return turn.text(f"lookup.stages.{stage.value}")
