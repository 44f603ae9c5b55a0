"""The audit log: physio and admin reads of a patient's record and every change, never text."""

from __future__ import annotations

from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import AuditAction, AuditEvent


def events(app) -> list[tuple]:
    with app.app_context():
        return [(e.actor_id, e.patient_id, e.action, e.what, e.object_id, e.status)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_reads_and_changes_are_recorded_without_text(app, client, auth, loop):
    auth.login(loop.physio)
    client.get("/clinic/patients")  # the list is not one patient's record
    client.get(f"/clinic/patients/{loop.patient.id}")
    client.get(f"/clinic/patients/{loop.patient.id}/sessions/{loop.session_id}")
    client.post(f"/clinic/patients/{loop.patient.id}/message",
                data={"text": "Secret clinical words"})
    client.get(f"/clinic/patients/{loop.other_patient.id}")  # refused: 404, not recorded
    client.get("/library/")
    physio, patient = loop.physio.id, loop.patient.id
    assert events(app) == [
        (physio, patient, AuditAction.READ, "clinician.patient", None, 200),
        (physio, patient, AuditAction.READ, "clinician.session", loop.session_id, 200),
        (physio, patient, AuditAction.CHANGE, "triage.message", None, 303),
    ]
    with app.app_context():
        from sqlalchemy import inspect

        columns = {c["name"] for c in inspect(db.engine).get_columns("audit_events")}
    assert not {"text", "note", "body"} & columns


def test_patients_themselves_are_not_audited(app, client, auth, loop):
    auth.login(loop.patient)
    client.get("/today")
    client.get(f"/sessions/{loop.session_id}")
    assert events(app) == []


def test_admins_see_their_clinic_log_only(app, client, auth, loop):
    auth.login(loop.physio)
    client.get(f"/clinic/patients/{loop.patient.id}/progression")
    auth.logout()
    auth.login(loop.foreign_admin)
    assert "Opened progression settings" not in client.get("/admin/audit").data.decode()
    auth.logout()
    auth.login(loop.admin)
    client.post(f"/admin/users/{loop.patient.id}/deactivate")
    page = client.get("/admin/audit").data.decode()
    assert "Opened progression settings and decisions" in page
    assert "Deactivated an account" in page and loop.physio.display_name in page
    assert page.index("Deactivated an account") < page.index("Opened progression settings")
