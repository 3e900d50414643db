"""The coaching text: every key the engine calls resolves for every programme kind and role,
formats with exactly the placeholders promised for it, and reads as finished text.

The table below is the contract between the content files and the engine. A key marked
KIND must resolve for all four kinds, KIND_ROLE for all four kinds and both roles.
"""

from __future__ import annotations

import difflib
import itertools
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import KINDS, Content, ContentError

CONTENT_DIR = Path(__file__).resolve().parents[2] / "bot" / "content" / "en"

ROLES = ("mentor", "mentee")

# Which file owns which top-level keys (the loader refuses overlaps between files).
FILES = {
    "programme.yaml": {"kinds", "roles"},
    "intro.yaml": {"intro"},
    "chemistry.yaml": {"chemistry", "dissolved"},
    "contracting.yaml": {"contracting"},
    "sessions.yaml": {"sessions"},
    "wrap_up.yaml": {"wrap_up"},
    "nudges.yaml": {"nudges"},
}

PLAIN, KIND, KIND_ROLE = "plain", "kind", "kind_role"

# Sample values for every placeholder; none contains a brace, so any brace left after
# formatting is a placeholder the content should not have used (or a typo).
SAMPLE = {
    "name": "Sam",
    "partner": "Maya",
    "programme": "Digital Reverse Mentoring 2025",
    "reason": "Maya knows short-form video, which Sam wants to learn",
    "role_name": "reverse mentor",
    "partner_role_name": "mentee",
    "mentor": "Maya",
    "mentee": "Sam",
    "person": "Sam",
    "pair_id": 42,
    "proposer": "Maya",
    "version": 2,
    "sessions": 6,
    "cadence": "Monthly",
    "first_session": "2025-03-04",
    "number": 3,
    "total": 6,
    "when": "tomorrow at 10:00",
    "leader": "Maya",
    "other": "Sam",
    "actions": "- Maya: share the TikTok analytics view\n- Sam: post one short video",
    "goals": "- Understand how short-form video reaches customers\n- Lead a senior meeting",
    "items": "- career advice\n- an offer of sponsorship",
    "count": 3,
    "days": 45,
    "starter": "Each bring a news story from this week.",
    "topic": "career advice",
    "note": "Remember the programme lunch on Friday.",
    "coordinator": "Priya",
}

