"""Actions agreed in a check-in: shared with the partner, replaced on a second check-in, and
marked done once."""

from __future__ import annotations

from flow import Flow
from scenario import active, ok, refused, rows

from bot.content import default_content
from storage.db import Database
from storage.models import ActionItem


def checked_in(f: Flow, who: str, actions: str) -> str:
    session = f.form_value(who, "checkin").split(":")[1]
    ok(f.submit(who, "checkin", session, happened="yes", actions=actions))
    return session


def test_a_second_check_in_replaces_the_actions_of_the_first(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f)
    f.advance(days=7, hours=4)  # session 1 has happened and the check-in has gone out
    checked_in(f, "sam", "Sam: try TikTok\nSam: ask the team")
    checked_in(f, "sam", "Sam: try TikTok")
    assert [a.text for a in rows(sqlite_db, ActionItem)] == ["Sam: try TikTok"]


def test_the_check_in_says_its_actions_are_shared(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f)
    f.advance(days=7, hours=4)
    form = f.press("sam", "open_form", f.form_value("sam", "checkin")).answer.form
    actions = next(field for field in form.fields if field.name == "actions")
    assert "shared" in actions.label.lower()
    thanks = default_content().text("sessions.checkin_thanks")
    assert "only the actions you listed" in thanks


def test_an_action_already_done_cannot_be_done_again(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    active(f)
    ok(f.command("sam", "actions add Visit the support floor"))
    ok(f.command("sam", "actions done 1"))
    refused(f.command("maya", "actions done 1"), "already marked done")
    ok(f.command("sam", "goals met 1"))
    refused(f.command("sam", "goals met 1"), "already marked met")
