"""A whole reverse-mentoring programme, from `programme create` to the report, on SQLite and on
PostgreSQL: everything goes through the real engine, sweep, outbox and delivery, and the test
checks what each person received, in order, word for word where the words are fixed.

The story: Maya (junior, level 2) mentors Sam (senior, level 9) for six monthly sessions.
Sam takes the agenda back in sessions 2 and 3 (the mentor-leading nudge fires once, and not
again once Maya leads session 4), career advice comes up in session 4 (parked, handed back at
the wrap-up), session 5 is missed (the pair is nudged, but meets again within the rhythm, so
the coordinator is not), and after session 6 both evaluate, the pair closes and the
coordinator's report sums it up without names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flow import START, Flow
from scenario import COORDINATOR, ok, pair_of, rows, stage

from bot import wire
from bot.content import default_content
from bot.replies import Reply
from storage.db import Database
from storage.models import ActionItem, Evaluation, Goal, MentoringSession, NudgeSent, ParkedItem

CONTENT = default_content()
PROGRAMME = "Reverse 2027"
# Monthly from Monday 11 January at 10:00 in Maya's zone; 11 April is a Sunday, so Monday.
SESSIONS = [
    datetime(2027, month, 12 if month == 4 else 11, 10, 0, tzinfo=UTC) for month in range(1, 7)
]
STEP = timedelta(hours=12)  # how often the sweep runs while nothing else happens
PRIVATE = "NOTE-ONLY-FOR-ME"  # typed into every private check-in note; must never be sent


def say(key: str, *, role: str | None = None, **params: object) -> str:
    return CONTENT.text(key, kind="reverse", role=role, **params)


def until(f: Flow, moment: datetime) -> None:
    """Let time pass up to `moment`, sweeping and delivering every STEP on the way."""
    while f.clock.now() < moment:
        f.clock.advance(min(STEP, moment - f.clock.now()))
        f.engine.sweep()
        f.deliver()


@dataclass(frozen=True)
class Exactly:
    text: str


@dataclass(frozen=True)
class StartsWith:
    text: str


def matches(reply: Reply, expected: Exactly | StartsWith) -> bool:
    if isinstance(expected, Exactly):
        return reply.text == expected.text
    return reply.text.startswith(expected.text)


def assert_received(f: Flow, who: str, expected: list[Exactly | StartsWith]) -> None:
    got = f.received(who)
    shown = "\n".join(f"{n}: {r.text[:90]!r}" for n, r in enumerate(got))
    assert len(got) == len(expected), (
        f"{who} received {len(got)}, expected {len(expected)}:\n{shown}"
    )
    for n, (reply, wanted) in enumerate(zip(got, expected, strict=True)):
        assert matches(reply, wanted), f"{who}'s message {n} was {reply.text!r}, expected {wanted}"


def checkin(f: Flow, who: str, number: int, **answers: str) -> str:
    session = rows(f.db, MentoringSession, number=number)[0]
    assert f.form_value(who, "checkin") == f"checkin:{session.id}"
    form = f.press(who, "open_form", wire.encode("checkin", session.id)).answer.form  # type: ignore[union-attr]
    assert form is not None and "career_talk" in [field.name for field in form.fields]
    values = {
        "happened": "yes",
        "agenda_set_by": "mentor",
        "challenge": "4",
        "breadth": "4",
        "jumped_to_solutions": "no",
        "career_talk": "no",
        "goals_moved": "yes",
        "note": f"{PRIVATE} {who} {number}",
        **answers,
    }
    return ok(f.submit(who, "checkin", str(session.id), **values))


def test_a_whole_reverse_programme(database: Database) -> None:
    f = Flow(database)

    # -- set-up by the coordinator --------------------------------------------------------------
    def hana(text: str) -> str:
        return ok(f.command(COORDINATOR, text))

    hana(f'programme create "{PROGRAMME}" --kind reverse --sessions 6 --cadence monthly')
    hana(
        f'enrol maya --programme "{PROGRAMME}" --role mentor --level 2 --offers "TikTok, AI" '
        "--team Support --name Maya"
    )
    hana(
        f'enrol sam --programme "{PROGRAMME}" --role mentee --level 9 --wants "tiktok" '
        "--team Board --name Sam"
    )
    # Each reads the invitation and says yes; only then can they be matched.
    for who in ("maya", "sam"):
        assert "you're in" in ok(f.answer_invitation(who))
    invitations = len(f.sender.deliveries)
    reason = (
        "Maya offers TikTok, which Sam wants to learn; they work in different teams; "
        "their working days overlap by 8 hours"
    )
    assert hana(f'match "{PROGRAMME}" --dry-run') == (
        f'*Proposed matches (dry run, nothing sent)* for "{PROGRAMME}"\n'
        f"- Maya mentors Sam: {reason}"
    )
    assert len(f.sender.deliveries) == invitations  # the dry run sent nothing
    assert hana(f'match "{PROGRAMME}"') == (
        f'*Matched* for "{PROGRAMME}"\n- #1 Maya mentors Sam: {reason}'
    )
    pair_id = pair_of(database, "maya", "sam").id

    # -- intro, chemistry, contract --------------------------------------------------------------
    for who in ("maya", "sam"):
        ok(f.press_button(who, "intro"))
    assert stage(database, pair_id) == "chemistry"
    for who in ("sam", "maya"):
        ok(f.press(who, "chemistry", f"{pair_id}:go"))
    assert stage(database, pair_id) == "contracting"
    form = f.press("maya", "open_form", f.form_value("maya", "contract")).answer.form  # type: ignore[union-attr]
    assert form is not None
    values = {field.name: field.initial or "" for field in form.fields}
    assert (
        values["sessions"],
        values["cadence"],
        values["start_date"],
        values["agenda_owner"],
    ) == ("6", "monthly", "2027-01-11", "mentor")
    values.update(
        mentor_goals="Lead without slides",
        mentee_goals="See the app as customers do",
        mentor_motivation="Visibility with the board",
        medium="video",
    )
    ok(f.submit("maya", "contract", str(pair_id), **values))
    ok(f.press_button("sam", "contract"))
    ok(f.press_button("maya", "contract"))
    assert stage(database, pair_id) == "active"
    assert [s.planned_at for s in rows(database, MentoringSession)] == SESSIONS

    # -- six monthly sessions, each checked in two hours after it was planned -------------------
    for number, planned in enumerate(SESSIONS, start=1):
        until(f, planned + timedelta(hours=2))
        if number == 5:  # neither could make it
            for who in ("maya", "sam"):
                session = f.form_value(who, "checkin").split(":")[1]
                missed = f.submit(who, "checkin", session, happened="no", note=PRIVATE)
                assert ok(missed) == say("sessions.checkin_missed_ack")
            until(f, SESSIONS[5] - timedelta(days=2))  # a month with no session at all
            continue
        led_by = "mentee" if number in (2, 3) else "mentor"  # Sam takes the agenda back twice
        extra = {"actions": "Try the app for a week"} if number == 1 else {}
        checkin(f, "maya", number, agenda_set_by=led_by, **extra)
        checkin(
            f, "sam", number, agenda_set_by=led_by, career_talk="yes" if number == 4 else "no"
        )  # Sam offers career advice
        if number == 2:
            assert (
                ok(f.command("sam", "actions done 1")) == "Marked as done: Try the app for a week"
            )

    # The last session is behind them: the next sweep starts the wrap-up.
    until(f, SESSIONS[5] + timedelta(hours=8))
    assert stage(database, pair_id) == "wrap_up"
    # That was a Friday evening: the evaluation forms reach them on Monday at 09:00.
    until(f, SESSIONS[5] + timedelta(days=2, hours=23))
    for who, goals_met, worked, keep in (
        ("maya", "4", "Setting the agenda in writing", "network"),
        ("sam", "5", "Seeing the app through customers", "network"),
    ):
        evaluation = f.form_value(who, "evaluation")
        assert evaluation == f"evaluation:{pair_id}"
        ok(
            f.submit(
                who,
                "evaluation",
                str(pair_id),
                goals_met=goals_met,
                what_worked=worked,
                what_to_change="Book all dates up front",
                take_back="A customer panel",
                continue_as=keep,
            )
        )
    assert stage(database, pair_id) == "closed"

    # -- what each person received ---------------------------------------------------------------
    def reminder(role: str, name: str, partner: str, number: int) -> StartsWith:
        when = f"{SESSIONS[number - 1]:%a %d %b %Y}, 10:00 (UTC)"
        return StartsWith(
            say(
                "sessions.reminder",
                role=role,
                name=name,
                partner=partner,
                number=number,
                total=6,
                when=when,
                leader="Maya",
            )
        )

    def story(role: str, name: str, partner: str) -> list[Exactly | StartsWith]:
        other = "mentee" if role == "mentor" else "mentor"
        prompt = [
            Exactly(say("sessions.checkin_prompt", number=n, partner=partner)) for n in range(7)
        ]
        session = [[reminder(role, name, partner, n), prompt[n]] for n in range(1, 7)]
        return [
            StartsWith(f"Hi {name}, Hana would like to invite you to *{PROGRAMME}*"),
            StartsWith(
                say(
                    "intro.body",
                    role=role,
                    name=name,
                    partner=partner,
                    programme=PROGRAMME,
                    reason=reason,
                    role_name=say(f"roles.{role}"),
                    partner_role_name=say(f"roles.{other}"),
                )
            ),
            StartsWith(say("chemistry.invitation", mentor="Maya", mentee="Sam")),
            Exactly(say("chemistry.ask", partner=partner)),
            Exactly(say("contracting.start", mentor="Maya", mentee="Sam")),
            StartsWith(say("contracting.posted", proposer="Maya", version=1)),
            Exactly(
                say(
                    "contracting.agreed",
                    sessions=6,
                    cadence="Monthly",
                    first_session="Mon 11 Jan 2027, 10:00 (UTC)",
                )
            ),
            *session[0],
            *session[1],
            *session[2],
            StartsWith(say("sessions.midpoint", number=3, total=6, goals="")[:40]),
            Exactly(say("nudges.mentor_leading.pair", leader="Maya", other="Sam")),
            *session[3],
            Exactly(say("nudges.park_it.pair", topic="career advice")),
            *session[4],
            Exactly(say("nudges.steam.pair", days=38)),
            *session[5],
            StartsWith(say("wrap_up.start", role=role, name=name, partner=partner)),
            Exactly(say("wrap_up.parked", items="- career advice (came up in session 4)")),
            Exactly(say("wrap_up.closed_pair", mentor="Maya", mentee="Sam")),
        ]

    assert_received(f, "maya", story("mentor", "Maya", "Sam"))
    assert_received(f, "sam", story("mentee", "Sam", "Maya"))
    # One missed session and a reminder to the pair that went unanswered for two weeks: the
    # coordinator hears (before the pair meets again), then the closing note.
    assert_received(
        f,
        COORDINATOR,
        [
            StartsWith(f"Pair {pair_id} in *{PROGRAMME}* (Maya and Sam) hasn't met for 52 days"),
            Exactly(
                say(
                    "wrap_up.closed_coordinator",
                    mentor="Maya",
                    mentee="Sam",
                    programme=PROGRAMME,
                    pair_id=pair_id,
                )
            ),
        ],
    )

    # The open action was carried into the next reminder only, until Sam marked it done.
    reminders = [r.text for r in f.received("sam") if r.text.startswith("Hi Sam. Next up")]
    carried = ["Try the app for a week" in text for text in reminders]
    assert carried == [False, True, False, False, False, False]
    # The midpoint review lists the contract's goals; private notes never reach anyone.
    [midpoint] = [r.text for r in f.received("maya") if r.text.startswith("*Half-way:*")]
    assert "- Lead without slides\n- See the app as customers do" in midpoint
    assert not [d for d in f.sender.deliveries if PRIVATE in d.reply.text]
    # Each private message went to one person; pair messages to both.
    for delivery in f.sender.deliveries:
        assert len(delivery.recipients) == (2 if delivery.audience == "pair" else 1)

    # -- the stored record -----------------------------------------------------------------------
    assert [s.status for s in rows(database, MentoringSession)] == [
        "held",
        "held",
        "held",
        "held",
        "missed",
        "held",
    ]
    assert [(n.nudge, n.level, n.about) for n in rows(database, NudgeSent)] == [
        ("midpoint_review", 1, 3),
        ("mentor_leading", 1, 3),
        ("park_it", 1, 4),
        ("steam", 1, 4),
        ("steam", 2, 4),  # the coordinator's own message, two weeks later
    ]
    [parked] = rows(database, ParkedItem)
    assert (parked.topic, parked.handed_back_at is not None) == ("career_advice", True)
    assert [(a.text, a.status) for a in rows(database, ActionItem)] == [
        ("Try the app for a week", "done")
    ]
    assert [g.text for g in rows(database, Goal)] == [
        "Lead without slides",
        "See the app as customers do",
    ]
    assert sorted(e.goals_met for e in rows(database, Evaluation)) == [4, 5]

    # -- the coordinator's report: aggregate, and no names ---------------------------------------
    report = hana(f'report "{PROGRAMME}"')
    assert report == "\n".join(
        [
            f"*Evaluation of {PROGRAMME}* (reverse)",
            "Pairs: 1 (1 closed, 0 dissolved without blame, 0 still running)",
            "Sessions: 5 held, 1 missed or unreported",
            # Two people and one pair are too few to hide anyone: every aggregate is withheld.
            "Evaluations (2 people so far): withheld until at least 3 people are counted, so "
            "that no answer can be traced to one person.",
            "Nudges sent (1 pair so far): withheld until at least 3 pairs are counted, so that "
            "no answer can be traced to one person.",
            "Parked items (1 pair so far): withheld until at least 3 pairs are counted, so that "
            "no answer can be traced to one person.",
        ]
    )
    assert not re.search(r"\b(Maya|Sam)\b", report)
    assert f.clock.now() - START < timedelta(days=200)
