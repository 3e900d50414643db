"""Erasure by reference (bot.privacy): after `forget-me`, no stored text of any table, on
SQLite and PostgreSQL, holds anything of the person, and nobody else's data changed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    contract_values,
    enrol,
    go_ahead,
    ok,
    pair_of,
    person,
    programme,
    rows,
)
from sqlalchemy import String, Text

from bot.content import default_content
from bot.events import Actor
from bot.identity import forgotten_name
from storage.db import Database
from storage.models import Base, OutboxMessage, Pair, Person

FIRST_SESSION = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
FORGOTTEN_NAME = forgotten_name(default_content())
OTHERS = ("Samantha Ito", "Sven Øby", "Maya", "Hana")
# Everything of hers: every name she has had (one a substring of Samantha Ito's), her words.
HERS = (
    r"\bSam\b",
    "Zoë Sam",
    "Zoë Ångström",
    r"\bzoe\b",
    "divorce",
    "secret goal",
    "find this hard",
    "felt lectured",
    "Ångström's action",
)


class Named(Flow):
    """A Flow whose people can be renamed by their platform between events."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.names: dict[str, str] = {"samantha": "Samantha Ito", "sven": "Sven Øby"}

    def actor(self, who: str) -> Actor:  # type: ignore[override]
        name = self.names.get(who, who.capitalize())
        return Actor(platform="console", tenant="test", user_id=who, display_name=name)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            yield value
            return
        yield from _strings(decoded) if not isinstance(decoded, str) else [decoded]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def dump(db: Database) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every row of every table by (table, primary key); JSON columns come back decoded."""
    found = {}
    with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            for row in session.execute(table.select()).mappings():
                found[table.name, tuple(row[k] for k in keys)] = dict(row)
    return found


def leftovers(db: Database) -> list[tuple[str, str]]:
    found = []
    with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            textual = [
                c.name
                for c in table.columns
                if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"
            ]
            for row in session.execute(table.select()).mappings():
                for column in textual:
                    for text in _strings(row[column]):
                        for other in OTHERS:
                            text = text.replace(other, "")
                        for pattern in HERS:
                            if re.search(pattern, text):
                                found.append((f"{table.name}.{column}", text))
    return found


def _scenario(f: Named) -> tuple[int, int]:
    programme(f)
    f.names["zoe"] = "Sam"
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "zoe", role="mentee", level=8, extra="--name Sam")
    enrol(f, "sven", role="mentor", level=2, extra='--name "Sven Øby"')
    enrol(f, "samantha", role="mentee", level=8, extra='--name "Samantha Ito"')
    ok(f.command(COORDINATOR, f'pair maya zoe --programme "{PROGRAMME}"'))  # matching's reason
    ok(
        f.command(
            COORDINATOR, f'pair sven samantha --programme "{PROGRAMME}" --reason "Sampling buddies"'
        )
    )
    pair_id = pair_of(f.db, "maya", "zoe").id
    other_id = pair_of(f.db, "sven", "samantha").id
    accept_intros(f, pair_id, ("maya", "zoe"))
    go_ahead(f, pair_id, ("maya", "zoe"))
    f.names["zoe"] = "Zoë Sam"  # renamed by the platform, once
    values = contract_values(
        f, "zoe", pair_id, confidentiality="Nothing about my divorce", mentee_goals="My secret goal"
    )
    ok(f.submit("zoe", "contract", str(pair_id), **values))
    ok(f.press_button("maya", "contract"))
    ok(f.press_button("zoe", "contract"))
    f.names["zoe"] = "Zoë Ångström"  # and twice
    ok(f.command("zoe", "actions add Ångström's action"))
    ok(f.command("zoe", "help Zoë Ångström here: I find this hard"))
    ok(f.command("maya", "status"))
    f.clock.set(FIRST_SESSION)
    f.engine.sweep()
    f.deliver()
    [session] = [s for s in _sessions(f, pair_id) if s.number == 1]
    ok(f.submit("zoe", "checkin", str(session.id), happened="yes", note="I felt lectured"))
    ok(f.submit("maya", "checkin", str(session.id), happened="yes", note="Went fine"))
    return pair_id, other_id


def _sessions(f: Flow, pair_id: int) -> list[Any]:
    from storage.models import MentoringSession

    return rows(f.db, MentoringSession, pair_id=pair_id)


def test_forget_me_leaves_nothing_of_theirs_in_any_table(database: Database) -> None:
    f = Named(database)
    pair_id, other_id = _scenario(f)
    zoe_id = person(f.db, "zoe").id
    ok(f.command(f"forgotten:{zoe_id}", "status"))  # someone took the old marker as their id
    assert leftovers(f.db), "the scenario stored nothing of hers: it proves nothing"
    before = dump(f.db)
    outbox_before = {m.id: m.payload for m in rows(f.db, OutboxMessage)}

    answer = ok(f.command("zoe", "forget-me --confirm"))

    assert leftovers(f.db) == [], "\n".join(map(str, leftovers(f.db)))
    assert "Slack or Teams" in answer and "Removed" in answer
    after = dump(f.db)
    # Nobody else's data changed, byte for byte: the other pair, its people, and every stored
    # message that neither names nor quotes her (a span with her id).
    theirs = {"people": {zoe_id}, "pairs": {pair_id}}
    for (table, key), row in before.items():
        if key[0] in theirs.get(table, ()) or row.get("person_id") == zoe_id:
            continue
        if table == "outbox":
            spans = outbox_before[key[0]].get("spans", [])
            if any(s[2] == zoe_id for s in spans) or after.get((table, key)) is None:
                continue
        if table in ("people", "pairs", "outbox", "enrolments"):
            assert after[table, key] == row, (table, key)
    others = {p.platform_user_id: p.display_name for p in rows(f.db, Person)}
    assert others["samantha"] == "Samantha Ito" and others["sven"] == "Sven Øby"
    assert rows(f.db, Pair, id=other_id)[0].match_reason == "Sampling buddies"
    assert rows(f.db, Person, id=zoe_id)[0].display_name == FORGOTTEN_NAME


def test_stored_messages_keep_their_wording_with_her_spans_replaced(database: Database) -> None:
    f = Named(database)
    _scenario(f)
    zoe_id = person(f.db, "zoe").id
    ok(f.command("zoe", "forget-me --confirm"))
    notes = [
        m.payload
        for m in rows(f.db, OutboxMessage)
        if "confidential note" in m.payload.get("text", "")
    ]
    assert notes, "the help note was stored for the coordinator"
    for payload in notes:
        assert payload["text"] == "".join(s[0] for s in payload["spans"])  # rebuilt from spans
        assert all(s[2] != zoe_id for s in payload["spans"])
        assert FORGOTTEN_NAME in payload["text"]


def test_the_summary_counts_in_the_language_s_own_plurals() -> None:
    from bot.privacy import Erased, summary

    english = summary(Erased(goals=1, enrolments=2, messages_anonymised=1, delivered_elsewhere=1))
    assert "- 1 goal\n" in english and "- 2 programme enrolments\n" in english
    assert '- 1 message to others that named or quoted you (now it says "(a former' in english
    assert "(1 of the messages above had been delivered)" in english
    assert summary(Erased()).splitlines()[1].endswith("time zone.")

    german = summary(Erased(goals=1, actions=3, language="de"))
    assert german == summary(Erased(goals=1, actions=3), default_content("de"))
    assert "- 1 Ziel\n- 3 Aufgaben\n" in german and "Tandem hat dich vergessen" in german
