"""The engine contract: one transaction per event, a retry is done once, refused input and an
unexpected error both leave stored state exactly as it was, and replies go through the outbox."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    active,
    enrol,
    ok,
    person,
    programme,
    proposed,
    refused,
    rows,
)

from bot.content import HERE as CONTENT_DIR
from bot.content import Content, default_content
from bot.engine import Engine
from bot.events import Action, Actor, Command, Message, Submission
from bot.replies import Outcome
from storage.db import Database
from storage.models import Goal, OutboxMessage, Person, ProcessedEvent, Programme, Tenant

SORRY = str(default_content().text("engine.sorry"))  # the answer to an unhandled error


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def command(who: str, text: str, **extra: object) -> Command:
    return Command(actor=Flow.actor(who), text=text, **extra)  # type: ignore[arg-type]


# -- a retried event ------------------------------------------------------------------------


def test_an_event_delivered_twice_is_handled_once(f: Flow) -> None:
    active(f)
    event = command("sam", "goals add Ship it", event_id="Ev0001")
    first = f.engine.handle(event)
    assert first.changed and first.answer is not None
    before = snapshot(f.db)
    assert f.engine.handle(event) == Outcome()  # the platform's retry: nothing to do or say
    assert_unchanged(f.db, before)
    assert [g.text for g in rows(f.db, Goal)].count("Ship it") == 1
    assert [e.event_id for e in rows(f.db, ProcessedEvent)] == ["console:test:Ev0001"]


def test_the_same_event_id_in_two_workspaces_is_two_events(f: Flow) -> None:
    elsewhere = Actor(platform="console", tenant="other", user_id="sam", display_name="Sam")
    ok(f.engine.handle(command("sam", "status", event_id="Ev0009")))
    second = f.engine.handle(Command(actor=elsewhere, text="status", event_id="Ev0009"))
    assert second.changed and second.answer is not None  # handled, not taken for a retry


def test_a_refused_event_is_not_remembered_so_its_retry_is_answered_again(f: Flow) -> None:
    ok(f.command("sam", "status"))
    event = command("sam", "goals met 5", event_id="Ev0002")
    before = snapshot(f.db)
    assert refused(f.engine.handle(event)) == refused(f.engine.handle(event))
    assert_unchanged(f.db, before)


def test_events_without_an_id_are_each_handled(f: Flow) -> None:
    active(f)
    f.engine.handle(command("sam", "goals add Twice"))
    f.engine.handle(command("sam", "goals add Twice"))
    assert [g.text for g in rows(f.db, Goal)].count("Twice") == 2


# -- refusals roll back -----------------------------------------------------------------------


def test_a_refused_first_contact_stores_neither_the_person_nor_the_workspace(f: Flow) -> None:
    before = snapshot(f.db)
    refused(f.engine.handle(command("zed", "frobnicate")), "I don't know the command 'frobnicate'.")
    assert_unchanged(f.db, before)
    assert rows(f.db, Person) == [] and rows(f.db, Tenant) == []


def test_a_refusal_after_changes_in_the_same_turn_undoes_them(f: Flow) -> None:
    # The CSV importer creates people line by line before it finds the bad manager on line 3.
    programme(f)
    before = snapshot(f.db)
    refused(
        f.command(
            COORDINATOR,
            f'enrol --csv --programme "{PROGRAMME}"',
            attachment="user_id,role,level,manager\nsam,mentee,8,\ntom,mentee,7,ghost\n",
        ),
        "line 3: I don't know the manager 'ghost'",
    )
    assert_unchanged(f.db, before)


def test_refused_form_values_come_back_per_field_and_store_nothing(f: Flow) -> None:
    pair_id = proposed(f)
    ok(f.press("maya", "intro", f"{pair_id}:yes"))
    ok(f.press("sam", "intro", f"{pair_id}:yes"))
    ok(f.press("maya", "chemistry", f"{pair_id}:go"))
    ok(f.press("sam", "chemistry", f"{pair_id}:go"))
    before = snapshot(f.db)
    outcome = f.submit("maya", "contract", str(pair_id), sessions="99", length_minutes="60")
    assert outcome.answer is not None and not outcome.changed
    assert outcome.answer.text == "Some answers need another look; nothing was saved."
    assert outcome.field_errors["sessions"] == "Please give a number from 1 to 24."
    assert "mentor_goals" in outcome.field_errors
    assert_unchanged(f.db, before)


@pytest.mark.parametrize(
    ("event", "says"),
    [
        (
            Action(actor=Flow.actor("sam"), action="launch", value="1"),
            "That button is not one I know",
        ),
        (
            Action(actor=Flow.actor("sam"), action="intro", value="x:yes"),
            "That reference is not one I recognise.",
        ),
        (
            Action(actor=Flow.actor("sam"), action="intro", value="404:yes"),
            "I can't find that pair.",
        ),
        (
            Action(actor=Flow.actor("sam"), action="open_form", value="poll:1"),
            "That form is not one I know.",
        ),
        (
            Submission(actor=Flow.actor("sam"), form_id="poll", context="1"),
            "That form is not one I know.",
        ),
        (
            Submission(actor=Flow.actor("sam"), form_id="checkin", context="77"),
            "I can't find that session any more.",
        ),
        (
            Submission(actor=Flow.actor("sam"), form_id="contract", context=""),
            "That reference is not one I recognise.",
        ),
    ],
)
def test_unknown_buttons_forms_and_references_are_refused(
    f: Flow, event: Action | Submission, says: str
) -> None:
    ok(f.command("sam", "status"))
    before = snapshot(f.db)
    refused(f.engine.handle(event), says)
    assert_unchanged(f.db, before)


def test_someone_else_pressing_a_pairs_button_is_refused(f: Flow) -> None:
    pair_id = proposed(f)
    ok(f.command("tom", "status"))
    before = snapshot(f.db)
    refused(f.press("tom", "intro", f"{pair_id}:yes"), "I can't find that pair.")
    assert_unchanged(f.db, before)


# -- an unexpected error ------------------------------------------------------------------------


@pytest.fixture
def content_without_programme_names(tmp_path: Path) -> Content:
    """The content files with programme.yaml missing: a handler's text lookup will fail."""
    folder = tmp_path / "content" / "en"
    folder.mkdir(parents=True)
    for path in (CONTENT_DIR / "en").glob("*.yaml"):
        if path.name != "programme.yaml":
            shutil.copy(path, folder)
    return Content.load(directory=folder.parent)


