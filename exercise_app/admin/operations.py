"""Writes of the clinic admin's pages: add and flush, never commit."""

from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import update

from .. import accounts
from ..extensions import db
from ..locks import lock_accounts
from ..models import AuditAction, AuditEvent, CareRelationship, User
from .queries import patient_count

# The audit log's record of each patient moved to another physio (beside the request's own
# record, "admin.deactivate", which names the physio who left): the patient, and as the
# record's object the physio who took them over.
HANDED_OVER = "admin.hand_over"
AUDIT_WHAT = {HANDED_OVER: "Moved the patient to another physio"}


class StillCaring(Exception):
    """The physio still cares for patients, and nobody was chosen to take them over."""

    def __init__(self, physio: User, count: int) -> None:
        super().__init__(physio, count)
        self.physio, self.count = physio, count


class SuccessorGone(Exception):
    """The physio chosen to take the patients over was deactivated meanwhile."""

    def __init__(self, successor: User) -> None:
        super().__init__(successor)
        self.successor = successor


def hand_over_patients(physio: User, successor: User, by: User) -> list[int]:
    """Move every patient in the physio's care to ``successor``, each recorded in the audit
    log as a change ``by`` made; return the patients' ids."""
    moved = list(db.session.scalars(
        update(CareRelationship).where(CareRelationship.physio_id == physio.id)
        .values(physio_id=successor.id).returning(CareRelationship.patient_id)))
    db.session.add_all(
        AuditEvent(clinic_id=by.clinic_id, actor_id=by.id, patient_id=patient_id,
                   action=AuditAction.CHANGE, what=HANDED_OVER, object_id=successor.id,
                   # As the request that hands them over ends: a redirect to the users page
                   # (a refused one rolls these back with the move).
                   status=HTTPStatus.SEE_OTHER)
        for patient_id in sorted(moved))
    db.session.flush()
    return moved


def deactivate(user: User, successor: User | None, by: User) -> list[int]:
    """Deactivate ``user`` and sign them out everywhere, a physio's patients first moved to
    ``successor``; return the ids of the patients moved. Raise ``StillCaring`` when patients
    would be left without a physio, ``SuccessorGone`` when the physio chosen was deactivated
    meanwhile. Both rows are locked first (``locks.lock_accounts``): a patient the physio
    invites at the same moment is then handed over too, or refused."""
    active = lock_accounts([user.id, *([successor.id] if successor else [])])
    if successor is not None and not active.get(successor.id):
        raise SuccessorGone(successor)
    moved = hand_over_patients(user, successor, by) if successor is not None else []
    count = patient_count(user)
    if count:
        raise StillCaring(user, count)
    accounts.set_active(user, False)
    return moved
