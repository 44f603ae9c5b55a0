"""Build programmes and sessions for tests through the app's own operations."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertStatus,
    ExerciseLog,
    ExerciseSession,
    LogStatus,
    ProgrammeVersion,
    ProgressionDecision,
    RunTrigger,
    SessionOutcome,
    Side,
    User,
    now_utc,
)
from exercise_app.patient.operations import LoggedExercise, SessionValues, log_session
from exercise_app.programmes.operations import PrescriptionValues, save_programme
from exercise_app.progression.operations import run_rules
from exercise_app.triage.operations import record_screening, recount_alerts, refresh_patient

EVERY_DAY = 127


def row(slug: str, *, sets: int = 2, reps: int | None = 10, hold: int | None = None,
        rest: int = 30, side: Side = Side.BOTH, weekdays: int = EVERY_DAY) -> PrescriptionValues:
    return PrescriptionValues(slug=slug, sets=sets, reps=reps, hold_seconds=hold,
                              rest_seconds=rest, side=side, tempo=None, load_note="",
                              weekdays=weekdays, sessions_per_week=None)


DEFAULT_ROWS = (
    row("glute-bridge"),
    row("clam", sets=2, reps=12, side=Side.EACH),
    row("knee-to-chest", sets=1, reps=None, hold=30, side=Side.EACH),
)


def assign(app: Flask, patient_id: int, physio_id: int, rows=DEFAULT_ROWS,
           start: date | None = None, note: str = "Keep it gentle.",
           screened: bool = True) -> int:
    """Assign a programme; by default the patient has also passed the onboarding safety check
    (answered no to every red-flag question), so the routine opens."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        physio = db.session.get(User, physio_id)
        version = save_programme(patient, physio, start_date=start or date(2026, 1, 5),
                                 note=note, rows=list(rows))
        if screened:
            pass_safety_check(patient)
        db.session.commit()
        return version.id


def pass_safety_check(patient: User, occasion: Occasion = Occasion.ONBOARDING) -> None:
    """Record a red-flag screen with every answer no (inside an app context; no commit)."""
    record_screening(patient, occasion, {q.id: False for q in questions_for(occasion)})


def log(app: Flask, patient_id: int, *, pain: tuple[int, int, int] = (2, 3, 2),
        effort: int = 4, started_at: datetime | None = None, rules: bool = True,
        partly: frozenset[str] = frozenset()) -> int:
    """Log a session in which every prescribed exercise was done as prescribed (or one set
    of the exercises named in ``partly``), then run the progression rules as the routine
    page does."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        version = db.session.scalar(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == patient_id).order_by(ProgrammeVersion.number.desc()))
        def done(p):
            if p.exercise_version.data["id"] in partly:
                return LoggedExercise(p.id, LogStatus.PARTIAL, 1, p.reps, None, None, None)
            return LoggedExercise(
                p.id, LogStatus.DONE, p.sets, (p.reps or 0) * p.sets or None,
                (p.reps or 0) * p.sets if p.side == Side.EACH and p.reps else None, None, None)

        exercises = tuple(done(p) for p in version.prescriptions)
        values = SessionValues(pain[0], pain[1], pain[2], effort, "", exercises, started_at)
        session, _ = log_session(patient, version, str(uuid.uuid4()), values)
        if rules:
            run_rules(patient, session, RunTrigger.SESSION)
            refresh_patient(patient)
        db.session.commit()
        return session.id


def newest_decision(app: Flask, patient_id: int) -> int:
    """The id of the patient's newest progression decision."""
    with app.app_context():
        decision_id = db.session.scalar(
            select(ProgressionDecision.id).where(ProgressionDecision.patient_id == patient_id)
            .order_by(ProgressionDecision.id.desc()).limit(1))
        assert decision_id is not None
        return decision_id


def bulk_history(app: Flask, patient_id: int, days: int, today: date | None = None) -> None:
    """Insert a session a day for ``days`` days before today, fast (for query-count tests)."""
    today = today or now_utc().date()
    with app.app_context():
        version = db.session.scalar(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == patient_id).order_by(ProgrammeVersion.number.desc()))
        for n in range(1, days + 1):
            day = today - timedelta(days=n)
            session = ExerciseSession(
                patient_id=patient_id, programme_version_id=version.id,
                client_id=str(uuid.uuid4()), payload_hash="x" * 64, local_date=day,
                pain_before=3, pain_during=4, pain_after=2, effort=4,
                outcome=SessionOutcome.COMPLETED, notes="", next_morning_pain=2,
            )
            session.logs = [
                ExerciseLog(prescription_id=p.id, exercise_version_id=p.exercise_version_id,
                            position=p.position, status=LogStatus.DONE, sets_done=p.sets,
                            reps_done=10)
                for p in version.prescriptions
            ]
            db.session.add(session)
        db.session.commit()


def add_alert(app: Flask, patient_id: int, level: str = "high",
              code: str = "pain_severe") -> int:
    """Store an open alert for a patient, as the alert rules would."""
    with app.app_context():
        alert = Alert(patient_id=patient_id, level=level, code=code,
                      reason="Pain reached 8/10 after exercise.",
                      evidence={"score": 8}, day=now_utc().date() - timedelta(days=30),
                      status=AlertStatus.OPEN)
        db.session.add(alert)
        recount_alerts(patient_id)  # as every write of an alert does
        db.session.commit()
        return alert.id