# key -> (variants, placeholders, is_list)
SPEC: dict[str, tuple[Any, tuple[str, ...], bool]] = {
    # programme.yaml
    "kinds.name": (KIND, (), False),
    "kinds.purpose": (KIND, (), False),
    "roles.mentor": (KIND, (), False),
    "roles.mentee": (KIND, (), False),
    "roles.pair": (KIND, (), False),
    # intro.yaml
    "intro.body": (
        KIND_ROLE,
        ("name", "partner", "programme", "reason", "role_name", "partner_role_name"),
        False,
    ),
    "intro.asks": (KIND_ROLE, (), True),
    "intro.asks_heading": (KIND_ROLE, (), False),
    "intro.question": (PLAIN, ("partner",), False),
    "intro.accept_button": (PLAIN, (), False),
    "intro.decline_button": (PLAIN, (), False),
    "intro.accepted_waiting": (PLAIN, ("partner",), False),
    "intro.declined_ack": (PLAIN, (), False),
    # chemistry.yaml
    "chemistry.invitation": (KIND, ("mentor", "mentee"), False),
    "chemistry.questions": (KIND, (), True),
    "chemistry.ask": (PLAIN, ("partner",), False),
    "chemistry.go_button": (PLAIN, (), False),
    "chemistry.not_fit_button": (PLAIN, (), False),
    "chemistry.talk_button": (PLAIN, (), False),
    "chemistry.go_waiting": (PLAIN, ("partner",), False),
    "chemistry.talk_ack": (PLAIN, (), False),
    "chemistry.no_fit_ack": (PLAIN, (), False),
    "chemistry.talk_coordinator": (PLAIN, ("person", "partner", "programme", "pair_id"), False),
    "dissolved.pair_note": (PLAIN, ("programme",), False),
    "dissolved.coordinator": (PLAIN, ("mentor", "mentee", "programme", "pair_id"), False),
    # contracting.yaml
    "contracting.start": (KIND, ("mentor", "mentee"), False),
    "contracting.open_button": (PLAIN, (), False),
    "contracting.form_title": (PLAIN, (), False),
    **{
        f"contracting.fields.{field}.{part}": (
            KIND if field in {"mentor_goals", "mentee_goals", "mentor_motivation"} else PLAIN,
            (),
            False,
        )
        for field in (
            "sessions",
            "length_minutes",
            "cadence",
            "medium",
            "start_date",
            "end_date",
            "mentor_goals",
            "mentee_goals",
            "mentor_motivation",
            "agenda_owner",
            "waits_until_end",
            "confidentiality",
            "destination",
            "swap_after_session",
        )
        for part in ("label", "hint")
    },
    **{
        f"contracting.choices.cadence.{c}": (PLAIN, (), False)
        for c in ("weekly", "fortnightly", "monthly", "bimonthly")
    },
    **{
        f"contracting.choices.medium.{c}": (PLAIN, (), False)
        for c in ("in_person", "video", "chat", "site_visit")
    },
    **{
        f"contracting.choices.agenda_owner.{c}": (PLAIN, (), False)
        for c in ("by_mentor", "by_mentee", "shared", "alternate")
    },
    "contracting.defaults.waits_until_end": (KIND, (), False),
    "contracting.defaults.confidentiality": (PLAIN, (), False),
    "contracting.posted": (PLAIN, ("proposer", "version"), False),
    "contracting.confirm_button": (PLAIN, (), False),
    "contracting.change_button": (PLAIN, (), False),
    "contracting.confirmed_waiting": (PLAIN, ("partner",), False),
    "contracting.agreed": (KIND, ("sessions", "cadence", "first_session"), False),
    # sessions.yaml
    "sessions.reminder": (
        KIND_ROLE,
        ("name", "partner", "number", "total", "when", "leader"),
        False,
    ),
    "sessions.prep": (KIND_ROLE, (), True),
    "sessions.actions_carried": (PLAIN, ("actions",), False),
    "sessions.checkin_prompt": (PLAIN, ("number", "partner"), False),
    "sessions.checkin_button": (PLAIN, (), False),
    "sessions.checkin_title": (PLAIN, (), False),
    **{
        f"sessions.checkin_fields.{field}.{part}": (PLAIN, (), False)
        for field in (
            "happened",
            "agenda_set_by",
            "challenge",
            "breadth",
            "jumped_to_solutions",
            "career_talk",
            "goals_moved",
            "actions",
            "note",
        )
        for part in ("label", "hint")
    },
    **{
        f"sessions.checkin_choices.agenda_set_by.{c}": (PLAIN, (), False)
        for c in ("by_mentor", "by_mentee", "both")
    },
    "sessions.checkin_thanks": (PLAIN, (), False),
    "sessions.checkin_missed_ack": (PLAIN, (), False),
    "sessions.midpoint": (KIND, ("number", "total", "goals"), False),
    # wrap_up.yaml
    "wrap_up.start": (KIND_ROLE, ("name", "partner"), False),
    "wrap_up.parked": (KIND, ("items",), False),
    "wrap_up.evaluation_button": (PLAIN, (), False),
    "wrap_up.evaluation_title": (PLAIN, (), False),
    **{
        f"wrap_up.fields.{field}.{part}": (PLAIN, (), False)
        for field in ("goals_met", "take_back", "what_worked", "what_to_change", "continue_as")
        for part in ("label", "hint")
    },
    **{
        f"wrap_up.choices.continue_as.{c}": (PLAIN, (), False)
        for c in ("continue", "reciprocal", "network", "friendly_end")
    },
    "wrap_up.thanks": (PLAIN, (), False),
    "wrap_up.closed_pair": (KIND, ("mentor", "mentee"), False),
    "wrap_up.closed_coordinator": (PLAIN, ("mentor", "mentee", "programme", "pair_id"), False),
    # nudges.yaml
    "nudges.mentor_leading.pair": (("reverse", "reciprocal"), ("leader", "other"), False),
    "nudges.mentor_leading.coordinator": (
        PLAIN,
        ("mentor", "mentee", "programme", "pair_id", "count", "leader"),
        False,
    ),
    "nudges.stay_curious.senior": (KIND, ("name", "partner"), False),
    "nudges.stay_curious.tip": (KIND, ("name", "partner"), False),
    "nudges.too_polite.pair": (KIND, ("starter",), False),
    "nudges.too_polite.starters": (KIND, (), True),
    "nudges.park_it.pair": (PLAIN, ("topic",), False),
    "nudges.park_it.topics.career_advice": (PLAIN, (), False),
    "nudges.park_it.topics.sponsorship": (PLAIN, (), False),
    "nudges.see_differently.pair": (KIND, ("number",), False),
    "nudges.steam.pair": (KIND, ("days",), False),
    "nudges.steam.never_met": (PLAIN, ("days",), False),
    "nudges.steam.coordinator": (
        PLAIN,
        ("mentor", "mentee", "programme", "pair_id", "days"),
        False,
    ),
    "nudges.purpose.pair": (KIND, ("sessions",), False),
    "nudges.your_turn.pair": (PLAIN, ("leader", "other"), False),
    "nudges.manual.pair": (PLAIN, ("note", "coordinator"), False),
}

