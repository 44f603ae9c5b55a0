"""The physio's answers to alerts and notes to the patient."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from ..access import get_patient_or_404, role_required
from ..clinician.pages import patient_page
from ..extensions import db
from ..forms import new_form_id
from ..models import NOTE_MAX, AlertStatus, Role
from . import operations, queries
from .forms import AlertActionForm, MessageForm

bp = Blueprint("triage", __name__, url_prefix="/clinic")


def _back(patient_id: int):
    return redirect(url_for("clinician.patient", patient_id=patient_id) + "#alerts", 303)


@bp.post("/patients/<id:patient_id>/alerts/<id:alert_id>")
@role_required(Role.PHYSIO)
def alert_action(patient_id: int, alert_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    alert = queries.alert_for(patient.id, alert_id)
    if alert is None:
        abort(404)
    form = AlertActionForm()
    if not form.validate():
        return patient_page(patient, 422, (alert.id, "Choose acknowledge or resolve; the note "
                                           f"is at most {NOTE_MAX} characters."))
    try:
        operations.act_on_alert(alert, current_user, AlertStatus(form.status.data),
                                form.note.data or "")
    except operations.AlertActionRefused as refusal:
        db.session.rollback()
        # The patient's page again, the reason by the alert's note (the physio stays on it).
        return patient_page(patient, 409, (alert.id, str(refusal)))
    db.session.commit()
    flash("Alert resolved." if form.status.data == "resolved" else "Alert acknowledged.",
          "success")
    return _back(patient.id)


@bp.post("/patients/<id:patient_id>/message")
@role_required(Role.PHYSIO)
def message(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    form = MessageForm()
    if not form.validate():  # the page again, the error by the note (it was a bare 422 page)
        if form.client_id.errors:  # an out-of-date page: the one drawn again has a new id
            form.client_id.data = new_form_id()
        return patient_page(patient, 422, message_form=form)
    try:
        operations.post_message(patient, current_user, form.text.data, form.client_id.data)
    except operations.NoteAlreadySent as refusal:
        db.session.rollback()
        form.text.errors = [str(refusal)]
        form.client_id.data = new_form_id()  # sent from the page drawn again, it is a new note
        return patient_page(patient, 409, message_form=form)
    # Saved now or by the first of a double click: the physio is told the same.
    db.session.commit()
    flash("Note saved: the patient sees it on their Today page.", "success")
    return _back(patient.id)
