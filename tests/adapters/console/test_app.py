"""A scripted console session through the real engine: identities, buttons, forms, time."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from adapters.console.app import ConsoleApp
from bot.clock import FakeClock
from bot.content import default_content
from bot.delivery import Sender, deliver_pending
from bot.engine import Engine
from storage.db import Database
from storage.models import Contract, Enrolment, MentoringSession, Pair

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday morning


class ScriptedIO:
    """Types the given lines one by one and keeps what a terminal would show, prompts included."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        self.console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False)

    def ask(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        line = self.lines.pop(0)
        self.console.print(prompt + line, markup=True)
        return line

    def show(self, markup: str = "") -> None:
        self.console.print(markup)

    @property
    def screen(self) -> str:
        return self.console.file.getvalue()  # type: ignore[attr-defined]


def console_for(
    db: Database, lines: Iterable[str], *, user: str = "hana"
) -> tuple[ConsoleApp, ScriptedIO]:
    clock = FakeClock(START)
    engine = Engine(db=db, clock=clock, content=default_content(), coordinators={"hana"})

    def deliver(sender: Sender) -> int:
        return deliver_pending(db=db, clock=clock, sender=sender)

    scripted = ScriptedIO(lines)
    return ConsoleApp(engine=engine, deliver=deliver, clock=clock, io=scripted, user=user), scripted


# Enrolling invites: each person accepts with the invitation's first button.
ACCEPT_BOTH = [":as maya", "1", ":as sam", "1", ":as hana"]

CONTRACT_ANSWERS = [
    "30",  # sessions: refused by the console itself, asked again at once
    "",  # sessions: the default, 6
    "",  # length: 60
    "monthly",  # cadence, by value
    "2",  # medium, by number: video
    "",  # start date: a week from today
    "2027-01-20",  # end date: refused by the engine, six monthly sessions need longer
    "Lead a meeting with the board\\",  # mentor goals, two lines
    "Learn how decisions are made",
    "Understand TikTok",  # mentee goals
    "Visibility",  # what the mentor wants out of it
    "",  # agenda owner: the mentor
    "",  # what waits until the end: the suggested words
    "-",  # confidentiality: cleared
    "",  # end date again, now the suggested date
]


def test_a_whole_start_of_a_pair_in_the_console(sqlite_db: Database) -> None:
    app, scripted = console_for(
        sqlite_db,
        [
            ":as hana",
            'programme create "Reverse 2027" --kind reverse',
            'enrol maya --programme "Reverse 2027" --role mentor --level 2 --offers TikTok '
            '--name "Maya Lind"',
            'enrol sam --programme "Reverse 2027" --role mentee --level 9 --wants TikTok '
            '--name "Sam Berg"',
            *ACCEPT_BOTH,
            '/tandem pair maya sam --programme "Reverse 2027"',
            ":as maya",
            "1",  # Yes, happy to meet
            ":as sam",
            "1",  # Yes, happy to meet: the chemistry questions arrive
            "1",  # Let's go ahead
            ":as maya",
            "1",  # Let's go ahead: the contract form button arrives
            "1",  # Fill in the contract
            *CONTRACT_ANSWERS,
            "1",  # Confirm the contract
            ":as sam",
            "1",  # Confirm the contract
            ":wait 7d5h",
            ":who",
            ":quit",
            "never read",
        ],
    )

    assert app.run() == 0

    screen = scripted.screen
    assert 'Created the reverse mentoring programme "Reverse 2027"' in screen
    assert "Proposed pair #1: Maya Lind (mentor) with Sam Berg." in screen
    assert "New messages for maya (1), sam (1): :as <user> to read them." in screen
    assert "to Maya Lind (private)" in screen
    assert "[1] Yes, happy to meet   [2] Not for me" in screen
    assert "to Maya Lind & Sam Berg (pair)" in screen
    assert "[1] Let's go ahead   [2] Not a fit for me   [3] Talk to the coordinator" in screen
    # The form, question by question, with the console's own check and the engine's.
    assert "(1/12) Number of sessions" in screen
    assert "✗ Please give a whole number from 1 to 24." in screen
    assert "  1) Weekly" in screen and "  3) Monthly" in screen
    assert "✗ Date the contract ends: 6 monthly sessions from 2027-01-11 need an end date" in screen
    assert screen.count("(6/12) Date the contract ends") == 2  # only the refused field again
    assert screen.count("(1/12) Number of sessions") == 1
    assert "Version 1 is posted to you both." in screen
    assert "Confirmed. You have both agreed version 1." in screen
    # Time passes: the reminder the day before, then the check-in after the session.
    assert "Next up: learning session 1 of 6 with Maya Lind, Mon 11 Jan 2027, 10:00 (UTC)" in screen
    assert "How was session 1 with Maya Lind?" in screen
    assert "it is now Mon 11 Jan 2027 13:00 UTC" in screen
    assert "never read" not in screen

    with sqlite_db.transaction() as db:
        contract = db.scalar(select(Contract))
        assert contract is not None
        assert (contract.version, contract.sessions, contract.cadence, contract.medium) == (
            1,
            6,
            "monthly",
            "video",
        )
        assert contract.mentor_goals.splitlines() == [
            "Lead a meeting with the board",
            "Learn how decisions are made",
        ]
        assert contract.confidentiality == ""
        assert contract.waits_until_end  # the suggested words were kept
        pair = db.scalar(select(Pair))
        assert pair is not None and pair.stage == "active"
        statuses = db.scalars(select(MentoringSession.status)).all()
        assert len(statuses) == 6


def test_a_refusal_a_bad_line_and_cancelling_a_form(sqlite_db: Database) -> None:
    app, scripted = console_for(
        sqlite_db,
        [
            "1",
            ":teleport",
            ":wait soon",
            "checkin",
            'programme create "R" --kind reverse',
            'pair maya sam --programme "R"',
            ":as sam",
            'programme create "Mine" --kind classic',
            "help",
        ],
        user="hana",
    )

    assert app.run() == 0

    screen = scripted.screen
    assert "There are no buttons to press right now." in screen
    assert "I don't know :teleport." in screen
    assert "Say how long to wait" in screen
    assert "You have no pair that is active or wrap up right now." in screen
    assert "No one here has the id 'maya'." in screen
    assert "`programme create` is for programme coordinators." in screen
    assert "Here's what I can do:" in screen


def test_a_csv_file_goes_with_the_next_enrol_command(sqlite_db: Database, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "user_id,name,role,level,offers,wants\n"
        "maya,Maya Lind,mentor,2,TikTok,\n"
        "sam,Sam Berg,mentee,9,,TikTok\n",
        encoding="utf-8",
    )
    more = tmp_path / "more.csv"
    more.write_text("user_id,role,level\nleo,mentor,3\n", encoding="utf-8")
    app, scripted = console_for(
        sqlite_db,
        [
            'programme create "R" --kind reverse',
            f":csv {people}",
            'enrol --csv --programme "R"',
            f'enrol --csv --programme "R" < {more}',
            ":csv /no/such/file.csv",
            'enrol --csv --programme "R"',
        ],
    )

    app.run()

    screen = scripted.screen
    assert "Attached people.csv (3 lines)" in screen
    assert 'Enrolled 2 people in "R" from the CSV file.' in screen
    assert 'Enrolled 1 person in "R" from the CSV file.' in screen
    assert "Can't read /no/such/file.csv" in screen
    assert "Attach a CSV file with the header" in screen  # the attachment was used up
    with sqlite_db.transaction() as db:
        assert len(db.scalars(select(Enrolment)).all()) == 3


def test_a_form_can_be_cancelled_and_the_inbox_shown_again(sqlite_db: Database) -> None:
    app, scripted = console_for(
        sqlite_db,
        [
            'programme create "R" --kind reverse',
            'enrol maya --programme "R" --role mentor --level 2',
            'enrol sam --programme "R" --role mentee --level 9',
            *ACCEPT_BOTH,
            'pair maya sam --programme "R"',
            ":as sam",
            "1",
            ":as maya",
            "1",
            "1",
            ":as sam",
            "1",  # both go ahead; sam sees the contract button
            "1",  # open the form
            "",  # sessions
            ":cancel",
            ":inbox",
        ],
    )

    app.run()

    screen = scripted.screen
    assert "Form cancelled: nothing was sent." in screen
    assert screen.count("Hi sam. In R you'll be learning from maya") == 2  # once more by :inbox
    with sqlite_db.transaction() as db:
        assert db.scalar(select(Contract)) is None


def test_a_less_than_sign_is_sent_as_typed_and_only_enrol_csv_takes_a_file(
    sqlite_db: Database, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("user_id,role,level\nmaya,mentor,2\n", encoding="utf-8")
    app, scripted = console_for(
        sqlite_db,
        [
            'programme create "R" --kind reverse',
            f":csv {people}",
            ":as sam",
            "help We keep missing sessions <3",
            "help The plan is in <https://example.com/plan?a=1&b=2|our plan>",
            f"help see < {people}",  # a file that exists, but help takes no file: text
            ":as hana",
            'enrol --csv --programme "R" < no-such-people.csv',
            'enrol --csv --programme "R"',  # the :csv file waited for a real enrol --csv
        ],
    )

    app.run()

    screen = scripted.screen
    assert "│ We keep missing sessions <3" in screen
    assert "│ The plan is in <https://example.com/plan?a=1&b=2|our plan>" in screen
    assert f"│ see < {people}" in screen
    assert "There is no file no-such-people.csv, so `<` goes as typed." in screen
    assert "enrol --csv takes no other words, but I got '< no-such-people.csv'." in screen
    assert 'Enrolled 1 person in "R" from the CSV file.' in screen
    assert "Can't read" not in screen
