"""Each nudge rule names what makes it fire by a content key, in every language Tandem speaks."""

from __future__ import annotations

import pytest

from bot.content import Content, default_content
from bot.nudges import RULES


@pytest.mark.parametrize("language", Content.languages())
def test_every_rule_says_what_makes_it_fire(language: str) -> None:
    content = default_content(language)
    for rule in RULES:
        assert rule.summary == f"lifecycle.nudge_signals.{rule.key}"
        assert content.text(rule.summary).strip(), rule.key
