"""Demo data for trying the app locally: one clinic, an admin, a physio and two patients."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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
