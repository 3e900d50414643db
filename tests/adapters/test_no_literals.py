"""What an adapter says to a person comes from bot/content/<language>/adapters.yaml, never code.

The same check as tests/bot/test_no_literals.py, over the adapters' modules that put words in
front of people: renderers, the apps' own messages, the console's refusals and prompts. Besides
what that check already leaves alone (docstrings, logs, developer errors, `# not user-facing:`),
an adapter also speaks to machines, so these are not words for people either:
- the platforms' own names: a card element type ("Container"), an HTTP header ("Authorization");
- Rich markup that is only tags (`[bold magenta]`), around words that come from content;
- an HTTP error body (`{"error": ...}`) for a request the platform should not have sent;
- what names a part in a developer error (`_check_id(value, "form id")`, `CardTooLarge`);
- a `reason=` stored for the operator (why an address was lost).

The console's app module (`tandem chat`'s own commands, :help and its warnings to the operator)
is a developer's tool like the CLI and is not checked; its form prompts come from render.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.bot.test_no_literals import literals

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "adapters/slack/render.py",
    "adapters/slack/app.py",
    "adapters/teams/render.py",
    "adapters/teams/app.py",
    "adapters/console/translate.py",
    "adapters/console/render.py",
    "adapters/words.py",
]
PLATFORM_NAMES = {"Container", "Authorization"}
RICH_TAG = re.compile(r"\[/?[a-z]+(?: [a-z]+)*\]")
DEVELOPER_CALLS = {"_check_id", "CardTooLarge"}
MACHINE_KEYWORDS = {"reason"}


def _is_only_markup(value: str) -> bool:
    return not re.search(r"[A-Za-z]", RICH_TAG.sub("", value))


def _for_machines(tree: ast.AST) -> set[tuple[int, str]]:
    """(line, value) of the string constants an adapter says to a machine, not a person."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            roots += [
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "error"
            ]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in DEVELOPER_CALLS:
                roots += node.args
            roots += [kw.value for kw in node.keywords if kw.arg in MACHINE_KEYWORDS]
    return {
        (found.lineno, found.value)
        for root in roots
        for found in ast.walk(root)
        if isinstance(found, ast.Constant) and isinstance(found.value, str)
    }


def user_facing_literals(path: Path) -> list[tuple[int, str]]:
    machines = _for_machines(ast.parse(path.read_text(encoding="utf-8")))
    return [
        (line, value)
        for line, value in literals(path)
        if value.strip() not in PLATFORM_NAMES
        and not _is_only_markup(value)
        and (line, value) not in machines
    ]


@pytest.mark.parametrize("module", MODULES)
def test_no_user_facing_literal_in_the_adapters(module: str) -> None:
    found = [
        f"{module}:{line}: {value[:60]!r}" for line, value in user_facing_literals(ROOT / module)
    ]
    assert not found, "an adapter's words belong in bot/content/<language>/adapters.yaml:\n" + (
        "\n".join(found)
    )


def test_the_check_still_finds_words_for_people(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from aiohttp import web\n"
        "def f(card, engine, actor):\n"
        '    kind = "Container"\n'
        '    tag = "[bold magenta]"\n'
        '    answer = web.json_response({"error": "not an activity"}, status=400)\n'
        '    engine.lose_address(actor, reason="removed the app")\n'
        '    close = "Cancel"\n'
        '    shown = f"[dim]Nothing received yet.[/dim]"\n'
        '    body = {"text": "Slack sent something I could not read"}\n',
        encoding="utf-8",
    )
    assert [line for line, _ in user_facing_literals(sample)] == [7, 8, 9]
