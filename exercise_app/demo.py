"""Demo data for trying the app locally: one clinic, an admin, a physio and two patients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .domain.scheduling import mask_from_days, spread_days
from .extensions import db
from .models import CareRelationship, Clinic, Role, User
from .security import hash_password

DEMO_CLINIC = "Riverside Physiotherapy (demo)"


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    name: str
    password: str


DEMO_LOGINS = (
    DemoLogin(Role.ADMIN, "admin@demo.example", "Robin Hale", "quiet-harbour-lamp"),
    DemoLogin(Role.PHYSIO, "physio@demo.example", "Priya Natarajan", "bright-meadow-kite"),
    DemoLogin(Role.PATIENT, "alex@demo.example", "Alex Morgan", "silver-river-stone"),
    DemoLogin(Role.PATIENT, "sam@demo.example", "Sam Okafor", "amber-forest-path"),
)


def seed_demo() -> tuple[list[str], list[str]]:
    """Create whatever of the demo data is missing; return (created, kept) e-mails."""
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC))
    if clinic is None:
        clinic = Clinic(name=DEMO_CLINIC)
        db.session.add(clinic)
        db.session.flush()
    created: list[str] = []
    kept: list[str] = []
    users: dict[Role, User] = {}
    for login in DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.email == login.email))
        if user is None:
            user = User(
                clinic_id=clinic.id,
                email=login.email,
                display_name=login.name,
                role=login.role,
                password_hash=hash_password(login.password),
            )
            db.session.add(user)
            db.session.flush()
            created.append(login.email)
        else:
            kept.append(login.email)
        users.setdefault(login.role, user)
        if login.role == Role.PATIENT and db.session.get(CareRelationship, user.id) is None:
            db.session.add(
                CareRelationship(
                    patient_id=user.id, physio_id=users[Role.PHYSIO].id, clinic_id=clinic.id
                )
            )
    db.session.flush()
    return created, kept


# A few weeks of history, so the physio's pages and the progression rules have something to show.
DEMO_ROWS = (
    ("glute-bridge", 2, 10, None, 45, "both"),
    ("clam", 2, 12, None, 30, "each"),
    ("knee-to-chest", 1, None, 30, 0, "each"),
)
DEMO_PER_WEEK = 4  # on any days: the patients choose theirs
# (days ago, pain before / worst during / after, effort, next-morning pain, clam partly done)
ALEX_DAYS = [(n, (2, 2, 1), 3, 1, False) for n in (20, 18, 16, 14, 13, 11, 9, 7, 6, 4, 2)]
SAM_DAYS = [(13, (3, 3, 3), 4, 3, True), (11, (3, 3, 2), 4, 3, True), (9, (3, 4, 3), 5, 3, True),
            (6, (3, 3, 3), 4, 3, False), (4, (4, 5, 4), 5, 4, False), (2, (4, 7, 6), 6, 6, False),
            (1, (5, 6, 6), 6, None, False)]


def seed_demo_history(today: date) -> int:
    """Give each demo patient without a programme one, with sessions and decisions; return how
    many patients got one. Needs the exercise library (``flask library sync``)."""
    from .domain.red_flags import Occasion, questions_for
    from .models import (
        ExerciseSession,
        LibraryExercise,
        LogStatus,
        ProgrammeVersion,
        ProgressionMode,
        RunTrigger,
        Screening,
        ScreeningOccasion,
        Side,
    )
    from .patient.operations import LoggedExercise, SessionValues, log_session
    from .programmes import queries as programmes
    from .programmes.operations import PrescriptionValues, save_programme
    from .progression.operations import run_rules, save_settings
    from .triage.operations import refresh_patient

    if db.session.scalar(select(LibraryExercise.id).limit(1)) is None:
        return 0
    physio = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[1].email))
    seeded = 0
    for email, days, usual in (("alex@demo.example", ALEX_DAYS, 2),
                               ("sam@demo.example", SAM_DAYS, 3)):
        patient = db.session.scalar(select(User).where(User.email == email))
        if patient is None or physio is None or db.session.scalar(
                select(ProgrammeVersion.id).where(ProgrammeVersion.patient_id == patient.id)):
            continue
        rows = [PrescriptionValues(slug, sets, reps, hold, rest, Side(side), None, "",
                                   mask_from_days(spread_days(DEMO_PER_WEEK)), DEMO_PER_WEEK)
                for slug, sets, reps, hold, rest, side in DEMO_ROWS]
        save_programme(patient, physio, start_date=today - timedelta(days=days[0][0] + 1),
                       note="Little and often: stop any exercise that gives sharp pain.",
                       rows=rows)
        save_settings(patient, physio, mode=ProgressionMode.AUTO, baseline_pain=usual,
                      values={}, locked=[])
        zone = ZoneInfo(patient.time_zone)
        for back, (before, during, after), effort, morning, clam_partly in days:
            day = today - timedelta(days=back)
            evening = datetime.combine(day, time(18, 0), zone).astimezone(UTC)
            version = next(v for v in reversed(programmes.versions(patient.id))
                           if v.start_date <= day)
            logged = tuple(
                LoggedExercise(p.id, LogStatus.PARTIAL, 1, p.reps, None, None, None)
                if clam_partly and p.exercise_version.data["id"] == "clam" else
                LoggedExercise(p.id, LogStatus.DONE, p.sets, (p.reps or 0) * p.sets or None,
                               (p.reps or 0) * p.sets if p.side == Side.EACH and p.reps
                               else None, None, None)
                for p in version.prescriptions)
            values = SessionValues(before, during, after, effort, "", logged, evening)
            session, _ = log_session(patient, version, f"demo-{email}-{back}",  # type: ignore[arg-type]
                                     values)
            run_rules(patient, session, RunTrigger.SESSION, now=evening)
            if morning is not None:
                next_morning = evening + timedelta(hours=14)
                stored = db.session.get(ExerciseSession, session.id)
                assert stored is not None
                stored.next_morning_pain, stored.next_morning_at = morning, next_morning
                db.session.flush()
                run_rules(patient, stored, RunTrigger.MORNING, now=next_morning)
        db.session.add(Screening(
            patient_id=patient.id, occasion=ScreeningOccasion.ONBOARDING,
            answers={q.id: False for q in questions_for(Occasion.ONBOARDING)}, flagged=[],
            urgency=None, local_date=today - timedelta(days=days[0][0] + 1)))
        refresh_patient(patient)
        seeded += 1
    return seeded
