"""What people type reaches everyone else exactly as typed, as typed spans, through the engine.

Each example drives the real engine on a fresh SQLite database: a coordinator creates a
programme, two people are paired, agree a contract, track goals and actions, and one sends a
note to the coordinator. Whatever was typed (names, programme name, goal, action, note) must
reach the other people's messages as a typed span, and the console must show it verbatim.
"""

from __future__ import annotations

import shlex
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from conftest import sqlite_database
from flow import Flow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text as RichText
from scenario import COORDINATOR, contract_values, ok, pair_of, person

from adapters.console.render import to_reply
from bot.commands.grammar import VERB_NAMES
from bot.events import Actor
from bot.identity import clean_name, clean_text
from bot.replies import Reply
from storage.db import Database

MENTOR, MENTEE = "maya", "sam"
INVISIBLE = "\u200b\u2060\ufeff"  # the grammar drops these zero-width characters


def _keeps(char: str) -> bool:
    # The engine strips control characters (and lone surrogates) on the way in.
    return char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")


typed_chars = st.characters(blacklist_categories=("Cs",)).filter(_keeps)
# Text from outside is normalised once (bot.identity.clean_text): only what it leaves alone is
# stored "as typed", so the strategy draws exactly that.
raw = st.text(typed_chars, min_size=1, max_size=24).filter(lambda s: clean_text(s) == s)

# Each strategy yields only what the engine stores unchanged, so "as typed" is well defined.
names = raw.filter(lambda s: bool(s) and clean_name(s) == s)  # a name is one clean line
one_line = raw.filter(lambda s: "\n" not in s)
goals = one_line.filter(lambda s: bool(s) and s == s.strip() == s.strip("-• \t"))
said = raw.filter(
    lambda s: (
        bool(s)
        and s == s.strip()
        and not set(s) & set(INVISIBLE)
        and not s.lower().startswith("--help")
    )
)
notes = said.filter(lambda s: s.lower() not in VERB_NAMES | {"programme", "coordinator"})
programmes = raw.filter(
    lambda s: (
        s == " ".join(s.split())
        and bool(s)
        and not set(s) & set(INVISIBLE + "\u201c\u201d")
        and not s.startswith(("--", "\u2014", "\u2013"))
    )
)


@dataclass
class NamedFlow(Flow):
    """A Flow whose people act under the display names their platform gives them."""

    names: dict[str, str] = field(default_factory=dict)

    def __init__(self, db: Database, names: dict[str, str]) -> None:
        super().__init__(db)
        self.names = names

    def actor(self, who: str) -> Actor:  # type: ignore[override]
        return Actor(
            platform="console",
            tenant="test",
            user_id=who,
            display_name=self.names.get(who, who.capitalize()),
        )


@dataclass
class Typed:
    mentor: str = "Maya"
    mentee: str = "Sam"
    programme: str = "Reverse 2027"
    goal: str = "Lead a meeting with no slides"
    action: str = "Try the app"
    note: str = "Could we talk?"


@dataclass
class Run:
    flow: NamedFlow
    answers: dict[str, Reply]


def run(db: Database, typed: Typed) -> Run:
    """The scenario, end to end; returns the flow and the answers people got on the way."""
    f = NamedFlow(db, {MENTOR: typed.mentor, MENTEE: typed.mentee})
    quoted = shlex.quote(typed.programme)
    ok(f.command(COORDINATOR, f"programme create {quoted} --kind reverse"))
    for who, role, level in ((MENTOR, "mentor", 2), (MENTEE, "mentee", 8)):
        ok(
            f.command(
                COORDINATOR, f"enrol {who} --programme {quoted} --role {role} --level {level}"
            )
        )
        f.command(who, "status")  # first contact: the platform's display name is stored
        ok(f.answer_invitation(who))
    ok(f.command(COORDINATOR, f'pair {MENTOR} {MENTEE} --programme {quoted} --reason "data"'))
    pair_id = pair_of(db, MENTOR, MENTEE).id
    for who in (MENTOR, MENTEE):
        ok(f.press(who, "intro", f"{pair_id}:yes"))
    for who in (MENTOR, MENTEE):
        ok(f.press(who, "chemistry", f"{pair_id}:go"))
    values = contract_values(f, MENTOR, pair_id, mentor_goals=typed.goal)
    ok(f.submit(MENTOR, "contract", str(pair_id), **values))
    ok(f.press_button(MENTOR, "contract"))
    ok(f.press_button(MENTEE, "contract"))
    answers = {}
    answers["goals"] = f.command(MENTEE, "goals").answer
    ok(f.command(MENTOR, f"actions add {typed.action}"))
    answers["actions"] = f.command(MENTEE, "actions").answer
    ok(f.command(MENTEE, f"help {typed.note}"))
    answers["overview"] = f.command(COORDINATOR, "status").answer
    answers["health"] = f.command(COORDINATOR, f"status {quoted}").answer
    return Run(flow=f, answers={k: v for k, v in answers.items() if v is not None})


def shown(reply: Reply) -> str:
    return RichText.from_markup(to_reply(reply)).plain


