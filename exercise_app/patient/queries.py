"""Reads for the patient's pages (and the physio's view of them). A fixed number of queries."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import String, bindparam, select, type_coerce
from sqlalchemy.orm import selectinload

from ..extensions import db, read_rows
from ..models import ExerciseLog, ExerciseSession, LibraryExerciseVersion


class SessionRow(NamedTuple):
    id: int
    local_date: date
    pain_before: int
    pain_during: int
    pain_after: int
    next_morning_pain: int | None
    outcome: str
    has_notes: bool


class LogRow(NamedTuple):
    session_id: int
    local_date: date
    prescription_id: int
    exercise_version_id: int
    status: str
    sets_done: int
    reps_done: int | None
    reps_done_other_side: int | None
    stop_reason: str | None = None  # models.StopReason, when the exercise was stopped


# Built once: the statements are the same for every request, only the parameters change.
_PATIENT, _SINCE = bindparam("patient_id"), bindparam("since")
SESSION_ROWS = (
    select(ExerciseSession.id, ExerciseSession.local_date, ExerciseSession.pain_before,
           ExerciseSession.pain_during, ExerciseSession.pain_after,
           ExerciseSession.next_morning_pain, type_coerce(ExerciseSession.outcome, String),
           ExerciseSession.notes != "")
    .where(ExerciseSession.patient_id == _PATIENT, ExerciseSession.local_date >= _SINCE)
    .order_by(ExerciseSession.local_date, ExerciseSession.id)
)
LOG_ROWS_SINCE = (
    select(ExerciseLog.session_id, ExerciseSession.local_date, ExerciseLog.prescription_id,
           ExerciseLog.exercise_version_id, type_coerce(ExerciseLog.status, String),
           ExerciseLog.sets_done, ExerciseLog.reps_done, ExerciseLog.reps_done_other_side,
           type_coerce(ExerciseLog.stop_reason, String))
    .join(ExerciseSession, ExerciseSession.id == ExerciseLog.session_id)
    .where(ExerciseSession.patient_id == _PATIENT, ExerciseSession.local_date >= _SINCE)
)


def session_rows(patient_id: int, since: date) -> list[SessionRow]:
    """Plain rows for the patient's sessions since a day (one query, no ORM objects)."""
    rows = read_rows(SESSION_ROWS, {"patient_id": patient_id, "since": since})
    return [SessionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]


def log_rows_since(patient_id: int, since: date) -> list[LogRow]:
    """Plain rows for the exercise logs of the patient's sessions since a day (one query)."""
    rows = read_rows(LOG_ROWS_SINCE, {"patient_id": patient_id, "since": since})
    return [LogRow._make(row) for row in rows]


def session_for(patient_id: int, session_id: int) -> ExerciseSession | None:
    """One of this patient's sessions with its logs, or None (foreign and missing alike)."""
    return db.session.scalar(
        select(ExerciseSession)
        .where(ExerciseSession.id == session_id, ExerciseSession.patient_id == patient_id)
        .options(selectinload(ExerciseSession.logs))
    )


def log_rows(patient_id: int):
    """Every exercise log of a patient with its session and exercise as it was (streamed)."""
    return db.session.execute(
        select(ExerciseSession, ExerciseLog, LibraryExerciseVersion.data["name"].as_string())
        .join(ExerciseLog, ExerciseLog.session_id == ExerciseSession.id, isouter=True)
        .join(LibraryExerciseVersion,
              LibraryExerciseVersion.id == ExerciseLog.exercise_version_id, isouter=True)
        .where(ExerciseSession.patient_id == patient_id)
        .order_by(ExerciseSession.local_date, ExerciseSession.id, ExerciseLog.position)
        .execution_options(yield_per=500)
    )
