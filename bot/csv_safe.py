"""CSV for people to open in a spreadsheet: a cell that would run as a formula is escaped.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"): a name like `=HYPERLINK(...)` typed by a
participant must reach the coordinator's spreadsheet as text. Such a cell gets a leading `'`,
which spreadsheets read as "this is text" and do not show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The whole file, every cell (header included) made safe, quoted where CSV needs it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
