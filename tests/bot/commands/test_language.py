"""`language`: a coordinator sets the language of their whole workspace, and only theirs."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import COORDINATOR, ok, refused, rows

from bot.commands import grammar
from bot.content import Content, default_content
from bot.events import Actor, Command
from bot.replies import Outcome
from storage.db import Database
from storage.models import Tenant

GERMAN = default_content("de")


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def _elsewhere(f: Flow, who: str, text: str) -> Outcome:
    """A command from another workspace in the same database."""
    actor = Actor(platform="console", tenant="elsewhere", user_id=who, display_name=who.title())
    return f.engine.handle(Command(actor=actor, text=text))


def _language(f: Flow, tenant: str) -> str | None:
    return next(t.language for t in rows(f.db, Tenant) if t.external_id == tenant)


def test_language_shows_the_current_one_and_those_available(f: Flow) -> None:
    text = ok(f.command(COORDINATOR, "language"))
    assert "English (en)" in text
    for code in Content.languages():
        assert f"({code})" in text
    assert "German (de)" in text


def test_a_coordinator_sets_german_and_is_answered_in_german(f: Flow) -> None:
    text = ok(f.command(COORDINATOR, "language de"))
    assert text == GERMAN.text("language.set", language="Deutsch", code="de")
    assert _language(f, "test") == "de"
    assert ok(f.command(COORDINATOR, "help")) == grammar.usage(coordinator=True, content=GERMAN)
    assert ok(f.command("sam", "help")).startswith("Das kann ich für dich tun:")
    # Refusals too: what was wrong, and the one usage line that applies.
    assert refused(f.command("sam", "goals met")).startswith("goals met braucht <n>.")


def test_another_workspace_in_the_same_database_stays_english(f: Flow) -> None:
    ok(f.command(COORDINATOR, "language DE"))
    assert ok(_elsewhere(f, COORDINATOR, "help")) == grammar.usage(coordinator=True)
    assert _language(f, "elsewhere") is None
    ok(f.command(COORDINATOR, "language en"))  # and back
    assert ok(f.command("sam", "help")) == grammar.usage(coordinator=False)


def test_an_unknown_language_is_refused_naming_those_there_are(f: Flow) -> None:
    ok(f.command(COORDINATOR, "status"))  # the workspace exists before the snapshot
    before = snapshot(f.db)
    text = refused(f.command(COORDINATOR, "language xx"), "'xx'", "English (en)", "German (de)")
    assert "Nothing was changed" in text
    refused(f.command(COORDINATOR, "language ../en"), "Nothing was changed")
    assert_unchanged(f.db, before)
    assert _language(f, "test") is None


def test_only_coordinators_set_the_language(f: Flow) -> None:
    ok(f.command("sam", "status"))
    before = snapshot(f.db)
    refused(f.command("sam", "language de"), "`language` is for programme coordinators")
    refused(f.command("sam", "language"), "`language` is for programme coordinators")
    assert_unchanged(f.db, before)


def test_setting_the_language_is_in_the_audit_trail(f: Flow) -> None:
    ok(f.command(COORDINATOR, "language de"))
    ok(f.command(COORDINATOR, "language"))  # reading changes nothing and is not kept
    log = ok(f.command(COORDINATOR, "coordinator list --log"))
    assert log.count("language") == 1 and "language de" in log


@pytest.mark.parametrize("language", Content.languages())
def test_every_languages_examples_parse_to_their_verb(language: str) -> None:
    content = default_content(language)
    for spec in grammar.VERBS:
        parsed = grammar.parse(spec.example_in(content))
        assert parsed.verb == spec.full, (language, spec.label)
        assert (spec.form in parsed.options) if spec.form else True
