"""Refusals from dispatch: what was wrong and the one usage line that applies, never the list.

Every verb is covered through the grammar's own table, so a verb added there is checked here
without touching this file.
"""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import COORDINATOR, ok, refused

from bot.commands import grammar
from storage.db import Database


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    flow = Flow(sqlite_db)
    ok(flow.command("sam", "status"))  # sam exists, and is a participant
    return flow


def _bad_form(spec: grammar.Verb) -> str | None:
    """A mistake in this one form of a verb; None when any words at all are valid (help)."""
    if not spec.rest:
        return f"{spec.label} --no-such-option"
    if spec.rest_optional and all(p.optional for p in spec.args):
        return None
    return spec.label  # its <pair>, <goal> or <note> left out


def _message(text: str, *, coordinator: bool) -> str:
    with pytest.raises(grammar.UsageError) as caught:
        grammar.parse(text, coordinator=coordinator)
    return caught.value.message


@pytest.mark.parametrize("who", ["sam", COORDINATOR])
def test_a_bad_form_of_every_verb_is_answered_with_that_verbs_usage_line(f: Flow, who: str) -> None:
    coordinator = who == COORDINATOR
    before = snapshot(f.db)
    for spec in grammar.VERBS:
        bad = _bad_form(spec)
        if bad is None:
            assert spec.name == "help", f"{spec.label} accepts anything: give it a bad form"
            continue
        text = refused(f.command(who, bad))
        if spec.audience == "coordinator" and not coordinator:
            assert text == (
                f"`{spec.full}` is for programme coordinators. If you need something from "
                "yours, send them a private note with `help <your note>`."
            ), bad
            continue
        line = grammar.usage_for(spec.label, coordinator=coordinator)
        assert text == _message(bad, coordinator=coordinator) + "\n\n" + line, bad
        assert text.count("/tandem ") == 1, bad  # that line only, never the whole list
    assert_unchanged(f.db, before)


def test_a_mistyped_subcommand_shows_the_lines_of_that_family_only(f: Flow) -> None:
    assert refused(f.command("sam", "goals ad Lead")) == (
        "After goals I expect add or met, not 'ad'.\n\n"
        "/tandem goals\n/tandem goals add <goal>\n/tandem goals met <n>"
    )


def test_an_unknown_command_points_to_help_or_to_the_verb_it_looks_like(f: Flow) -> None:
    assert refused(f.command("sam", "frobnicate")) == (
        "I don't know the command 'frobnicate'.\n\n`/tandem help` lists what I can do."
    )
    assert refused(f.command("sam", "acitons")) == (
        "I don't know the command 'acitons'. Did you mean `actions`?\n\n"
        "/tandem actions\n/tandem actions add <action>\n/tandem actions done <n>"
    )


def test_help_alone_still_lists_everything(f: Flow) -> None:
    assert ok(f.command("sam", "help")) == grammar.usage(coordinator=False)
    assert ok(f.command(COORDINATOR, "help")) == grammar.usage(coordinator=True)
