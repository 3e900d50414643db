"""Tests for bot.matching: hard constraints, scoring, reasons and the optimal assignment."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario import COORDINATOR, PROGRAMME, enrol, ok, programme, refused

from bot.content import Content
from bot.matching import (
    Candidate,
    Cause,
    Proposal,
    ProposedPair,
    Rule,
    explain,
    is_allowed,
    overlap_hours,
    propose_pairs,
    score,
    shared_topics,
    violated_rule,
)
from bot.matching import (
    propose as propose_all,
)

CONTENT = Content.load()
WINTER = date(2025, 1, 15)
KINDS = ("reverse", "reciprocal", "classic", "sponsorship")


def person(person_id: int, **changes: object) -> Candidate:
    fields: dict[str, object] = {
        "person_id": person_id,
        "name": f"P{person_id}",
        "role": "mentor",
        "seniority": 5,
        "topics_offered": (),
        "topics_wanted": (),
        "team": None,
        "manager_id": None,
        "timezone": "Europe/London",
        "work_start_hour": 9,
        "work_end_hour": 17,
    }
    fields.update(changes)
    return Candidate(**fields)  # type: ignore[arg-type]


def mentor(person_id: int, **changes: object) -> Candidate:
    return person(person_id, **{"seniority": 8, **changes})


def mentee(person_id: int, **changes: object) -> Candidate:
    return person(person_id, **{"role": "mentee", "seniority": 3, **changes})


def propose(
    mentors: list[Candidate],
    mentees: list[Candidate],
    *,
    kind: str = "classic",
    excluded: set[frozenset[int]] | None = None,
    on: date = WINTER,
) -> list[ProposedPair]:
    return propose_pairs(
        kind=kind,
        mentors=mentors,
        mentees=mentees,
        excluded=excluded or set(),
        on=on,
        content=CONTENT,
    )


def allowed(a: Candidate, b: Candidate, kind: str = "classic", **kwargs: object) -> bool:
    excluded = kwargs.get("excluded", set())
    return is_allowed(a, b, kind=kind, excluded=excluded, on=WINTER)  # type: ignore[arg-type]


def assignment(pairs: list[ProposedPair]) -> dict[int, int]:
    return {pair.mentee_id: pair.mentor_id for pair in pairs}


# Hard constraints


@pytest.mark.parametrize(
    ("kind", "mentor_seniority", "mentee_seniority", "expected"),
    [
        ("reverse", 2, 9, True),
        ("reverse", 9, 2, False),
        ("reverse", 5, 5, False),
        ("classic", 9, 2, True),
        ("classic", 2, 9, False),
        ("classic", 5, 5, False),
        ("sponsorship", 9, 2, True),
        ("sponsorship", 2, 9, False),
        ("sponsorship", 5, 5, False),
        ("reciprocal", 2, 9, True),
        ("reciprocal", 9, 2, True),
        ("reciprocal", 5, 5, True),
    ],
)
def test_seniority_gap_must_point_the_programme_s_way(
    kind: str, mentor_seniority: int, mentee_seniority: int, expected: bool
) -> None:
    a, b = mentor(1, seniority=mentor_seniority), mentee(2, seniority=mentee_seniority)
    assert allowed(a, b, kind) is expected
    assert bool(propose([a], [b], kind=kind)) is expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_direct_reporting_line_is_refused_either_way(kind: str) -> None:
    seniorities = (2, 9) if kind == "reverse" else (9, 2)
    a, b = mentor(1, seniority=seniorities[0]), mentee(2, seniority=seniorities[1])
    assert allowed(a, b, kind)
    reports_to_mentor = mentee(2, seniority=seniorities[1], manager_id=1)
    manages_mentor = mentor(1, seniority=seniorities[0], manager_id=2)
    assert not allowed(a, reports_to_mentor, kind)
    assert not allowed(manages_mentor, b, kind)
    assert propose([a], [reports_to_mentor], kind=kind) == []
    assert propose([manages_mentor], [b], kind=kind) == []


def test_a_shared_manager_is_not_a_reporting_line() -> None:
    assert allowed(mentor(1, manager_id=7), mentee(2, manager_id=7))


def test_a_pair_dissolved_before_is_never_proposed_again() -> None:
    a, b, c = mentor(1), mentee(2), mentee(3)
    excluded = {frozenset({2, 1})}
    assert not allowed(a, b, excluded=excluded)
    assert assignment(propose([a], [b, c], excluded=excluded)) == {3: 1}


def test_nobody_is_paired_with_themselves() -> None:
    both = person(1, seniority=5)
    assert not allowed(both, both, "reciprocal")
    assert propose([both], [both], kind="reciprocal") == []


def test_auckland_and_london_nine_to_five_share_no_hour() -> None:
    auckland = mentor(1, timezone="Pacific/Auckland")
    london = mentee(2, timezone="Europe/London")
    for on in (WINTER, date(2025, 7, 15)):
        assert overlap_hours(auckland, london, on) == 0
    assert not allowed(auckland, london)
    assert propose([auckland], [london]) == []


def test_less_than_an_hour_of_overlap_is_refused() -> None:
    # 16:00-17:00 London is 11:00-12:00 in New York in winter, but New York starts at noon.
    london = mentor(1, work_start_hour=9, work_end_hour=17)
    new_york = mentee(2, timezone="America/New_York", work_start_hour=12, work_end_hour=20)
    assert overlap_hours(london, new_york, WINTER) == 0
    late_london = mentor(1, work_start_hour=10, work_end_hour=18)
    assert overlap_hours(late_london, new_york, WINTER) == 1
    assert allowed(late_london, new_york)


# Overlap across zones and dates


@pytest.mark.parametrize(
    ("zone_a", "hours_a", "zone_b", "hours_b", "on", "expected"),
    [
        ("Europe/London", (9, 17), "Europe/London", (9, 17), WINTER, 8),
        ("Europe/London", (9, 17), "Europe/Berlin", (9, 17), WINTER, 7),
        ("Europe/London", (9, 17), "Asia/Kathmandu", (9, 17), WINTER, 2.25),
        # Monday afternoon in Los Angeles is Tuesday morning in Tokyo.
        ("Asia/Tokyo", (8, 17), "America/Los_Angeles", (9, 17), WINTER, 2),
        # New York is on summer time three weeks before London is.
        ("Europe/London", (9, 17), "America/New_York", (9, 17), WINTER, 3),
        ("Europe/London", (9, 17), "America/New_York", (9, 17), date(2025, 3, 20), 4),
        # A night shift runs past local midnight.
        ("Europe/London", (22, 6), "Asia/Kolkata", (9, 17), WINTER, 2.5),
        ("Europe/London", (22, 6), "Europe/London", (5, 13), WINTER, 1),
        # Enrolment accepts hours like 20-24: the day ends at midnight.
        ("Europe/London", (20, 24), "Europe/Berlin", (9, 22), WINTER, 1),
        ("Europe/London", (0, 24), "Asia/Tokyo", (9, 17), WINTER, 8),
        # Summer time starts at 01:00 in London that day; the working day is still 9 to 17.
        ("Europe/London", (9, 17), "UTC", (9, 17), date(2025, 3, 29), 8),
        ("Europe/London", (9, 17), "UTC", (9, 17), date(2025, 3, 30), 7),
        ("Europe/London", (0, 6), "UTC", (0, 24), date(2025, 3, 30), 5),
    ],
)
def test_overlap_hours(
    zone_a: str,
    hours_a: tuple[int, int],
    zone_b: str,
    hours_b: tuple[int, int],
    on: date,
    expected: float,
) -> None:
    a = person(1, timezone=zone_a, work_start_hour=hours_a[0], work_end_hour=hours_a[1])
    b = person(2, timezone=zone_b, work_start_hour=hours_b[0], work_end_hour=hours_b[1])
    assert overlap_hours(a, b, on) == pytest.approx(expected)
    assert overlap_hours(b, a, on) == pytest.approx(expected)


# Scoring and the assignment


def greedy(mentors: list[Candidate], mentees: list[Candidate], kind: str) -> dict[int, int]:
    """What a first-come, best-partner matcher would do: the baseline the optimum must beat."""
    left = {m.person_id: m.capacity for m in mentors}
    chosen: dict[int, int] = {}
    for e in mentees:
        options = [
            m
            for m in mentors
            if left[m.person_id] and is_allowed(m, e, kind=kind, excluded=(), on=WINTER)
        ]
        if options:
            best = max(options, key=lambda m: score(m, e, on=WINTER))
            left[best.person_id] -= 1
            chosen[e.person_id] = best.person_id
    return chosen


def total(mentors: list[Candidate], mentees: list[Candidate], chosen: dict[int, int]) -> float:
    by_id = {c.person_id: c for c in [*mentors, *mentees]}
    return sum(score(by_id[m], by_id[e], on=WINTER) for e, m in chosen.items())


def test_the_optimum_beats_greedy() -> None:
    broad = mentor(1, topics_offered=("x", "y", "z", "w"))
    narrow = mentor(2, topics_offered=("x",))
    first = mentee(10, topics_wanted=("x", "y"))
    second = mentee(11, topics_wanted=("z", "w"))
    mentors, mentees = [broad, narrow], [first, second]

    greedy_choice = greedy(mentors, mentees, "classic")
    assert greedy_choice == {10: 1, 11: 2}  # the first mentee grabs the broad mentor
    pairs = propose(mentors, mentees)
    assert assignment(pairs) == {10: 2, 11: 1}
    assert sum(p.score for p in pairs) > total(mentors, mentees, greedy_choice)


def test_matching_as_many_mentees_as_possible_comes_before_score() -> None:
    # Only the specialist may take the second mentee (the generalist manages them).
    specialist = mentor(1, topics_offered=("a", "b", "c"))
    generalist = mentor(2)
    keen = mentee(10, topics_wanted=("a", "b", "c"))
    reports = mentee(11, manager_id=2)
    assert assignment(propose([specialist, generalist], [keen, reports])) == {10: 2, 11: 1}


def test_a_mentor_with_capacity_two_takes_two_mentees() -> None:
    busy = mentor(1, capacity=2, topics_offered=("sql",))
    mentees = [mentee(10, topics_wanted=("sql",)), mentee(11, topics_wanted=("sql",))]
    assert assignment(propose([busy], mentees)) == {10: 1, 11: 1}


def test_capacity_is_never_exceeded() -> None:
    mentees = [mentee(10), mentee(11), mentee(12)]
    assert len(propose([mentor(1, capacity=2)], mentees)) == 2
    assert propose([mentor(1, capacity=0)], mentees) == []
    assert len(propose([mentor(1)], mentees)) == 1


def test_a_mentee_with_no_allowed_mentor_stays_unmatched() -> None:
    a = mentor(1, capacity=3)
    stranded = mentee(11, timezone="Pacific/Auckland")
    pairs = propose([a], [mentee(10), stranded, mentee(12)])
    assert assignment(pairs) == {10: 1, 12: 1}


def test_nobody_to_match_proposes_nothing() -> None:
    assert propose([], [mentee(10)]) == []
    assert propose([mentor(1)], []) == []


def test_output_is_sorted_by_mentee_and_independent_of_input_order() -> None:
    mentors = [mentor(i, topics_offered=("t",), team=f"team{i % 2}") for i in (3, 1, 2)]
    mentees = [mentee(i, topics_wanted=("t",), team="team0") for i in (12, 10, 11)]
    pairs = propose(mentors, mentees)
    assert [p.mentee_id for p in pairs] == [10, 11, 12]
    assert propose(mentors[::-1], mentees[::-1]) == pairs


def test_topics_match_case_insensitively_and_weigh_most() -> None:
    a = mentor(1, topics_offered=("Short-form Video", "SQL"), team="x")
    b = mentee(2, topics_wanted=("short-form  video",), team="x")
    assert shared_topics(a, b) == ("Short-form Video",)
    same_team_with_topic = score(a, b, on=WINTER)
    other_team_no_topic = score(mentor(1, team="y"), b, on=WINTER)
    assert same_team_with_topic > other_team_no_topic


def test_different_teams_and_more_overlap_score_higher() -> None:
    b = mentee(2, team="finance")
    assert score(mentor(1, team="growth"), b, on=WINTER) > score(
        mentor(1, team="Finance"), b, on=WINTER
    )
    berlin = mentor(1, team="finance", timezone="Europe/Berlin")
    assert score(mentor(1, team="finance"), b, on=WINTER) > score(berlin, b, on=WINTER)


# Reasons


def test_the_reason_names_the_shared_topics_teams_and_overlap() -> None:
    maya = mentor(
        1,
        name="Maya",
        seniority=2,
        team="Social",
        topics_offered=("short-form video", "social listening", "SQL"),
    )
    sam = mentee(
        2,
        name="Sam",
        seniority=9,
        team="Finance",
        timezone="Europe/Berlin",
        work_start_hour=8,
        work_end_hour=16,
        topics_wanted=("Social Listening", "Short-Form Video"),
    )
    [pair] = propose([maya], [sam], kind="reverse")
    assert pair.reason == (
        "Maya offers short-form video and social listening, which Sam wants to learn; "
        "they work in different teams; their working days overlap by 6 hours"
    )
    assert pair.reason == explain(maya, sam, on=WINTER, content=CONTENT)


def test_the_reason_lists_three_topics_and_handles_none() -> None:
    a = mentor(1, name="Ana", topics_offered=("a", "b", "c"), team="t")
    b = mentee(
        2, name="Ben", topics_wanted=("c", "b", "a"), team="t", work_start_hour=16, work_end_hour=20
    )
    assert explain(a, b, on=WINTER, content=CONTENT) == (
        "Ana offers a, b and c, which Ben wants to learn; they work in the same team; "
        "their working days overlap by 1 hour"
    )
    no_topics = explain(mentor(1, name="Ana"), mentee(2, name="Ben"), on=WINTER, content=CONTENT)
    assert no_topics == (
        "Ana and Ben have no listed topics in common yet; their working days overlap by 8 hours"
    )


def test_the_content_file_has_only_the_matching_section() -> None:
    path = Path(__file__).parents[2] / "bot" / "content" / "en" / "matching.yaml"
    assert list(yaml.safe_load(path.read_text(encoding="utf-8"))) == ["matching"]
    used = {
        "reason.with_team",
        "reason.without_team",
        "topics",
        "no_topics",
        "topic_pair",
        "topic_series",
        "different_teams",
        "same_team",
        "overlap",
        "overlap_one",
    }
    assert {key for key in CONTENT.keys() if key.startswith("matching.")} == {
        f"matching.{key}" for key in used
    }


# Bad input


def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="kind"):
        propose([mentor(1)], [mentee(2)], kind="buddy")
    with pytest.raises(ValueError, match="mentees"):
        propose([mentor(1)], [mentee(2), mentee(2)])
    with pytest.raises(ValueError, match="timezone"):
        mentor(1, timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="seniority"):
        mentor(1, seniority=11)
    with pytest.raises(ValueError, match="work_end_hour"):
        mentor(1, work_end_hour=25)
    with pytest.raises(ValueError, match="capacity"):
        mentor(1, capacity=-1)


# Properties

ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Pacific/Auckland",
)
TOPICS = ("sql", "SQL", "video", "Listening", "listening", "ai", "design")


@st.composite
def candidates(draw: st.DrawFn, ids: st.SearchStrategy[int], role: str) -> Candidate:
    # Mostly office hours, so that pairs are often possible; sometimes anything at all.
    start = draw(st.integers(7, 10) | st.integers(0, 23))
    return Candidate(
        person_id=draw(ids),
        name="x",
        role=role,
        seniority=draw(st.integers(1, 10)),
        topics_offered=tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=3))),
        topics_wanted=tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=3))),
        team=draw(st.sampled_from((None, "a", "b", "A"))),
        manager_id=draw(st.none() | st.integers(1, 12)),
        timezone=draw(st.sampled_from(ZONES)),
        work_start_hour=start,
        work_end_hour=draw((st.integers(15, 19) | st.integers(0, 23)).filter(lambda h: h != start)),
        capacity=draw(st.integers(0, 2)),
    )


def unique_by_id(people: list[Candidate]) -> list[Candidate]:
    return list({p.person_id: p for p in people}.values())


# Mentor and mentee ids overlap on 5..8, so the same person can appear on both sides.
problems = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "mentors": st.lists(candidates(st.integers(1, 8), "mentor"), min_size=1, max_size=4).map(
            unique_by_id
        ),
        "mentees": st.lists(candidates(st.integers(5, 12), "mentee"), min_size=1, max_size=4).map(
            unique_by_id
        ),
        "excluded": st.sets(st.frozensets(st.integers(1, 12), min_size=2, max_size=2), max_size=6),
        "on": st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    }
)


def best_possible(problem: dict) -> tuple[int, float]:
    """Brute force over every assignment: (most mentees matched, then highest total score)."""
    mentors, mentees = problem["mentors"], problem["mentees"]
    options = [
        [None]
        + [
            m
            for m in mentors
            if is_allowed(
                m, e, kind=problem["kind"], excluded=problem["excluded"], on=problem["on"]
            )
        ]
        for e in mentees
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        used = Counter(m.person_id for m in choice if m is not None)
        if any(used[m.person_id] > m.capacity for m in mentors):
            continue
        value = sum(
            score(m, e, on=problem["on"]) for m, e in zip(choice, mentees, strict=True) if m
        )
        best = max(best, (sum(m is not None for m in choice), value))
    return best


@settings(max_examples=200, deadline=None)
@given(problems)
def test_no_proposal_ever_breaks_a_hard_constraint(problem: dict) -> None:
    pairs = propose_pairs(content=CONTENT, **problem)
    mentors = {m.person_id: m for m in problem["mentors"]}
    mentees = {e.person_id: e for e in problem["mentees"]}
    direction = {
        "reverse": lambda a, b: a < b,
        "classic": lambda a, b: a > b,
        "sponsorship": lambda a, b: a > b,
        "reciprocal": lambda a, b: True,
    }[problem["kind"]]
    for pair in pairs:
        m, e = mentors[pair.mentor_id], mentees[pair.mentee_id]
        assert m.person_id != e.person_id
        assert direction(m.seniority, e.seniority)
        assert m.manager_id != e.person_id and e.manager_id != m.person_id
        assert frozenset({m.person_id, e.person_id}) not in problem["excluded"]
        assert overlap_hours(m, e, problem["on"]) >= 1
        assert pair.score == pytest.approx(score(m, e, on=problem["on"]))
        assert pair.reason
    mentee_ids = [p.mentee_id for p in pairs]
    assert mentee_ids == sorted(set(mentee_ids))
    for mentor_id, taken in Counter(p.mentor_id for p in pairs).items():
        assert taken <= mentors[mentor_id].capacity


@settings(max_examples=100, deadline=None)
@given(problems)
def test_the_proposal_is_as_good_as_brute_force(problem: dict) -> None:
    pairs = propose_pairs(content=CONTENT, **problem)
    count, value = best_possible(problem)
    assert len(pairs) == count
    assert sum(p.score for p in pairs) == pytest.approx(value, abs=1e-6)


# The per-pair check (what hand pairing uses) and reasons for everyone left out

AUCKLAND = "Pacific/Auckland"  # shares no hour with a London nine-to-five, winter or summer


@pytest.mark.parametrize(
    ("a", "b", "kind", "excluded", "expected"),
    [
        (person(1), person(1), "reciprocal", set(), Rule.SAME_PERSON),
        (mentor(1), mentee(2, manager_id=1), "classic", set(), Rule.REPORTING_LINE),
        (mentor(1, manager_id=2), mentee(2), "classic", set(), Rule.REPORTING_LINE),
        (mentor(1, seniority=2), mentee(2, seniority=8), "classic", set(), Rule.DIRECTION),
        (mentor(1), mentee(2), "reverse", set(), Rule.DIRECTION),
        (mentor(1), mentee(2), "classic", {frozenset({1, 2})}, Rule.DISSOLVED_BEFORE),
        (mentor(1, timezone=AUCKLAND), mentee(2), "classic", set(), Rule.OVERLAP),
        (mentor(1), mentee(2), "classic", set(), None),
        # The first rule broken is the one named.
        (
            mentor(1, seniority=2, timezone=AUCKLAND),
            mentee(2, manager_id=1),
            "classic",
            set(),
            Rule.REPORTING_LINE,
        ),
        (
            mentor(1, seniority=2, timezone=AUCKLAND),
            mentee(2),
            "classic",
            {frozenset({1, 2})},
            Rule.DIRECTION,
        ),
    ],
)
def test_the_per_pair_check_names_the_first_rule_broken(
    a: Candidate, b: Candidate, kind: str, excluded: set[frozenset[int]], expected: Rule | None
) -> None:
    assert violated_rule(a, b, kind=kind, excluded=excluded, on=WINTER) is expected
    assert is_allowed(a, b, kind=kind, excluded=excluded, on=WINTER) is (expected is None)


def outcome(
    mentors: list[Candidate], mentees: list[Candidate], *, kind: str = "classic"
) -> Proposal:
    return propose_all(
        kind=kind, mentors=mentors, mentees=mentees, excluded=set(), on=WINTER, content=CONTENT
    )


def reasons(result: Proposal) -> dict[tuple[str, int], str]:
    left = (*result.unmatched_mentors, *result.unmatched_mentees)
    return {(u.role, u.person_id): u.reason for u in left}


def test_working_hours_that_never_meet_are_named_on_both_sides() -> None:
    result = outcome([mentor(1, timezone=AUCKLAND)], [mentee(10)])
    assert result.pairs == ()
    assert reasons(result) == {
        ("mentor", 1): "no working-hour overlap (1 hour or more) with any mentee",
        ("mentee", 10): "no working-hour overlap (1 hour or more) with any mentor",
    }
    assert [u.cause for u in result.unmatched_mentees] == [Cause.RULED_OUT]
    assert result.unmatched_mentees[0].ruled_out == ((Rule.OVERLAP, 1),)


def test_the_wrong_seniority_direction_for_everyone() -> None:
    result = outcome([mentor(1, seniority=2)], [mentee(10, seniority=8), mentee(11, seniority=9)])
    assert reasons(result)[("mentor", 1)] == (
        "seniority gap in the wrong direction for every mentee"
    )
    assert reasons(result)[("mentee", 11)] == (
        "seniority gap in the wrong direction for every mentor"
    )


def test_mixed_rules_are_counted_one_by_one() -> None:
    wrong_way = mentor(1, seniority=2)
    far_away = mentor(2, timezone=AUCKLAND)
    result = outcome([wrong_way, far_away], [mentee(10)])
    assert reasons(result)[("mentee", 10)] == (
        "every mentor is ruled out: 1 by the seniority direction, 1 by working hours"
    )
    assert result.unmatched_mentees[0].ruled_out == ((Rule.DIRECTION, 1), (Rule.OVERLAP, 1))


def test_mentor_capacity_used_up_and_mentors_who_lost_out() -> None:
    # Mentor 1 shares a topic with mentee 10 and takes them; mentor 2 could have had 10 too,
    # and the only mentee left (11, in Auckland) shares no working hour with anyone.
    keen = mentor(1, topics_offered=("sql",))
    other = mentor(2)
    result = outcome(
        [keen, other], [mentee(10, topics_wanted=("sql",)), mentee(11, timezone=AUCKLAND)]
    )
    assert assignment(list(result.pairs)) == {10: 1}
    assert reasons(result) == {
        ("mentor", 2): "every mentee they could mentor is matched with another mentor; "
        "no working-hour overlap (1 hour or more) with any mentee left",
        ("mentee", 11): "no working-hour overlap (1 hour or more) with any mentor",
    }
    crowded = outcome([mentor(1)], [mentee(10), mentee(11)])
    [left] = crowded.unmatched_mentees
    assert left.cause is Cause.TAKEN and left.ruled_out == ()
    assert left.reason == "every mentor they could pair with is full (mentor capacity used up)"


def test_nobody_to_pair_with_and_no_capacity() -> None:
    assert reasons(outcome([mentor(1)], [])) == {("mentor", 1): "no mentees to match"}
    assert reasons(outcome([], [mentee(10)])) == {("mentee", 10): "no mentor has room"}
    assert reasons(outcome([mentor(1, capacity=0)], [mentee(10)])) == {
        ("mentor", 1): "no capacity left",
        ("mentee", 10): "no mentor has room",
    }


def test_reasons_for_being_left_out_speak_the_content_s_language() -> None:
    german = Content.load(language="de")
    far = propose_all(
        kind="classic",
        mentors=[mentor(1, seniority=2), mentor(2, timezone=AUCKLAND)],
        mentees=[mentee(10)],
        excluded=set(),
        on=WINTER,
        content=german,
    )
    assert reasons(far)[("mentee", 10)] == (
        "alle Mentor:innen sind ausgeschlossen: "
        "1 wegen der Senioritätsrichtung, 1 wegen der Arbeitszeiten"
    )
    empty = propose_all(
        kind="classic", mentors=[mentor(1)], mentees=[], excluded=set(), on=WINTER, content=german
    )
    assert reasons(empty) == {("mentor", 1): "es gibt keine Mentees zum Zuordnen"}


@settings(max_examples=200, deadline=None)
@given(problems)
def test_everyone_left_out_gets_a_reason_on_both_sides(problem: dict) -> None:
    result = propose_all(content=CONTENT, **problem)
    assert list(result.pairs) == propose_pairs(content=CONTENT, **problem)
    mentors, mentees = problem["mentors"], problem["mentees"]
    load = Counter(p.mentor_id for p in result.pairs)
    paired = {p.mentee_id for p in result.pairs}
    room = {m.person_id: min(m.capacity, len(mentees)) for m in mentors}

    def rule(m: Candidate, e: Candidate) -> Rule | None:
        options = {k: problem[k] for k in ("kind", "excluded", "on")}
        return violated_rule(m, e, **options)

    assert [u.person_id for u in result.unmatched_mentees] == sorted(
        e.person_id for e in mentees if e.person_id not in paired
    )
    for left in result.unmatched_mentees:
        e = next(e for e in mentees if e.person_id == left.person_id)
        with_room = [m for m in mentors if room[m.person_id]]
        assert left.role == "mentee" and left.reason
        if left.cause is Cause.NOBODY:
            assert not with_room
        elif left.cause is Cause.RULED_OUT:
            assert dict(left.ruled_out) == Counter(rule(m, e) for m in with_room)
        else:
            assert left.cause is Cause.TAKEN
            allowed = [m for m in with_room if rule(m, e) is None]
            assert allowed and all(load[m.person_id] == room[m.person_id] for m in allowed)
            free = [m for m in with_room if load[m.person_id] < room[m.person_id]]
            assert dict(left.ruled_out) == Counter(rule(m, e) for m in free)

    assert [u.person_id for u in result.unmatched_mentors] == sorted(
        m.person_id for m in mentors if not load[m.person_id]
    )
    for left in result.unmatched_mentors:
        m = next(m for m in mentors if m.person_id == left.person_id)
        assert left.role == "mentor" and left.reason
        if left.cause is Cause.NO_CAPACITY:
            assert m.capacity == 0
        elif left.cause is Cause.RULED_OUT:
            assert dict(left.ruled_out) == Counter(rule(m, e) for e in mentees)
        else:
            assert left.cause is Cause.TAKEN
            allowed = [e for e in mentees if rule(m, e) is None]
            assert allowed and all(e.person_id in paired for e in allowed)
            free = [e for e in mentees if e.person_id not in paired]
            assert dict(left.ruled_out) == Counter(rule(m, e) for e in free)


# Through the coordinator's commands


@pytest.fixture
def f(sqlite_db) -> Flow:  # type: ignore[no-untyped-def]
    return Flow(sqlite_db)


def test_pair_by_hand_names_the_rule_it_breaks(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "ken", role="mentee", level=8, extra=f"--tz {AUCKLAND}")
    enrol(f, "sam", role="mentee", level=1)
    before = snapshot(f.db)
    refused(
        f.command(COORDINATOR, f'pair maya ken --programme "{PROGRAMME}"'),
        "The working days of Maya and Ken overlap by 0 hours",
        "at least 1 hour",
    )
    refused(
        f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'),
        "In reverse mentoring the mentor is the more junior colleague",
    )
    assert_unchanged(f.db, before)


def test_match_lists_who_is_left_out_on_both_sides_and_why(f: Flow) -> None:
    programme(f)  # reverse: the mentor is the junior
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "leo", role="mentor", level=9)
    enrol(f, "sam", role="mentee", level=8)
    enrol(f, "ken", role="mentee", level=8, extra=f"--tz {AUCKLAND}")
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}" --dry-run'))
    assert answer.split("\n")[2:] == [
        "- Ken has no mentor yet: no working-hour overlap (1 hour or more) with any mentor.",
        "- Leo has no mentee yet: seniority gap in the wrong direction for every mentee.",
        "Still without a match: Ken.",
        "Mentors without a mentee: Leo.",
    ]
