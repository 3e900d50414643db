"""A reply carries its workspace's language to the adapter, which adds its own words in it.

The engine stamps the answer it returns (refusals too) and the Turn stamps what it queues, so
the outbox row says the language and the renderer picks it up; a row written before replies
carried a language reads back as None, and the app's default language is used.
"""

from __future__ import annotations

import pytest
from flow import Flow
from scenario import COORDINATOR, ok, person, rows

from adapters.console.render import to_field_prompt
from adapters.slack.render import to_modal
from adapters.teams.render import to_form_card
from bot.content import default_content
from bot.replies import FieldKind, Form, FormField, Reply
from bot.turn import Turn
from storage.db import Database
from storage.models import OutboxMessage, Person, Tenant


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


FORM = Form(
    form_id="checkin",
    title="Check-in",
    fields=(
        FormField(name="sessions", label="Sessions", kind=FieldKind.INTEGER, minimum=1, maximum=24),
    ),
)


def test_an_english_workspace_answers_in_english_and_renders_as_before(f: Flow) -> None:
    answer = f.command(COORDINATOR, "status").answer
    assert answer is not None and answer.language == "en"
    assert to_modal(FORM, language=answer.language)["close"]["text"] == "Cancel"


def test_a_german_workspace_gets_german_adapter_words_end_to_end(f: Flow) -> None:
    answer = f.command(COORDINATOR, "language de").answer  # answered in the new language
    assert answer is not None and answer.language == "de"
    refused = f.command(COORDINATOR, "goals met 99").answer  # a Refusal is stamped as well
    assert refused is not None and refused.language == "de"
    assert to_modal(FORM, language=answer.language)["close"]["text"] == "Abbrechen"
    card_input = to_form_card(FORM, language=answer.language)["body"][-1]
    assert card_input["errorMessage"] == "Bitte gib eine ganze Zahl von 1 bis 24 an."
    prompt = to_field_prompt(FORM.fields[0], number=1, total=1, language=answer.language)
    assert "eine ganze Zahl von 1 bis 24" in prompt


def test_queued_messages_carry_the_workspace_language_in_the_outbox(f: Flow) -> None:
    ok(f.command(COORDINATOR, "status"))  # the workspace and its coordinator, stored
    hana = person(f.db, COORDINATOR)
    with f.db.transaction() as session:
        turn = Turn(
            session=session,
            now=f.clock.now(),
            content=default_content("de"),
            tenant=session.get_one(Tenant, hana.tenant_id),
            immediate=True,
        )
        turn.to_person(session.get_one(Person, hana.id), Reply(text="Hallo"))
        turn.to_person(session.get_one(Person, hana.id), Reply(text="Hi", language="en"))
    assert [o.reply.language for o in turn.sent] == ["de", "en"]  # a language said is kept
    assert [row.payload["language"] for row in rows(f.db, OutboxMessage)] == ["de", "en"]
    f.deliver()
    assert [r.language for r in f.received(COORDINATOR)] == ["de", "en"]  # read back


def test_a_reply_keeps_its_language_through_the_outbox_and_old_rows_have_none() -> None:
    reply = Reply(text="Hallo", language="de")
    assert Reply.from_dict(reply.to_dict()) == reply
    old = Reply(text="Hello").to_dict()
    assert "language" not in old  # payloads without a language stay as they were
    assert Reply.from_dict(old).language is None
