"""Consent (bot.consent): `enrol` invites, only an accepted enrolment is matched, a decline is
final and blameless, and anyone can leave at any time with the pair ended kindly for both."""

from __future__ import annotations

import pytest
from db_snapshot import assert_unchanged, snapshot
from flow import Flow
from scenario import (
    COORDINATOR,
    PROGRAMME,
    accept_intros,
    active,
    agree_contract,
    enrol,
    go_ahead,
    ok,
    pair_of,
    person,
    programme,
    proposed,
    refused,
    rows,
    stage,
    texts,
)

from bot.consent import Status, status_of
from bot.replies import Outcome
from storage.db import Database
from storage.models import Enrolment, Pair

CSV = f'enrol --csv --programme "{PROGRAMME}"'


@pytest.fixture
def f(sqlite_db: Database) -> Flow:
    return Flow(sqlite_db)


def enrolment_of(f: Flow, who: str) -> Enrolment:
    [found] = rows(f.db, Enrolment, person_id=person(f.db, who).id)
    return found


def invite(f: Flow, who: str, *, role: str = "mentor", level: int = 2) -> str:
    """Enrol `who` without answering for them; the coordinator's answer."""
    return ok(
        f.command(
            COORDINATOR,
            f'enrol {who} --programme "{PROGRAMME}" --role {role} --level {level} '
            f"--name {who.capitalize()}",
        )
    )


# -- the invitation ---------------------------------------------------------------------------


def test_enrol_sends_a_private_invitation_explaining_the_programme_and_the_role(f: Flow) -> None:
    programme(f)
    answer = invite(f, "maya")
    assert "Maya has a private invitation" in answer
    [invitation] = f.new("maya")
    assert "Reverse 2027" in invitation.text and "Hana" in invitation.text
    assert "reverse mentor" in invitation.text  # the role they were enrolled in
    assert "Reverse mentoring pairs a senior leader" in invitation.text  # the kind, explained
    assert "chemistry meeting" in invitation.text  # what it asks of them
    assert "nobody is told why" in invitation.text  # saying no is fine
    assert [b.label for b in invitation.buttons] == ["Yes, I'd like to", "No, thank you"]
    assert f.new(COORDINATOR) == []  # the invitation went to Maya only
    assert status_of(enrolment_of(f, "maya")) is Status.INVITED


