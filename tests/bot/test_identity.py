"""Who is acting: the platform's identity, its display name and its time zone."""

from __future__ import annotations

import pytest
from flow import Flow
from hypothesis import given
from hypothesis import strategies as st
from scenario import COORDINATOR, enrol, ok, person, programme

from bot.events import Actor, Command
from bot.identity import INVISIBLE, clean_name, clean_text
from storage.db import Database


def act(f: Flow, timezone: str | None) -> None:
    actor = Actor(
        platform="console", tenant="test", user_id="maya", display_name="Maya", timezone=timezone
    )
    ok(f.engine.handle(Command(actor=actor, text="status")))


def test_the_platforms_time_zone_replaces_the_enrolment_default(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    programme(f)
    enrol(f, "maya", role="mentor", level=2)  # no --tz: stored as UTC
    assert person(sqlite_db, "maya").timezone == "UTC"
    act(f, "America/Los_Angeles")
    assert person(sqlite_db, "maya").timezone == "America/Los_Angeles"
    act(f, "Not/AZone")  # a zone we cannot use is ignored, never stored
    act(f, None)
    assert person(sqlite_db, "maya").timezone == "America/Los_Angeles"
    assert person(sqlite_db, COORDINATOR).timezone == "UTC"


# -- clean_text: the one normaliser of text from outside -----------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Night\x1b[31mOwls\x1b[0m", "NightOwls"),  # issue 8: "Night[31mOwls[0m" before
        ("x\x1b]0;title\x07y", "xy"),
        ("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y", "xlinky"),
        ("a\x1b\x1b[2Jb", "ab"),
        ("n\x1b", "n"),
        ("Sam\u202eevil\u2066x\u2069", "Samevilx"),  # issue 8: bidi overrides passed
        ("Sa\u200dm\u200b\u200c\u2060\ufeff\u200e\u200f\u061c", "Sam"),
        ("Zoe\u0308", "Zo\u00eb"),
        ("a\r\nb\rc\x00d\td", "a\nb\ncd\td"),
        ("\ud800x", "x"),
    ],
)
def test_clean_text_removes_what_issue_8_found(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_name_is_one_line() -> None:
    assert clean_name("  Maya \n\t Lind\x1b[1m ") == "Maya Lind"


@given(st.text(st.characters(exclude_categories=())))
def test_clean_text_is_idempotent_and_leaves_nothing_it_removes(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once
    assert "\x1b" not in once and not (set(once) & INVISIBLE)
    assert all(c in "\n\t" or ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in once)
    assert clean_name(clean_name(raw)) == clean_name(raw)


def test_an_id_standing_in_for_a_missing_name_is_normalised_like_a_name(
    sqlite_db: Database,
) -> None:
    # Found by the hostile-input property test: a platform id with a no-break space and no
    # display name was stored as the name as it came, not as clean_name leaves it.
    f = Flow(sqlite_db)
    actor = Actor(platform="console", tenant="test", user_id="!g\xa0\xa4", display_name=None)
    f.engine.handle(Command(actor=actor, text="status"))
    stored = person(sqlite_db, "!g\xa0\xa4").display_name
    assert stored == clean_name(stored) == "!g \xa4"


def test_refusals_about_people_speak_the_workspace_s_language() -> None:
    from bot.content import default_content
    from bot.identity import forgotten_name, unknown_person

    assert unknown_person("@U1").startswith("No one here has the id 'U1'.")
    assert unknown_person("@U1", default_content("de")).startswith("Hier hat niemand die ID 'U1'.")
    assert forgotten_name(default_content("en")) == "(a former participant)"
    assert forgotten_name(default_content("de")) != forgotten_name(default_content("en"))