BUTTONS = [key for key in SPEC if key.endswith("_button")]
TITLES = ["contracting.form_title", "sessions.checkin_title", "wrap_up.evaluation_title"]
LABELS = [key for key in SPEC if key.endswith(".label")]
HINTS = [key for key in SPEC if key.endswith(".hint")]
CHOICES = [key for key in SPEC if ".choices." in key or ".checkin_choices." in key]


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.load()


def variants(spec: Any) -> list[tuple[str | None, str | None]]:
    """The (kind, role) combinations a key must answer for."""
    if spec == PLAIN:
        return [(None, None), *((kind, None) for kind in KINDS)]
    if spec == KIND:
        return [(kind, None) for kind in KINDS]
    if spec == KIND_ROLE:
        return [(kind, role) for kind in KINDS for role in ROLES]
    return [(kind, None) for kind in spec]


def render(content: Content, key: str, kind: str | None, role: str | None) -> list[str]:
    """Every text a key gives for one variant, formatted with exactly its promised params."""
    _, names, is_list = SPEC[key]
    params = {name: SAMPLE[name] for name in names}
    if is_list:
        return content.lines(key, kind=kind, role=role, **params)
    return [content.text(key, kind=kind, role=role, **params)]


CASES = [(key, kind, role) for key, (spec, _, _) in SPEC.items() for kind, role in variants(spec)]


def test_each_file_holds_exactly_its_top_level_keys() -> None:
    for filename, expected in FILES.items():
        loaded = yaml.safe_load((CONTENT_DIR / filename).read_text(encoding="utf-8"))
        assert set(loaded) == expected, filename


@pytest.mark.parametrize(("key", "kind", "role"), CASES)
def test_key_resolves_and_formats(content: Content, key: str, kind: str, role: str) -> None:
    for text in render(content, key, kind, role):
        assert text.strip(), f"{key} {kind}/{role} is empty"
        assert "{" not in text and "}" not in text, f"{key} {kind}/{role} left a brace: {text!r}"
        assert text.count("*") % 2 == 0, f"{key} {kind}/{role} has unbalanced *bold*: {text!r}"
        assert "**" not in text, f"{key} {kind}/{role} uses Markdown bold, not Slack's"


