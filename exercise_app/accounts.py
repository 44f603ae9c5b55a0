"""Creating accounts for other people: a physio invites patients, an admin adds physios."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .auth.operations import create_invitation, sign_out_everywhere
from .extensions import db
from .locks import lock_accounts
from .models import CareRelationship, Role, User


class EmailTaken(ValueError):
    """Another account already uses this e-mail address."""


class InviterInactive(Exception):
    """The physio was deactivated while inviting: nobody would care for the patient."""


def _new_user(clinic_id: int, email: str, display_name: str, role: Role) -> User:
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(clinic_id=clinic_id, email=email, display_name=display_name, role=role)
    try:
        with db.session.begin_nested():  # two invitations of one address at once
            db.session.add(user)
    except IntegrityError:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            raise
        raise EmailTaken(email) from None
    return user


def invite_patient(physio: User, email: str, display_name: str, ttl: timedelta) -> tuple[User, str]:
    """Create a patient in the physio's care and an invitation; return both."""
    if not lock_accounts([physio.id], share=True).get(physio.id):
        raise InviterInactive
    patient = _new_user(physio.clinic_id, email, display_name, Role.PATIENT)
    db.session.add(
        CareRelationship(patient=patient, physio_id=physio.id, clinic_id=physio.clinic_id)
    )
    return patient, create_invitation(patient, physio, ttl)


def invite_physio(admin: User, email: str, display_name: str, ttl: timedelta) -> tuple[User, str]:
    """Create a physio in the admin's clinic and an invitation; return both."""
    physio = _new_user(admin.clinic_id, email, display_name, Role.PHYSIO)
    return physio, create_invitation(physio, admin, ttl)


def set_active(user: User, active: bool) -> None:
    """Deactivate (signing out every session) or reactivate an account."""
    user.active = active
    if not active:
        sign_out_everywhere(user)
