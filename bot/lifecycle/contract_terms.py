"""The contract form and its bounds: building it, and turning raw values into checked terms.

Pure functions, so every bound is testable without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.content import Content
from bot.form_values import E, FormValues
from bot.programmes import (
    AgendaOwner,
    Cadence,
    Kind,
    Medium,
    default_agenda_owner,
    nth_session_date,
)
from bot.replies import Choice, FieldKind, Form, FormField

FORM_ID = "contract"
SESSIONS = (1, 24)
LENGTH_MINUTES = (15, 180)
_AGENDA_KEYS = {
    AgendaOwner.MENTOR: "by_mentor",
    AgendaOwner.MENTEE: "by_mentee",
    AgendaOwner.SHARED: "shared",
    AgendaOwner.ALTERNATE: "alternate",
}


@dataclass(frozen=True, kw_only=True)
class Terms:
    sessions: int
    length_minutes: int
    cadence: Cadence
    medium: Medium
    start_date: date
    end_date: date
    mentor_goals: str
    mentee_goals: str
    mentor_motivation: str
    agenda_owner: AgendaOwner
    waits_until_end: str
    confidentiality: str
    destination: str
    swap_after_session: int | None


def build_form(
    content: Content,
    *,
    kind: Kind,
    context: str,
    today: date,
    defaults: Mapping[str, str],
) -> Form:
    """The contract form; `defaults` pre-fills it (the programme's defaults or the last version)."""

    def label(name: str) -> str:
        return content.text(f"contracting.fields.{name}.label", kind=kind)

    def hint(name: str) -> str:
        return content.text(f"contracting.fields.{name}.hint", kind=kind)

    def choices(group: str, values: Mapping[str, str]) -> tuple[Choice, ...]:
        return tuple(
            Choice(value=value, label=content.text(f"contracting.choices.{group}.{key}"))
            for value, key in values.items()
        )

    start = today + timedelta(days=7)
    sessions = int(defaults.get("sessions", "6"))
    cadence = Cadence(defaults.get("cadence", Cadence.MONTHLY.value))
    initial = {
        "start_date": start.isoformat(),
        "end_date": nth_session_date(start, cadence, sessions).isoformat(),
        "agenda_owner": default_agenda_owner(kind).value,
        "waits_until_end": content.text("contracting.defaults.waits_until_end", kind=kind),
        "confidentiality": content.text("contracting.defaults.confidentiality", kind=kind),
        "swap_after_session": str(max(1, sessions // 2)),
        **defaults,
    }

    def field(name: str, kind_: FieldKind, **extra: object) -> FormField:
        return FormField(
            name=name,
            label=label(name),
            kind=kind_,
            hint=hint(name),
            initial=initial.get(name),
            **extra,  # type: ignore[arg-type]
        )

    fields = [
        field("sessions", FieldKind.INTEGER, minimum=SESSIONS[0], maximum=SESSIONS[1]),
        field(
            "length_minutes",
            FieldKind.INTEGER,
            minimum=LENGTH_MINUTES[0],
            maximum=LENGTH_MINUTES[1],
        ),
        field(
            "cadence",
            FieldKind.CHOICE,
            choices=choices("cadence", {c.value: c.value for c in Cadence}),
        ),
        field(
            "medium",
            FieldKind.CHOICE,
            choices=choices("medium", {m.value: m.value for m in Medium}),
        ),
        field("start_date", FieldKind.DATE),
        field("end_date", FieldKind.DATE),
        field("mentor_goals", FieldKind.LONG_TEXT),
        field("mentee_goals", FieldKind.LONG_TEXT),
        field("mentor_motivation", FieldKind.LONG_TEXT),
        field(
            "agenda_owner",
            FieldKind.CHOICE,
            choices=choices("agenda_owner", {o.value: key for o, key in _AGENDA_KEYS.items()}),
        ),
        field("waits_until_end", FieldKind.LONG_TEXT, required=False),
        field("confidentiality", FieldKind.LONG_TEXT, required=False),
    ]
    if kind is Kind.SPONSORSHIP:
        fields.append(field("destination", FieldKind.LONG_TEXT))
    if kind is Kind.RECIPROCAL:
        fields.append(
            field("swap_after_session", FieldKind.INTEGER, minimum=1, maximum=SESSIONS[1] - 1)
        )
    return Form(
        form_id=FORM_ID,
        title=content.text("contracting.form_title"),
        fields=tuple(fields),
        context=context,
        submit_label=content.text("lifecycle.forms.submit"),
    )


def validate(
    values: Mapping[str, str], *, kind: Kind, today: date, content: Content
) -> tuple[Terms | None, dict[str, str]]:
    """Check every field against its bounds; return terms, or the errors by field name, worded
    by `content`. Dates in errors stay YYYY-MM-DD: they are what to type into the field."""
    form = FormValues(values, content)

    def error(key: str, **params: Any) -> str:
        return content.text("lifecycle.contract_terms." + key, **params)

    errors = form.errors

    def integer(name: str, low: int, high: int) -> int:
        number = form.number(name, low, high)
        return low if number is None else number

    def choice(name: str, enum: type[E]) -> E:
        member = form.member(name, enum)
        return next(iter(enum)) if member is None else member

    def day(name: str) -> date:
        return form.day(name) or today

    def text(name: str, *, required: bool = True) -> str:
        return form.text(name, required=required)

    def goals(name: str) -> str:
        form.lines(name, required=True)  # each line becomes a goal: the same limits apply
        return form.raw(name)

    sessions = integer("sessions", *SESSIONS)
    length = integer("length_minutes", *LENGTH_MINUTES)
    cadence = choice("cadence", Cadence)
    medium = choice("medium", Medium)
    start, end = day("start_date"), day("end_date")
    if "start_date" not in errors and start < today:
        errors["start_date"] = error("start_passed", today=today.isoformat())
    if not errors.keys() & {"start_date", "end_date", "sessions", "cadence"}:
        last = _last_session(start, cadence, sessions)
        rhythm = content.text("lifecycle.contract_terms.cadence." + cadence.value)
        if last is None:
            errors["start_date"] = error("too_far", count=sessions, cadence=rhythm)
        elif end <= start:
            errors["end_date"] = error("end_before_start")
        elif end < last:
            errors["end_date"] = error(
                "end_too_soon",
                count=sessions,
                cadence=rhythm,
                start=start.isoformat(),
                last=last.isoformat(),
            )
    swap: int | None = None
    if kind is Kind.RECIPROCAL:
        swap = integer("swap_after_session", 1, SESSIONS[1] - 1)
        if "sessions" not in errors and sessions < 2:
            errors["sessions"] = error("reciprocal_two_sessions")
        elif "swap_after_session" not in errors and "sessions" not in errors and swap >= sessions:
            errors["swap_after_session"] = error("swap_before_last", last=sessions - 1)
    terms = Terms(
        sessions=sessions,
        length_minutes=length,
        cadence=cadence,
        medium=medium,
        start_date=start,
        end_date=end,
        mentor_goals=goals("mentor_goals"),
        mentee_goals=goals("mentee_goals"),
        mentor_motivation=text("mentor_motivation"),
        agenda_owner=choice("agenda_owner", AgendaOwner),
        waits_until_end=text("waits_until_end", required=False),
        confidentiality=text("confidentiality", required=False),
        destination=text("destination", required=kind is Kind.SPONSORSHIP),
        swap_after_session=swap,
    )
    return (None, errors) if errors else (terms, {})


def _last_session(start: date, cadence: Cadence, sessions: int) -> date | None:
    """The day of the last session, or None when it would fall past the end of the calendar."""
    try:
        return nth_session_date(start, cadence, sessions - 1)
    except (OverflowError, ValueError):
        return None
