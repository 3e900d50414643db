"""Scenario steps for command and engine tests: a programme, people and a pair at any stage.

Every step goes through the real engine (via Flow) and checks that it worked, so a test that
needs "an active reverse pair" says so in one line and fails loudly if the set-up broke.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from flow import Flow
from sqlalchemy import select

from bot.content import default_content
from bot.replies import Outcome
from storage.db import Database
from storage.models import Base, Pair, Person

SORRY = str(default_content().text("engine.sorry"))  # the answer to an unhandled error

PROGRAMME = "Reverse 2027"
COORDINATOR = "hana"
# (mentor's level, mentee's level) that each kind's seniority rule accepts.
LEVELS = {"reverse": (2, 8), "reciprocal": (6, 4), "classic": (8, 2), "sponsorship": (8, 2)}

M = TypeVar("M", bound=Base)


# -- outcomes ------------------------------------------------------------------------------


def ok(outcome: Outcome) -> str:
    """The answer of something that worked; fails with the answer if it was refused."""
    text = outcome.answer.text if outcome.answer else ""
    assert text != SORRY, "the engine hit an unhandled error"
    assert outcome.changed and not outcome.field_errors, f"refused: {text} {outcome.field_errors}"
    return text


def refused(outcome: Outcome, *fragments: str) -> str:
    """The answer of refused input; it must be a clear message containing every fragment."""
    assert outcome.answer is not None, "refused input must get an answer"
    text = outcome.answer.text
    assert text.strip() and text != SORRY, f"not a clear refusal: {text!r}"
    assert not outcome.changed, f"expected a refusal, but it worked: {text}"
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


# -- the database --------------------------------------------------------------------------


def rows(db: Database, model: type[M], **where: Any) -> list[M]:
    with db.transaction() as session:
        query = select(model).filter_by(**where)
        return list(session.scalars(query.order_by(*model.__table__.primary_key.columns)))


def person(db: Database, user_id: str) -> Person:
    found = rows(db, Person, platform_user_id=user_id)
    assert found, f"no person {user_id!r}"
    return found[0]


def pair_of(db: Database, mentor: str, mentee: str) -> Pair:
    """The newest pair of these two people."""
    mentor_id, mentee_id = person(db, mentor).id, person(db, mentee).id
    found = rows(db, Pair, mentor_id=mentor_id, mentee_id=mentee_id)
    assert found, f"no pair {mentor} -> {mentee}"
    return found[-1]


def stage(db: Database, pair_id: int) -> str:
    return rows(db, Pair, id=pair_id)[0].stage


# -- set-up steps --------------------------------------------------------------------------


def programme(f: Flow, name: str = PROGRAMME, *, kind: str = "reverse", extra: str = "") -> None:
    ok(f.command(COORDINATOR, f'programme create "{name}" --kind {kind} {extra}'))


def enrol(
    f: Flow,
    who: str,
    *,
    role: str,
    level: int,
    programme: str = PROGRAMME,
    extra: str = "",
    accept: bool = True,
) -> None:
    """Enrol `who` under the name Flow's actor gives them (maya -> Maya), unless `extra` has one,
    and accept the invitation as they would (unless `accept` is False)."""
    name = "" if "--name" in extra else f"--name {who.capitalize()}"
    answer = ok(
        f.command(
            COORDINATOR,
            f'enrol {who} --programme "{programme}" --role {role} --level {level} {name} {extra}',
        )
    )
    if accept and "invitation" in answer:
        ok(f.answer_invitation(who))
        f.new(who)  # the invitation and its answer are set-up: tests read what comes after


def proposed(
    f: Flow,
    *,
    kind: str = "reverse",
    mentor: str = "maya",
    mentee: str = "sam",
    name: str = PROGRAMME,
    reason: str = "both love data",
) -> int:
    """A new programme of `kind` with the two enrolled and paired by hand; the pair's id."""
    programme(f, name, kind=kind)
    mentor_level, mentee_level = LEVELS[kind]
    enrol(f, mentor, role="mentor", level=mentor_level, programme=name)
    enrol(f, mentee, role="mentee", level=mentee_level, programme=name)
    ok(f.command(COORDINATOR, f'pair {mentor} {mentee} --programme "{name}" --reason "{reason}"'))
    return pair_of(f.db, mentor, mentee).id


def accept_intros(f: Flow, pair_id: int, people: Iterable[str]) -> None:
    for who in people:
        ok(f.press(who, "intro", f"{pair_id}:yes"))


def go_ahead(f: Flow, pair_id: int, people: Iterable[str]) -> None:
    for who in people:
        ok(f.press(who, "chemistry", f"{pair_id}:go"))


def contract_values(f: Flow, who: str, pair_id: int, **changes: str) -> dict[str, str]:
    """The contract form as `who` opens it, filled in with its defaults plus `changes`."""
    form = f.press(who, "open_form", f"contract:{pair_id}").answer.form  # type: ignore[union-attr]
    assert form is not None
    values = {field.name: field.initial or "" for field in form.fields}
    filled = {
        "mentor_goals": "Lead a meeting with no slides",
        "mentee_goals": "Understand how customers use the app\nTry TikTok for a week",
        "mentor_motivation": "Visibility",
        "medium": "video",
        "destination": "Head of sales",
    }
    values.update({name: value for name, value in filled.items() if name in values})
    values.update(changes)
    return values


def agree_contract(f: Flow, pair_id: int, mentor: str, mentee: str, **changes: str) -> None:
    ok(f.submit(mentor, "contract", str(pair_id), **contract_values(f, mentor, pair_id, **changes)))
    ok(f.press_button(mentor, "contract"))
    ok(f.press_button(mentee, "contract"))


def active(
    f: Flow,
    *,
    kind: str = "reverse",
    mentor: str = "maya",
    mentee: str = "sam",
    name: str = PROGRAMME,
    **contract: str,
) -> int:
    """A pair of `kind` that has agreed its contract (six monthly sessions by default)."""
    pair_id = proposed(f, kind=kind, mentor=mentor, mentee=mentee, name=name)
    accept_intros(f, pair_id, (mentor, mentee))
    go_ahead(f, pair_id, (mentor, mentee))
    agree_contract(f, pair_id, mentor, mentee, **contract)
    assert stage(f.db, pair_id) == "active"
    return pair_id


def texts(f: Flow, who: str) -> list[str]:
    """The texts `who` received since the last look (see Flow.new)."""
    return [reply.text for reply in f.new(who)]


def read_all(f: Flow, *people: str) -> None:
    """Mark everything these people received so far as read."""
    for who in people:
        f.new(who)


def jump(f: Flow, moment: datetime) -> None:
    """Move straight to `moment` and run one sweep, like a worker coming back after a pause."""
    f.clock.set(moment)
    f.engine.sweep()
    f.deliver()
