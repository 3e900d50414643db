"""The audit trail of coordinator verbs: what is kept of each (`record`) and how it is shown
(`coordinator list --log`). People are kept by id and shown by their current name, so an
erasure reaches the trail by reference; free text (names, reasons, notes) is never kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot import rights
from bot.commands.grammar import VERBS, Parsed, Verb
from bot.identity import find_person, name_of
from bot.text import Text, typed
from bot.turn import Turn
from storage.models import CoordinatorAction, Person

# Coordinator verbs that only read: nothing to audit.
READ_ONLY = frozenset(
    {"programme list", "report", "status", "coordinator list"}  # not user-facing: verbs
)
# Options whose values are free text about people: the trail notes that they were given only.
NOT_KEPT = frozenset({"name", "reason", "team", "offers", "wants"})
GIVEN = "(given)"  # kept in place of such a value; shown as audit.given
SHOWN = 50  # the newest entries `coordinator list --log` shows


def is_audited(parsed: Parsed) -> bool:
    return parsed.verb not in READ_ONLY and not parsed.options.get("dry_run")


@contextmanager
def changes(session: Session) -> Iterator[Callable[[], bool]]:
    """Whether what runs inside changed any row: only a verb that did is audited (`match`
    that finds nobody, or `coordinator add` of a coordinator, changes nothing)."""
    session.flush()
    seen: list[bool] = []

    def pending(s: Session) -> bool:
        return bool(s.new or s.deleted or any(s.is_modified(o) for o in s.dirty))

    def before_flush(s: Session, *_: object) -> None:
        seen.append(pending(s))

    event.listen(session, "before_flush", before_flush)
    try:
        yield lambda: any(seen) or pending(session)
    finally:
        event.remove(session, "before_flush", before_flush)


def record(turn: Turn, person: Person, parsed: Parsed) -> None:
    """Keep who ran which coordinator verb with which arguments (not `rest`: a nudge's note)."""
    spec = _spec(parsed)
    args: list[object] = []
    for position, word in enumerate(parsed.args):
        kind = spec.args[position].kind if spec and position < len(spec.args) else "text"
        args.append(_person_ref(turn, word) if kind == "person" else word)
    kinds = {o.name.replace("-", "_"): o.kind for o in spec.options} if spec else {}
    options: dict[str, object] = {}
    for key, value in parsed.options.items():
        if key in NOT_KEPT:
            options[key] = GIVEN
        elif kinds.get(key) == "person":
            options[key] = _person_ref(turn, str(value))
        else:
            options[key] = value
    rights.record(
        turn.session,
        tenant_id=turn.tenant.id,
        actor=person,
        verb=parsed.verb,
        details={"args": args, "options": options, "note_given": bool(parsed.rest)},
        now=turn.now,
    )


def shown(turn: Turn) -> Text:
    entries = turn.session.scalars(
        select(CoordinatorAction)
        .where(CoordinatorAction.tenant_id == turn.tenant.id)
        .order_by(CoordinatorAction.id.desc())
        .limit(SHOWN)
    ).all()
    if not entries:
        return turn.text("audit.none")
    lines: list[Text] = [turn.text("audit.title", shown=SHOWN)]
    for entry in entries:
        when = Text.engine(entry.at.strftime("%Y-%m-%d %H:%M UTC"))
        who = _who(turn, entry.actor_id) if entry.actor_id else Text.engine("TANDEM_COORDINATORS")
        lines.append(turn.text("audit.entry", when=when, who=who, what=_what(turn, entry)))
    return Text.join(lines)


def _what(turn: Turn, entry: CoordinatorAction) -> Text:
    details = entry.details
    if entry.verb.startswith("setting "):
        change = entry.verb.removeprefix("setting ")  # granted, revoked (bot.rights)
        return turn.text(f"audit.settings.{change}", person=_who(turn, details.get("person_id")))
    parts: list[Text] = [Text.engine(entry.verb)]
    for arg in details.get("args", []):
        parts.append(_value(turn, arg))
    for key, value in details.get("options", {}).items():
        option = "--" + key.replace("_", "-")
        parts.append(
            Text.engine(option)
            if value is True
            else Text.engine(option + " ") + _value(turn, value)
        )
    if details.get("note_given"):
        parts.append(turn.text("audit.note_not_kept"))
    return Text.join(parts, " ")


def _value(turn: Turn, value: object) -> Text:
    if isinstance(value, dict) and "person_id" in value:
        return _who(turn, value["person_id"])
    return turn.text("audit.given") if value == GIVEN else typed(str(value))


def _who(turn: Turn, person_id: object) -> Text:
    person = turn.session.get(Person, person_id) if isinstance(person_id, int) else None
    return name_of(person) if person is not None else turn.text("audit.someone")


def _person_ref(turn: Turn, ref: str) -> object:
    person = find_person(turn.session, turn.tenant, ref)
    return {"person_id": person.id} if person is not None else ref


def _spec(parsed: Parsed) -> Verb | None:
    specs = [s for s in VERBS if s.full == parsed.verb]
    formed = [s for s in specs if s.form and parsed.options.get(s.form.replace("-", "_"))]
    plain = [s for s in specs if not s.form]
    return next(iter(formed or plain), None)
