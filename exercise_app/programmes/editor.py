"""Fill the programme editor and turn what the physio typed into prescriptions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from wtforms import SelectChoice

from ..domain.scheduling import days_from_mask, mask_from_days, spread_days
from ..library.labels import PRECAUTION_LABELS_BY_VALUE, needs_care
from ..models import ProgrammeVersion, Side
from .forms import BLANK_ROWS, MAX_EXERCISES, ProgrammeForm, TemplatePickForm
from .operations import PrescriptionValues
from .queries import ExerciseChoice

CLASHING_GROUP = "Needs care with this patient's precautions"


def choice_list(choices: Sequence[ExerciseChoice], precautions: set[str]) -> list[SelectChoice]:
    """Exercise options: those that suit the patient's precautions first, then, apart in a
    group of their own, those flagged for one of them (named on each)."""
    suitable = [SelectChoice("", "(add an exercise)")]
    flagged = []
    for choice in choices:
        clash = sorted(choice.precautions & precautions)
        if not clash:
            suitable.append(SelectChoice(choice.slug, choice.name))
            continue
        label = choice.name + " - caution: " + "; ".join(
            PRECAUTION_LABELS_BY_VALUE[c] for c in clash)
        flagged.append(SelectChoice(choice.slug, label, optgroup=CLASHING_GROUP))
    return suitable + flagged


WEEKDAY_VALUES = frozenset(str(day) for day in range(7))


def rows_from_version(version: ProgrammeVersion) -> list[dict[str, Any]]:
    rows = []
    for p in version.prescriptions:
        rows.append({
            "exercise": p.exercise_version.data["id"], "sets": p.sets, "reps": p.reps,
            "hold_seconds": p.hold_seconds, "rest_seconds": p.rest_seconds,
            "side": p.side.value, "tempo": p.tempo or "", "load_note": p.load_note,
            "frequency": str(p.sessions_per_week) if p.sessions_per_week else "days",
            # ticked only where they are the schedule: ticks beside "3 a week" are refused
            "weekdays": [] if p.sessions_per_week else [str(d) for d in days_from_mask(
                p.weekdays)],
        })
    return rows


def rows_from_template(stage: dict[str, Any], choices: dict[str, ExerciseChoice]
                       ) -> list[dict[str, Any]]:
    rows = []
    for item in stage["exercises"]:
        dose = dict(choices[item["exercise"]].dose) if item["exercise"] in choices else {}
        dose.update({k: v for k, v in item.items() if k != "exercise" and v is not None})
        rows.append({
            "exercise": item["exercise"], "sets": dose.get("sets"), "reps": dose.get("reps"),
            "hold_seconds": dose.get("hold_seconds"), "rest_seconds": dose.get("rest_seconds"),
            "side": Side.EACH.value if dose.get("sides") == "each" else Side.BOTH.value,
            "tempo": dose.get("tempo") or "",
            "frequency": str(dose.get("sessions_per_week", 3)),
        })
    return rows


def fill(form: ProgrammeForm, rows: Sequence[dict[str, Any]]) -> None:
    """Put ``rows`` into an unsubmitted editor, followed by blank rows for new exercises."""
    while len(form.exercises.entries):
        form.exercises.pop_entry()
    for position, row in enumerate(list(rows)[:MAX_EXERCISES], start=1):
        form.exercises.append_entry({**row, "position": position})
    for _ in range(BLANK_ROWS):
        form.exercises.append_entry({"position": len(form.exercises.entries) + 1})


def retired_in(version: ProgrammeVersion, choices: dict[str, ExerciseChoice]) -> list[str]:
    """Sentences naming exercises of a version that the library no longer offers: they
    cannot be chosen again, so saving the editor leaves them out."""
    return [f"{p.exercise_version.data['name']} is no longer in the library, so saving "
            "leaves it out: choose another exercise in its place."
            for p in version.prescriptions if p.exercise_version.data["id"] not in choices]


def set_choices(form: ProgrammeForm, options: list[SelectChoice]) -> None:
    for entry in form.exercises:
        entry.form.exercise.choices = options


def prescriptions(form: ProgrammeForm, choices: dict[str, ExerciseChoice]
                  ) -> list[PrescriptionValues] | None:
    """Read the rows the physio kept, in their order; None after adding row errors."""
    kept = []
    chosen: dict[str, int] = {}  # exercise: the row it is on (from 1)
    ok = True
    for index, entry in enumerate(form.exercises):
        row = entry.form
        if row.is_blank or row.remove.data:
            continue
        choice = choices.get(row.exercise.data)
        if choice is None:
            row.exercise.errors.append("Choose an exercise from the library.")
            ok = False
            continue
        if choice.slug in chosen:
            # Two rows of one exercise: the progression rules and adherence read a patient's
            # logs by exercise, and would pool the two doses as one.
            row.exercise.errors.append(f"{choice.name} is already in the programme (row "
                                       f"{chosen[choice.slug]}): keep one row of it.")
            ok = False
            continue
        chosen[choice.slug] = index + 1
        dose = choice.dose
        reps, hold = row.reps.data, row.hold_seconds.data
        if reps is None and hold is None:  # no dose given: the library's, both parts of it
            reps, hold = dose.get("reps"), dose.get("hold_seconds")
        # (A blank beside a given reps or hold stays blank: re-saving a programme added the
        # library's hold to every exercise prescribed without one.)
        if reps is None and hold is None:
            row.reps.errors.append("Give reps or a hold time.")
            ok = False
        days = [int(d) for d in row.weekdays.data or [] if d in WEEKDAY_VALUES]
        if row.frequency.data == "days":
            if not days:
                row.weekdays.errors.append("Tick at least one weekday.")
                ok = False
                continue
            mask, per_week = mask_from_days(days), None
        elif row.frequency.data in {str(n) for n in range(1, 8)}:
            per_week = int(row.frequency.data)
            if days:  # they were dropped without a word, and the spread days saved instead
                row.weekdays.errors.append(
                    "Ticked weekdays are the schedule only with \u201cOn the weekdays "
                    "ticked\u201d: choose that under How often, or untick them.")
                ok = False
                continue
            mask = mask_from_days(spread_days(per_week))
        else:
            row.frequency.errors.append("Choose how often.")
            ok = False
            continue
        try:
            side = Side(row.side.data) if row.side.data else (
                Side.EACH if dose.get("sides") == "each" else Side.BOTH)
        except ValueError:
            row.side.errors.append("Choose a side.")
            ok = False
            continue
        position = row.position.data if row.position.data is not None else 100 + index
        # Rows are shown numbered 1, 2, 3...: a row given another's number takes its place,
        # before it when moved up, after it when moved down (typing 1 on the third row
        # makes it the first, not the second).
        moved = (position > index + 1) - (position < index + 1)
        kept.append(((position, moved), index, PrescriptionValues(
            slug=choice.slug,
            sets=row.sets.data or dose["sets"],
            reps=reps, hold_seconds=hold,
            rest_seconds=row.rest_seconds.data if row.rest_seconds.data is not None
            else dose["rest_seconds"],
            side=side, tempo=row.tempo.data or None, load_note=row.load_note.data or "",
            weekdays=mask, sessions_per_week=per_week,
        )))
    if not ok:
        return None
    if not kept:
        form.form_errors.append("Add at least one exercise.")
        return None
    if len(kept) > MAX_EXERCISES:
        form.form_errors.append(f"A programme holds at most {MAX_EXERCISES} exercises.")
        return None
    return [values for _, _, values in sorted(kept, key=lambda item: item[:2])]


def precaution_clashes(rows: Sequence[PrescriptionValues], choices: dict[str, ExerciseChoice],
                       precautions: set[str]) -> list[str]:
    """Plain sentences naming each chosen exercise that clashes with a recorded precaution."""
    found = (needs_care(choices[row.slug].name, choices[row.slug].precautions, precautions)
             for row in rows)
    return [sentence + "." for sentence in found if sentence]


def clash_key(clashes: Sequence[str]) -> str:
    """What a physio's tick confirms: these warnings and no others."""
    return hashlib.sha256("\n".join(sorted(clashes)).encode()).hexdigest()


