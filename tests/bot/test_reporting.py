"""What people see when they ask how things stand: a participant's pairs, a programme's health,
and the programme's evaluation, which aggregates and never names anyone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flow import START, Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    agree_contract,
    enrol,
    go_ahead,
    ok,
    pair_of,
    person,
    programme,
    proposed,
)
from sqlalchemy import select

from bot.content import default_content
from storage.db import Database
from storage.models import Base, MentoringSession, NudgeSent, ParkedItem

CONTENT = default_content()


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def add(db: Database, *objects: Base) -> None:
    with db.transaction() as session:
        session.add_all(objects)


def sessions(pair_id: int, *statuses: str) -> list[MentoringSession]:
    return [
        MentoringSession(
            pair_id=pair_id,
            number=n,
            planned_at=START + timedelta(days=n),
            checkin_due_at=START + timedelta(days=n, hours=2),
            status=status,
        )
        for n, status in enumerate(statuses, start=1)
    ]


def mark(db: Database, pair_id: int, *statuses: str) -> None:
    """Give an active pair's planned sessions these outcomes, first session first."""
    with db.transaction() as session:
        for number, status in enumerate(statuses, start=1):
            session.scalars(
                select(MentoringSession).filter_by(pair_id=pair_id, number=number)
            ).one().status = status


def nudge(pair_id: int, key: str, *, days_ago: int = 0, level: int = 1) -> NudgeSent:
    return NudgeSent(
        pair_id=pair_id, nudge=key, level=level, about=0, sent_at=START - timedelta(days=days_ago)
    )


# -- my pairs -------------------------------------------------------------------------------


def test_a_mentor_with_two_pairs_sees_both_newest_first(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra="--capacity 2")
    enrol(f, "sam", role="mentee", level=8)
    enrol(f, "tom", role="mentee", level=9)
    ok(f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'))
    ok(f.command(COORDINATOR, f'pair maya tom --programme "{PROGRAMME}"'))
    assert ok(f.command("maya", "status")) == (
        f"*Pair #2* in {PROGRAMME}: you are the mentor, with Tom. Stage: proposed.\n\n"
        f"*Pair #1* in {PROGRAMME}: you are the mentor, with Sam. Stage: proposed."
    )


def test_a_coordinator_without_a_pair_sees_the_programmes(f: Flow) -> None:
    proposed(f)
    assert ok(f.command(COORDINATOR, "status")) == (  # not "You are not in a mentoring pair"
        "*Programmes*\n"
        f'- "{PROGRAMME}": 1 proposed\n'
        'For one programme: `status "Name"`; its evaluation: `report "Name"`.'
    )


def test_the_next_session_is_shown_in_the_readers_own_time_zone(f: Flow) -> None:
    active(f)
    ok(
        f.command(
            COORDINATOR,
            f'enrol sam --programme "{PROGRAMME}" --role mentee --level 8 --tz Asia/Tokyo',
        )
    )
    assert "Next session: #1, Mon 11 Jan 2027, 19:00 (Asia/Tokyo)." in ok(
        f.command("sam", "status")
    )


# -- health ---------------------------------------------------------------------------------


def test_health_counts_sessions_and_flags_recent_nudges_of_live_pairs_only(f: Flow) -> None:
    first = proposed(f)
    enrol(f, "ola", role="mentor", level=3)
    enrol(f, "tom", role="mentee", level=9)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "ola", "tom").id
    enrol(f, "ada", role="mentor", level=1)
    enrol(f, "bo", role="mentee", level=7)
    ok(f.command(COORDINATOR, f'pair ada bo --programme "{PROGRAMME}"'))
    gone = pair_of(f.db, "ada", "bo").id
    ok(f.command(COORDINATOR, f"end {gone}"))
    add(
        f.db,
        *sessions(first, "held", "missed", "unreported", "held", "planned"),
        nudge(first, "steam", days_ago=3, level=2),
        nudge(first, "mentor_leading", days_ago=10, level=2),
        nudge(first, "steam", days_ago=1, level=2),
        nudge(first, "manual", level=2),
        nudge(first, "midpoint_review", level=2),
        nudge(first, "too_polite", days_ago=46, level=2),
        nudge(second, "see_differently", days_ago=60, level=2),
        # Sent to the pair alone: the coordinator is not told of it here either (k >= 3).
        nudge(second, "too_polite", days_ago=2),
    )
    assert ok(f.command(COORDINATOR, f'status "{PROGRAMME}"')) == (
        f"*{PROGRAMME}* (reverse mentoring): 2 proposed, 1 dissolved\n"
        f"- Pair {first}: Maya and Sam, proposed, no contract yet\n"
        f"- Pair {second}: Ola and Tom, proposed, no contract yet\n"
        "\n"
        "1 pair needs a look:\n"
        f"*Pair {first}*: Maya and Sam, proposed\n"
        # The newest escalation of each kind in the last 45 days, in words; nothing sent to the
        # pair alone, and no milestone. The coordinator's own note shows as a check-in.
        "- the mentor has stopped leading their sessions (escalated to you on 25 Dec)\n"
        "- the pair has stopped meeting (escalated to you on 03 Jan)\n"
        "A coordinator checked in with them on 04 Jan; Nudge is back on 11 Jan."
    )


