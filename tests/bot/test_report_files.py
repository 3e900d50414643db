"""The report's files (bot.report_files): a CSV that parses, escapes formulas and holds no
answers; a PNG chart of the expected size; both sent with `report` and written by the console."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from flow import Flow
from PIL import Image
from scenario import COORDINATOR, PROGRAMME, active, ok, programme
from sqlalchemy import select

from bot.commands import coordinator
from bot.replies import Reply
from bot.report_files import CHART_SIZE, CSV_COLUMNS, escape_cell
from storage.db import Database
from storage.models import Person


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