def test_an_error_inside_a_handler_gets_the_apology_and_changes_nothing(
    f: Flow, content_without_programme_names: Content, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Engine(
        db=f.db, clock=f.clock, content=content_without_programme_names, coordinators={COORDINATOR}
    )
    before = snapshot(f.db)
    with caplog.at_level(logging.ERROR, logger="bot.engine"):
        # programme create stores the programme, then fails looking up the kind's name.
        outcome = broken.handle(
            command(COORDINATOR, "programme create Pilot --kind classic", event_id="Ev0003")
        )
    assert outcome == Outcome(answer=outcome.answer) and outcome.answer is not None
    assert outcome.answer.text == SORRY
    assert_unchanged(f.db, before)  # no programme, no coordinator, no processed event
    assert any("handling" in record.message for record in caplog.records)
    # The same event then works once the content is whole again: it was never marked done.
    ok(
        f.engine.handle(
            command(COORDINATOR, "programme create Pilot --kind classic", event_id="Ev0003")
        )
    )
    assert [p.name for p in rows(f.db, Programme)] == ["Pilot"]


# -- routing and the outbox ---------------------------------------------------------------------


def test_a_direct_message_is_read_as_a_command(f: Flow) -> None:
    answer = ok(f.engine.handle(Message(actor=Flow.actor("sam"), text="help")))
    assert answer.startswith("Here's what I can do:")
    refused(
        f.engine.handle(Message(actor=Flow.actor("sam"), text="hello there")),
        "I don't know the command 'hello'.",
    )


def test_replies_are_stored_in_the_outbox_with_the_change_and_not_without_it(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "sam", role="mentee", level=8)
    invitations = len(rows(f.db, OutboxMessage))  # delivered by Flow; the pair's come next
    outcome = f.engine.handle(command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'))
    assert outcome.changed
    outbox = rows(f.db, OutboxMessage)[invitations:]
    assert [(m.audience, m.person_id, m.delivered_at) for m in outbox] == [
        ("person", person(f.db, "maya").id, None),
        ("person", person(f.db, "sam").id, None),
    ]
    refused(f.engine.handle(command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"')))
    assert len(rows(f.db, OutboxMessage)) == invitations + 2


def test_a_sweep_with_nothing_due_does_nothing(f: Flow) -> None:
    assert f.engine.sweep() == 0


# -- identities from outside --------------------------------------------------------------------


def test_platform_names_and_zones_are_cleaned_to_fit_every_database(database: Database) -> None:
    f = Flow(database)
    actor = Actor(
        platform="console",
        tenant="test",
        user_id="U1",
        display_name="N\x00ame " * 60,
        timezone="Mars/Base",
    )
    ok(f.engine.handle(Command(actor=actor, text="status")))
    stored = person(database, "U1")
    assert stored.display_name == ("Name " * 40).strip()
    assert stored.timezone == "UTC"


@pytest.mark.parametrize(
    "actor",
    [
        Actor(platform="console", tenant="test", user_id="U" * 129),
        Actor(platform="console", tenant="test", user_id=""),
        Actor(platform="console", tenant="T" * 129, user_id="U1"),
        Actor(platform="a-very-long-platform-name", tenant="test", user_id="U1"),
    ],
)
def test_an_identity_too_long_to_store_is_refused_on_every_database(
    database: Database, actor: Actor
) -> None:
    f = Flow(database)
    before = snapshot(database)
    refused(f.engine.handle(Command(actor=actor, text="status")), "I can't tell")
    assert_unchanged(database, before)


# -- input that once reached the database unchecked ---------------------------------------------


def test_a_huge_reference_in_a_button_is_refused(f: Flow) -> None:
    ok(f.command("sam", "status"))
    before = snapshot(f.db)
    refused(f.press("sam", "intro", "99999999999999999999:yes"), "not one I recognise")
    assert_unchanged(f.db, before)


@pytest.mark.parametrize(
    ("form", "field", "value"),
    [
        ("checkin", "challenge", "²"),
        ("checkin", "breadth", "1" * 5000),
        ("evaluation", "goals_met", "²"),
        ("evaluation", "goals_met", "1" * 5000),
    ],
)
def test_a_score_int_cannot_read_is_a_field_error(
    f: Flow, form: str, field: str, value: str
) -> None:
    pair_id = active(f)
    f.advance(days=7, hours=4)
    context = f.form_value("sam", "checkin").split(":")[1]
    if form == "evaluation":
        ok(f.command(COORDINATOR, f"end {pair_id}"))
        context = str(pair_id)
    before = snapshot(f.db)
    outcome = f.submit(
        "sam",
        form,
        context,
        happened="yes",
        what_worked="x",
        continue_as="network",
        **{field: value},
    )
    assert field in outcome.field_errors
    assert_unchanged(f.db, before)


def test_a_lone_surrogate_in_a_form_value_is_not_an_error(f: Flow) -> None:
    active(f)
    f.advance(days=7, hours=4)
    session = f.form_value("sam", "checkin").split(":")[1]
    ok(f.submit("sam", "checkin", session, happened="yes", note="a\ud800b"))


def test_a_nul_character_in_a_form_value_is_not_an_error_on_postgresql(
    postgresql_db: Database,
) -> None:
    f = Flow(postgresql_db)
    active(f)
    f.advance(days=7, hours=4)
    session = f.form_value("sam", "checkin").split(":")[1]
    ok(f.submit("sam", "checkin", session, happened="yes", note="a\x00b"))


def test_a_very_long_event_id_is_not_an_error_on_postgresql(postgresql_db: Database) -> None:
    f = Flow(postgresql_db)
    ok(f.engine.handle(command("sam", "status", event_id="E" * 201)))