# -- evaluation -----------------------------------------------------------------------------


def evaluate(f: Flow, who: str, pair_id: int, **answers: str) -> None:
    ok(f.submit(who, "evaluation", str(pair_id), **answers))


def test_the_report_aggregates_a_programme_without_naming_anyone(f: Flow) -> None:
    closed = active(f)
    add(
        f.db,
        ParkedItem(
            pair_id=closed, topic="career_advice", note="came up in session 2", raised_at=START
        ),
    )
    ok(f.command(COORDINATOR, f"end {closed}"))
    mark(f.db, closed, "held", "held", "missed", "unreported")
    add(
        f.db,
        nudge(closed, "steam"),
        nudge(closed, "steam"),
        nudge(closed, "mentor_leading"),
        nudge(closed, "midpoint_review"),
        nudge(closed, "manual"),
    )
    evaluate(
        f,
        "maya",
        closed,
        goals_met="5",
        what_worked="Seeing the app in use",
        what_to_change="",
        take_back="",
        continue_as="network",
    )
    evaluate(
        f,
        "sam",
        closed,
        goals_met="4",
        what_worked="Short sessions",
        what_to_change="Meet more often",
        take_back="Use the app in hiring",
        continue_as="reciprocal",
    )
    enrol(f, "ola", role="mentor", level=3)
    enrol(f, "tom", role="mentee", level=9)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    ok(f.press("tom", "intro", f"{pair_of(f.db, 'ola', 'tom').id}:no"))
    enrol(f, "ada", role="mentor", level=1)
    enrol(f, "bo", role="mentee", level=7)
    ok(f.command(COORDINATOR, f'pair ada bo --programme "{PROGRAMME}"'))
    # Another programme's evaluations never leak into this report.
    other = active(f, kind="classic", mentor="cy", mentee="di", name="Classic")
    ok(f.command(COORDINATOR, f"end {other}"))
    evaluate(f, "cy", other, goals_met="1", what_worked="Elsewhere", continue_as="friendly_end")

    report = ok(f.command(COORDINATOR, f'report "{PROGRAMME}"'))
    assert report == "\n".join(
        [
            f"*Evaluation of {PROGRAMME}* (reverse)",
            "Pairs: 3 (1 closed, 1 dissolved without blame, 1 still running)",
            "Sessions: 2 held, 2 missed or unreported",
            # Two people's scores, tallies and words would be theirs: k >= 3 (DESIGN.md 11).
            "Evaluations (2 people so far): withheld until at least 3 people are counted, so "
            "that no answer can be traced to one person.",
            "Nudges sent (1 pair so far): withheld until at least 3 pairs are counted, so that "
            "no answer can be traced to one person.",
            "Parked items (1 pair so far): withheld until at least 3 pairs are counted, so that "
            "no answer can be traced to one person.",
        ]
    )
    for who in ("maya", "sam", "ola", "tom", "ada", "bo"):
        for name in (who, person(f.db, who).display_name):
            assert not re.search(rf"\b{name}\b", report, re.IGNORECASE), name


