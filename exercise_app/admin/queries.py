"""Reads for the clinic admin's pages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ..extensions import db, read_rows
from ..models import CareRelationship, PatientSummary, Role, User
from .directory import Person

# How many patients are in a user's care, for each row of the users page.
_PATIENT_COUNT = (
    select(func.count()).select_from(CareRelationship)
    .where(CareRelationship.physio_id == User.id)
    .correlate(User).scalar_subquery()
)


_PHYSIO = aliased(User)
_CLINIC_PEOPLE = (
    select(User.id, User.display_name, User.email, User.role, User.active,
           User.password_hash.is_not(None), _PHYSIO.display_name, _PHYSIO.active,
           _PATIENT_COUNT)
    .outerjoin(CareRelationship, CareRelationship.patient_id == User.id)
    .outerjoin(_PHYSIO, _PHYSIO.id == CareRelationship.physio_id)
    .where(User.clinic_id == bindparam("clinic_id"))
    .order_by(User.role, User.display_name, User.id)
)


def clinic_people(admin: User) -> list[Person]:
    """Everyone in the admin's clinic, by role then name, with, for patients, their physio's
    name and whether they are active, and for physios how many patients they care for (one
    query, plain rows: the clinic's every account is read for the search and the handover
    choices, and only a page of them shown)."""
    rows = read_rows(_CLINIC_PEOPLE, {"clinic_id": admin.clinic_id})
    return [Person(id=user_id, name=name, email=email, role=Role(role).value,
                   active=bool(active), accepted=bool(accepted), physio_name=physio_name,
                   physio_active=None if physio_active is None else bool(physio_active),
                   patient_count=count or 0)
            for user_id, name, email, role, active, accepted, physio_name, physio_active, count
            in rows]


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