def test_the_invitation_reads_differently_for_each_role(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    invite(f, "sam", role="mentee", level=8)
    [to_maya], [to_sam] = f.new("maya"), f.new("sam")
    assert "you would lead" in to_maya.text
    assert "you would come to learn" in to_sam.text


def test_a_csv_file_invites_everyone_new_in_it_once(f: Flow) -> None:
    programme(f)
    enrol(f, "ana", role="mentor", level=2)  # already in and accepted: not invited again
    csv = "user_id,name,role,level\nana,Ana,mentor,2\nmaya,Maya,mentor,2\nsam,Sam,mentee,8\n"
    answer = ok(f.command(COORDINATOR, CSV, attachment=csv))
    assert "Each new person (2) has a private invitation" in answer
    assert [len(f.new(who)) for who in ("ana", "maya", "sam")] == [0, 1, 1]
    ok(f.command(COORDINATOR, CSV, attachment=csv))  # the same file again: no second invitation
    assert [len(f.new(who)) for who in ("ana", "maya", "sam")] == [0, 0, 0]


def test_nobody_is_matched_before_accepting_and_match_lists_who_has_not_answered(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    invite(f, "sam", role="mentee", level=8)
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert rows(f.db, Pair) == []
    assert "Invited, no answer yet (not matched until they accept): Maya, Sam." in answer
    refused(
        f.command(COORDINATOR, f'pair maya sam --programme "{PROGRAMME}"'),
        "Maya hasn't accepted the invitation",
    )
    ok(f.answer_invitation("maya"))
    ok(f.answer_invitation("sam"))
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert "Invited" not in answer
    assert stage(f.db, pair_of(f.db, "maya", "sam").id) == "proposed"


def test_accepting_says_what_comes_next_and_accepting_twice_changes_nothing(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    assert "you're in" in ok(f.answer_invitation("maya"))
    assert enrolment_of(f, "maya").consent_at == f.clock.now()
    before = snapshot(f.db)
    refused(f.answer_invitation("maya"), "You have already said yes")
    assert_unchanged(f.db, before)


def test_a_decline_is_final_blameless_and_never_shown_by_name(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    invite(f, "sam", role="mentee", level=8)
    f.new(COORDINATOR)
    answer = ok(f.answer_invitation("sam", "decline"))
    assert "nobody will be told why" in answer
    assert status_of(enrolment_of(f, "sam")) is Status.DECLINED  # kept, not deleted
    assert f.new(COORDINATOR) == []  # nobody is told
    ok(f.answer_invitation("maya"))
    f.new("sam")
    answer = ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert "Sam" not in answer and "declined" not in answer and "chose not" not in answer
    before = snapshot(f.db)
    refused(f.answer_invitation("sam", "accept"), "You said no", 'join "Reverse 2027"')
    refused(f.answer_invitation("sam", "decline"), "You said no")
    # The coordinator cannot invite them again; the refusal blames nobody.
    refused(invite_outcome(f, "sam"), "Sam is not taking part", "doesn't invite anyone twice")
    assert_unchanged(f.db, before)
    assert f.new("sam") == []


def invite_outcome(f: Flow, who: str, *, role: str = "mentee", level: int = 8) -> Outcome:
    return f.command(
        COORDINATOR, f'enrol {who} --programme "{PROGRAMME}" --role {role} --level {level}'
    )


def test_declines_reach_coordinators_only_as_a_count_of_three_or_more(f: Flow) -> None:
    programme(f)
    for who in ("a", "b", "c"):
        invite(f, who, role="mentee", level=8)
    for who in ("a", "b"):
        ok(f.answer_invitation(who, "decline"))
    assert "chose not" not in ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    ok(f.answer_invitation("c", "decline"))
    assert "3 people chose not to take part." in ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))


def test_a_declined_line_in_a_csv_file_refuses_the_file_naming_the_line(f: Flow) -> None:
    programme(f)
    invite(f, "sam", role="mentee", level=8)
    ok(f.answer_invitation("sam", "decline"))
    before = snapshot(f.db)
    csv = "user_id,role,level\nmaya,mentor,2\nsam,mentee,8\n"
    refused(f.command(COORDINATOR, CSV, attachment=csv), "line 3: Sam is not taking part")
    assert_unchanged(f.db, before)


def test_someone_who_declined_can_join_themselves(f: Flow) -> None:
    programme(f)
    invite(f, "sam", role="mentee", level=8)
    ok(f.answer_invitation("sam", "decline"))
    f.new(COORDINATOR)
    assert "Welcome to *Reverse 2027*" in ok(f.command("sam", 'join "Reverse 2027"'))
    assert status_of(enrolment_of(f, "sam")) is Status.ACCEPTED
    assert texts(f, COORDINATOR) == ["Sam has joined *Reverse 2027* and can be matched."]
    refused(f.command("sam", 'join "Reverse 2027"'), "already taking part")
    refused(f.command("ola", 'join "Reverse 2027"'), "haven't been invited")


def test_an_invitation_button_of_someone_else_is_refused(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    before = snapshot(f.db)
    refused(f.press("sam", "consent", f.invitation("maya").value), "can't find that invitation")
    assert_unchanged(f.db, before)


def test_enrolments_made_before_consent_existed_count_as_accepted() -> None:
    # The migration dates consent from the enrolment (0009); read here from its source.
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "storage/migrations/versions"
    text = (source / "0009_enrolment_consent.py").read_text()
    assert "UPDATE enrolments SET consent_at = created_at WHERE consent_at IS NULL" in text


# -- leaving ----------------------------------------------------------------------------------


def to_stage(f: Flow, target: str) -> int:
    pair_id = proposed(f)
    if target in ("chemistry", "contracting", "active"):
        accept_intros(f, pair_id, ("maya", "sam"))
    if target in ("contracting", "active"):
        go_ahead(f, pair_id, ("maya", "sam"))
    if target == "active":
        agree_contract(f, pair_id, "maya", "sam")
    assert stage(f.db, pair_id) == target
    return pair_id


@pytest.mark.parametrize("target", ["proposed", "chemistry", "contracting", "active"])
def test_leaving_ends_the_pair_kindly_at_every_stage_and_the_partner_returns_to_the_pool(
    f: Flow, target: str
) -> None:
    pair_id = to_stage(f, target)
    for who in ("maya", "sam", COORDINATOR):
        f.new(who)
    answer = ok(f.command("sam", f'leave "{PROGRAMME}"'))
    assert "You have left *Reverse 2027*" in answer
    assert "Your pair with Maya has ended, and Maya has been told kindly." in answer
    assert stage(f.db, pair_id) == "dissolved"
    assert status_of(enrolment_of(f, "sam")) is Status.LEFT
    assert status_of(enrolment_of(f, "maya")) is Status.ACCEPTED  # the partner stays
    [note] = texts(f, "maya")
    assert "Sam has stepped out of the programme" in note
    assert "nobody's fault" in note and "new match" in note
    [told] = texts(f, COORDINATOR)
    assert f"Sam has left *Reverse 2027*, so pair #{pair_id} has ended without fault." in told
    assert "Maya stays in the programme" in told
    # Maya is back in the pool: a new mentee can be matched with her, Sam never again.
    enrol(f, "ola", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert stage(f.db, pair_of(f.db, "maya", "ola").id) == "proposed"
    assert len(rows(f.db, Pair, mentee_id=person(f.db, "sam").id)) == 1


def test_leaving_without_a_pair_tells_the_coordinators(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2)
    f.new(COORDINATOR)
    ok(f.command("maya", f'leave "{PROGRAMME}"'))
    assert texts(f, COORDINATOR) == ["Maya has left *Reverse 2027*."]
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    assert rows(f.db, Pair) == []


def test_leaving_before_answering_is_a_private_decline(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    f.new(COORDINATOR)
    assert "nobody will be told why" in ok(f.command("maya", f'leave "{PROGRAMME}"'))
    assert status_of(enrolment_of(f, "maya")) is Status.DECLINED
    assert f.new(COORDINATOR) == []


@pytest.mark.parametrize(
    ("who", "programme_name", "says"),
    [
        ("ola", PROGRAMME, "You're not taking part in *Reverse 2027*"),
        ("maya", "No Such Programme", "You're not taking part in *No Such Programme*"),
    ],
)
def test_leaving_a_programme_you_are_not_in_is_answered_clearly(
    f: Flow, who: str, programme_name: str, says: str
) -> None:
    active(f)
    before = snapshot(f.db)
    refused(f.command(who, f'leave "{programme_name}"'), says)
    assert_unchanged(f.db, before)


def test_leaving_twice_and_an_old_invitation_button_after_leaving_change_nothing(f: Flow) -> None:
    programme(f)
    invite(f, "maya")
    button = f.invitation("maya")
    ok(f.press("maya", "consent", button.value))
    ok(f.command("maya", f'leave "{PROGRAMME}"'))
    before = snapshot(f.db)
    refused(f.command("maya", f'leave "{PROGRAMME}"'), "already left")
    refused(f.press("maya", "consent", button.value), "You left *Reverse 2027*", "join")
    refused(invite_outcome(f, "maya", role="mentor", level=2), "Maya is not taking part")
    assert_unchanged(f.db, before)


def test_a_mentor_with_two_pairs_leaving_ends_both(f: Flow) -> None:
    programme(f)
    enrol(f, "maya", role="mentor", level=2, extra="--capacity 2")
    enrol(f, "sam", role="mentee", level=8)
    enrol(f, "ola", role="mentee", level=8)
    ok(f.command(COORDINATOR, f'match "{PROGRAMME}"'))
    f.new(COORDINATOR)
    ok(f.command("maya", f'leave "{PROGRAMME}"'))
    assert [p.stage for p in rows(f.db, Pair)] == ["dissolved", "dissolved"]
    assert [t.split(",")[0] for t in texts(f, COORDINATOR)] == ["Maya has left *Reverse 2027*"] * 2
