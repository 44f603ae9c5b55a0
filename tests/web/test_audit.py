"""The audit log: physio and admin reads of a patient's record and every change, never text."""

from __future__ import annotations

import uuid

import pytest
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
                data={"text": "Secret clinical words", "client_id": str(uuid.uuid4())})
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


def test_a_read_request_can_still_record_after_another_connection_wrote(app, loop):
    """SQLite refuses to turn a read transaction into a write once another connection has
    written since it began; the audit write must start its own transaction (bench: 219
    'database is locked' errors before the fix)."""
    from flask import g, request
    from sqlalchemy import text

    from exercise_app.audit import _record
    from exercise_app.models import User

    url = f"/clinic/patients/{loop.patient.id}"
    with app.test_request_context(url, method="GET"):
        request.url_rule, request.view_args = app.url_map.bind("localhost").match(
            url, return_rule=True)
        g._login_user = db.session.get(User, loop.physio.id)  # the view's read transaction
        other = db.engine.connect()
        other.execute(text("UPDATE clinics SET name = name || '!' WHERE id = :id"),
                      {"id": loop.clinic.id})
        other.commit()
        other.close()
        response = app.response_class("ok", status=200)
        _record(response)
    assert events(app)[-1][1:4] == (loop.patient.id, AuditAction.READ, "clinician.patient")


@pytest.mark.parametrize("page", ["99999999999999999999", "100001", "-5", "abc"])
def test_an_audit_page_past_any_offset_is_not_an_error(app, client, auth, loop, page):
    """A page number beyond what the database's offset holds was a 500."""
    auth.login(loop.admin)
    assert client.get(f"/admin/audit?page={page}").status_code == 200


@pytest.mark.parametrize(("who", "url"), [("physio", "/clinic/patients/invite"),
                                          ("admin", "/admin/physios/new")])
def test_an_invite_refused_for_an_address_in_use_is_kept_for_the_admin(app, client, auth, loop,
                                                                       who, url):
    """The refusal must say the address has an account, even one in another clinic, so it
    cannot be silent; it is kept in the inviter's clinic log, where its admin sees an address
    being tried (nothing refused was recorded before)."""
    inviter = getattr(loop, who)
    auth.login(inviter)
    response = client.post(url, data={"display_name": "Somebody",
                                      "email": loop.foreign_patient.email})
    assert response.status_code == 422
    assert events(app)[-1] == (inviter.id, None, AuditAction.CHANGE,
                               "refused.email_taken", None, 422)
    auth.logout()
    auth.login(loop.admin)
    assert "Tried to invite an e-mail address that already has an account" in client.get(
        "/admin/audit").data.decode()
    auth.logout()
    auth.login(loop.foreign_admin)  # the other clinic is not told who was looked for
    assert "Tried to invite" not in client.get("/admin/audit").data.decode()
