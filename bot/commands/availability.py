"""Each person's own hours: `hours [9-17] [mon-fri]`, `away until <date>`, `away off`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot import hours
from bot.commands.grammar import Parsed
from bot.commands.lookup import live_pairs_of
from bot.identity import name_of
from bot.lifecycle.transition import partner_of
from bot.replies import Reply
from bot.text import Text
from bot.turn import Refusal, Turn
from storage.models import Person

LONGEST_AWAY = timedelta(days=366)
OVERLAP_CHECKED = timedelta(days=14)  # two working weeks: any shared window shows up


def hours_(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    if not parsed.args:
        return Reply(text=_shown(turn, person))
    start, _, end = parsed.args[0].partition("-")
    person.work_start_hour, person.work_end_hour = int(start), int(end)
    if len(parsed.args) > 1:
        person.work_days = hours.parse_days(parsed.args[1])
    parts = [turn.text("hours.set", hours=_engine(hours.describe(hours.of(person), turn.content)))]
    for partner in _without_shared_hours(turn, person):
        parts.append(turn.text("hours.no_overlap", partner=name_of(partner)))
    return Reply(text=Text.join(parts, "\n\n"))


def away_until(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    back = date.fromisoformat(parsed.args[0])
    today = hours.local_date(hours.of(person), turn.now)
    shown = _engine(turn.content.date(back))
    if back <= today:
        raise Refusal(turn.text("hours.away_past", date=shown))
    if back - today > LONGEST_AWAY:
        raise Refusal(turn.text("hours.away_too_far", date=shown))
    person.away_until = back
    return Reply(text=turn.text("hours.away_set", date=shown))


def away_off(turn: Turn, person: Person, parsed: Parsed, _: str | None) -> Reply:
    today = hours.local_date(hours.of(person), turn.now)
    was_away = person.away_until is not None and person.away_until > today
    person.away_until = None
    described = _engine(hours.describe(hours.of(person), turn.content))
    return Reply(text=turn.text("hours.back" if was_away else "hours.not_away", hours=described))


def _shown(turn: Turn, person: Person) -> Text:
    mine = hours.of(person)
    parts = [turn.text("hours.shown", hours=_engine(hours.describe(mine, turn.content)))]
    if mine.away_until is not None and mine.away_until > hours.local_date(mine, turn.now):
        parts.append(turn.text("hours.away", date=_engine(turn.content.date(mine.away_until))))
    return Text.join(parts, "\n\n")


def _without_shared_hours(turn: Turn, person: Person) -> list[Person]:
    """Partners in a live pair with whom `person` no longer shares any working hours."""
    mine = replace(hours.of(person), away_until=None)
    lonely = []
    for pair in live_pairs_of(turn, person):
        partner = partner_of(pair, person, turn.content)
        theirs = replace(hours.of(partner), away_until=None)
        if not hours.shared_windows([mine, theirs], turn.now, turn.now + OVERLAP_CHECKED):
            lonely.append(partner)
    return lonely


def _engine(text: str) -> Text:
    return Text.engine(text)
