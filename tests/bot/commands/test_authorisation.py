"""Who may do what: the first coordinators come from the engine's settings, coordinators make
others, and every coordinator verb is refused for a participant, clearly and changing nothing."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import enrol, ok, person, programme, refused, rows

from bot.commands import grammar
from bot.commands.dispatch import ANYONE, COORDINATOR_FORMS, COORDINATOR_ONLY
from bot.events import Actor, Command
from storage.db import Database
from storage.models import Person

# Every coordinator verb as the grammar's own examples write it, plus the participant verbs
# that become coordinator verbs when they name a pair or a programme.
COORDINATOR_VERBS = [spec for spec in grammar.VERBS if spec.audience == "coordinator"]
EXAMPLES = [(spec.label, spec.example) for spec in COORDINATOR_VERBS] + [
    ("status", 'status "Reverse 2026"'),
    ("pause", "pause 12"),
    ("resume", "resume #12"),
]


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    """Flow's engine is given coordinators=("hana",), as TANDEM_COORDINATORS would."""
    flow = Flow(sqlite_db)
    programme(flow, "Reverse 2026")
    enrol(flow, "maya", role="mentor", level=2, programme="Reverse 2026")
    enrol(flow, "john", role="mentee", level=8, programme="Reverse 2026")
    ok(flow.command("sam", "status"))
    return flow


def test_every_coordinator_verb_is_checked() -> None:
    assert {spec.full for spec in COORDINATOR_VERBS} == set(COORDINATOR_ONLY)
    assert set(COORDINATOR_FORMS) <= set(ANYONE)


def test_the_first_coordinators_come_from_the_engines_settings(f: Flow) -> None:
    assert person(f.db, "hana").is_coordinator
    assert not person(f.db, "sam").is_coordinator
    assert not person(f.db, "maya").is_coordinator  # enrolling never makes a coordinator


def test_someone_added_to_the_settings_later_becomes_a_coordinator(f: Flow) -> None:
    later = Flow(f.db, coordinators=("hana", "sam"))
    ok(later.command("sam", "programme list"))
    assert person(f.db, "sam").is_coordinator


@pytest.mark.parametrize(("verb", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_a_participant_is_refused_every_coordinator_verb(f: Flow, verb: str, example: str) -> None:
    before = snapshot(f.db)
    text = refused(f.command("sam", example, attachment="user_id,role,level\nzoe,mentee,5\n"))
    verb = verb.removesuffix(" --csv")
    whose = (
        f"Naming a pair or programme after `{verb}` is for programme coordinators; "
        f"`{verb}` on its own is about your own pair."
        if verb in COORDINATOR_FORMS
        else f"`{verb}` is for programme coordinators."
    )
    assert text == (
        whose + " If you need something from yours, send them a private note with "
        "`help <your note>`."
    )  # and no usage list: none of those commands is theirs
    assert_unchanged(f.db, before)


@pytest.mark.parametrize(("verb", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_a_coordinator_may_use_every_coordinator_verb(f: Flow, verb: str, example: str) -> None:
    outcome = f.command("hana", example, attachment="user_id,role,level\nzoe,mentee,5\n")
    assert outcome.answer is not None
    assert "is for programme coordinators" not in outcome.answer.text


def test_a_participant_who_is_also_a_coordinator_is_not_refused(f: Flow) -> None:
    ok(f.command("hana", "coordinator add sam"))
    ok(f.command("sam", 'programme create "Classic" --kind classic'))
    ok(f.command("sam", "coordinator add john"))
    assert person(f.db, "john").is_coordinator


def test_a_participant_cannot_make_themselves_a_coordinator(f: Flow) -> None:
    before = snapshot(f.db)
    refused(f.command("sam", "coordinator add sam"), "is for programme coordinators")
    refused(f.command("sam", "coordinator add @sam"), "is for programme coordinators")
    assert_unchanged(f.db, before)
    assert not person(f.db, "sam").is_coordinator


def test_coordinators_of_one_workspace_are_not_coordinators_of_another(f: Flow) -> None:
    ok(f.command("hana", "coordinator add sam"))
    elsewhere = Actor(platform="console", tenant="elsewhere", user_id="sam", display_name="Sam")
    outcome = f.engine.handle(Command(actor=elsewhere, text="programme list"))
    refused(outcome, "`programme list` is for programme coordinators")
    assert [p.is_coordinator for p in rows(f.db, Person, platform_user_id="sam")] == [True]


def test_participants_are_never_shown_coordinator_verbs(f: Flow) -> None:
    text = ok(f.command("sam", "help"))
    for spec in COORDINATOR_VERBS:
        assert f"/tandem {spec.label} " not in text
    unknown = refused(f.command("sam", "frobnicate"), "I don't know the command 'frobnicate'.")
    assert "programme create" not in unknown
    refused(f.command("sam", "progamme create X"), "`/tandem help` lists what I can do.")
    assert refused(f.command("hana", "progamme create X")).endswith(
        "Did you mean `programme`?\n\n" + grammar.usage_for("programme", coordinator=True)
    )