def test_written_answers_appear_sorted_once_three_people_have_evaluated(f: Flow) -> None:
    first = active(f)
    ok(f.command(COORDINATOR, f"end {first}"))
    for who, worked in (("maya", "Short sessions"), ("sam", "Seeing the app in use")):
        evaluate(f, who, first, goals_met="4", what_worked=worked, continue_as="network")
    withheld = ok(f.command(COORDINATOR, f'report "{PROGRAMME}"'))
    assert "Evaluations (2 people so far): withheld" in withheld
    assert "Goals met" not in withheld and "What next" not in withheld
    assert "Short sessions" not in withheld
    enrol(f, "ola", role="mentor", level=3)
    enrol(f, "tom", role="mentee", level=9)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "ola", "tom").id
    accept_intros(f, second, ("ola", "tom"))
    go_ahead(f, second, ("ola", "tom"))
    agree_contract(f, second, "ola", "tom")
    ok(f.command(COORDINATOR, f"end {second}"))
    evaluate(f, "tom", second, goals_met="3", what_worked="A clear agenda", continue_as="network")
    report = ok(f.command(COORDINATOR, f'report "{PROGRAMME}"'))
    # Alphabetical, not in the order people answered: the order must not point at anyone.
    assert "What worked:\n- A clear agenda\n- Seeing the app in use\n- Short sessions" in report
    assert "Goals met (1-5): average 3.7 from 3 evaluations" in report
    assert "What next: 3 × " + CONTENT.text("wrap_up.choices.continue_as.network") in report


def test_the_report_of_a_programme_without_pairs(f: Flow) -> None:
    programme(f, "Empty", kind="sponsorship")
    assert ok(f.command(COORDINATOR, 'report "empty"')) == (
        "*Evaluation of Empty* (sponsorship)\n"
        "Pairs: 0 (0 closed, 0 dissolved without blame, 0 still running)\n"
        "Sessions: 0 held, 0 missed or unreported\n"
        "No evaluations yet: they arrive as pairs reach wrap-up."
    )


# -- k >= 3 in status and report (issue 8, item 3) -----------------------------------------

WITHHELD_BECAUSE = "so that no answer can be traced to one person"


def pair_up(f: Flow, mentor: str, mentee: str, *, contract: bool = False) -> int:
    """Another pair in the programme: proposed, or (with `contract`) active."""
    enrol(f, mentor, role="mentor", level=2)
    enrol(f, mentee, role="mentee", level=8)
    ok(f.command(COORDINATOR, f'pair {mentor} {mentee} --programme "{PROGRAMME}"'))
    pair_id = pair_of(f.db, mentor, mentee).id
    if contract:
        accept_intros(f, pair_id, (mentor, mentee))
        go_ahead(f, pair_id, (mentor, mentee))
        agree_contract(f, pair_id, mentor, mentee)
    return pair_id


def looks(f: Flow) -> tuple[str, str]:
    """What the coordinator reads: `status <programme>` and `report <programme>`."""
    return (
        ok(f.command(COORDINATOR, f'status "{PROGRAMME}"')),
        ok(f.command(COORDINATOR, f'report "{PROGRAMME}"')),
    )


