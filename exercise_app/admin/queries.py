"""Reads for the clinic admin's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import CareRelationship, PatientSummary, Role, User


@dataclass(frozen=True)
class ClinicUserRow:
    user: User
    physio_name: str | None
    physio_active: bool | None  # for a patient: whether their physio's account is active
    patient_count: int  # for a physio: how many patients are in their care (0 for others)


# How many patients are in a user's care, for each row of the users page.
_PATIENT_COUNT = (
    select(func.count()).select_from(CareRelationship)
    .where(CareRelationship.physio_id == User.id)
    .correlate(User).scalar_subquery()
)


def clinic_users(admin: User) -> list[ClinicUserRow]:
    """Everyone in the admin's clinic with, for patients, their physio's name and whether they
    are active, and for physios how many patients they care for (one query)."""
    physio = aliased(User)
    rows = db.session.execute(
        select(User, physio.display_name, physio.active, _PATIENT_COUNT)
        .outerjoin(CareRelationship, CareRelationship.patient_id == User.id)
        .outerjoin(physio, physio.id == CareRelationship.physio_id)
        .where(User.clinic_id == admin.clinic_id)
        .order_by(User.role, User.display_name, User.id)
    )
    return [ClinicUserRow(user, physio_name, physio_active, count)
            for user, physio_name, physio_active, count in rows]


def patient_count(physio: User) -> int:
    """How many patients are in the physio's care."""
    return db.session.scalar(
        select(func.count()).select_from(CareRelationship)
        .where(CareRelationship.physio_id == physio.id)) or 0


def successor_for(physio: User, successor_id: int) -> User | None:
    """Another physio of the physio's clinic who can sign in (active, and joined), by id, to
    take over their patients: red-flag e-mails go to them from then on."""
    return db.session.scalar(select(User).where(
        User.id == successor_id, User.id != physio.id, User.clinic_id == physio.clinic_id,
        User.role == Role.PHYSIO, User.active, User.password_hash.is_not(None)))


def active_admins(clinic_id: int) -> list[User]:
    """The clinic's admins whose accounts are active."""
    return list(db.session.scalars(select(User).where(
        User.clinic_id == clinic_id, User.role == Role.ADMIN, User.active).order_by(User.id)))


def oldest_summary(clinic_id: int) -> date | None:
    """The day the oldest summary of the clinic's active patients was written."""
    return db.session.scalar(
        select(func.min(PatientSummary.summary_on))
        .join(User, User.id == PatientSummary.patient_id)
        .where(User.clinic_id == clinic_id, User.role == Role.PATIENT, User.active))
