"""Access control: role checks and the one loader per object family that scopes every read.

Views never query around these loaders. A foreign object and a missing one both give 404, so
nobody learns which ids exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select

from .extensions import db
from .models import CareRelationship, Role, User

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """Let only signed-in users with one of ``roles`` through; others get a 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator


_A_PATIENT = select(User).where(User.id == bindparam("patient_id"), User.role == Role.PATIENT)
# Built once, by who is asking: only the parameters change.
PATIENT_FOR = {
    Role.PHYSIO: _A_PATIENT.join(CareRelationship, CareRelationship.patient_id == User.id)
    .where(CareRelationship.physio_id == bindparam("viewer_id")),
    Role.ADMIN: _A_PATIENT.where(User.clinic_id == bindparam("clinic_id")),
    Role.PATIENT: _A_PATIENT.where(User.id == bindparam("viewer_id")),  # themselves only
}


def get_patient_or_404(patient_id: int, for_user: User) -> User:
    """Return the patient if ``for_user`` may see them: their physio, or their clinic's admin."""
    patient = db.session.scalar(PATIENT_FOR[for_user.role], {
        "patient_id": patient_id, "viewer_id": for_user.id, "clinic_id": for_user.clinic_id})
    if patient is None:
        abort(404)
    return patient


def get_clinic_user_or_404(user_id: int, for_admin: User) -> User:
    """Return a user of the admin's own clinic."""
    user = db.session.scalar(
        select(User).where(User.id == user_id, User.clinic_id == for_admin.clinic_id)
    )
    if user is None:
        abort(404)
    return user
