"""The audit log: every physio or admin read of a patient's record and every change they make.

Recorded after the request succeeded, from the endpoint and its ids only: who, what, when,
never the text of a note or any other field.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import AuditAction, AuditEvent, Role, User, now_utc

AUDITED_ROLES = (Role.PHYSIO, Role.ADMIN)
CHANGE_BLUEPRINTS = ("clinician", "progression", "triage", "admin")
OBJECT_ARGS = ("session_id", "decision_id", "alert_id", "user_id")
PAGE_SIZE = 50
MAX_PAGE = 100_000  # a page number past this is read as this one (an offset the database can hold)

WHAT = {
    "clinician.patient": "Opened the patient's record",
    "clinician.patient_csv": "Downloaded the patient's logs (CSV)",
    "clinician.session": "Opened a session log",
    "clinician.edit_programme": "Programme editor",
    "clinician.precautions": "Changed precautions",
    "clinician.reinvite": "New invitation link",
    "clinician.invite": "Invited a patient",
    "clinician.handout_page": "Opened the programme handout",
    "clinician.handout_pdf": "Downloaded the programme handout (PDF)",
    "progression.patient": "Opened progression settings and decisions",
    "progression.settings": "Changed progression settings",
    "progression.approve": "Approved a progression decision",
    "progression.reject": "Rejected a progression decision",
    "progression.override": "Overrode a progression decision",
    "triage.alert_action": "Acknowledged or resolved an alert",
    "triage.message": "Wrote a note to the patient",
    "admin.new_physio": "Added a physio",
    "admin.deactivate": "Deactivated an account",
    "admin.reactivate": "Reactivated an account",
    "admin.reinvite": "New invitation link",
}
EMAIL_TAKEN = "refused.email_taken"  # a refused invite (``refused``)
WHAT[EMAIL_TAKEN] = "Tried to invite an e-mail address that already has an account"


def not_a_change() -> None:
    """Leave this request out of the log: a save that changed nothing (the programme editor
    saved as it was) neither read nor changed the patient's record."""
    g.audit_not_a_change = True


def refused(what: str) -> None:
    """Record this refused request after all, as ``what``: a refusal that tells the user
    something about an account they may not see (an invite refused because the e-mail
    address has an account, perhaps in another clinic) cannot be made silent, as the invite
    must say why it failed; it is kept in the clinic's log, where its admin can see it tried
    over and over."""
    g.audit_refused = what


def _record(response: Response) -> Response:
    # The user the request already loaded (every audited view checks the role first); reading
    # ``current_user`` here would load one again after the view.
    user = g.get("_login_user")
    refusal = g.get("audit_refused")
    if ((response.status_code >= 400 and refusal is None) or g.get("audit_not_a_change")
            or request.endpoint is None or user is None or not user.is_authenticated
            or user.role not in AUDITED_ROLES):
        return response
    args = request.view_args or {}
    blueprint = request.endpoint.split(".")[0]
    changing = request.method not in ("GET", "HEAD", "OPTIONS")
    if changing and blueprint not in CHANGE_BLUEPRINTS:
        return response
    if not changing and "patient_id" not in args:
        return response
    object_id = next((args[name] for name in OBJECT_ARGS if name in args), None)
    # A fresh transaction that starts with this write: the request's own may be a read (a
    # GET), and SQLite refuses to turn a read into a write once another connection has
    # written since it began. The view has committed already, so ending it loses nothing.
    clinic_id, actor_id = user.clinic_id, user.id  # read before the rollback expires them
    db.session.rollback()
    db.session.execute(insert(AuditEvent).values(
        clinic_id=clinic_id, actor_id=actor_id, patient_id=args.get("patient_id"),
        action=AuditAction.CHANGE if changing else AuditAction.READ,
        what=refusal or request.endpoint, object_id=object_id, status=response.status_code,
        created_at=now_utc(),
    ))
    db.session.commit()
    return response


def register(app: Flask) -> None:
    app.after_request(_record)


# Events whose record (``object_id``) is a person of the clinic: the log names them, where a
# bare number said nothing of whose account was deactivated.
PERSON_RECORDS = frozenset({"admin.deactivate", "admin.reactivate", "admin.reinvite",
                            "admin.hand_over"})


def people_named(events: list[AuditEvent], clinic_id: int) -> dict[int, str]:
    """The names of the clinic's people the events' records are (one query)."""
    ids = {e.object_id for e in events if e.what in PERSON_RECORDS and e.object_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(
        User.id.in_(sorted(ids)), User.clinic_id == clinic_id))
    return {user_id: name for user_id, name in rows}


def clinic_events(clinic_id: int, page: int) -> tuple[list[AuditEvent], bool]:
    """A page of the clinic's audit log, newest first, and whether there is an older page."""
    rows = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
        .order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
