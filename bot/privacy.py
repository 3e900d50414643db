"""Forgetting a person: what `forget-me` removes, in one place, so the promise can be checked.

Everything is found by reference, never by searching text: rows by their person and pair ids,
and in stored messages the typed spans that carry the person's id (bot.text). So every name
they have had is reached, in any script, and nobody else's words are touched: forgetting "Sam"
leaves "Samantha Ito" exactly as it was.

Kept: counts that carry no identity (a session was held, a score was given), so programme
reports stay true. Removed or overwritten: the name wherever Tandem wrote it, every text the
person typed, their enrolments, addresses and private answers. Messages already delivered live
on in Slack or Teams, outside Tandem's reach; the summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from bot import match_reason
from bot.content import DEFAULT_LANGUAGE, Content, default_content
from bot.identity import forgotten_name
from bot.text import Span, Text
from bot.turn import Turn
from storage.models import (
    ActionItem,
    Answer,
    CheckIn,
    Contract,
    ConversationAddress,
    Enrolment,
    Evaluation,
    Goal,
    OutboxMessage,
    Pair,
    Person,
    StageTransition,
    Waypoint,
)

# What a forgotten person's platform id becomes. No platform id can hold a control character
# (bot.identity refuses them at resolve), so nobody can take this value and block an erasure.
FORGOTTEN_ID_PREFIX = "\x1fforgotten:"
_CONTRACT_SIDES = {
    "mentor": ("mentor_goals", "mentor_motivation"),
    "mentee": ("mentee_goals",),
}
_PROPOSER_TERMS = ("waits_until_end", "confidentiality", "destination")
_BATCH = 500
# What the summary lists as removed, in this order: the Erased field and its content key.
_REMOVED_ITEMS = (
    "enrolments",
    "goals",
    "actions",
    "notes",
    "evaluations",
    "contract_terms",
    "messages_removed",
    "messages_anonymised",
)


@dataclass(kw_only=True)
class Erased:
    """What one erasure changed, for the summary the person reads."""

    enrolments: int = 0
    goals: int = 0
    actions: int = 0
    notes: int = 0
    evaluations: int = 0
    contract_terms: int = 0
    messages_removed: int = 0  # messages to them, delivered or not
    messages_anonymised: int = 0  # other people's messages that named or quoted them
    delivered_elsewhere: int = 0  # of those, already delivered to Slack or Teams
    language: str = DEFAULT_LANGUAGE  # the workspace's, for the summary


def forget(turn: Turn, person: Person) -> Erased:
    """Erase what identifies `person`; the caller ends their pairs first."""
    db = turn.session
    erased = Erased(language=turn.content.language)
    removed = removal_marker(turn.content)
    pairs = list(
        db.scalars(
            select(Pair).where((Pair.mentor_id == person.id) | (Pair.mentee_id == person.id))
        )
    )
    erased.enrolments = _count(
        db.execute(delete(Enrolment).where(Enrolment.person_id == person.id))
    )
    db.execute(delete(Answer).where(Answer.person_id == person.id))
    db.execute(delete(ConversationAddress).where(ConversationAddress.person_id == person.id))
    erased.delivered_elsewhere = _count_where(
        turn, OutboxMessage.person_id == person.id, OutboxMessage.delivered_at.is_not(None)
    )
    erased.messages_removed = _count(
        db.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person.id))
    )
    erased.notes = _count(
        db.execute(
            update(CheckIn)
            .where(CheckIn.person_id == person.id, CheckIn.note != "")
            .values(note="")
        )
    )
    erased.evaluations = _count(
        db.execute(
            update(Evaluation)
            .where(Evaluation.person_id == person.id)
            .values(take_back="", what_worked="", what_to_change="")
        )
    )
    erased.goals = _count(
        db.execute(update(Goal).where(Goal.owner_id == person.id).values(text=removed))
    )
    erased.actions = _count(
        db.execute(update(ActionItem).where(ActionItem.owner_id == person.id).values(text=removed))
    )
    # A sponsorship's waypoints are steps towards a goal: they count with the goals.
    erased.goals += _count(
        db.execute(update(Waypoint).where(Waypoint.author_id == person.id).values(text=removed))
    )
    for pair in pairs:
        erased.contract_terms += _forget_in_contracts(turn, pair, person, removed)
        if not match_reason.names_people(pair.match_reason):
            # A coordinator typed this reason: it may name them, and it is about them.
            pair.match_reason = ""
            db.execute(
                update(StageTransition)
                .where(StageTransition.pair_id == pair.id, StageTransition.trigger == "proposed")
                .values(reason="")
            )
    _forget_in_messages(turn, person, erased)
    person.display_name = forgotten_name(turn.content)
    person.platform_user_id = _free_marker(turn, person)
    person.team = None
    person.manager_id = None
    person.is_coordinator = False
    person.timezone = "UTC"
    person.away_until = None
    person.profile_checked_at = None
    person.forgotten_at = turn.now
    db.flush()
    return erased


def removal_marker(content: Content) -> str:
    """What stands where a forgotten person's words were, in the workspace's language."""
    return str(content.text("privacy.removed"))


def _forget_in_contracts(turn: Turn, pair: Pair, person: Person, removed: str) -> int:
    """Their side's goals and motivation in every version; the free terms of versions they
    proposed (they typed those: "confidentiality: nothing about my divorce")."""
    side = "mentor" if pair.mentor_id == person.id else "mentee"
    changed = 0
    for contract in turn.session.scalars(select(Contract).where(Contract.pair_id == pair.id)):
        names = list(_CONTRACT_SIDES[side])
        if contract.proposed_by_id == person.id:
            names += _PROPOSER_TERMS
        for name in names:
            if getattr(contract, name):
                setattr(contract, name, removed)
                changed += 1
    return changed


def _forget_in_messages(turn: Turn, person: Person, erased: Erased) -> None:
    """Every stored message that shows their name or words, delivered or not, keeps its
    wording and loses theirs: each span with their id is replaced, and the plain text rebuilt
    from the spans."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.tenant_id == person.tenant_id)
        .order_by(OutboxMessage.id)
        .execution_options(yield_per=_BATCH)
    )
    words = {"forgotten": forgotten_name(turn.content), "removed": removal_marker(turn.content)}
    for row in turn.session.scalars(query):
        payload = anonymised(row.payload, person_id=person.id, name=person.display_name, **words)
        if payload is None:
            continue
        row.payload = payload
        erased.messages_anonymised += 1
        if row.delivered_at is not None:
            erased.delivered_elsewhere += 1