def assert_shown_as_typed(replies: list[Reply], value: str, person_id: int | None = None) -> None:
    """Some reply shows `value` verbatim on the console and holds it in a typed span."""
    for reply in replies:
        if value not in shown(reply):
            continue
        for span in reply.text.spans:
            if span.typed and value in span.text:
                if person_id is None or span.person_id == person_id:
                    return
    raise AssertionError(
        f"{value!r} does not reach these replies as typed text:\n"
        + "\n---\n".join(repr(r.text.spans) for r in replies)
    )


def pair_messages(f: Flow, who: str, start: str) -> list[Reply]:
    return [r for r in f.received(who) if r.text.startswith(start)] or f.received(who)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mentor=names,
    mentee=names,
    programme=programmes,
    goal=goals,
    action=said,
    note=notes,
)
def test_what_people_type_reaches_others_as_typed(
    migrated_sqlite_template: Path,
    mentor: str,
    mentee: str,
    programme: str,
    goal: str,
    action: str,
    note: str,
) -> None:
    typed = Typed(
        mentor=mentor, mentee=mentee, programme=programme, goal=goal, action=action, note=note
    )
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite_database(migrated_sqlite_template, Path(folder))
        try:
            r = run(db, typed)
            f = r.flow
            maya, sam = person(db, MENTOR).id, person(db, MENTEE).id
            # The partner's intro names the other person and the programme.
            assert_shown_as_typed(f.received(MENTEE), mentor, maya)
            assert_shown_as_typed(f.received(MENTOR), mentee, sam)
            assert_shown_as_typed(f.received(MENTEE), programme)
            # The contract posted to the pair: the mentor's goal, typed in the form.
            assert_shown_as_typed(f.received(MENTEE), goal, maya)
            # Goals and actions lists, as the other person asks for them.
            assert_shown_as_typed([r.answers["goals"]], goal, maya)
            assert_shown_as_typed([r.answers["goals"]], mentor, maya)
            assert_shown_as_typed([r.answers["actions"]], action, maya)
            # The note to the coordinator, with who sent it and from which programme.
            hana = f.received(COORDINATOR)
            assert_shown_as_typed(hana, note, sam)
            assert_shown_as_typed(hana, mentee, sam)
            assert_shown_as_typed(hana, programme)
            # The coordinator's listings.
            assert_shown_as_typed([r.answers["overview"]], programme)
            assert_shown_as_typed([r.answers["health"]], programme)
            assert_shown_as_typed([r.answers["health"]], mentor, maya)
            assert_shown_as_typed([r.answers["health"]], mentee, sam)
        finally:
            db.dispose()


# -- a whole programme with hostile input: typed text never lands in engine wording ------------

HOSTILE = Typed(
    mentor="*Eve* <!channel> _x_",
    mentee="[bold]Zed[/bold] `rm -rf`",
    programme="*Prog* [red]x[/red] :smile:",
    goal="_grow_ *fast* <https://evil.example|click>",
    action="`sudo` [link=https://evil.example]y[/link]",
    note="<@U123> *please* \\",
)


def checkin(f: Flow, who: str) -> None:
    try:
        context = f.form_value(who, "checkin").split(":")[1]
    except AssertionError:
        return
    f.submit(
        who,
        "checkin",
        context,
        happened="yes",
        agenda_set_by="mentee",
        challenge="2",
        breadth="2",
        jumped_to_solutions="senior",
        career_talk="yes",
        goals_moved="no",
        actions=HOSTILE.action,
        note=HOSTILE.note,
    )


def test_a_whole_programme_keeps_hostile_typed_text_out_of_engine_wording(
    sqlite_db: Database,
) -> None:
    r = run(sqlite_db, HOSTILE)
    f = r.flow
    answers = list(r.answers.values())
    quoted = shlex.quote(HOSTILE.programme)
    for _ in range(20):  # weekly sessions, reminders, check-ins, nudges
        f.advance(hours=12 * 7)
        for who in (MENTOR, MENTEE):
            checkin(f, who)
    pair_id = pair_of(sqlite_db, MENTOR, MENTEE).id
    for outcome in (
        f.command(COORDINATOR, f"nudge #{pair_id} {HOSTILE.note}"),
        f.command(MENTOR, "status"),
        f.command(MENTEE, "goals"),
        f.command(COORDINATOR, f"end #{pair_id}"),
        f.command(COORDINATOR, f"report {quoted}"),
        f.command(COORDINATOR, f"status {quoted}"),
        f.command(COORDINATOR, "status"),
    ):
        if outcome.answer is not None:
            answers.append(outcome.answer)
    replies = [d.reply for d in f.sender.deliveries] + answers
    assert len(replies) > 20
    values = [v for v in vars(HOSTILE).values()]
    for reply in replies:
        for span in reply.text.spans:
            if not span.typed:
                leaked = [v for v in values if v in span.text]
                assert not leaked, f"typed {leaked} inside engine wording: {reply.text.spans}"
        rendered = shown(reply)
        for value in values:
            if value in reply.text:
                assert value in rendered, f"{value!r} not shown as typed in {rendered!r}"
    everything = "\n".join(r.text for r in replies)
    for value in values:
        assert value in everything, f"{value!r} never reached anyone"
