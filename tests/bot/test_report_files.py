"""The report's files (bot.report_files): a CSV that parses, escapes formulas and holds no
answers; a PNG chart of the expected size; both sent with `report` and written by the console."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from flow import Flow
from PIL import Image
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
    programme,
    rows,
)
from sqlalchemy import select

from bot import report_files
from bot.commands import coordinator
from bot.replies import Reply
from bot.report_files import CHART_SIZE, CSV_COLUMNS, escape_cell
from bot.turn import Turn
from storage.db import Database
from storage.models import MentoringSession, NudgeSent, ParkedItem, Person, Programme, Tenant


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def evaluate(f: Flow, who: str, pair_id: int, **answers: str) -> None:
    ok(f.submit(who, "evaluation", str(pair_id), **answers))


def report(f: Flow) -> Reply:
    outcome = f.command(COORDINATOR, f'report "{PROGRAMME}"')
    ok(outcome)
    assert outcome.answer is not None
    return outcome.answer


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Maya", "Maya"),
        (3, "3"),
    ],
)
def test_cells_that_would_run_as_formulas_are_escaped(cell: object, shown: str) -> None:
    assert escape_cell(cell) == shown


def test_the_report_sends_a_csv_with_one_row_per_pair_and_escaped_cells(f: Flow) -> None:
    pair_id = active(f, mentor="maya", mentee="sam")
    ok(f.command(COORDINATOR, f"end {pair_id}"))
    evaluate(f, "maya", pair_id, goals_met="5", what_worked="Secret words", continue_as="network")
    files = {file.media_type: file for file in report(f).files}
    text = files["text/csv"].data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [row[0] for row in table[1:]] == [str(pair_id)]
    row = dict(zip(table[0], table[1], strict=True))
    assert (row["mentor"], row["mentee"], row["stage"]) == ("Maya", "Sam", "wrap_up")
    assert row["sessions_contracted"] == "6"
    # No individual answers: not a score, not a word, whoever reads the file.
    assert "Secret words" not in text and "goals_met" not in text and "network" not in text


def test_a_name_that_is_a_formula_is_escaped_in_the_csv(f: Flow) -> None:
    active(f)
    with f.db.transaction() as session:  # names as a platform might give them
        for who, name in (("maya", "=HYPERLINK(1)"), ("sam", "+Sam")):
            session.scalars(
                select(Person).filter_by(platform_user_id=who)
            ).one().display_name = name
    files = {file.media_type: file for file in report(f).files}
    [_, row] = list(csv.reader(io.StringIO(files["text/csv"].data.decode("utf-8-sig"))))
    assert (row[1], row[2]) == ("'=HYPERLINK(1)", "'+Sam")


def test_the_chart_is_a_png_of_the_expected_size(f: Flow) -> None:
    active(f)
    files = {file.media_type: file for file in report(f).files}
    image = Image.open(io.BytesIO(files["image/png"].data))
    assert image.format == "PNG" and image.size == CHART_SIZE


def test_the_chart_of_a_programme_without_pairs_still_opens(f: Flow) -> None:
    programme(f)
    files = {file.media_type: file for file in report(f).files}
    assert Image.open(io.BytesIO(files["image/png"].data)).size == CHART_SIZE


def test_the_files_survive_the_outbox_payload_round_trip(f: Flow) -> None:
    active(f)
    answer = report(f)
    assert Reply.from_dict(answer.to_dict()) == answer


def test_matplotlib_is_not_loaded_until_a_report_is_asked_for() -> None:
    # The modules a worker loads at start import report_files, never matplotlib.
    assert coordinator.report_files is not None
    import subprocess

    code = (
        "import sys, bot.engine, bot.commands.coordinator, bot.report_files; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- k >= 3 (issue 8, item 3): the files carry no answers, below k or above it -----------------


def chart_inputs(f: Flow) -> tuple[object, ...]:
    """What the chart is drawn from: pairs per stage over time, sessions held per month."""
    with f.db.transaction() as db:
        tenant = db.scalars(select(Tenant)).one()
        turn = Turn(session=db, now=f.clock.now(), content=f.engine.content, tenant=tenant)
        found = db.scalars(select(Programme).filter_by(name=PROGRAMME)).one()
        return (
            report_files._stages_over_time(turn, found),
            report_files._held_per_month(turn, found),
        )


def looked_at(f: Flow) -> tuple[str, bytes, tuple[object, ...]]:
    files = {file.media_type: file for file in report(f).files}
    return files["text/csv"].data.decode("utf-8-sig"), files["image/png"].data, chart_inputs(f)


def test_the_files_hold_no_answers_whether_two_or_three_people_answered(f: Flow) -> None:
    first = active(f, mentor="maya", mentee="sam")
    enrol(f, "ola", role="mentor", level=2)
    enrol(f, "tom", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'pair ola tom --programme "{PROGRAMME}"'))
    second = pair_of(f.db, "ola", "tom").id
    accept_intros(f, second, ("ola", "tom"))
    go_ahead(f, second, ("ola", "tom"))
    agree_contract(f, second, "ola", "tom")
    [session] = [s for s in rows(f.db, MentoringSession, pair_id=first) if s.number == 1]
    jump(f, session.checkin_due_at)
    for who, note in (("maya", "Maya's private note"), ("sam", "Sam's private note")):
        ok(
            f.submit(
                who,
                "checkin",
                str(session.id),
                happened="yes",
                challenge="1",
                breadth="1",
                note=note,
            )
        )
    ok(f.command(COORDINATOR, f"end {first}"))
    ok(f.command(COORDINATOR, f"end {second}"))
    before = looked_at(f)  # every pair's stage and sessions, no answers yet

    # Below k: two people evaluated, one or two pairs nudged or parking something.
    now = f.clock.now()
    with f.db.transaction() as db:
        db.add_all(
            [
                NudgeSent(pair_id=first, nudge="too_polite", level=1, about=1, sent_at=now),
                NudgeSent(pair_id=second, nudge="mentor_leading", level=2, about=1, sent_at=now),
                ParkedItem(
                    pair_id=first, topic="career_advice", note="Parked words", raised_at=now
                ),
            ]
        )
    evaluate(f, "maya", first, goals_met="5", what_worked="Maya's words", continue_as="network")
    evaluate(f, "sam", first, goals_met="1", what_worked="Sam's words", continue_as="reciprocal")
    below = looked_at(f)
    # At k: a third person.
    evaluate(f, "tom", second, goals_met="3", what_worked="Tom's words", continue_as="network")
    at_k = looked_at(f)
    assert "Goals met (1-5): average 3.0" in report(f).text  # the text shows them now

    # Answers, nudges and notes change neither file; the two evaluations closed the first
    # pair, a fact about the pair that the stage column and the chart show to anyone.
    assert below == at_k
    assert before[0].replace(f"{first},Maya,Sam,wrap_up", f"{first},Maya,Sam,closed") == below[0]
    assert before[2][1] == below[2][1]  # sessions held per month
    csv_text = at_k[0]
    assert [row[0] for row in csv.reader(io.StringIO(csv_text))][1:] == [str(first), str(second)]
    for word in (
        "words",
        "private note",
        "Parked",
        "too_polite",
        "mentor_leading",
        "network",
        "reciprocal",
        "goals_met",
        "challenge",
    ):
        assert word not in csv_text, word


def test_a_german_workspace_gets_the_csv_header_in_german_and_the_data_as_stored(f: Flow) -> None:
    pair_id = active(f, mentor="maya", mentee="sam")
    ok(f.command(COORDINATOR, "language de"))
    files = {file.media_type: file for file in report(f).files}
    table = list(csv.reader(io.StringIO(files["text/csv"].data.decode("utf-8-sig"))))
    assert table[0][:4] == ["Tandem", "Mentor:in", "Mentee", "Phase"]
    assert table[1][:4] == [str(pair_id), "Maya", "Sam", "active"]
    assert Image.open(io.BytesIO(files["image/png"].data)).size == CHART_SIZE
