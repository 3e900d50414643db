"""Every sentence a person reads comes from bot/content/<language>/, never from code (issue 9).

This reads bot/ as syntax trees and fails on any string literal that looks like words for a
person: two words or more, or one capitalised word (a button's "Yes"). What is not for people
is left alone: docstrings, log messages, developer errors, content keys, SQL, and identifiers.
A line that must keep an English literal for a reason says so with `# not user-facing: why`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
WORDS = re.compile(r"[A-Za-z]{2,}[^\S\n]+[A-Za-z]{2,}")
CAPITALISED_WORD = re.compile(r"^[A-Z][a-z]{1,}[.!?:]?$")
CONTENT_KEY = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z0-9_{}]+)+$")
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|SET|PRAGMA)\b")
LOGGERS = {"log", "logger", "logging", "warnings"}
# Errors for developers and operators (a bug, a broken content file, a bad setting), never
# shown to a participant: the engine answers those with its own words from content.
DEVELOPER_ERRORS = {
    "AssertionError",
    "ContentError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "RuntimeError",
    "TypeError",
    "ValueError",
}
EXEMPT_MARK = "# not user-facing:"


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _called_name(call: ast.Call) -> str:
    func = call.func
    while isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in LOGGERS:
            return func.value.id
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


def _exempt_subtrees(tree: ast.AST) -> set[int]:
    """Ids of every node under a log call, a developer error, an annotation or `__all__`."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        roots: list[ast.AST] = []
        if isinstance(node, ast.Call) and _called_name(node) in LOGGERS:
            roots.append(node)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in DEVELOPER_ERRORS:
                roots.append(node.exc)
        if isinstance(node, ast.AnnAssign | ast.arg) and getattr(node, "annotation", None):
            roots.append(node.annotation)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            roots.append(node.value)  # a module's public names are identifiers, not words
        for root in roots:
            skip.update(id(n) for n in ast.walk(root))
    return skip


def _looks_like_words(value: str) -> bool:
    if CONTENT_KEY.match(value) or SQL.match(value):
        return False
    return bool(WORDS.search(value) or CAPITALISED_WORD.match(value.strip()))


def literals(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip = _docstrings(tree) | _exempt_subtrees(tree)
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant):
            continue
        if not isinstance(node.value, str) or not _looks_like_words(node.value):
            continue
        span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
        if any(EXEMPT_MARK in line for line in span):
            continue
        yield node.lineno, node.value


def test_no_user_facing_literal_in_bot() -> None:
    found = [
        f"{path.relative_to(BOT.parent)}:{line}: {value[:60]!r}"
        for path in sorted(BOT.rglob("*.py"))
        if "content" not in path.relative_to(BOT).parts[:1]
        for line, value in literals(path)
    ]
    assert not found, "user-facing text belongs in bot/content/<language>/:\n" + "\n".join(found)


def test_the_check_finds_what_it_is_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A docstring is fine."""\n'
        "import logging\n"
        "log = logging.getLogger(__name__)\n"
        "def f(turn):\n"
        '    """So is this one."""\n'
        '    log.warning("a log line is fine %s", 1)\n'
        '    key = turn.text("sessions.reminder.body")\n'
        '    yes = "Yes"\n'
        '    refusal = f"You are not {key} in a pair"\n'
        '    kept = "two words"  # not user-facing: a test of the mark\n'
        '    raise ValueError("a developer error is fine")\n'
        '__all__ = ["Courier", "Delivery"]\n',
        encoding="utf-8",
    )
    assert [line for line, _ in literals(sample)] == [8, 9]
