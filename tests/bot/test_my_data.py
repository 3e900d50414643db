"""`/tandem my-data` (bot.my_data, issue 8 item 2): the person alone receives everything Tandem
stores about them, as text and as a JSON file that says the same, and nothing private of
anyone else (their partner's check-in notes and scores, their partner's evaluation)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    agree_contract,
    go_ahead,
    jump,
    ok,
    proposed,
    rows,
)

from bot.replies import Reply
from bot.text import plain
from storage.db import Database
from storage.models import MentoringSession


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def my_data(f: Flow, who: str) -> tuple[Reply, dict[str, list[dict[str, Any]]]]:
    for reader in ("maya", "sam", COORDINATOR):
        f.new(reader)
    before = snapshot(f.db)
    outcome = f.command(who, "my-data")
    answer = outcome.answer
    assert answer is not None and not outcome.queued, "my-data goes back to the asker only"
    assert_unchanged(f.db, before)  # nothing queued for anyone, nothing stored
    for other in ("maya", "sam", COORDINATOR):
        assert f.new(other) == [], other
    [file] = answer.files
    assert (file.name, file.media_type) == ("tandem-my-data.json", "application/json")
    return answer, json.loads(file.data)


def values(item: dict[str, Any]) -> list[str]:
    """How each value of an item reads in the text (bot.my_data._shown)."""
    shown = []
    for value in item.values():
        if value is None or value in ("", []):
            shown.append("-")
        elif isinstance(value, list):
            shown.append(", ".join(str(v) for v in value))
        else:
            shown.append(str(value))
    return shown


def the_pair(f: Flow) -> int:
    """An active pair, a session both checked in on (hers parks a career question), actions
    of both, then the end and both evaluations."""
    pair_id = active(f)
    ok(f.command("sam", "actions add Sam's own action"))
    ok(f.command("maya", "actions add Maya's own action"))
    [first] = [s for s in rows(f.db, MentoringSession, pair_id=pair_id) if s.number == 1]
    jump(f, first.checkin_due_at)
    ok(
        f.submit(
            "sam",
            "checkin",
            str(first.id),
            happened="yes",
            challenge="2",
            breadth="3",
            career_talk="yes",
            note="Sam's private note",
        )
    )
    ok(
        f.submit(
            "maya",
            "checkin",
            str(first.id),
            happened="yes",
            challenge="5",
            breadth="5",
            note="Maya's private note",
        )
    )
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    for who, score, words in (("sam", "4", "Sam's evaluation"), ("maya", "1", "Maya's review")):
        ok(
            f.submit(
                who,
                "evaluation",
                str(pair_id),
                goals_met=score,
                what_worked=words,
                what_to_change=f"{words}, changed",
                continue_as="network",
            )
        )
    return pair_id


def test_my_data_is_everything_of_mine_privately_and_nothing_private_of_my_partner(
    f: Flow,
) -> None:
    pair_id = the_pair(f)
    answer, data = my_data(f, "sam")
    text = plain(answer.text)

    # The file says what the text says: every section, every value of every row.
    for title, items in data.items():
        assert f"*{title}*" in answer.text or title in text, title
        for item in items:
            for shown in values(item):
                assert shown in text, (title, shown)

    [me] = data["You"]
    assert (me["platform_user_id"], me["display_name"]) == ("sam", "Sam")
    assert [(e["programme"], e["role"]) for e in data["Enrolments"]] == [(PROGRAMME, "mentee")]
    [pair] = data["Pairs"]
    assert (pair["pair"], pair["role"], pair["programme"]) == (pair_id, "mentee", PROGRAMME)
    assert {g["text"] for g in data["Your goals"]} == {
        "Understand how customers use the app",
        "Try TikTok for a week",
    }
    assert "Sam's own action" in {a["text"] for a in data["Your actions"]}
    assert "Maya's own action" not in {a["text"] for a in data["Your actions"]}
    [checkin] = data["Your check-ins"]
    assert (checkin["note"], checkin["challenge"], checkin["breadth"]) == (
        "Sam's private note",
        2,
        3,
    )
    [evaluation] = data["Your evaluations"]
    assert (evaluation["goals_met"], evaluation["what_worked"]) == (4, "Sam's evaluation")
    assert data["Contracts of your pairs"], "the pair's contract is theirs too"
    assert data["Messages Tandem stored for you"]

    # Nothing private of Maya's: not her note, scores, evaluation, nor her own action.
    document = json.dumps(data)
    for hers in ("Maya's private note", "Maya's review", "Maya's own action"):
        assert hers not in text and hers not in document, hers
    assert [c["challenge"] for c in data["Your check-ins"]] == [2]

    # And the other way round: Maya's export has hers, never Sam's.
    answer, data = my_data(f, "maya")
    text = plain(answer.text)
    assert "Maya's private note" in text and "Maya's review" in text
    for his in ("Sam's private note", "Sam's evaluation", "Sam's own action"):
        assert his not in text and his not in json.dumps(data), his


def test_someone_with_nothing_stored_but_their_name_gets_that(f: Flow) -> None:
    f.command("zoe", "status")  # first contact stores the person, as any message does
    answer, data = my_data(f, "zoe")
    [me] = data["You"]
    assert me["platform_user_id"] == "zoe"
    assert all(items == [] for title, items in data.items() if title != "You")
    assert "*Enrolments*: none" in answer.text


def test_my_data_has_the_parked_items_and_waypoints_of_my_pairs(f: Flow) -> None:
    the_pair(f)
    pair_id = proposed(f, kind="sponsorship", mentor="ola", mentee="sam", name="Sponsors")
    accept_intros(f, pair_id, ("ola", "sam"))
    go_ahead(f, pair_id, ("ola", "sam"))
    agree_contract(f, pair_id, "ola", "sam", destination="Head of sales")
    ok(f.command("sam", "waypoints add Lead the quarterly review"))
    answer, data = my_data(f, "sam")
    document = json.dumps(data)
    assert any("parked" in title.lower() for title in data), list(data)
    assert any("waypoint" in title.lower() for title in data), list(data)
    assert "Lead the quarterly review" in document and "Lead the quarterly review" in answer.text
