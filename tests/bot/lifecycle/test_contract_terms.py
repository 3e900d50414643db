"""The contract's bounds, checked as a pure function: every edge, and no input that raises."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import default_content
from bot.form_values import MAX_TEXT
from bot.lifecycle.contract_terms import (
    FORM_ID,
    LENGTH_MINUTES,
    SESSIONS,
    Terms,
    build_form,
    validate,
)
from bot.programmes import AgendaOwner, Cadence, Kind, Medium, nth_session_date
from bot.replies import FieldKind

TODAY = date(2027, 1, 4)
CONTENT = default_content()


def values(kind: Kind = Kind.CLASSIC, **overrides: str) -> dict[str, str]:
    """A valid contract: 6 monthly sessions from 2027-01-11 (the last on 2027-06-11)."""
    base = {
        "sessions": "6",
        "length_minutes": "60",
        "cadence": "monthly",
        "medium": "video",
        "start_date": "2027-01-11",
        "end_date": "2027-07-01",
        "mentor_goals": "Listen more",
        "mentee_goals": "Lead the quarterly review",
        "mentor_motivation": "Giving back",
        "agenda_owner": "mentee",
        "waits_until_end": "",
        "confidentiality": "",
    }
    if kind is Kind.SPONSORSHIP:
        base["destination"] = "Head of sales"
    if kind is Kind.RECIPROCAL:
        base["swap_after_session"] = "3"
    return {**base, **overrides}


def check(kind: Kind = Kind.CLASSIC, **overrides: str) -> tuple[Terms | None, dict[str, str]]:
    return validate(values(kind, **overrides), kind=kind, today=TODAY, content=CONTENT)


def errors_for(kind: Kind = Kind.CLASSIC, **overrides: str) -> set[str]:
    terms, errors = check(kind, **overrides)
    assert (terms is None) == bool(errors)
    return set(errors)


@pytest.mark.parametrize("kind", list(Kind))
def test_a_complete_contract_becomes_terms(kind: Kind) -> None:
    terms, errors = check(kind)

    assert errors == {}
    assert terms is not None
    assert (terms.sessions, terms.length_minutes) == (6, 60)
    assert (terms.cadence, terms.medium) == (Cadence.MONTHLY, Medium.VIDEO)
    assert (terms.start_date, terms.end_date) == (date(2027, 1, 11), date(2027, 7, 1))
    assert terms.agenda_owner is AgendaOwner.MENTEE
    assert terms.swap_after_session == (3 if kind is Kind.RECIPROCAL else None)


@pytest.mark.parametrize(
    ("sessions", "ok"),
    [
        ("0", False),
        ("1", True),
        ("24", True),
        ("25", False),
        ("-1", False),
        ("six", False),
        ("", False),
        ("2.5", False),
    ],
)
def test_sessions_run_from_1_to_24(sessions: str, ok: bool) -> None:
    # Weekly, with an end date late enough for any number of sessions.
    found = errors_for(sessions=sessions, cadence="weekly", end_date="2027-12-31")
    assert ("sessions" not in found) is ok
    assert found <= {"sessions"}


@pytest.mark.parametrize(
    ("length", "ok"),
    [("14", False), ("15", True), ("180", True), ("181", False), ("", False), ("an hour", False)],
)
def test_a_session_lasts_15_to_180_minutes(length: str, ok: bool) -> None:
    assert errors_for(length_minutes=length) == (set() if ok else {"length_minutes"})


def test_the_bounds_are_the_ones_the_form_shows() -> None:
    assert SESSIONS == (1, 24) and LENGTH_MINUTES == (15, 180)


@pytest.mark.parametrize("cadence", [c.value for c in Cadence])
def test_every_cadence_is_accepted(cadence: str) -> None:
    terms, errors = check(cadence=cadence, end_date="2028-12-31")
    assert errors == {} and terms is not None and terms.cadence.value == cadence


@pytest.mark.parametrize("cadence", ["daily", "yearly", "Monthly-ish", ""])
def test_an_unknown_cadence_names_the_choices(cadence: str) -> None:
    _, errors = check(cadence=cadence)
    assert set(errors) == {"cadence"}
    assert all(c.value in errors["cadence"] for c in Cadence)


@pytest.mark.parametrize("medium", [m.value for m in Medium])
def test_every_medium_is_accepted(medium: str) -> None:
    terms, errors = check(medium=medium)
    assert errors == {} and terms is not None and terms.medium.value == medium


@pytest.mark.parametrize("medium", ["carrier pigeon", "phone", ""])
def test_an_unknown_medium_names_the_choices(medium: str) -> None:
    _, errors = check(medium=medium)
    assert set(errors) == {"medium"}
    assert all(m.value in errors["medium"] for m in Medium)


@pytest.mark.parametrize("owner", ["nobody", ""])
def test_an_unknown_agenda_owner_is_refused(owner: str) -> None:
    assert errors_for(agenda_owner=owner) == {"agenda_owner"}


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("text", ["next Monday", "2027-02-30", "11/01/2027", "2027-13-01", ""])
def test_a_malformed_date_is_refused_with_an_example(field: str, text: str) -> None:
    _, errors = check(**{field: text})
    assert field in errors and "YYYY-MM-DD" in errors[field]


def test_a_start_in_the_past_is_refused_but_today_is_fine() -> None:
    _, errors = check(start_date="2027-01-03")
    assert set(errors) == {"start_date"} and TODAY.isoformat() in errors["start_date"]
    assert errors_for(start_date=TODAY.isoformat()) == set()


@pytest.mark.parametrize("end", ["2027-01-10", "2027-01-11"])
def test_the_end_must_come_after_the_start(end: str) -> None:
    _, errors = check(start_date="2027-01-11", end_date=end)
    assert set(errors) == {"end_date"} and "after the start" in errors["end_date"]


@pytest.mark.parametrize(
    ("cadence", "sessions", "last"),
    [
        ("weekly", "4", "2027-02-01"),
        ("fortnightly", "3", "2027-02-08"),
        ("monthly", "6", "2027-06-11"),
        ("bimonthly", "3", "2027-05-11"),
    ],
)
def test_the_end_leaves_room_for_every_session_at_the_cadence(
    cadence: str, sessions: str, last: str
) -> None:
    day_before = date.fromordinal(date.fromisoformat(last).toordinal() - 1).isoformat()

    assert errors_for(cadence=cadence, sessions=sessions, end_date=last) == set()
    _, errors = check(cadence=cadence, sessions=sessions, end_date=day_before)
    assert set(errors) == {"end_date"} and last in errors["end_date"]


def test_one_session_needs_only_an_end_after_its_day() -> None:
    assert errors_for(sessions="1", end_date="2027-01-12") == set()


@pytest.mark.parametrize("field", ["mentor_goals", "mentee_goals", "mentor_motivation"])
@pytest.mark.parametrize("blank", ["", "   \n\t"])
def test_goals_and_motivation_are_required(field: str, blank: str) -> None:
    assert errors_for(**{field: blank}) == {field}


@pytest.mark.parametrize("field", ["waits_until_end", "confidentiality"])
def test_ground_rules_may_be_left_empty(field: str) -> None:
    assert errors_for(**{field: ""}) == set()


def test_a_sponsorship_needs_a_destination_and_other_kinds_do_not() -> None:
    assert errors_for(Kind.SPONSORSHIP, destination="") == {"destination"}
    assert errors_for(Kind.SPONSORSHIP, destination=" ") == {"destination"}
    for kind in (Kind.REVERSE, Kind.CLASSIC, Kind.RECIPROCAL):
        assert errors_for(kind) == set()


@pytest.mark.parametrize(
    ("swap", "ok"),
    [
        ("1", True),
        ("5", True),
        ("6", False),
        ("7", False),
        ("0", False),
        ("", False),
        ("half-way", False),
    ],
)
def test_a_reciprocal_swap_comes_before_the_last_session(swap: str, ok: bool) -> None:
    terms, errors = check(Kind.RECIPROCAL, swap_after_session=swap)  # 6 sessions
    assert ("swap_after_session" not in errors) is ok
    assert set(errors) <= {"swap_after_session"}
    if ok:
        assert terms is not None and terms.swap_after_session == int(swap)


def test_a_reciprocal_pair_of_one_session_is_told_why_it_cannot_swap() -> None:
    _, errors = check(Kind.RECIPROCAL, sessions="1", swap_after_session="1", end_date="2027-01-12")
    assert errors, "one session leaves no room to hand over the lead"
    message = " ".join(errors.values())
    assert "1 to 1" not in message, "offering the very value it refuses"
    assert "two sessions" in message


def test_other_kinds_ignore_a_swap() -> None:
    terms, errors = check(Kind.CLASSIC, swap_after_session="99")
    assert errors == {} and terms is not None and terms.swap_after_session is None


@pytest.mark.parametrize(
    "field",
    ["mentor_motivation", "waits_until_end", "confidentiality"],
)
def test_text_is_kept_under_the_limit(field: str) -> None:
    assert errors_for(**{field: "x" * MAX_TEXT}) == set()
    _, errors = check(**{field: "x" * (MAX_TEXT + 1)})
    assert set(errors) == {field} and str(MAX_TEXT) in errors[field]


@pytest.mark.parametrize("field", ["mentor_goals", "mentee_goals"])
def test_goals_are_at_most_ten_lines_of_300_characters(field: str) -> None:
    # Each line becomes a goal (bot.goals): the limits of a goal apply to each.
    assert errors_for(**{field: "\n".join(["x" * 300] * 6)}) == set()
    _, errors = check(**{field: "x" * 301})
    assert errors == {field: "Please keep each line under 300 characters."}
    _, errors = check(**{field: "goal\n" * 11})
    assert errors == {field: "Please list at most 10, one a line; this has 11."}


def test_a_long_destination_is_refused_too() -> None:
    assert errors_for(Kind.SPONSORSHIP, destination="x" * (MAX_TEXT + 1)) == {"destination"}


def test_whitespace_around_values_is_ignored() -> None:
    terms, errors = check(sessions=" 6 ", cadence=" monthly ", mentor_goals="  Listen more \n")
    assert errors == {} and terms is not None
    assert terms.mentor_goals == "Listen more"


def test_several_problems_are_reported_together() -> None:
    found = errors_for(sessions="0", length_minutes="500", medium="fax", mentee_goals="")
    assert found == {"sessions", "length_minutes", "medium", "mentee_goals"}


@pytest.mark.parametrize(
    ("start", "cadence"),
    [
        ("9999-12-01", "weekly"),
        ("9999-12-20", "fortnightly"),
        ("9999-12-01", "monthly"),
        ("9999-06-01", "bimonthly"),
    ],
)
def test_sessions_running_off_the_calendar_are_refused_not_a_crash(
    start: str, cadence: str
) -> None:
    _, errors = check(start_date=start, end_date="9999-12-31", cadence=cadence, sessions="24")
    assert set(errors) == {"start_date"} and "too far ahead" in errors["start_date"]


# -- the form ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_the_form_asks_exactly_what_validate_reads(kind: Kind) -> None:
    form = build_form(
        default_content(),
        kind=kind,
        context="7",
        today=TODAY,
        defaults={"sessions": "6", "cadence": "monthly"},
    )
    names = {f.name for f in form.fields}

    assert form.form_id == FORM_ID and form.context == "7"
    assert names == set(values(kind))
    sessions = next(f for f in form.fields if f.name == "sessions")
    assert (sessions.kind, sessions.minimum, sessions.maximum) == (FieldKind.INTEGER, 1, 24)
    # The pre-filled answers, plus the goals, make a contract that passes.
    filled = {f.name: f.initial or "" for f in form.fields}
    filled.update(
        mentor_goals="a",
        mentee_goals="b",
        mentor_motivation="c",
        medium="video",
        length_minutes="60",
        destination="d",
    )
    assert validate(filled, kind=kind, today=TODAY, content=CONTENT)[1] == {}


# -- any input at all ----------------------------------------------------------------------

FIELDS = sorted(values(Kind.RECIPROCAL) | {"destination": ""})
field_values = st.one_of(
    st.text(max_size=30),
    st.integers(-100, 100).map(str),
    st.dates().map(date.isoformat),
    st.sampled_from(
        [c.value for c in Cadence]
        + [m.value for m in Medium]
        + [o.value for o in AgendaOwner]
        + ["x" * (MAX_TEXT + 1)]
    ),
)


@given(
    raw=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), field_values, max_size=16),
    kind=st.sampled_from(list(Kind)),
    today=st.dates(),
)
def test_any_strings_give_terms_or_errors_and_never_raise(
    raw: dict[str, str], kind: Kind, today: date
) -> None:
    terms, errors = validate(raw, kind=kind, today=today, content=CONTENT)

    if terms is None:
        assert errors and all(name in FIELDS and message for name, message in errors.items())
        return
    assert errors == {}
    assert SESSIONS[0] <= terms.sessions <= SESSIONS[1]
    assert LENGTH_MINUTES[0] <= terms.length_minutes <= LENGTH_MINUTES[1]
    assert today <= terms.start_date < terms.end_date
    assert terms.mentor_goals and terms.mentee_goals and terms.mentor_motivation
    assert (terms.swap_after_session is not None) == (kind is Kind.RECIPROCAL)
    if terms.swap_after_session is not None:
        assert 1 <= terms.swap_after_session < terms.sessions


@given(raw=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=12), max_size=16))
def test_a_near_valid_contract_with_one_bad_field_still_never_raises(raw: dict[str, str]) -> None:
    merged = {**values(Kind.RECIPROCAL), **raw}
    terms, errors = validate(merged, kind=Kind.RECIPROCAL, today=TODAY, content=CONTENT)
    assert (terms is None) == bool(errors)


@given(
    start=st.dates(),
    end=st.dates(),
    cadence=st.sampled_from(list(Cadence)),
    sessions=st.integers(-1, 26),
    kind=st.sampled_from(list(Kind)),
)
def test_any_calendar_gives_terms_with_room_for_every_session_or_errors(
    start: date, end: date, cadence: Cadence, sessions: int, kind: Kind
) -> None:
    terms, errors = check(
        kind,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        cadence=cadence.value,
        sessions=str(sessions),
        swap_after_session="1",
    )

    if terms is None:
        assert errors
        return
    assert nth_session_date(terms.start_date, terms.cadence, terms.sessions - 1) <= terms.end_date
