"""Prepare the routine page and read its form: plain values in, plain values out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.dosing import HOLD, describe_dose, estimated_seconds
from ..domain.scheduling import local_time, schedule_text
from ..domain.sessions import same_sitting
from ..models import ExerciseSession, LogStatus, Prescription, Side, SkipReason, StopReason, now_utc
from .forms import RoutineLogForm
from .operations import LoggedExercise, SessionValues, answers_saved_at


@dataclass(frozen=True)
class RoutineItem:
    """One exercise of the routine as the page shows it (the content as prescribed)."""

    prescription_id: int
    slug: str
    name: str
    summary: str
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    stop_if: tuple[str, ...]
    dose: str
    rest: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    side: str
    tempo: str | None
    load_note: str
    seconds: int
    frequency: str  # when it is due: 'every day', 'on Mondays and Thursdays', 'any 3 days a week'
    bout: str = HOLD  # what one timed set is called: 'hold', or the exercise's word ('walk')

    @property
    def when(self) -> str:
        """``frequency`` as a sentence starts."""
        return self.frequency[:1].upper() + self.frequency[1:]


SIDE_TEXT = {Side.BOTH: "", Side.EACH: "each side in turn", Side.LEFT: "left side only",
             Side.RIGHT: "right side only"}


def item(p: Prescription) -> RoutineItem:
    data = p.exercise_version.data
    each = p.side == Side.EACH
    text = describe_dose(sets=p.sets, reps=p.reps, hold_seconds=p.hold_seconds,
                         rest_seconds=p.rest_seconds, sessions_per_week=p.sessions_per_week or 7,
                         each_side=each, bout=data.get("bout") or HOLD)
    tempo = tuple(int(x) for x in p.tempo.split("-")) if p.tempo else None
    return RoutineItem(
        prescription_id=p.id, slug=data["id"], name=data["name"], summary=data["summary"],
        steps=tuple(data["steps"]), cues=tuple(data["cues"]), stop_if=tuple(data["stop_if"]),
        dose=text.work, rest=text.rest, sets=p.sets, reps=p.reps, hold_seconds=p.hold_seconds,
        rest_seconds=p.rest_seconds, side=p.side.value, tempo=p.tempo, load_note=p.load_note,
        seconds=estimated_seconds(sets=p.sets, reps=p.reps, hold_seconds=p.hold_seconds,
                                  rest_seconds=p.rest_seconds, each_side=each,
                                  tempo=tempo),  # type: ignore[arg-type]
        frequency=schedule_text(p.weekdays, p.sessions_per_week),
        bout=data.get("bout") or HOLD,
    )


def blank_form(prescriptions: Sequence[Prescription]) -> RoutineLogForm:
    """A log form for these exercises, filled as if everything was done as prescribed."""
    form = RoutineLogForm(formdata=None)
    form.client_id.data = str(uuid.uuid4())
    form.opened_at.data = now_utc().isoformat()
    for p in prescriptions:
        total = (p.reps or 0) * p.sets if p.reps else None
        form.exercises.append_entry({
            "prescription_id": p.id, "status": LogStatus.DONE.value, "sets_done": p.sets,
            "reps_done": total, "reps_done_other_side": total if p.side == Side.EACH else None,
        })
    return form


def form_from_session(session: ExerciseSession) -> RoutineLogForm:
    """A log form holding what a stored session says, for corrections."""
    form = RoutineLogForm(formdata=None, data={
        "client_id": session.client_id, "pain_before": session.pain_before,
        "pain_during": session.pain_during, "pain_after": session.pain_after,
        "effort": session.effort, "notes": session.notes,
        "answers_saved_at": answers_saved_at(session),
    })
    for log in session.logs:
        form.exercises.append_entry({
            "prescription_id": log.prescription_id, "status": log.status.value,
            "sets_done": log.sets_done, "reps_done": log.reps_done,
            "reps_done_other_side": log.reps_done_other_side,
            "skip_reason": log.skip_reason.value if log.skip_reason else "",
            "stop_reason": log.stop_reason.value if log.stop_reason else "",
        })
    return form


def _started_at(raw: str | None, time_zone: str | None = None) -> datetime | None:
    """The browser's start time, if it is a sane recent instant of this sitting (with the
    patient's ``time_zone``, ``sessions.same_sitting``); otherwise unknown."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    now = now_utc()
    if not now - timedelta(hours=12) <= value <= now + timedelta(minutes=5):
        return None
    if time_zone is not None and not same_sitting(local_time(value, time_zone),
                                                  local_time(now, time_zone)):
        return None  # a page left open overnight: the session is the day it is sent
    # Kept as sent (a clock a little ahead included); ``log_session`` stores no later than now.
    return value


def values(form: RoutineLogForm, time_zone: str | None = None) -> SessionValues:
    """Read a validated log form, sent by a patient in ``time_zone`` (for its start)."""
    exercises = []
    for entry in form.exercises:
        row: Any = entry.form
        status = LogStatus(row.status.data)
        exercises.append(LoggedExercise(
            prescription_id=row.prescription_id.data,
            status=status,
            sets_done=0 if status == LogStatus.SKIPPED else (row.sets_done.data or 0),
            reps_done=None if status == LogStatus.SKIPPED else row.reps_done.data,
            reps_done_other_side=None if status == LogStatus.SKIPPED
            else row.reps_done_other_side.data,
            skip_reason=SkipReason(row.skip_reason.data) if row.skip_reason.data else None,
            stop_reason=StopReason(row.stop_reason.data) if row.stop_reason.data else None,
        ))
    sent_start = form.started_at.data or form.opened_at.data or None
    return SessionValues(
        pain_before=form.pain_before.data, pain_during=form.pain_during.data,
        pain_after=form.pain_after.data, effort=form.effort.data, notes=form.notes.data or "",
        exercises=tuple(exercises), started_at=_started_at(sent_start, time_zone),
        started_at_sent=sent_start,
    )
