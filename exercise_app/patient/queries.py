"""Reads for the patient's pages (and the physio's view of them). A fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ExerciseLog, ExerciseSession, LibraryExerciseVersion
from .history import WINDOW_DAYS


def recent_sessions(patient_id: int, today: date, days: int = WINDOW_DAYS) -> list[ExerciseSession]:
    """Sessions of the last ``days`` days with their exercise logs (two queries)."""
    return list(db.session.scalars(
        select(ExerciseSession)
        .where(ExerciseSession.patient_id == patient_id,
               ExerciseSession.local_date > today - timedelta(days=days))
        .options(selectinload(ExerciseSession.logs))
        .order_by(ExerciseSession.local_date, ExerciseSession.id)
    ))


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
