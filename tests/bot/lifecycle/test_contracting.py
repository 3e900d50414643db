"""Contracting: one side proposes, both confirm the same version, and a change starts again."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import wire
from bot.programmes import Cadence, Kind, nth_session_date
from bot.stages import Stage
from storage.models import Contract, Goal, MentoringSession, OutboxMessage


def test_the_form_opens_prefilled_with_the_programme_defaults(journey) -> None:
    j = journey(sessions=5, cadence=Cadence.FORTNIGHTLY, length=45).to(Stage.CONTRACTING)

    outcome = j.flow.press("sam", "open_form", j.flow.form_value("sam", "contract"))

    form = outcome.answer.form
    assert form is not None and form.form_id == "contract" and form.context == str(j.pair_id)
    initial = {f.name: f.initial for f in form.fields}
    assert (initial["sessions"], initial["length_minutes"], initial["cadence"]) == (
        "5",
        "45",
        "fortnightly",
    )
    assert initial["start_date"] == "2027-01-11"  # a week from today
    assert initial["agenda_owner"] == "mentor"  # reverse: the junior mentor steers


def test_both_confirming_the_same_version_starts_the_sessions(journey, content) -> None:
    j = journey(sessions=4, cadence=Cadence.WEEKLY).to(Stage.CONTRACTING)
    j.read_all()

    posted = j.submit_contract("maya")
    assert posted.answer is not None and "Version 1" in posted.answer.text
    (to_pair,) = j.new_texts("sam")
    assert "version 1" in to_pair.lower() and "Understand short-form video" in to_pair
    assert j.flow.button("sam", "contract").value == wire.encode(j.pair_id, 1, "confirm")

    waiting = j.confirm("maya", 1)
    assert waiting.answer is not None
    assert waiting.answer.text == content.text("contracting.confirmed_waiting", partner="Sam")
    assert j.stage() is Stage.CONTRACTING, "one confirmation is not an agreement"
    assert j.count(MentoringSession) == 0
    j.confirm("sam", 1)

    assert j.stage() is Stage.ACTIVE
    move = j.last_move()
    assert (move.from_stage, move.to_stage, move.trigger, move.actor, move.reason) == (
        "contracting",
        "active",
        "contract_agreed",
        "sam",
        "contract v1",
    )
    assert move.at == j.flow.clock.now()
    agreed = j.contract()
    assert agreed.mentor_confirmed_at is not None and agreed.mentee_confirmed_at is not None
    # Sessions at the agreed cadence, 10:00 in the mentor's zone, the reverse mentor leading.
    planned = j.planned()
    assert [s.number for s in planned] == [1, 2, 3, 4]
    assert [s.planned_at for s in planned] == [j.session_time(n) for n in (1, 2, 3, 4)]
    assert [s.planned_at.date().isoformat() for s in planned] == [
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
    ]
    assert {s.leader_id for s in planned} == {j.person_id("maya")}
    assert {s.status for s in planned} == {"planned"}
    # Each line of each side's goals became a goal of its owner.
    goals = j.rows(Goal, Goal.pair_id == j.pair_id, order_by=Goal.id)
    assert [(j.user_of(g.owner_id), g.text, g.status) for g in goals] == [
        ("maya", "Lead a meeting with a senior colleague", "open"),
        ("sam", "Understand short-form video", "open"),
        ("sam", "See the app through customers' eyes", "open"),
    ]
    assert any("First session" in t and "11 Jan 2027" in t for t in j.new_texts("maya"))


@pytest.mark.parametrize("cadence", list(Cadence))
def test_sessions_follow_each_cadence(journey, cadence: Cadence) -> None:
    j = journey(sessions=3, cadence=cadence).to(Stage.ACTIVE)

    days = [s.planned_at.date() for s in j.planned()]

    assert days == [nth_session_date(j.first_day, cadence, i) for i in range(3)]


def test_sessions_are_planned_in_the_mentors_own_time_zone(journey) -> None:
    j = journey()
    j.enrol("maya", "mentor", 2, "--tz Europe/Oslo")
    j.to(Stage.ACTIVE)

    first = j.planned()[0]

    oslo = ZoneInfo("Europe/Oslo")
    assert first.planned_at == datetime.combine(j.first_day, time(10), tzinfo=oslo)
    assert first.planned_at == datetime.combine(j.first_day, time(9), tzinfo=UTC)


def test_a_change_is_version_2_and_version_1_confirmations_do_not_count(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya")
    j.confirm("maya", 1)

    changed = j.submit_contract("sam", sessions="6", mentor_goals="Chair a board meeting")

    assert changed.answer is not None and "Version 2" in changed.answer.text
    one, two = j.rows(Contract, Contract.pair_id == j.pair_id, order_by=Contract.version)
    assert one.superseded_at is not None
    assert (two.version, two.sessions, two.proposed_by_id) == (2, 6, j.person_id("sam"))
    assert two.mentor_confirmed_at is None and two.mentee_confirmed_at is None
    # Sam confirming version 2 does not combine with Maya's confirmation of version 1.
    j.confirm("sam", 2)
    assert j.stage() is Stage.CONTRACTING
    j.confirm("maya", 2)
    assert j.stage() is Stage.ACTIVE
    assert j.last_move().reason == "contract v2"
    assert len(j.planned()) == 6


def test_confirming_a_superseded_version_is_refused_and_changes_nothing(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya")
    j.submit_contract("sam", sessions="6")
    j.confirm("maya", 2)

    outcome = j.confirm("sam", 1)

    assert not outcome.changed
    assert outcome.answer is not None and "Version 1 has been replaced" in outcome.answer.text
    assert j.stage() is Stage.CONTRACTING
    assert j.contract(1).mentee_confirmed_at is None
    assert j.contract(2).mentee_confirmed_at is None


def test_one_person_confirming_twice_is_still_one_confirmation(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya")
    j.confirm("maya", 1)
    first = j.contract().mentor_confirmed_at
    j.flow.clock.advance(timedelta(hours=2))

    j.confirm("maya", 1)

    assert j.stage() is Stage.CONTRACTING
    assert j.contract().mentor_confirmed_at == first


def test_a_refused_submission_stores_nothing_and_says_which_fields(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.read_all()
    contracts, outbox = j.count(Contract), j.count(OutboxMessage)

    outcome = j.submit_contract(
        "maya", sessions="25", length_minutes="14", end_date="soon", mentee_goals=""
    )

    assert not outcome.changed
    assert set(outcome.field_errors) == {"sessions", "length_minutes", "end_date", "mentee_goals"}
    assert outcome.answer is not None and "nothing was saved" in outcome.answer.text
    assert (j.count(Contract), j.count(OutboxMessage)) == (contracts, outbox)
    assert j.new_texts("sam") == []


def test_a_contract_from_someone_outside_the_pair_is_refused(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.enrol("lena", "mentor", 3)

    outcome = j.submit_contract("lena")

    assert not outcome.changed and j.count(Contract) == 0
    j.submit_contract("maya")
    assert not j.confirm("lena", 1).changed
    assert j.contract().mentor_confirmed_at is None and j.contract().mentee_confirmed_at is None


def test_a_contract_before_chemistry_is_over_is_refused(journey) -> None:
    j = journey().to(Stage.CHEMISTRY)

    outcome = j.submit_contract("maya")

    assert not outcome.changed and j.count(Contract) == 0
    assert outcome.answer is not None
    assert "later step" in outcome.answer.text and "still chemistry" in outcome.answer.text


def test_a_version_whose_start_date_passed_before_both_confirmed_is_refused(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya")  # starts 2027-01-11
    j.confirm("maya", 1)
    j.flow.clock.set(datetime(2027, 1, 12, 9, tzinfo=UTC))

    outcome = j.confirm("sam", 1)

    assert not outcome.changed
    assert outcome.answer is not None and "Mon 11 Jan 2027" in outcome.answer.text
    assert j.stage() is Stage.CONTRACTING and j.count(MentoringSession) == 0
    # A new version with a later start goes through as normal.
    j.submit_contract("maya", start_date="2027-01-18", end_date="2027-03-01")
    j.confirm("maya", 2)
    j.confirm("sam", 2)
    assert j.stage() is Stage.ACTIVE
    assert j.planned()[0].planned_at.date().isoformat() == "2027-01-18"


def test_a_change_while_active_keeps_the_agreed_version_until_both_confirm(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.hold(1)
    before = j.moves()

    j.submit_contract(
        "sam", sessions="3", start_date="2027-01-25", end_date="2027-03-01", cadence="fortnightly"
    )

    assert j.contract(1).superseded_at is None, "version 1 is still the one in force"
    assert [s.planned_at.date().isoformat() for s in j.planned()] == [
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
    ]
    j.confirm("sam", 2)
    j.confirm("maya", 2)

    assert j.stage() is Stage.ACTIVE and j.moves() == before, "no stage change, no transition"
    assert j.contract(1).superseded_at is not None
    planned = j.planned()
    # The held session stays; the rest are planned again from the new terms.
    assert [(s.number, s.status) for s in planned] == [(1, "held"), (2, "planned"), (3, "planned")]
    assert [s.planned_at.date().isoformat() for s in planned] == [
        "2027-01-11",
        "2027-01-25",
        "2027-02-08",
    ]
    assert j.count(Goal) == 3, "goals are seeded once, from the first agreed contract"


def test_a_reciprocal_contract_plans_the_swap(journey) -> None:
    j = journey(kind=Kind.RECIPROCAL, sessions=4).to(Stage.CONTRACTING)
    j.agree(swap_after_session="1")

    leaders = [j.user_of(s.leader_id) for s in j.planned()]

    assert leaders == ["maya", "sam", "sam", "sam"]
    assert j.contract().swap_after_session == 1


def test_the_whole_negotiation_on_both_backends(journey, database) -> None:
    j = journey(db=database, kind=Kind.SPONSORSHIP).to(Stage.CONTRACTING)
    contracts = j.count(Contract)
    assert j.submit_contract("sam", destination="").field_errors == {
        "destination": "Please fill this in."
    }
    assert j.count(Contract) == contracts
    j.submit_contract("sam")
    j.confirm("maya", 1)
    j.submit_contract("maya", medium="site_visit")
    assert not j.confirm("sam", 1).changed
    j.confirm("sam", 2)
    j.confirm("maya", 2)

    assert j.stage() is Stage.ACTIVE
    assert [
        (c.version, c.medium, c.superseded_at is not None)
        for c in j.rows(Contract, order_by=Contract.version)
    ] == [(1, "video", True), (2, "site_visit", False)]
    assert j.contract().destination == "Head of customer support"
    assert [m.trigger for m in j.moves()] == [
        "proposed",
        "both_accepted_intro",
        "both_go_ahead",
        "contract_agreed",
    ]


def test_a_change_form_starts_from_the_latest_version(journey) -> None:
    j = journey().to(Stage.CONTRACTING)
    j.submit_contract("maya", medium="chat")

    form = j.flow.press("sam", "open_form", j.flow.form_value("sam", "contract")).answer.form

    initial = {f.name: f.initial for f in form.fields}
    assert initial["medium"] == "chat"
    assert initial["mentee_goals"] == j.contract_values()["mentee_goals"]
    assert initial["start_date"] == "2027-01-11"


def test_a_change_while_active_can_be_sent_with_only_the_changed_answer_typed(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.hold(1)
    j.hold(2)  # 2027-01-18: version 1's start date has passed

    form = j.flow.press("sam", "open_form", j.flow.form_value("sam", "contract")).answer.form
    values = {f.name: f.initial or "" for f in form.fields}
    outcome = j.flow.submit("sam", "contract", str(j.pair_id), **{**values, "medium": "in_person"})

    assert outcome.field_errors == {}, "the start date that has passed is not offered again"
    assert j.contract().version == 2 and j.contract().medium == "in_person"
    j.confirm("sam", 2)
    j.confirm("maya", 2)
    assert [(s.number, s.status, s.planned_at.date().isoformat()) for s in j.planned()] == [
        (1, "held", "2027-01-11"),
        (2, "held", "2027-01-18"),
        (3, "planned", "2027-01-25"),
        (4, "planned", "2027-02-01"),
    ]
