"""The dashboard (Slack's Home tab, the Teams card) through the real engine and database: what a
participant sees of their pair, what a coordinator sees of each programme, the coordinator's
buttons, and a fixed number of SQL statements however many pairs there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import START, Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    agree_contract,
    enrol,
    go_ahead,
    jump,
    ok,
    pair_of,
    person,
    programme,
    proposed,
    refused,
    rows,
    stage,
)
from sqlalchemy import event

from bot import home, routes
from bot.content import default_content
from bot.events import Action, Actor
from bot.lifecycle.planning import describe_when
from bot.replies import Button, Reply
from bot.text import plain
from storage.db import Database
from storage.models import MentoringSession, NudgeSent

CONTENT = default_content()


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def dashboard(f: Flow, who: str) -> tuple[Reply, ...]:
    return f.engine.home(f.actor(who))


def shown(f: Flow, who: str) -> str:
    """The whole dashboard as plain text, the way the console and notifications show it."""
    return "\n\n".join(plain(section.text) for section in dashboard(f, who))


def buttons(f: Flow, who: str) -> list[Button]:
    return [button for section in dashboard(f, who) for button in section.buttons]


def button_for(f: Flow, who: str, action: str, pair_id: int) -> Button:
    found = [b for b in buttons(f, who) if b.action == action and b.value == f"v1:{pair_id}"]
    assert found, f"{who} has no {action} button for pair {pair_id}: {buttons(f, who)}"
    return found[0]


def sessions_of(f: Flow, pair_id: int) -> list[MentoringSession]:
    return sorted(rows(f.db, MentoringSession, pair_id=pair_id), key=lambda s: s.number)


def check_in(f: Flow, pair_id: int, number: int, **answers: str) -> None:
    """Let session `number` pass, then both people answer its check-in."""
    session = sessions_of(f, pair_id)[number - 1]
    jump(f, session.checkin_due_at)
    for who in ("maya", "sam"):
        ok(f.submit(who, "checkin", str(session.id), **answers))


# -- a participant ------------------------------------------------------------------------------


def test_someone_not_enrolled_is_told_what_happens_next(f: Flow) -> None:
    sections = dashboard(f, "zoe")
    assert plain(sections[0].text).startswith("Tandem for Zoe")
    assert len(sections) == 2
    assert "You are not in a Tandem programme yet" in plain(sections[1].text)
    assert "`help <your note>`" in sections[1].text


def test_someone_enrolled_but_not_paired_is_told_a_match_is_coming(f: Flow) -> None:
    programme(f)
    enrol(f, "zoe", role="mentor", level=2)
    text = shown(f, "zoe")
    assert f"You are enrolled in {PROGRAMME}." in text
    assert "when there is a match, your introduction arrives here" in text


def test_an_active_pair_shows_partner_roles_stage_next_session_goals_and_actions(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    enrol(f, "sam", role="mentee", level=8, extra="--tz Europe/Oslo")
    ok(f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'))
    pair_id = pair_of(f.db, "maya", "sam").id
    accept_intros(f, pair_id, ("maya", "sam"))
    go_ahead(f, pair_id, ("maya", "sam"))
    agree_contract(f, pair_id, "maya", "sam")
    ok(f.command("maya", "actions add Share the analytics view"))

    first = sessions_of(f, pair_id)[0]
    sam = person(f.db, "sam")
    when = describe_when(first.planned_at, sam, CONTENT)
    local = first.planned_at.astimezone(ZoneInfo("Europe/Oslo"))
    assert when.endswith(f"{local:%H:%M} (Europe/Oslo)")
    assert when != describe_when(first.planned_at, person(f.db, "maya"), CONTENT)  # Maya is on UTC

    sections = dashboard(f, "sam")
    pair_section = plain(sections[1].text)
    assert pair_section.startswith(f"{PROGRAMME} (pair {pair_id})")
    assert "You are the mentee; Maya is your reverse mentor." in pair_section
    assert "Now: meeting regularly." in pair_section
    assert f"Next session: number 1, {when}" in pair_section
    assert "Open goals\n• Lead a meeting with no slides (Maya)" in pair_section
    assert "• Understand how customers use the app (Sam)" in pair_section
    assert "• Try TikTok for a week (Sam)" in pair_section
    assert "Open actions\n• Share the analytics view (Maya)" in pair_section
    assert sections[1].buttons == ()  # no check-in is open yet
    assert "Maya" in shown(f, "sam") and "Programme health" not in shown(f, "sam")

    maya_view = plain(dashboard(f, "maya")[1].text)
    assert "You are the reverse mentor; Sam is your mentee." in maya_view
    assert describe_when(first.planned_at, person(f.db, "maya"), CONTENT) in maya_view


def test_typed_text_stays_typed_and_owned(f: Flow) -> None:
    pair_id = active(f)
    ok(f.command("sam", "actions add *Bold* <!channel>"))
    section = dashboard(f, "maya")[1]
    sam_id = person(f.db, "sam").id
    typed = {(span.text, span.person_id) for span in section.text.spans if span.typed}
    assert ("*Bold* <!channel>", sam_id) in typed
    assert ("Sam", sam_id) in typed
    assert (PROGRAMME, None) in typed
    assert "*Bold* <!channel>" in plain(section.text)  # shown as typed, never as markup
    assert stage(f.db, pair_id) == "active"


def test_the_checkin_button_shows_while_a_checkin_is_open_and_opens_the_form(f: Flow) -> None:
    pair_id = active(f)
    session = sessions_of(f, pair_id)[0]
    jump(f, session.checkin_due_at)
    [button] = dashboard(f, "maya")[1].buttons
    assert (button.action, button.label) == ("open_form", "Check in")
    form = ok_form(f.press("maya", button.action, button.value))
    assert (form.form_id, form.context) == ("checkin", str(session.id))
    ok(f.submit("maya", "checkin", str(session.id), happened="yes"))
    assert dashboard(f, "maya")[1].buttons == ()
    assert [b.label for b in dashboard(f, "sam")[1].buttons] == ["Check in"]


def ok_form(outcome: Any) -> Any:
    assert outcome.answer is not None and outcome.answer.form is not None, outcome.answer
    return outcome.answer.form


def test_parked_items_are_listed_until_the_wrap_up_hands_them_back(f: Flow) -> None:
    pair_id = active(f)
    check_in(f, pair_id, 1, happened="yes", career_talk="yes", actions="Try the app")
    text = plain(dashboard(f, "sam")[1].text)
    assert "Parked for the wrap-up\n• career advice: came up in session 1" in text
    assert "• Try the app (Maya)" in text and "• Try the app (Sam)" in text

    ok(f.command(COORDINATOR, f"end {pair_id}"))
    text = plain(dashboard(f, "sam")[1].text)
    assert "Parked during the contract, yours to pick up now\n• career advice" in text
    assert "Parked for the wrap-up" not in text
    [button] = dashboard(f, "sam")[1].buttons
    assert unversioned_form(button) == f"evaluation:{pair_id}"


def unversioned_form(button: Button) -> str:
    assert button.action == "open_form"
    return button.value.removeprefix("v1:")


def test_answer_buttons_show_until_the_person_has_answered(f: Flow) -> None:
    pair_id = proposed(f)
    assert [b.action for b in dashboard(f, "maya")[1].buttons] == ["intro", "intro"]
    assert "Now: you have been introduced." in plain(dashboard(f, "maya")[1].text)
    ok(f.press("maya", "intro", f"{pair_id}:yes"))
    assert dashboard(f, "maya")[1].buttons == ()
    ok(f.press("sam", "intro", f"{pair_id}:yes"))
    assert [b.action for b in dashboard(f, "sam")[1].buttons] == ["chemistry"] * 3
    go_ahead(f, pair_id, ("maya", "sam"))
    [button] = dashboard(f, "sam")[1].buttons
    assert unversioned_form(button) == f"contract:{pair_id}"


def test_a_paused_pair_says_where_it_will_carry_on(f: Flow) -> None:
    active(f)
    ok(f.command("sam", "pause"))
    text = plain(dashboard(f, "maya")[1].text)
    assert "paused; reminders and check-ins wait" in text
    assert "carries on with active. Type resume when you are ready." in text
    assert "Next session" not in text


# -- a coordinator ------------------------------------------------------------------------------


def test_a_coordinator_without_programmes_is_told_how_to_start(f: Flow) -> None:
    sections = dashboard(f, COORDINATOR)
    assert len(sections) == 2  # no "you are not in a pair" line for a coordinator
    assert "No programmes yet" in plain(sections[1].text)


def test_pairs_per_stage_for_each_programme(f: Flow) -> None:
    first = proposed(f, mentor="maya", mentee="sam")
    accept_intros(f, first, ("maya", "sam"))
    enrol(f, "lena", role="mentor", level=2)
    enrol(f, "tom", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'pair lena tom --programme "{PROGRAMME}"'))
    text = shown(f, COORDINATOR)
    assert "Programme health" in text
    assert f"{PROGRAMME} (reverse mentoring): 1 proposed, 1 chemistry\n" in text
    assert "No pair needs a look right now." in text

    programme(f, "Classic 2027", kind="classic")
    text = shown(f, COORDINATOR)
    assert "Classic 2027 (classic mentoring): no pairs yet" in text
    assert text.index("Classic 2027") < text.index(PROGRAMME)  # by name


def test_a_pair_stuck_in_one_stage_for_three_weeks_is_at_risk(f: Flow) -> None:
    pair_id = proposed(f)
    f.clock.set(START + timedelta(days=21))
    assert "No pair needs a look right now." in shown(f, COORDINATOR)
    f.clock.set(START + timedelta(days=22, hours=1))
    text = shown(f, COORDINATOR)
    assert "1 pair needs a look:" in text
    assert f"Pair {pair_id}: Maya and Sam, proposed\n• proposed for 22 days without moving" in text
    labels = [b.label for b in buttons(f, COORDINATOR)]
    assert labels == [
        f"Nudge pair {pair_id}",
        f"Pause pair {pair_id}",
        f"End pair {pair_id}",
        f"Rematch pair {pair_id}",
    ]


def test_an_active_pair_is_not_stalled_just_for_being_active(f: Flow) -> None:
    active(f)
    f.clock.set(START + timedelta(days=40))
    assert "No pair needs a look right now." in shown(f, COORDINATOR)


def test_an_escalated_nudge_flags_the_pair_for_45_days(f: Flow) -> None:
    pair_id = proposed(f)
    jump(f, START + timedelta(days=15))  # nobody answered the intro: the coordinator is alerted
    [alert] = rows(f.db, NudgeSent, pair_id=pair_id, level=2)
    text = shown(f, COORDINATOR)
    day = f"{alert.sent_at:%d %b}"
    assert f"• waiting a long time for an answer (escalated to you on {day})" in text
    assert "without moving on" not in text
    f.clock.set(alert.sent_at + timedelta(days=46))
    text = shown(f, COORDINATOR)
    assert "escalated" not in text and "without moving on" in text


def test_a_session_that_did_not_happen_flags_the_pair_until_one_does(f: Flow) -> None:
    pair_id = active(f)
    check_in(f, pair_id, 1, happened="no")
    assert "• session 1 did not happen" in shown(f, COORDINATOR)
    check_in(f, pair_id, 2, happened="yes")
    assert "did not happen" not in shown(f, COORDINATOR)


def test_a_session_nobody_reported_on_flags_the_pair(f: Flow) -> None:
    pair_id = active(f)
    session = sessions_of(f, pair_id)[0]
    jump(f, session.checkin_due_at)
    jump(f, session.checkin_due_at + timedelta(days=7, hours=1))
    assert sessions_of(f, pair_id)[0].status == "unreported"
    assert f"Pair {pair_id}: Maya and Sam, active\n• nobody reported on session 1" in shown(
        f, COORDINATOR
    )


def test_a_chemistry_talk_answer_flags_the_pair_with_who_asked(f: Flow) -> None:
    pair_id = proposed(f)
    accept_intros(f, pair_id, ("maya", "sam"))
    ok(f.press("sam", "chemistry", f"{pair_id}:talk"))
    text = shown(f, COORDINATOR)
    assert "• Sam asked for a word with you after the chemistry meeting" in text
    assert "asked for a word" not in shown(f, "maya")  # the partner is never told


def test_no_private_answers_reach_the_coordinator_view(f: Flow) -> None:
    pair_id = active(f)
    check_in(f, pair_id, 1, happened="yes", note="My secret worry", challenge="1", breadth="2")
    text = shown(f, COORDINATOR)
    assert "secret" not in text and "challenge" not in text.lower()


def test_at_risk_pairs_beyond_the_limit_are_counted(
    f: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(home, "MAX_AT_RISK", 2)
    programme(f)
    for n in range(3):
        enrol(f, f"m{n}", role="mentor", level=2)
        enrol(f, f"e{n}", role="mentee", level=8)
        ok(f.command(COORDINATOR, f'pair m{n} e{n} --programme "{PROGRAMME}"'))
    f.clock.set(START + timedelta(days=30))
    text = shown(f, COORDINATOR)
    assert "3 pairs need a look:" in text
    assert text.count("without moving on") == 2
    assert "And 1 more not listed here" in text


# -- the coordinator's buttons ------------------------------------------------------------------


def test_pause_resume_and_end_buttons_do_what_the_commands_do(f: Flow) -> None:
    pair_id = active(f)
    check_in(f, pair_id, 1, happened="no")
    f.new("maya")
    ok(
        f.press(
            COORDINATOR, *astuple(button_for(f, COORDINATOR, routes.COORDINATOR_PAUSE, pair_id))
        )
    )
    assert stage(f.db, pair_id) == "paused"
    assert any("has paused your mentoring pair" in r.text for r in f.new("maya"))
    assert [b.action for b in dashboard(f, COORDINATOR)[-1].buttons] == [
        routes.COORDINATOR_NUDGE,
        routes.COORDINATOR_RESUME,
        routes.COORDINATOR_END,
        routes.COORDINATOR_REMATCH,
    ]
    answer = ok(
        f.press(
            COORDINATOR, *astuple(button_for(f, COORDINATOR, routes.COORDINATOR_RESUME, pair_id))
        )
    )
    assert answer == f"Resumed pair #{pair_id} (active)."
    answer = ok(
        f.press(COORDINATOR, *astuple(button_for(f, COORDINATOR, routes.COORDINATOR_END, pair_id)))
    )
    assert answer == f"Ended pair #{pair_id}: both have their evaluation now."
    assert stage(f.db, pair_id) == "wrap_up"


def astuple(button: Button) -> tuple[str, str]:
    return button.action, button.value


def test_ending_a_proposed_pair_from_the_dashboard_dissolves_it(f: Flow) -> None:
    pair_id = proposed(f)
    f.clock.set(START + timedelta(days=22))
    ok(f.press(COORDINATOR, *astuple(button_for(f, COORDINATOR, routes.COORDINATOR_END, pair_id))))
    assert stage(f.db, pair_id) == "dissolved"
    assert "Pair " not in shown(f, COORDINATOR)


@pytest.mark.parametrize(
    "action", [routes.COORDINATOR_PAUSE, routes.COORDINATOR_RESUME, routes.COORDINATOR_END]
)
def test_a_participant_pressing_a_coordinator_button_is_refused(f: Flow, action: str) -> None:
    pair_id = active(f)
    before = snapshot(f.db)
    refused(f.press("maya", action, f"v1:{pair_id}"), "for programme coordinators")
    assert_unchanged(f.db, before)


def test_a_coordinator_of_another_workspace_cannot_touch_the_pair(f: Flow) -> None:
    pair_id = active(f)
    before = snapshot(f.db)
    stranger = Actor(platform="console", tenant="elsewhere", user_id=COORDINATOR)
    for action in (routes.COORDINATOR_PAUSE, routes.COORDINATOR_END):
        outcome = f.engine.handle(Action(actor=stranger, action=action, value=f"v1:{pair_id}"))
        refused(outcome, f"There is no pair #{pair_id}")
    assert_unchanged(f.db, before)


def test_a_refused_step_says_why_and_changes_nothing(f: Flow) -> None:
    pair_id = active(f)
    before = snapshot(f.db)
    refused(f.press(COORDINATOR, routes.COORDINATOR_RESUME, f"v1:{pair_id}"), "cannot be resumed")
    assert_unchanged(f.db, before)


# -- cost ---------------------------------------------------------------------------------------


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def add_pairs(f: Flow, first: int, last: int) -> None:
    """Pairs `first`..`last`, each with its own warning sign, so every query has rows."""
    signs: dict[int, int] = {}
    for n in range(first, last):
        enrol(f, f"m{n}", role="mentor", level=2)
        enrol(f, f"e{n}", role="mentee", level=8)
        ok(f.command(COORDINATOR, f'pair m{n} e{n} --programme "{PROGRAMME}"'))
        pair_id = pair_of(f.db, f"m{n}", f"e{n}").id
        signs[pair_id] = n % 3
        if n % 3 == 0:  # asked to talk after the chemistry meeting
            accept_intros(f, pair_id, (f"m{n}", f"e{n}"))
            ok(f.press(f"e{n}", "chemistry", f"{pair_id}:talk"))
    # A missed session and an escalation are written directly: driving twelve pairs through
    # contracting and months of sessions would take minutes, and what is counted here is how
    # the dashboard reads rows, not how they arrived.
    now = f.clock.now()
    with f.db.transaction() as session:
        for pair_id, sign in signs.items():
            if sign == 1:
                session.add(
                    MentoringSession(
                        pair_id=pair_id,
                        number=1,
                        planned_at=now - timedelta(days=3),
                        checkin_due_at=now - timedelta(days=3),
                        status="missed",
                    )
                )
            elif sign == 2:
                session.add(
                    NudgeSent(pair_id=pair_id, nudge="steam", level=2, about=0, sent_at=now)
                )


def test_the_coordinator_view_reads_a_fixed_number_of_statements(f: Flow) -> None:
    programme(f)
    programme(f, "Classic 2027", kind="classic")
    add_pairs(f, 0, 3)
    dashboard(f, COORDINATOR)  # the first look creates nothing new, but warm up anyway
    with statements(f.db) as small:
        small_text = "\n".join(plain(s.text) for s in dashboard(f, COORDINATOR))
    add_pairs(f, 3, 12)
    with statements(f.db) as large:
        large_text = "\n".join(plain(s.text) for s in dashboard(f, COORDINATOR))
    assert "3 pairs need a look" in small_text
    assert "12 pairs need a look" in large_text
    assert large_text.count("asked for a word") == 4
    assert large_text.count("did not happen") == 4
    assert large_text.count("stopped meeting") == 4
    assert len(large) == len(small), "\n".join(large)
    assert len(small) <= 12


# -- k >= 3 (issue 8, item 3) -------------------------------------------------------------------


def test_the_coordinator_home_shows_no_aggregate_of_answers_below_or_above_k(f: Flow) -> None:
    """Home has no averages, tallies or written answers at all (those are `report`'s, under
    k >= 3), and of the nudges only what a rule escalated to the coordinator about one pair: a
    signal to act on. A nudge that went to the pair alone, from their check-ins, is not named."""
    first = active(f)
    check_in(f, first, 1, happened="yes", challenge="1", breadth="1", note="Private worry")
    enrol(f, "ola", role="mentor", level=2)
    enrol(f, "tom", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "ola", "tom").id
    accept_intros(f, second, ("ola", "tom"))
    go_ahead(f, second, ("ola", "tom"))
    agree_contract(f, second, "ola", "tom")
    now = f.clock.now()
    with f.db.transaction() as session:
        session.add_all(
            [
                NudgeSent(pair_id=first, nudge="too_polite", level=1, about=1, sent_at=now),
                NudgeSent(pair_id=first, nudge="mentor_leading", level=1, about=1, sent_at=now),
                NudgeSent(pair_id=second, nudge="mentor_leading", level=2, about=1, sent_at=now),
            ]
        )
    ok(f.command(COORDINATOR, f"end {first}"))
    for who, score in (("maya", "5"), ("sam", "1")):
        ok(
            f.submit(
                who,
                "evaluation",
                str(first),
                goals_met=score,
                what_worked=f"{who}'s evaluation words",
                continue_as="network",
            )
        )

    def private(text: str) -> list[str]:
        words = ("Private worry", "evaluation words", "average", "Goals met", "withheld")
        return [w for w in (*words, "too_polite", "polite", "network") if w in text]

    two = shown(f, COORDINATOR)
    assert private(two) == [], two
    # The escalated nudge of the one pair that has it: shown, about that pair.
    assert f"Pair {second}: Ola and Tom, active\n• the mentor has stopped leading" in two
    assert "escalated to you on" in two
    assert f"Pair {first}:" not in two  # its nudges went to the pair alone: nothing to act on

    ok(f.command(COORDINATOR, f"end {second}"))
    ok(
        f.submit(
            "tom",
            "evaluation",
            str(second),
            goals_met="3",
            what_worked="tom's evaluation words",
            continue_as="network",
        )
    )
    three = shown(f, COORDINATOR)
    assert private(three) == [], three  # three people now, but Home never aggregates
    assert "Goals met (1-5): average 3.0" in ok(f.command(COORDINATOR, f'report "{PROGRAMME}"'))