def programme_clashes(prescriptions: Sequence[Any], precautions: set[str]) -> list[str]:
    """The same for a programme as prescribed (with its library content): precautions
    recorded after a programme was assigned are checked against it too."""
    found = (needs_care(p.exercise_version.data["name"],
                        p.exercise_version.data.get("precautions", ()), precautions)
             for p in prescriptions)
    return [sentence + "." for sentence in found if sentence]


START_AHEAD_DAYS = 365  # how far ahead a programme may be set to start


def start_date_in_range(form: ProgrammeForm, today: date, exercised_today: bool = False
                        ) -> bool:
    """A programme starts today (the patient's date) or later, within a year: a start in the
    past would rewrite the history of days already done under the version before.

    Today is refused once, moved to tomorrow, when the patient logged today's session while
    the editor was open (``exercised_today`` now, not when it was opened): the editor had
    offered today, and saving it turned a day already done into "partly done". The physio
    can choose today again; the form then knows about the session."""
    start = form.start_date.data
    if start is None:
        return False
    if start < today:
        form.start_date.errors = [f"Choose today ({today:%-d %B %Y}) or a later day."]
        return False
    if start > today + timedelta(days=START_AHEAD_DAYS):
        form.start_date.errors = ["Choose a day within a year from today."]
        return False
    if start == today and exercised_today and form.exercised_today.data == "0":
        form.start_date.data = today + timedelta(days=1)
        form.start_date.raw_data = None  # shown from the data, not as it was sent
        form.exercised_today.data, form.exercised_today.raw_data = "1", None
        form.start_date.errors = ["Moved to tomorrow: today's session is done."]
        form.form_errors.append(
            "The patient logged today's session while you were editing: a programme starting "
            "today would change a day already done, so its start is now tomorrow. Choose today "
            "again to start today anyway.")
        return False
    return True


def template_stage(form: TemplatePickForm, template: Any) -> int | None:
    """The stage of ``template`` chosen (blank: the first), or None with the field's error
    when it is not one of the template's. Opening the editor and saving it read the stage the
    same way: opening clamped stage 4 of a three-stage template to 3, and every save of the
    rows it loaded was then refused."""
    stages = len(template.data["stages"])
    stage = (form.stage.data or 1) if form.validate() else None
    if stage is None or not 1 <= stage <= stages:
        form.stage.errors = [f"Choose a stage of the template from 1 to {stages}."]
        return None
    return stage
