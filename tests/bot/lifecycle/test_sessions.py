"""Active: the reminder before each session, the private check-in after it, what carries on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import wire
from bot.programmes import Kind
from bot.stages import Stage
from storage.models import ActionItem, CheckIn, MentoringSession, NudgeSent

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
ROLES = {"maya": "mentor", "sam": "mentee"}


def prep(content, kind: Kind, role: str) -> list[str]:
    return [f"- {tip}" for tip in content.lines("sessions.prep", kind=kind, role=role)]


def reminders(j, who: str) -> list[str]:
    return [t for t in j.new_texts(who) if "of 4" in t]


# -- the reminder ---------------------------------------------------------------------------


def test_the_reminder_comes_the_day_before_and_only_once(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    first = j.session_time(1)
    j.read_all()

    # The day before is a Sunday: the reminder is due on the last working moment of both
    # before it, Friday 10:00, rather than held until Monday morning.
    friday = first - 3 * DAY
    j.at(friday - HOUR)
    assert j.new_texts("maya") == [] and j.session(1).reminded_at is None
    j.at(friday)
    assert j.reminder_time(1) == friday
    assert j.session(1).reminded_at == friday
    assert len(reminders(j, "maya")) == 1 and len(reminders(j, "sam")) == 1
    j.at(first - HOUR)
    assert reminders(j, "maya") == [] and reminders(j, "sam") == []


@pytest.mark.parametrize("kind", list(Kind))
def test_each_role_prepares_in_its_own_way(journey, content, kind: Kind) -> None:
    j = journey(kind=kind, sessions=4).to(Stage.ACTIVE)
    j.read_all()

    j.at(j.reminder_time(1))

    texts = {who: reminders(j, who) for who in ROLES}
    for who, role in ROLES.items():
        (text,) = texts[who]
        other = "mentee" if role == "mentor" else "mentor"
        assert all(line in text for line in prep(content, kind, role))
        assert not any(
            line in text
            for line in set(prep(content, kind, other)) - set(prep(content, kind, role))
        )
        assert "1 of 4" in text and "Mon 11 Jan 2027, 10:00 (UTC)" in text
    assert texts["maya"] != texts["sam"]


def test_the_reverse_mentee_is_told_who_sets_the_agenda(journey, content) -> None:
    j = journey(kind=Kind.REVERSE, sessions=4).to(Stage.ACTIVE)
    j.read_all()

    j.at(j.reminder_time(1))

    (text,) = reminders(j, "sam")
    assert text.startswith(
        content.text(
            "sessions.reminder",
            kind="reverse",
            role="mentee",
            name="Sam",
            partner="Maya",
            number=1,
            total=4,
            when="Mon 11 Jan 2027, 10:00 (UTC)",
            leader="Maya",
        )
    )


def test_open_actions_come_back_in_the_next_reminder_until_done(journey, content) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    ref = str(j.session(1).id)
    j.flow.submit("sam", "checkin", ref, happened="yes", actions="Try the app with my team")
    j.flow.submit("maya", "checkin", ref, happened="yes", actions="- Send Sam three posts\n\n")
    actions = j.rows(ActionItem, order_by=ActionItem.id)
    assert [(j.user_of(a.owner_id), a.text) for a in actions] == [
        ("sam", "Try the app with my team"),
        ("maya", "Send Sam three posts"),
    ]
    j.at(j.reminder_time(2))
    for who in ROLES:
        (text,) = reminders(j, who)
        assert (
            content.text(
                "sessions.actions_carried",
                actions="- Try the app with my team\n- Send Sam three posts",
            )
            in text
        )

    j.ok("actions done 1", who="sam")
    j.at(j.reminder_time(3))

    (text,) = reminders(j, "maya")
    assert "Send Sam three posts" in text and "Try the app with my team" not in text


def test_a_reminder_with_no_open_actions_does_not_mention_them(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.read_all()

    j.at(j.reminder_time(1))

    (text,) = reminders(j, "maya")
    assert "Open actions" not in text


# -- the check-in ---------------------------------------------------------------------------


def test_the_check_in_is_asked_an_hour_after_the_session_ends(journey, content) -> None:
    j = journey(sessions=4, length=90).to(Stage.ACTIVE)
    end = j.session_time(1) + timedelta(minutes=90)
    j.at(j.reminder_time(1))
    j.read_all()

    j.at(end + HOUR - MINUTE)
    assert j.new_texts("maya") == [] and j.session(1).checkin_sent_at is None
    j.at(end + HOUR)

    session = j.session(1)
    assert session.checkin_sent_at == end + HOUR
    for who, partner in (("maya", "Sam"), ("sam", "Maya")):
        (prompt,) = j.flow.new(who)
        assert prompt.text == content.text("sessions.checkin_prompt", number=1, partner=partner)
        assert [b.value for b in prompt.buttons] == [wire.encode("checkin", session.id)]


def test_a_check_in_is_private_and_marks_the_session_held(journey, content) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    j.read_all()
    ref = j.flow.form_value("sam", "checkin").split(":")[1]

    opened = j.flow.press("sam", "open_form", wire.encode("checkin", ref))
    assert opened.answer.form is not None and opened.answer.form.context == ref
    outcome = j.flow.submit(
        "sam",
        "checkin",
        ref,
        happened="yes",
        agenda_set_by="mentor",
        challenge="4",
        breadth="3",
        note="I talked too much",
    )

    assert outcome.answer.text == content.text("sessions.checkin_thanks")
    (checkin,) = j.rows(CheckIn)
    assert (
        checkin.happened,
        checkin.agenda_set_by,
        checkin.challenge,
        checkin.breadth,
        checkin.note,
    ) == (True, "mentor", 4, 3, "I talked too much")
    assert j.session(1).status == "held"
    assert not any("talked too much" in t for t in j.new_texts("maya"))


def test_a_session_that_did_not_happen_is_marked_missed(journey, content) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)

    outcome = j.flow.submit(
        "maya", "checkin", str(j.session(1).id), happened="no", challenge="5", actions="Something"
    )

    assert outcome.answer.text == content.text("sessions.checkin_missed_ack")
    assert j.session(1).status == "missed"
    (checkin,) = j.rows(CheckIn)
    assert checkin.challenge is None, "a session that did not happen has no scores"
    assert j.count(ActionItem) == 0


def test_a_session_nobody_reports_on_is_closed_as_unreported_after_a_week(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    asked = j.session_time(1) + 2 * HOUR
    j.at(asked)

    j.at(asked + 7 * DAY - HOUR)
    assert j.session(1).status == "planned"
    j.at(asked + 7 * DAY)
    assert j.session(1).status == "unreported"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("challenge", "0"),
        ("challenge", "6"),
        ("breadth", "lots"),
        ("happened", ""),
        ("agenda_set_by", "the boss"),
        ("note", "x" * 2001),
    ],
)
def test_a_check_in_out_of_bounds_stores_nothing(journey, field: str, value: str) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)

    outcome = j.flow.submit(
        "sam", "checkin", str(j.session(1).id), **{"happened": "yes", field: value}
    )

    assert set(outcome.field_errors) == {field}
    assert j.count(CheckIn) == 0 and j.session(1).status == "planned"


def test_a_check_in_from_someone_outside_the_pair_is_refused(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.enrol("lena", "mentor", 3)
    j.at(j.session_time(1) + 2 * HOUR)
    ref = str(j.session(1).id)

    submitted = j.flow.submit("lena", "checkin", ref, happened="no")
    opened = j.flow.press("lena", "open_form", wire.encode("checkin", ref))

    for outcome in (submitted, opened):
        assert not outcome.changed
        assert outcome.answer is not None and "I can't find that pair." in outcome.answer.text
    assert j.count(CheckIn) == 0 and j.session(1).status == "planned"


def test_a_check_in_for_a_session_still_ahead_is_refused(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    ahead = str(j.session(3).id)

    submitted = j.flow.submit("sam", "checkin", ahead, happened="yes")
    opened = j.flow.press("sam", "open_form", wire.encode("checkin", ahead))

    for outcome in (submitted, opened):
        assert not outcome.changed
        assert outcome.answer is not None and "25 Jan 2027" in outcome.answer.text
    assert j.count(CheckIn) == 0 and j.session(3).status == "planned"


def test_a_second_check_in_replaces_the_first(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    ref = str(j.session(1).id)

    j.flow.submit("sam", "checkin", ref, happened="no")
    j.flow.submit("sam", "checkin", ref, happened="yes", challenge="2")

    (checkin,) = j.rows(CheckIn)
    assert (checkin.happened, checkin.challenge) == (True, 2)
    assert j.session(1).status == "held"


def test_the_checkin_command_opens_the_form_for_the_last_session(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)

    early = j.flow.command("sam", "checkin")
    assert not early.changed
    assert early.answer is not None and "hasn't happened yet" in early.answer.text
    j.at(j.session_time(2) + 2 * HOUR)
    outcome = j.flow.command("sam", "checkin")

    form = outcome.answer.form
    assert form is not None and form.form_id == "checkin"
    assert form.context == str(j.session(2).id)
    assert "career_talk" in {f.name for f in form.fields}, "reverse pairs are asked about it"


def test_the_checkin_command_needs_an_active_pair(journey) -> None:
    j = journey().to(Stage.CONTRACTING)

    outcome = j.flow.command("maya", "checkin")

    assert not outcome.changed
    assert outcome.answer is not None and "active" in outcome.answer.text


# -- the mid-point review -------------------------------------------------------------------


def test_the_mid_point_review_comes_once_after_the_half_way_session(journey, content) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    review = content.text(
        "sessions.midpoint",
        kind="reverse",
        number=2,
        total=4,
        goals="- Lead a meeting with a senior colleague\n"
        "- Understand short-form video\n"
        "- See the app through customers' eyes",
    )
    j.hold(1)
    assert review not in j.new_texts("maya")
    j.read_all()

    j.hold(2)
    assert j.new_texts("maya").count(review) == 1
    assert j.new_texts("sam").count(review) == 1
    j.hold(3)

    assert not any(t.startswith("*Half-way:*") for t in j.new_texts("maya"))
    assert j.count(NudgeSent, NudgeSent.nudge == "midpoint_review") == 1


def test_a_missed_half_way_session_moves_the_review_to_the_next_one_held(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.hold(1)
    j.hold(2, happened="no")
    assert j.count(NudgeSent, NudgeSent.nudge == "midpoint_review") == 0
    j.read_all()

    j.hold(3)

    (review,) = [t for t in j.new_texts("sam") if t.startswith("*Half-way:*")]
    assert "3 of 4" in review


def test_a_single_session_contract_has_no_mid_point(journey) -> None:
    j = journey(sessions=1).to(Stage.ACTIVE)

    j.hold(1)

    assert j.count(NudgeSent, NudgeSent.nudge == "midpoint_review") == 0


# -- reciprocal: who leads ------------------------------------------------------------------


def test_reciprocal_leaders_swap_after_the_agreed_session(journey, content) -> None:
    j = journey(kind=Kind.RECIPROCAL, sessions=4).to(Stage.CONTRACTING)
    j.agree(swap_after_session="2")
    assert [j.user_of(s.leader_id) for s in j.planned()] == ["maya", "maya", "sam", "sam"]
    leading = prep(content, Kind.RECIPROCAL, "mentor")
    learning = prep(content, Kind.RECIPROCAL, "mentee")

    for number, leader, learner in ((2, "maya", "sam"), (3, "sam", "maya")):
        j.read_all()
        j.at(j.reminder_time(number))
        (lead_text,) = reminders(j, leader)
        (learn_text,) = reminders(j, learner)
        assert all(line in lead_text for line in leading)
        assert all(line in learn_text for line in learning)
        assert leader.capitalize() + " leads" in learn_text
        j.hold(number)


def test_classic_mentoring_is_mentee_driven_by_default(journey) -> None:
    classic = journey(kind=Kind.CLASSIC, sessions=4).to(Stage.ACTIVE)
    assert {classic.user_of(s.leader_id) for s in classic.planned()} == {"sam"}


def test_a_shared_agenda_has_no_leader_to_drift_from(journey) -> None:
    shared = journey(kind=Kind.REVERSE, sessions=4).to(Stage.CONTRACTING)
    shared.agree(agenda_owner="shared")
    assert {s.leader_id for s in shared.planned()} == {None}


def test_alternating_outside_reciprocal_mentoring_swaps_every_session(journey) -> None:
    alternate = journey(kind=Kind.SPONSORSHIP, sessions=4).to(Stage.CONTRACTING)
    alternate.agree(agenda_owner="alternate")
    assert [alternate.user_of(s.leader_id) for s in alternate.planned()] == [
        "maya",
        "sam",
        "maya",
        "sam",
    ]


def test_no_reminder_or_check_in_outside_the_active_stage(journey) -> None:
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.ok(f"end {j.pair_id}")
    j.read_all()

    j.at(j.session_time(1) + 3 * HOUR)

    # Only the evaluation reminder arrives (a week into wrap-up): no reminder, no check-in.
    for who in ("maya", "sam"):
        assert [t for t in j.new_texts(who) if "evaluation is the last step" not in t] == []
    assert j.session(1).reminded_at is None and j.session(1).checkin_sent_at is None
    assert j.count(MentoringSession, MentoringSession.status != "planned") == 0


def test_a_check_in_listing_too_many_actions_is_refused_and_saves_nothing(journey) -> None:
    """Issue 8: one check-in with 1,000 lines in its actions field created 1,000 rows."""
    j = journey(sessions=4).to(Stage.ACTIVE)
    j.at(j.session_time(1) + 2 * HOUR)
    ref = str(j.session(1).id)
    outcome = j.flow.submit("sam", "checkin", ref, happened="yes", actions="a\n" * 1000)
    assert outcome.field_errors == {"actions": "Please list at most 10, one a line; this has 1000."}
    too_long = j.flow.submit("sam", "checkin", ref, happened="yes", actions="x" * 301)
    assert too_long.field_errors == {"actions": "Please keep each line under 300 characters."}
    assert j.rows(ActionItem) == []
    ok_ = j.flow.submit("sam", "checkin", ref, happened="yes", actions="a\n" * 10)
    assert not ok_.field_errors
    assert len(j.rows(ActionItem)) == 10
