"""Plural forms and the language's own way of writing dates, times and numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from bot.content import Content, ContentError

LONDON_SPRING = datetime(2027, 3, 28, 9, tzinfo=UTC)  # 10:00 in London, the first BST day


def write(folder: Path, language: str, tree: dict) -> Path:
    (folder / language).mkdir(parents=True, exist_ok=True)
    (folder / language / "t.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    return folder


@pytest.fixture
def counted(tmp_path: Path) -> Path:
    write(tmp_path, "en", {"pairs": {"one": "{count} pair", "other": "{count} pairs"}})
    return write(tmp_path, "de", {"pairs": {"one": "{count} Paar", "other": "{count} Paare"}})


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 pair"),
        ("en", 0, "0 pairs"),
        ("en", 2, "2 pairs"),
        ("en", 1500, "1,500 pairs"),
        ("de", 1, "1 Paar"),
        ("de", 3, "3 Paare"),
        ("de", 1500, "1.500 Paare"),
    ],
)
def test_a_count_picks_the_languages_plural_form_and_is_written_as_a_number(
    counted: Path, language: str, count: int, expected: str
) -> None:
    content = Content.load(language=language, directory=counted)
    assert content.text("pairs", count=count) == expected


def test_a_plural_text_without_a_count_is_a_content_error(counted: Path) -> None:
    with pytest.raises(ContentError, match="count="):
        Content.load(directory=counted).text("pairs")


def test_a_plural_map_is_one_key_not_a_section(counted: Path) -> None:
    assert Content.load(directory=counted).keys() == ["pairs"]


def test_a_missing_form_falls_back_to_other(tmp_path: Path) -> None:
    folder = write(tmp_path, "en", {"pairs": {"other": "{count} pair(s)"}})
    assert Content.load(directory=folder).text("pairs", count=1) == "1 pair(s)"


def test_an_unknown_language_is_refused_by_name(tmp_path: Path) -> None:
    write(tmp_path, "xx-nope", {"a": "b"})
    with pytest.raises(ContentError, match="xx-nope"):
        Content.load(language="xx-nope", directory=tmp_path)


def test_english_writes_moments_as_before() -> None:
    english = Content.load(language="en")
    assert english.when(LONDON_SPRING, "Europe/London") == "Sun 28 Mar 2027, 10:00 (Europe/London)"
    assert english.date(date(2027, 1, 4)) == "Mon 04 Jan 2027"
    assert english.day_month(date(2027, 1, 4)) == "04 Jan"
    assert english.number(12345) == "12,345"


def test_german_writes_moments_the_german_way() -> None:
    german = Content.load(language="de")
    assert (
        german.when(LONDON_SPRING, "Europe/Berlin") == "So., 28. März 2027, 11:00 (Europe/Berlin)"
    )
    assert german.date(date(2027, 1, 4)) == "Mo., 4. Jan. 2027"
    assert german.day_month(date(2027, 1, 4)) == "4. Jan."
    assert german.number(12345) == "12.345"


def test_every_language_with_content_is_offered() -> None:
    assert {"en", "de"} <= set(Content.languages())