@pytest.mark.parametrize("key", list(SPEC))
def test_uses_only_promised_placeholders(content: Content, key: str) -> None:
    """No variant of a key needs a placeholder outside its list (checked on raw templates)."""
    spec, names, _ = SPEC[key]
    for kind, role in variants(spec):
        node = content._resolve(key, kind, role)
        for template in [node] if isinstance(node, str) else node:
            used = {f for _, f, _, _ in string.Formatter().parse(str(template)) if f is not None}
            assert used <= set(names), f"{key} {kind}/{role} uses {sorted(used - set(names))}"


def test_missing_placeholder_is_refused(content: Content) -> None:
    with pytest.raises(ContentError):
        content.text("intro.question")


# A role may carry the same name in two kinds (a mentee is a mentee), so role names are exempt.
DISTINCT = [
    (key, spec)
    for key, (spec, _, _) in SPEC.items()
    if spec != PLAIN and key not in ("roles.mentor", "roles.mentee")
]


@pytest.mark.parametrize(("key", "spec"), DISTINCT)
def test_kind_variants_read_differently(content: Content, key: str, spec: Any) -> None:
    """Each kind gets its own wording, not one sentence with a word swapped."""
    roles = ROLES if spec == KIND_ROLE else (None,)
    kinds = KINDS if spec in (KIND, KIND_ROLE) else spec
    short = key.startswith(("kinds.name", "roles.")) or key.endswith(".label")
    for role in roles:
        texts = {kind: "\n".join(render(content, key, kind, role)) for kind in kinds}
        for a, b in itertools.combinations(kinds, 2):
            assert texts[a] != texts[b], f"{key} ({role}): {a} and {b} are identical"
            if not short:
                ratio = difflib.SequenceMatcher(None, texts[a], texts[b]).ratio()
                assert ratio < 0.8, f"{key} ({role}): {a} and {b} are {ratio:.0%} alike"


def test_intro_bodies_differ_by_kind_and_role(content: Content) -> None:
    bodies = {
        (kind, role): "\n".join(render(content, "intro.body", kind, role))
        for kind in KINDS
        for role in ROLES
    }
    for role in ROLES:
        for a, b in itertools.combinations(KINDS, 2):
            assert bodies[(a, role)] != bodies[(b, role)]
            ratio = difflib.SequenceMatcher(None, bodies[(a, role)], bodies[(b, role)]).ratio()
            assert ratio < 0.6, f"intro.body {role}: {a} and {b} are {ratio:.0%} alike"
    for kind in KINDS:
        assert bodies[(kind, "mentor")] != bodies[(kind, "mentee")]
        ratio = difflib.SequenceMatcher(None, bodies[(kind, "mentor")], bodies[(kind, "mentee")])
        assert ratio.ratio() < 0.6, f"intro.body {kind}: mentor and mentee too alike"


def test_intro_uses_the_match_reason(content: Content) -> None:
    for kind in KINDS:
        for role in ROLES:
            assert SAMPLE["reason"] in render(content, "intro.body", kind, role)[0]


def test_reverse_senior_is_asked_to_say_why_the_junior_was_approached(content: Content) -> None:
    body = render(content, "intro.body", "reverse", "mentee")[0]
    assert "why they were approached" in body
    assert "how the organisation sees them" in body


def test_role_specific_keys_differ_between_roles(content: Content) -> None:
    for key, (spec, _, _) in SPEC.items():
        if spec != KIND_ROLE:
            continue
        for kind in KINDS:
            mentor = render(content, key, kind, "mentor")
            mentee = render(content, key, kind, "mentee")
            assert mentor != mentee, f"{key} {kind}: mentor and mentee read the same"


