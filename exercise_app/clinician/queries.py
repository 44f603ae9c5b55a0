"""Reads for the physio's pages."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import CareRelationship, User


def caseload(physio: User) -> list[User]:
    """The physio's patients, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CareRelationship, CareRelationship.patient_id == User.id)
            .where(CareRelationship.physio_id == physio.id)
            .order_by(User.display_name, User.id)
        )
    )
