"""A large, realistic data set for `make bench`: many patients, each with a year of sessions."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from .domain.progression import RuleSettings
from .domain.red_flags import Occasion, questions_for
from .extensions import db
from .models import (
    CareRelationship,
    DecisionStatus,
    ExerciseLog,
    ExerciseSession,
    LogStatus,
    ProgressionDecision,
    ProgressionRun,
    Role,
    RunTrigger,
    Screening,
    ScreeningOccasion,
    SessionOutcome,
    Side,
    User,
)
from .programmes.operations import PrescriptionValues, save_programme
from .programmes.queries import ProgrammeView
from .progression.inputs import (
    LOOKBACK_DAYS,
    EngineRow,
    exercise_state,
    inputs_record,
    usual_pain,
)
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
    next_run_id = (db.session.scalar(select(func.max(ProgressionRun.id))) or 0) + 1
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
            saved = datetime.combine(day, time(18), UTC)  # that evening, as a patient would
            sessions.append({
                "id": next_id, "patient_id": person.id, "programme_version_id": version.id,
                "client_id": str(uuid.UUID(int=rng.getrandbits(128))), "payload_hash": "0" * 64,
                "local_date": day, "pain_before": pain, "pain_during": min(10, pain + 1),
                "pain_after": max(0, pain - 1), "effort": rng.randint(2, 6),
                "outcome": SessionOutcome.COMPLETED, "notes": "",
                "next_morning_pain": pain if rng.random() < 0.7 else None,
                "created_at": saved, "updated_at": saved,
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
            runs, decisions = progression_history(person.id, version, sessions, next_run_id)
            db.session.execute(insert(ProgressionRun), runs)
            db.session.execute(insert(ProgressionDecision), decisions)
            next_run_id += len(runs)
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
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('progression_runs', 'id'), "
            "(SELECT max(id) FROM progression_runs))"))
    return created


def progression_history(patient_id: int, version: ProgrammeView,
                        sessions: list[dict[str, Any]], first_run_id: int
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The progression runs a year of logging leaves behind, as rows: one run after each
    session and one after each morning check-in, each with the inputs record the app keeps
    and a decision per exercise. Their content is plausible rather than the rules' own (the
    seeded pains keep the doses where they are); their number and size are the app's."""
    settings = RuleSettings()
    states = {p.id: exercise_state(p, {}) for p in version.prescriptions}
    rows: list[EngineRow] = []
    runs: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    first = 0  # the first of ``rows`` within the rules' look-back
    for number, session in enumerate(sessions):
        day = session["local_date"]
        for p in version.prescriptions:
            state = states[p.id]
            rows.append(EngineRow(session["id"], day, state.key, state.ladder, p.sets, p.reps,
                                  p.hold_seconds, session["pain_during"], session["pain_after"],
                                  session["next_morning_pain"], session["effort"], "done",
                                  session["created_at"]))
        while rows[first].day < day - timedelta(days=LOOKBACK_DAYS):
            first += 1
        baseline, source = usual_pain(None, [s["pain_before"] for s in sessions[:3]]
                                      if number >= 2 else [])
        triggers = [(RunTrigger.SESSION, session["created_at"] + timedelta(seconds=1), day)]
        if session["next_morning_pain"] is not None:
            triggers.append((RunTrigger.MORNING, datetime.combine(
                day + timedelta(days=1), time(8), UTC), day + timedelta(days=1)))
        for trigger, at, on in triggers:
            window = [row if trigger is RunTrigger.MORNING or row.session_id != session["id"]
                      else row._replace(next_morning=None) for row in rows[first:]]
            run_id = first_run_id + len(runs)
            runs.append({
                "id": run_id, "patient_id": patient_id, "trigger": trigger,
                "session_id": session["id"], "programme_version_id": version.id,
                "settings_id": None, "created_at": at, "applied_version_id": None,
                "inputs": inputs_record(settings, baseline, source, window, [], "auto", at, on),
            })
            enough = number + 1 >= settings.sessions_to_progress
            for p in version.prescriptions:
                state = states[p.id]
                decisions.append({
                    "run_id": run_id, "patient_id": patient_id, "prescription_id": p.id,
                    "position": p.position, "exercise_slug": state.key,
                    "exercise_name": state.name, "ladder_slug": state.ladder, "day": day,
                    "kind": "hold" if enough else "insufficient_data",
                    "reasons": ["pain_not_settled"] if enough else ["not_enough_sessions"],
                    "evidence": {"sessions": min(number + 1, settings.sessions_to_progress),
                                 "needed": settings.sessions_to_progress},
                    "old_sets": p.sets, "old_reps": p.reps, "old_hold_seconds": p.hold_seconds,
                    "new_sets": p.sets, "new_reps": p.reps, "new_hold_seconds": p.hold_seconds,
                    "new_exercise_slug": None, "alert_physio": False,
                    "sentence": f"Keep your {state.name.lower()} where it is for now: your pain "
                                "has not settled enough to add more.",
                    "status": DecisionStatus.NO_CHANGE, "created_at": at,
                })
    return runs, decisions


def analyse() -> None:
    """Refresh PostgreSQL's statistics after a bulk load (a no-op elsewhere)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
