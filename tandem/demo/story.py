"""The storyline: Hana runs "Reverse Mentoring 2027"; Maya from support mentors Sam, the COO.

Each step is what people do; everything Tandem says back comes from the engine. After the
steps that matter, `checks.expect` confirms the engine did what the story needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.consent import ACTION
from bot.lifecycle.contracting import OPEN_FORM
from tandem.demo.checks import Checks
from tandem.demo.world import Person, World

PROGRAMME = "Reverse Mentoring 2027"
QUOTED = f'"{PROGRAMME}"'
HANA = Person("hana", "Hana Sato", "HR, coordinates the mentoring programmes")
MAYA = Person("maya", "Maya Lind", "support engineer in her second year")
SAM = Person("sam", "Sam Berg", "chief operating officer")
LEO = Person("leo", "Leo Park", "junior data analyst")
PRIYA = Person("priya", "Priya Shah", "chief financial officer")
CAST = (HANA, MAYA, SAM, LEO, PRIYA)

PEOPLE_CSV = """\
user_id,name,role,level,offers,wants,team,timezone,hours
maya,Maya Lind,mentor,2,"TikTok, short video, customer chats",,Support,Europe/London,9-17
leo,Leo Park,mentor,3,"AI assistants, dashboards",,Data,Europe/London,9-17
priya,Priya Shah,mentee,9,,"AI assistants",Finance,Europe/London,8-18
"""


@dataclass(frozen=True)
class Session:
    story: str
    happened: bool = True
    agenda: str = "mentor"  # who set it, as both of them remember it
    career: bool = False
    action: str = ""  # agreed at the end; Maya writes it down in her check-in


SESSIONS = {
    1: Session(
        "Session 1 (video): Maya shows Sam how customers talk about the app on TikTok.",
        action="Sam: follow five creators our younger customers watch",
    ),
    2: Session(
        "Session 2: Sam arrives with his own list of questions about the marketing "
        "budget and runs the hour; Maya lets him.",
        agenda="mentee",
        action="Sam: sit in on a support shift",
    ),
    3: Session(
        "Session 3: again Sam sets the pace, this time with a strategy deck.", agenda="mentee"
    ),
    4: Session(
        "Session 4: Maya opens with her own plan and three customer videos. At the end "
        "Sam offers to introduce her to the product director, 'for her career'.",
        career=True,
        action="Sam: answer one customer video himself",
    ),
    5: Session(
        "Session 5 does not happen: Sam is pulled into a board meeting and nobody re-books.",
        happened=False,
    ),
    6: Session("Session 6: Maya leads the last session: what Sam takes back to the board."),
}


def set_up(world: World, checks: Checks) -> tuple[int, int]:
    """Hana creates the programme and enrols four people (three from a CSV file); each accepts
    the invitation, and she matches."""
    world.at(world.local(0, 9))
    world.command(
        HANA, f"programme create {QUOTED} --kind reverse --sessions 6 --cadence fortnightly"
    )
    world.later(minutes=5)
    world.command(
        HANA,
        f"enrol sam --programme {QUOTED} --role mentee --level 9 --wants "
        '"TikTok, short video" --team "Executive board" --tz Europe/London '
        '--hours 8-18 --name "Sam Berg"',
    )
    world.later(minutes=10)
    world.command(HANA, f"enrol --csv --programme {QUOTED}", attachment=PEOPLE_CSV)
    checks.expect(
        all(len(world.inbox(p)) == 1 for p in (SAM, MAYA, LEO, PRIYA)),
        "each person enrolled gets one private invitation, to accept or decline",
    )
    world.later(minutes=5)
    early = world.command(HANA, f"match {QUOTED} --dry-run")
    checks.expect(
        early.answer is not None
        and world.says(early.answer.text, "coordinator.match.title_dry_run", name=PROGRAMME)
        and world.says(early.answer.text, "consent.coordinator.waiting")
        and not world.says(early.answer.text, "coordinator.match.line"),
        "nobody is matched before accepting; the coordinator sees who has not answered yet",
    )
    world.narrate("Over the morning, each of the four reads the invitation and says yes.")
    for who, minutes in ((SAM, 20), (MAYA, 15), (LEO, 25), (PRIYA, 10)):
        world.later(minutes=minutes)
        world.press(who, ACTION, label=world.words("consent.invitation.accept_button"))
    world.later(minutes=15)
    before = world.mark()
    dry = world.command(HANA, f"match {QUOTED} --dry-run")
    checks.expect(world.mark() == before, "a dry run sends nothing", world.received[before:])
    world.later(minutes=10)
    world.command(HANA, f"match {QUOTED}")
    maya_sam, leo_priya = checks.pair_of("maya", "sam"), checks.pair_of("leo", "priya")
    checks.expect(
        dry.answer is not None
        and world.says(
            dry.answer.text, "coordinator.match.line", mentor=MAYA.name, mentee=SAM.name
        ),
        "matching pairs the support engineer with the COO (TikTok)",
    )
    checks.expect(
        len(world.inbox(MAYA, since=before)) == 1 and len(world.inbox(SAM, since=before)) == 1,
        "each matched person gets one private intro",
    )
    return maya_sam, leo_priya


def intros_and_chemistry(world: World, checks: Checks, maya_sam: int, leo_priya: int) -> None:
    """All four are happy to meet; after the chemistry meeting Priya privately says no."""
    for who, pair, hour, minute in (
        (MAYA, maya_sam, 11, 5),
        (LEO, leo_priya, 11, 40),
        (SAM, maya_sam, 14, 20),
    ):
        world.at(world.local(0, hour, minute))
        world.press(who, "intro", value=f"{pair}:yes")
    world.at(world.local(1, 8, 45))
    world.press(PRIYA, "intro", value=f"{leo_priya}:yes")
    world.at(world.local(2, 14, 0))
    world.narrate("Both pairs meet for a 25-minute chemistry call.")
    world.later(minutes=70)
    world.press(LEO, "chemistry", value=f"{leo_priya}:go")
    world.later(minutes=20)
    before = world.mark()
    world.press(PRIYA, "chemistry", value=f"{leo_priya}:not_fit")
    notes = {
        r.delivery.recipients[0].name: r.delivery.reply.text
        for r in world.received[before:]
        if r.delivery.audience == "person"
    }
    checks.expect(
        notes.get(LEO.name) is not None and notes.get(LEO.name) == notes.get(PRIYA.name),
        "a 'not a fit' dissolves the pair and both get the same neutral note",
        notes,
    )
    checks.expect(
        not any(name in notes[LEO.name] for name in ("Leo", "Priya")),
        "the note names nobody, so neither learns who declined",
    )
    checks.expect(
        any(r.delivery.audience == "coordinator" for r in world.received[before:]),
        "the coordinator is asked to find new matches",
    )
    checks.expect(checks.stage(leo_priya) == "dissolved", "Leo and Priya's pair is dissolved")
    world.later(minutes=25)
    world.press(MAYA, "chemistry", label=world.words("chemistry.go_button"))
    world.later(minutes=95)
    world.press(SAM, "chemistry", label=world.words("chemistry.go_button"))
    world.at(world.local(1, 9, 0))
    rematch = world.command(HANA, f"match {QUOTED} --dry-run")
    proposed = rematch.answer.text if rematch.answer else ""
    checks.expect(
        not world.says(proposed, "coordinator.match.line", mentor=LEO.name, mentee=PRIYA.name),
        "matching never proposes Leo and Priya again",
        proposed,
    )
    world.later(minutes=5)
    again = world.command(HANA, f"pair leo priya --programme {QUOTED}")
    checks.expect(not again.changed, "nor can they be paired by hand")


def contract(world: World, checks: Checks, pair: int) -> None:
    """Maya fills in the contract (one date refused first); Sam proposes monthly; both confirm."""
    world.later(minutes=55)
    form = world.open_form(MAYA, "contract")
    typed = {
        "medium": "video",
        "end_date": "2027-03-01",
        "mentor_goals": "Get confident presenting to senior leaders\n"
        "Learn how the board makes decisions",
        "mentee_goals": "Understand how our younger customers use TikTok and short video\n"
        "See the support queue through a customer's eyes",
        "mentor_motivation": "Visibility beyond the support team",
    }
    refused, values = world.submit(MAYA, form, typed)
    checks.expect(
        set(refused.field_errors) == {"end_date"},
        "an impossible end date is refused with a field error",
        refused.field_errors,
    )
    world.later(minutes=4)
    world.submit(MAYA, form, {"end_date": "2027-04-02"}, base=values)
    world.later(minutes=3)
    world.press(MAYA, "contract", value=f"{pair}:1:confirm")
    world.at(world.local(0, 17, 30))
    change = world.open_form(SAM, "contract", label=world.words("contracting.change_button"))
    world.submit(SAM, change, {"cadence": "monthly", "end_date": "2027-06-30"})
    world.at(world.local(3, 9, 15))
    world.press(MAYA, "contract", value=f"{pair}:2:confirm")
    world.later(minutes=25)
    world.press(SAM, "contract", value=f"{pair}:2:confirm")
    checks.expect(checks.stage(pair) == "active", "both confirm version 2 and the pair is active")
    checks.expect(len(checks.sessions(pair)) == 6, "six monthly sessions are planned")


def sessions(world: World, checks: Checks, pair: int) -> None:
    for number, session in SESSIONS.items():
        planned = checks.planned_at(pair, number)
        if number == 2:
            world.at(planned - timedelta(days=12, hours=-9))
            world.command(SAM, "actions")
            world.later(minutes=2)
            world.command(SAM, "actions done 1")
        world.at(planned)
        world.narrate(session.story)
        mark = world.mark()
        world.until(
            world.has_button(MAYA, OPEN_FORM, "checkin:", since=mark),
            within=timedelta(days=1),
            what=f"the check-in after session {number}",
        )
        world.later(minutes=20)
        check_in(world, MAYA, session)
        world.later(hours=3, minutes=10)
        check_in(world, SAM, session)
        leading = checks.nudges(pair, "mentor_leading")
        if number == 3:
            checks.expect(
                [n.about for n in leading] == [3],
                "'is the mentor still leading?' fires right after session 3",
                leading,
            )
            world.later(hours=18)
            world.command(HANA, f"status {QUOTED}")
        if number == 4:
            checks.expect(
                [n.about for n in checks.nudges(pair, "park_it")] == [4],
                "career advice in session 4 is parked",
            )
        if number == 5:
            first = world.mark()
            world.until(
                lambda: bool(checks.nudges(pair, "steam")),
                within=timedelta(days=14),
                what="the 'running out of steam' nudge",
            )
            steam = checks.nudges(pair, "steam")[0]
            checks.expect(
                timedelta(days=5) <= steam.at - planned <= timedelta(days=12),
                "'running out of steam' arrives about a week after the missed session",
                steam,
            )
            checks.expect(
                any(r.delivery.audience == "pair" for r in world.received[first:]),
                "the steam nudge goes to the pair",
            )
    leading = checks.nudges(pair, "mentor_leading")
    checks.expect(
        [n.about for n in leading] == [3],
        "the nudge was heeded: Maya led sessions 4-6 and it never fired again",
        leading,
    )
    statuses = checks.sessions(pair)
    checks.expect(
        statuses == {1: "held", 2: "held", 3: "held", 4: "held", 5: "missed", 6: "held"},
        "five sessions held, session 5 missed",
        statuses,
    )


def check_in(world: World, who: Person, session: Session) -> None:
    form = world.open_form(who, "checkin")
    if not session.happened:
        world.submit(who, form, {"happened": "no"})
        return
    scores = ("3", "4") if who is MAYA else ("4", "4")
    # The rest of the questions are optional, and people skip what doesn't apply.
    typed = {
        "happened": "yes",
        "agenda_set_by": session.agenda,
        "challenge": scores[0],
        "breadth": scores[1],
        "goals_moved": "yes",
    }
    if session.career:
        typed["career_talk"] = "yes"
    if who is MAYA and session.action:
        typed["actions"] = session.action
    world.submit(who, form, typed)


def wrap_up(world: World, checks: Checks, pair: int) -> None:
    # The last session counts as behind them as soon as one check-in says it happened.
    world.until(
        world.has_button(MAYA, OPEN_FORM, "evaluation:", since=0),
        within=timedelta(days=2),
        what="the wrap-up after the last session",
    )
    checks.expect(
        checks.parked(pair) == [("career_advice", True)],
        "the parked career advice is handed back at the wrap-up",
        checks.parked(pair),
    )
    world.at(world.local(1, 10, 0))
    world.submit(
        MAYA,
        world.open_form(MAYA, "evaluation"),
        {
            "goals_met": "4",
            "take_back": "Invite a support engineer to every quarterly customer review",
            "what_worked": "Writing down that I set the agenda; it helped me take it back",
            "what_to_change": "Agree up front what we do when a session is missed",
            "continue_as": "network",
        },
    )
    world.at(world.local(0, 16, 40))
    world.submit(
        SAM,
        world.open_form(SAM, "evaluation"),
        {
            "goals_met": "4",
            "take_back": "Customer videos on the board agenda every quarter",
            "what_worked": "Maya choosing what I should see, not me asking the questions",
            "continue_as": "reciprocal",
        },
    )
    checks.expect(checks.stage(pair) == "closed", "both evaluate and the pair closes")
    world.at(world.local(1, 9, 0))
    report = world.command(HANA, f"report {QUOTED}")
    checks.expect(
        report.answer is not None
        and world.says(report.answer.text, "reports.evaluation.pairs", closed="1", dissolved="1"),
        "the coordinator's report shows one pair closed and one dissolved",
    )
    keys = {n.key for n in checks.nudges(pair)}
    checks.expect(
        keys <= {"mentor_leading", "park_it", "steam", "midpoint_review"},
        "no other nudge fired for Maya and Sam",
        keys,
    )
