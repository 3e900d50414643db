"""Cells a spreadsheet would run as a formula reach it as text."""

from __future__ import annotations

import csv
import io

import pytest

from bot.csv_safe import safe_cell, to_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_a_formula_is_escaped(start: str) -> None:
    assert safe_cell(start + "HYPERLINK(1)") == "'" + start + "HYPERLINK(1)"


@pytest.mark.parametrize("value", ["Maya", "", "3", "a=b", " =x", "Zoë"])
def test_other_cells_are_unchanged(value: str) -> None:
    assert safe_cell(value) == value


def test_a_file_reads_back_with_every_cell_safe() -> None:
    text = to_csv(["name", "=goal"], [["=1+1", 'say "hi", then go'], [None, 4]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "'=goal"],
        ["'=1+1", 'say "hi", then go'],
        ["", "4"],
    ]
