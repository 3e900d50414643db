"""The layout rules of DESIGN.md sections 2 and 3, checked on the source itself.

`bot/` is platform-neutral and reads time only through the injected clock; the dependency
direction is adapters/ -> bot/ -> storage/, scheduler/ -> bot/. Every import counts, including
one tucked inside a function, so each file's whole syntax tree is walked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "apscheduler")
CLOCK = ROOT / "bot" / "clock.py"


def sources(package: str) -> list[Path]:
    found = sorted((ROOT / package).rglob("*.py"))
    assert found, f"no Python files under {package}/"
    return found


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, anywhere in the file, as (line, dotted name)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from bot import engine` imports bot.engine
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and _called(node) in (
            "importlib.import_module",
            "__import__",
        ):
            if (
                node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.lineno, node.args[0].value


def _called(call: ast.Call) -> str:
    parts = []
    target: ast.expr = call.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    return ".".join(reversed(parts))


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{_where(path)}:{line} imports {name}"
        for path in sources(package)
        for line, name in imports(path)
        if name.split(".")[0] in forbidden
    ]


def test_bot_never_imports_a_platform_sdk_web_server_or_scheduler() -> None:
    assert violations("bot", PLATFORM_PACKAGES) == []


def test_bot_never_imports_the_layers_above_it() -> None:
    assert violations("bot", ("adapters", "scheduler", "tandem")) == []


def test_storage_never_imports_bot() -> None:
    assert violations("storage", ("bot", "adapters", "scheduler", "tandem")) == []


def test_storage_and_scheduler_never_import_a_platform_sdk() -> None:
    assert violations("storage", ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp")) == []
    assert violations("scheduler", ("slack_bolt", "slack_sdk", "botbuilder", "adapters")) == []


# -- time comes from the injected clock ---------------------------------------------------------

WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "perf_counter"),
}


def wall_clock_reads(path: Path) -> Iterator[str]:
    """Calls such as datetime.now(), datetime.datetime.utcnow(), date.today() or time.time(),
    and `from time import time` style imports of the same functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _called(node).split(".")
            if len(dotted) >= 2 and (dotted[-2], dotted[-1]) in WALL_CLOCK:
                yield f"{_where(path)}:{node.lineno} calls {'.'.join(dotted)}()"
        elif isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in WALL_CLOCK:
                    yield f"{_where(path)}:{node.lineno} imports {node.module}.{alias.name}"


def test_nothing_in_bot_reads_the_wall_clock_except_the_clock_module() -> None:
    found = [hit for path in sources("bot") if path != CLOCK for hit in wall_clock_reads(path)]
    assert found == []


def test_the_clock_module_is_where_the_wall_clock_is_read() -> None:
    # Guards the check above: if the detector stopped working, this would notice.
    assert [hit.split(" calls ")[1] for hit in wall_clock_reads(CLOCK)] == ["datetime.now()"]


def test_the_detectors_see_imports_and_calls_hidden_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import datetime as dt\n"
        "def later():\n"
        "    import slack_sdk.web\n"
        "    from aiohttp import web\n"
        "    import importlib\n"
        "    importlib.import_module('apscheduler.schedulers')\n"
        "    return dt.datetime.utcnow(), __import__('time').time()\n",
        encoding="utf-8",
    )
    named = [name for _, name in imports(sample)]
    assert {"slack_sdk.web", "aiohttp", "apscheduler.schedulers"} <= set(named)
    calls = [hit.split(" calls ")[1] for hit in wall_clock_reads(sample)]
    assert calls == ["dt.datetime.utcnow()"]
    sample.write_text("from time import monotonic\n", encoding="utf-8")
    assert list(wall_clock_reads(sample)) == ["sample.py:1 imports time.monotonic"]


# -- the Bot Framework SDK stays inside the Teams adapter ---------------------------------------

BOT_FRAMEWORK = ("botbuilder", "botframework")
TEAMS_ADAPTER = ROOT / "adapters" / "teams"
# Tests of the Teams adapter itself drive the SDK directly (authentication against the fake).
TEAMS_ADAPTER_TESTS = ROOT / "tests" / "adapters" / "teams"


def bot_framework_imports_outside_the_teams_adapter() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or path.is_relative_to(TEAMS_ADAPTER):
            continue  # .venv and other tools' folders are not the repository's code
        if path.is_relative_to(TEAMS_ADAPTER_TESTS):
            continue
        found += [
            f"{relative}:{line} imports {name}"
            for line, name in imports(path)
            if name.split(".")[0] in BOT_FRAMEWORK
        ]
    return found


def test_every_bot_framework_import_is_inside_adapters_teams() -> None:
    # botbuilder is archived upstream: keeping it in one folder keeps the move to its
    # successor (the Microsoft 365 Agents SDK) a change to that folder alone.
    assert bot_framework_imports_outside_the_teams_adapter() == []
