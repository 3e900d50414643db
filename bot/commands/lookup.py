"""Finding the programme, person or pair a command names, with a helpful answer if not found."""

from __future__ import annotations

from sqlalchemy import select

from bot.identity import find_person, unknown_person
from bot.stages import TERMINAL, Stage
from bot.text import Text, compose
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
        listing = Text.join((compose('"{name}"', name=n) for n in known), ", ") or Text.engine(
            "none yet (create one with `programme create`)"
        )
        raise Refusal(
            compose(
                'There is no programme called "{name}". Programmes: {listing}.',
                name=name,
                listing=listing,
            )
        )
    return programme


def person_named(turn: Turn, ref: str) -> Person:
    person = find_person(turn.session, turn.tenant, ref)
    if person is None:
        raise Refusal(unknown_person(ref) + " New people are enrolled first with `enrol`.")
    return person


def pair_numbered(turn: Turn, ref: str) -> Pair:
    try:
        number = int(ref.lstrip("#"))
    except ValueError:
        raise Refusal(
            compose("{ref!r} is not a pair number; pairs are written like #12.", ref=ref)
        ) from None
    pair = turn.session.get(Pair, number)
    if pair is None or pair.programme.tenant_id != turn.tenant.id:
        raise Refusal(f"There is no pair #{number}. `status` lists the pairs.")
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
        wanted = " or ".join(s.value.replace("_", " ") for s in stages)
        raise Refusal(f"You have no pair that is {wanted} right now. `status` shows where you are.")
    raise Refusal("You are not in a mentoring pair yet. Your coordinator will introduce you.")