def anonymised(
    payload: dict[str, Any], *, person_id: int, name: str, forgotten: str, removed: str
) -> dict[str, Any] | None:
    """The payload without the person's spans, or None when it holds none of them.

    A span that is their current name becomes the `forgotten` name; any other span of theirs
    (an earlier name, a note, a goal) becomes the `removed` marker.
    """
    spans = payload.get("spans")
    if not spans or not any(len(s) > 2 and s[2] == person_id for s in spans):
        return None
    text = Text.from_json(spans)
    replaced = Text(
        Span(forgotten if span.text == name else removed, typed=True)
        if span.person_id == person_id
        else span
        for span in text.spans
    )
    return {**payload, "text": str(replaced), "spans": replaced.to_json()}


def _free_marker(turn: Turn, person: Person) -> str:
    marker = f"{FORGOTTEN_ID_PREFIX}{person.id}"
    taken = set(
        turn.session.scalars(
            select(Person.platform_user_id).where(
                Person.tenant_id == person.tenant_id,
                Person.platform_user_id.startswith(marker),
                Person.id != person.id,
            )
        )
    )
    suffix = 0
    candidate = marker
    while candidate in taken:  # never in practice: only a forgotten person holds the prefix
        suffix += 1
        candidate = f"{marker}.{suffix}"
    return candidate


def _count_where(turn: Turn, *where: Any) -> int:
    return turn.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def summary(erased: Erased, content: Content | None = None) -> Text:
    """What the person reads at the end: what went, what stays and why (in `content`, else
    the language of the workspace the erasure ran in)."""
    content = content or default_content(erased.language)
    name = forgotten_name(content)
    items = [
        "- " + content.text(f"privacy.summary.items.{field}", count=count, name=name)
        for field in _REMOVED_ITEMS
        if (count := getattr(erased, field))
    ]
    lines = [content.text("privacy.summary.done")]
    lines.append(
        content.text("privacy.summary.removed_listed" if items else "privacy.summary.removed")
    )
    lines += items
    lines.append(content.text("privacy.summary.kept"))
    if erased.delivered_elsewhere:
        lines.append(
            content.text("privacy.summary.out_of_reach_delivered", count=erased.delivered_elsewhere)
        )
    else:
        lines.append(content.text("privacy.summary.out_of_reach"))
    return Text.join(lines)
