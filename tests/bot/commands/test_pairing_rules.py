"""Pairing by hand keeps the limits matching keeps: roles, capacity, one pair a mentee, and in
reciprocal mentoring the senior leads first."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import COORDINATOR, PROGRAMME, enrol, ok, person, programme, refused, rows

from storage.db import Database
from storage.models import MentoringSession, Pair


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def pair(f: Flow, mentor: str, mentee: str) -> object:
    return f.command(COORDINATOR, f'pair {mentor} {mentee} --programme "{PROGRAMME}"')


def test_the_mentor_is_named_first_as_enrolled(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentee", level=2)  # both want to learn: neither offered to mentor
    enrol(f, "sam", role="mentee", level=8)
    before = snapshot(f.db)
    refused(pair(f, "maya", "sam"), "Maya is enrolled as a mentee")
    assert_unchanged(f.db, before)


def test_a_mentee_has_one_pair_and_a_mentor_their_capacity(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "leo", role="mentor", level=3, extra="--capacity 2")
    for mentee in ("sam", "priya", "omar"):
        enrol(f, mentee, role="mentee", level=8)
    ok(pair(f, "maya", "sam"))
    before = snapshot(f.db)
    refused(pair(f, "leo", "sam"), "Sam already has a pair in this programme.")
    refused(pair(f, "maya", "priya"), "Maya already mentors 1 pair here")
    assert_unchanged(f.db, before)
    ok(pair(f, "leo", "priya"))
    ok(pair(f, "leo", "omar"))  # capacity 2


def test_in_reciprocal_mentoring_the_senior_leads_first(f: Flow) -> None:
    programme(f, kind="reciprocal")
    enrol(f, "maya", role="mentor", level=3)  # enrolled as mentor, but the junior of the two
    enrol(f, "sam", role="mentee", level=8)
    ok(pair(f, "maya", "sam"))
    [stored] = rows(f.db, Pair)
    assert stored.mentor_id == person(f.db, "sam").id  # Sam models the role first
    assert stored.mentee_id == person(f.db, "maya").id
    assert rows(f.db, MentoringSession) == []  # leaders are set when the contract is agreed
