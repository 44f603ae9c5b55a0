"""Reads for the clinic admin's pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import CareRelationship, User


@dataclass(frozen=True)
class ClinicUserRow:
    user: User
    physio_name: str | None


def clinic_users(admin: User) -> list[ClinicUserRow]:
    """Everyone in the admin's clinic with, for patients, their physio's name (one query)."""
    physio = aliased(User)
    rows = db.session.execute(
        select(User, physio.display_name)
        .outerjoin(CareRelationship, CareRelationship.patient_id == User.id)
        .outerjoin(physio, physio.id == CareRelationship.physio_id)
        .where(User.clinic_id == admin.clinic_id)
        .order_by(User.role, User.display_name, User.id)
    )
    return [ClinicUserRow(user, physio_name) for user, physio_name in rows]