def test_two_evaluations_are_withheld_everywhere_and_three_are_shown(f: Flow) -> None:
    first = active(f)
    ok(f.command(COORDINATOR, f"end {first}"))
    evaluate(
        f,
        "maya",
        first,
        goals_met="5",
        what_worked="Maya's own words",
        what_to_change="Fewer slides",
        take_back="Reverse mentoring for all",
        continue_as="network",
    )
    evaluate(f, "sam", first, goals_met="2", what_worked="Sam's own words", continue_as="network")
    second = pair_up(f, "ola", "tom", contract=True)
    ok(f.command(COORDINATOR, f"end {second}"))
    answers = ("Maya's own words", "Sam's own words", "Fewer slides", "Reverse mentoring")
    network = CONTENT.text("wrap_up.choices.continue_as.network")

    status, report = looks(f)
    for text in (status, report):
        assert "Goals met" not in text and "What next" not in text and "average" not in text
        assert network not in text and "3.5" not in text
        assert not [a for a in answers if a in text], text
    assert (
        "Evaluations (2 people so far): withheld until at least 3 people are counted, "
        f"{WITHHELD_BECAUSE}." in report
    )
    assert "withheld" not in status  # status never aggregates answers: nothing to withhold

    evaluate(f, "tom", second, goals_met="2", what_worked="Tom's own words", continue_as="network")
    status, report = looks(f)
    assert "withheld" not in report
    assert "Goals met (1-5): average 3.0 from 3 evaluations" in report
    assert f"What next: 3 × {network}" in report
    assert "What worked:\n- Maya's own words\n- Sam's own words\n- Tom's own words" in report
    assert "What to change:\n- Fewer slides" in report
    assert "Goals met" not in status and "own words" not in status


