"""A large, realistic data set for `make bench`: many patients, each with a year of sessions."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text

from .domain.red_flags import Occasion, questions_for
from .extensions import db
from .models import (
    CareRelationship,
    ExerciseLog,
    ExerciseSession,
    LogStatus,
    Role,
    Screening,
    ScreeningOccasion,
    SessionOutcome,
    Side,
    User,
)
from .programmes.operations import PrescriptionValues, save_programme
from .security import hash_password

BENCH_PROGRAMME = (
    PrescriptionValues("glute-bridge", 2, 10, None, 45, Side.BOTH, None, "", 127, None),
    PrescriptionValues("clam", 2, 12, None, 30, Side.EACH, None, "", 127, None),
    PrescriptionValues("knee-to-chest", 1, None, 30, 0, Side.EACH, None, "", 127, None),
)


BENCH_PASSWORD = "bench-patient-password"  # noqa: S105 - throwaway bench accounts, not a secret


def bench_email(n: int) -> str:
    return f"bench-{n:04d}@example.org"


def seed_bench(physio: User, patients: int, days: int, today: date,
               extra: list[User] | None = None) -> int:
    """Give ``physio`` ``patients`` patients (plus ``extra``), each with ``days`` days of logs."""
    rng = random.Random(20261125)  # noqa: S311 - repeatable bench data, not secrets
    password = hash_password(BENCH_PASSWORD)
    existing = db.session.scalar(select(func.count()).select_from(User).where(
        User.email.like("bench-%@example.org")))
    people = list(extra or [])
    for n in range(existing, patients):
        user = User(clinic_id=physio.clinic_id, email=bench_email(n),
                    display_name=f"Bench Patient {n:04d}", role=Role.PATIENT,
                    password_hash=password)
        db.session.add(user)
        db.session.flush()
        db.session.add(CareRelationship(patient_id=user.id, physio_id=physio.id,
                                        clinic_id=physio.clinic_id))
        people.append(user)
    next_id = (db.session.scalar(select(func.max(ExerciseSession.id))) or 0) + 1
    created = 0
    for person in people:
        version = save_programme(person, physio, start_date=today - timedelta(days=days),
                                 note="Bench programme.", rows=BENCH_PROGRAMME)
        sessions, logs = [], []
        for back in range(days, 0, -1):
            if rng.random() < 0.25:
                continue  # a missed day now and then
            day = today - timedelta(days=back)
            pain = rng.randint(1, 5)
            sessions.append({
                "id": next_id, "patient_id": person.id, "programme_version_id": version.id,
                "client_id": str(uuid.UUID(int=rng.getrandbits(128))), "payload_hash": "0" * 64,
                "local_date": day, "pain_before": pain, "pain_during": min(10, pain + 1),
                "pain_after": max(0, pain - 1), "effort": rng.randint(2, 6),
                "outcome": SessionOutcome.COMPLETED, "notes": "",
                "next_morning_pain": pain if rng.random() < 0.7 else None,
            })
            for p in version.prescriptions:
                logs.append({
                    "session_id": next_id, "prescription_id": p.id,
                    "exercise_version_id": p.exercise_version_id, "position": p.position,
                    "status": LogStatus.DONE, "sets_done": p.sets,
                    "reps_done": (p.reps or 0) * p.sets or None,
                })
            next_id += 1
        if sessions:
            db.session.execute(insert(ExerciseSession), sessions)
            db.session.execute(insert(ExerciseLog), logs)
        # A safety check passed today, so the routine opens rather than asking for one.
        db.session.add(Screening(
            patient_id=person.id, occasion=ScreeningOccasion.WEEKLY,
            answers={q.id: False for q in questions_for(Occasion.WEEKLY)}, flagged=[],
            urgency=None, local_date=today))
        created += len(sessions)
    if db.session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly above: move the sequence past them, then let the planner
        # see the new row counts.
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('exercise_sessions', 'id'), "
            "(SELECT max(id) FROM exercise_sessions))"))
    return created


def analyse() -> None:
    """Refresh PostgreSQL's statistics after a bulk load (a no-op elsewhere)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