def test_lists_have_the_promised_length(content: Content) -> None:
    for kind in KINDS:
        assert 4 <= len(content.lines("chemistry.questions", kind=kind)) <= 6
        assert len(content.lines("nudges.too_polite.starters", kind=kind)) >= 5
        for role in ROLES:
            assert 3 <= len(content.lines("intro.asks", kind=kind, role=role)) <= 4
            assert 4 <= len(content.lines("sessions.prep", kind=kind, role=role)) <= 6


def test_reverse_mentor_prep_uses_grow_and_discussion_material(content: Content) -> None:
    prep = " ".join(content.lines("sessions.prep", kind="reverse", role="mentor"))
    for word in ("Goal", "Reality", "Options", "Way forward", "news", "app", "post"):
        assert word in prep


def test_starters_bring_outside_material(content: Content) -> None:
    for kind in KINDS:
        starters = " ".join(content.lines("nudges.too_polite.starters", kind=kind)).lower()
        assert "news" in starters and "app" in starters and "post" in starters, kind


def test_dissolution_names_nobody(content: Content) -> None:
    note = content.text("dissolved.pair_note", programme="P")
    assert "nobody's fault" in note.lower() or "no one's fault" in note.lower()
    coordinator = content.text(
        "dissolved.coordinator", mentor="A", mentee="B", programme="P", pair_id=1
    )
    assert "without a reason" in coordinator


@pytest.mark.parametrize("key", BUTTONS)
def test_button_labels_are_short(content: Content, key: str) -> None:
    for kind, role in variants(SPEC[key][0]):
        assert len(content.text(key, kind=kind, role=role)) <= 30, key


@pytest.mark.parametrize("key", TITLES)
def test_form_titles_fit_a_slack_modal(content: Content, key: str) -> None:
    for kind, role in variants(SPEC[key][0]):
        assert len(content.text(key, kind=kind, role=role)) <= 24, key


@pytest.mark.parametrize("key", LABELS)
def test_field_labels_are_short(content: Content, key: str) -> None:
    for kind, role in variants(SPEC[key][0]):
        assert len(content.text(key, kind=kind, role=role)) <= 48, key
    # A kind-specific label still answers when the engine asks without a kind.
    assert content.text(key)


@pytest.mark.parametrize("key", HINTS)
def test_field_hints_are_one_short_sentence(content: Content, key: str) -> None:
    for kind, role in variants(SPEC[key][0]):
        hint = content.text(key, kind=kind, role=role)
        assert len(hint) <= 150, key
        assert "\n" not in hint, key
    assert content.text(key)


def test_date_hints_name_the_format(content: Content) -> None:
    for field in ("start_date", "end_date"):
        assert "YYYY-MM-DD" in content.text(f"contracting.fields.{field}.hint")


@pytest.mark.parametrize("key", CHOICES)
def test_choice_labels_are_short(content: Content, key: str) -> None:
    assert 0 < len(content.text(key)) <= 75
    for kind in KINDS:
        assert 0 < len(content.text(key, kind=kind)) <= 75


def _leaves(node: Any, path: str = ""):
    if isinstance(node, dict):
        for name, child in node.items():
            yield from _leaves(child, f"{path}.{name}" if path else str(name))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield f"{path}[{index}]", item
    else:
        yield path, node


@pytest.mark.parametrize("filename", list(FILES))
def test_every_leaf_is_a_non_empty_string(filename: str) -> None:
    loaded = yaml.safe_load((CONTENT_DIR / filename).read_text(encoding="utf-8"))
    for path, leaf in _leaves(loaded):
        assert isinstance(leaf, str), f"{filename}: {path} is {type(leaf).__name__}, not text"
        assert leaf.strip(), f"{filename}: {path} is empty"
        assert leaf == leaf.strip(), f"{filename}: {path} has stray whitespace"


def test_every_key_of_these_files_is_in_the_table(content: Content) -> None:
    """Nothing in these files goes unchecked, and nothing in the table is missing."""
    ours = set().union(*FILES.values())
    found = {key for key in content.keys() if key.split(".")[0] in ours}
    assert found == set(SPEC)