def test_one_person_evaluating_two_pairs_counts_once(f: Flow) -> None:
    # Three evaluations, but only two people: the averages would still be theirs.
    first = active(f, mentor="maya", mentee="sam")
    ok(f.command(COORDINATOR, f"end {first}"))
    enrol(f, "tom", role="mentee", level=9)
    ok(
        f.command(
            COORDINATOR,
            f'enrol maya --programme "{PROGRAMME}" --role mentor --level 2 --capacity 2',
        )
    )
    ok(f.command(COORDINATOR, f'pair maya tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "maya", "tom").id
    accept_intros(f, second, ("maya", "tom"))
    go_ahead(f, second, ("maya", "tom"))
    agree_contract(f, second, "maya", "tom")
    ok(f.command(COORDINATOR, f"end {second}"))
    evaluate(f, "maya", first, goals_met="5", what_worked="First words", continue_as="network")
    evaluate(f, "maya", second, goals_met="4", what_worked="Second words", continue_as="network")
    evaluate(f, "sam", first, goals_met="1", what_worked="Third words", continue_as="network")
    _, report = looks(f)
    assert "Evaluations (2 people so far): withheld" in report
    assert "words" not in report and "Goals met" not in report


def test_nudges_and_parked_items_are_withheld_until_three_pairs_have_them(f: Flow) -> None:
    """A nudge follows from the pair's check-ins (a low score, who set the agenda): a tally
    over one or two pairs, or a pair-only nudge named in `status`, points at the person."""
    first = active(f)
    second = pair_up(f, "ola", "tom")
    third = pair_up(f, "ada", "bo")
    add(
        f.db,
        nudge(first, "too_polite"),
        nudge(first, "mentor_leading"),
        ParkedItem(pair_id=first, topic="career_advice", note="Maya's career", raised_at=START),
        nudge(second, "see_differently"),
        ParkedItem(pair_id=second, topic="sponsorship", note="Tom's promotion", raised_at=START),
    )
    status, report = looks(f)
    for key in ("too_polite", "mentor_leading", "see_differently", "watch"):
        assert key not in status and key not in report, key
    assert "career" not in report and "promotion" not in report
    assert (
        "Nudges sent (2 pairs so far): withheld until at least 3 pairs are counted, "
        f"{WITHHELD_BECAUSE}." in report
    )
    assert (
        "Parked items (2 pairs so far): withheld until at least 3 pairs are counted, "
        f"{WITHHELD_BECAUSE}." in report
    )
    assert "Parked items handed back" not in report

    add(
        f.db,
        nudge(third, "too_polite"),
        ParkedItem(pair_id=third, topic="career_advice", note="Bo's move", raised_at=START),
    )
    status, report = looks(f)
    assert "Nudges sent: mentor_leading × 1, see_differently × 1, too_polite × 2" in report
    assert "Parked items handed back at wrap-up: 3" in report
    assert "withheld" not in report
    # Still pair-only nudges, so still not named per pair, however many pairs have them.
    assert "watch" not in status and "too_polite" not in status
    assert "Bo's move" not in report  # the count, never the notes


def test_status_names_an_escalated_nudge_of_a_single_pair(f: Flow) -> None:
    """An escalated nudge is the rule speaking to the coordinator about one pair (and the
    coordinator was sent it already): a signal to act on, not an aggregate, so it shows below
    k; the report's tally of the same nudge is still withheld."""
    first = active(f)
    add(f.db, nudge(first, "mentor_leading", level=2), nudge(first, "too_polite"))
    status, report = looks(f)
    assert f"- Pair {first}: Maya and Sam, active, 0 of 6 sessions held, 0 missed" in status
    assert "- the mentor has stopped leading their sessions (escalated to you on" in status
    assert "too_polite" not in status
    assert "Nudges sent (1 pair so far): withheld" in report
    assert "mentor_leading" not in report


@pytest.mark.parametrize("extra_pairs", [1, 6])
def test_a_programmes_status_costs_the_same_statements_for_any_number_of_pairs(
    f: Flow, extra_pairs: int
) -> None:
    """Rule 9: the coordinator's `status <programme>` reads all pairs at once, not per pair."""
    from sqlalchemy import event

    pair_id = proposed(f)
    add(f.db, *sessions(pair_id, "held", "missed"), nudge(pair_id, "steam", level=2))
    for n in range(extra_pairs):
        pair_up(f, f"mentor{n}", f"mentee{n}")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(f.db.engine, "before_cursor_execute", count)
    try:
        answer = ok(f.command(COORDINATOR, f'status "{PROGRAMME}"'))
    finally:
        event.remove(f.db.engine, "before_cursor_execute", count)
    assert f"*Pair {pair_id}*: Maya and Sam, proposed\n- session 2 did not happen\n" in answer
    assert "- the pair has stopped meeting (escalated to you on" in answer
    assert answer.count("\n- Pair ") == extra_pairs + 1  # every pair listed
    # The same for 2 pairs as for 7 (the fixed cost of a command and the audit included).
    assert len(statements) == EXPECTED_STATUS_STATEMENTS, statements


EXPECTED_STATUS_STATEMENTS = 14  # whatever the number of pairs (4 of them find the pairs at risk)


def test_a_german_workspace_reads_status_and_report_in_german(f: Flow) -> None:
    pair_id = active(f)
    ok(f.command(COORDINATOR, "language de"))
    mine = ok(f.command("sam", "status"))
    assert mine.startswith(f"*Tandem #{pair_id}* in {PROGRAMME}: Du bist Mentee, mit Maya.")
    assert "Nächstes Treffen: #1, Mo., 11. Jan. 2027" in mine
    report = ok(f.command(COORDINATOR, f'report "{PROGRAMME}"'))
    assert report.startswith(f"*Auswertung von {PROGRAMME}* (reverse)\nTandems: 1 (0 ")
    assert "Noch keine Auswertungen" in report


def test_every_nudge_a_pair_can_be_sent_has_a_name_in_the_report() -> None:
    from bot.lifecycle import waiting
    from bot.nudges import RULES
    from bot.pairs_at_risk import COORDINATOR_NUDGES

    keys = {rule.key for rule in RULES} | {waiting.KEY, *COORDINATOR_NUDGES}
    for language in ("en", "de"):
        content = default_content(language)
        missing = [k for k in keys if not content.has(f"reports.evaluation.nudge_names.{k}")]
        assert not missing, (language, missing)
    assert CONTENT.text("reports.evaluation.nudge_names.coordinator_check_in") == (
        "coordinator check-in"
    )
