"""Creating accounts for other people: a physio invites patients, an admin adds physios."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .auth.operations import create_invitation, sign_out_everywhere
from .extensions import db
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


def lock_accounts(user_ids: Iterable[int], *, share: bool = False) -> dict[int, bool]:
    """Lock the users' rows (PostgreSQL) in id order, and say whether each is active now, as
    committed by a request that held them: FOR SHARE to rely on an account staying as it is
    (a physio inviting), else FOR NO KEY UPDATE to change it (an admin deactivating). A
    physio's invitation and their deactivation take the physio's row first, so the patient
    invited is either handed over with the rest or refused (``InviterInactive``)."""
    statement = select(User.id, User.active).where(User.id.in_(sorted(set(user_ids))))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.order_by(User.id).with_for_update(
            read=share, key_share=not share)
    return {user_id: active for user_id, active in db.session.execute(statement)}


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
