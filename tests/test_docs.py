"""The lifecycle diagram and the README's commands stay in step with the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from bot.stages import MIDDLE, TRANSITIONS, Stage, Trigger

ROOT = Path(__file__).resolve().parent.parent
EDGE = re.compile(r"^\s+(\w+) --> (\w+): (\w+)\s*$", re.MULTILINE)


def test_lifecycle_diagram_draws_exactly_the_transition_table() -> None:
    drawn = set(EDGE.findall((ROOT / "docs" / "lifecycle.md").read_text()))
    table = {(s.value, t.value, trig.value) for (s, trig), t in TRANSITIONS.items()}
    resumes = {(Stage.PAUSED.value, s.value, Trigger.RESUMED.value) for s in MIDDLE}
    assert drawn == table | resumes


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash|console)?\n(.+?)\n```", section, re.DOTALL)


def test_readme_quick_start_has_exactly_two_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands), "each is one copy-paste line"
    assert commands[0].endswith("tandem demo")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _quick_start_commands()[1] in ci
