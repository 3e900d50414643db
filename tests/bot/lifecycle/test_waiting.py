"""A pair stuck before its first session: the people it waits for are reminded, then the
coordinator hears about it, once per stage."""

from __future__ import annotations

from datetime import timedelta

from flow import Flow
from scenario import COORDINATOR, accept_intros, active, go_ahead, ok, proposed, rows, stage

from bot import wire
from bot.lifecycle.waiting import ALERT_AFTER, REMIND_AFTER
from storage.db import Database
from storage.models import Enrolment, NudgeSent

HOUR = timedelta(hours=1)


def test_an_unanswered_intro_reminds_only_who_has_not_answered(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    ok(f.press("maya", "intro", f"{pair_id}:yes"))
    f.new("maya"), f.new("sam")

    f.advance(days=REMIND_AFTER.days - 1, hours=23)
    assert f.new("sam") == []
    f.advance(hours=1)  # due at 08:00 on a Monday: it waits for Sam's working hours, at 09:00
    assert f.new("sam") == []
    f.advance(hours=1)

    [reminder] = f.new("sam")
    assert "introduced 7 days ago" in reminder.text
    assert [b.value for b in reminder.buttons] == [
        wire.encode(pair_id, "yes"),
        wire.encode(pair_id, "no"),
    ]
    assert f.new("maya") == []  # she answered; nobody nags her
    # The reminder's button works like the intro's.
    ok(f.press("sam", "intro", reminder.buttons[0].value))
    assert stage(sqlite_db, pair_id) == "chemistry"


def test_the_coordinator_hears_once_when_a_pair_stays_stuck(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    accept_intros(f, pair_id, ("maya", "sam"))
    go_ahead(f, pair_id, ("maya",))
    f.new(COORDINATOR)

    f.advance(days=ALERT_AFTER.days, hours=1)  # due at 08:00, told at 09:00
    alerts = [r.text for r in f.new(COORDINATOR) if f"Pair #{pair_id}" in r.text]
    assert len(alerts) == 1
    assert "waiting in chemistry for 14 days" in alerts[0] and "Sam" in alerts[0]
    assert "Maya" not in alerts[0].split("Still to answer:")[1]  # she said go ahead

    f.advance(days=10)
    assert not [r for r in f.new(COORDINATOR) if f"Pair #{pair_id}" in r.text]
    sent = [(n.nudge, n.level) for n in rows(sqlite_db, NudgeSent, pair_id=pair_id)]
    assert sent == [("waiting", 1), ("waiting", 2)]


def test_a_pair_that_moves_on_is_not_reminded(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)
    f.advance(days=3)
    accept_intros(f, pair_id, ("maya", "sam"))
    f.new("maya"), f.new("sam")

    f.advance(days=5)  # 8 days since the pair was proposed, 5 in chemistry
    assert f.new("maya") == [] and f.new("sam") == []


def test_consent_is_given_at_the_invitation_and_the_intro_keeps_it(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = proposed(f)  # both accepted their invitations (bot.consent) at the start
    accepted = {e.person_id: e.consent_at for e in rows(sqlite_db, Enrolment)}
    assert all(at is not None for at in accepted.values())
    f.advance(days=1)
    ok(f.press("maya", "intro", f"{pair_id}:yes"))
    assert {e.person_id: e.consent_at for e in rows(sqlite_db, Enrolment)} == accepted


def test_an_evaluation_that_does_not_come_is_asked_for_then_flagged(sqlite_db: Database) -> None:
    f = Flow(sqlite_db)
    pair_id = active(f)
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    f.submit(
        "maya",
        "evaluation",
        str(pair_id),
        goals_met="4",
        what_worked="Maya led",
        continue_as="network",
    )
    f.new("maya"), f.new("sam"), f.new(COORDINATOR)

    f.advance(days=REMIND_AFTER.days, hours=1)  # due at 08:00, sent at 09:00
    [reminder] = f.new("sam")
    assert "evaluation is the last step" in reminder.text
    assert [b.value for b in reminder.buttons] == [wire.encode("evaluation", pair_id)]
    assert f.new("maya") == []  # she has evaluated

    f.advance(days=ALERT_AFTER.days - REMIND_AFTER.days)
    [alert] = [r.text for r in f.new(COORDINATOR) if f"Pair #{pair_id}" in r.text]
    assert "waiting in wrap up" in alert and "Still to answer: Sam" in alert
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    assert stage(sqlite_db, pair_id) == "closed"
