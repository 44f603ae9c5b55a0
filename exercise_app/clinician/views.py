"""The physio's pages: their patients and inviting new ones."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from .. import accounts
from ..access import get_patient_or_404, role_required
from ..auth.operations import create_invitation
from ..extensions import db, limiter
from ..models import Role
from ..notifications import send_invitation
from ..pages import invalid
from . import queries
from .forms import InviteForm

bp = Blueprint("clinician", __name__, url_prefix="/clinic")


@bp.get("/patients")
@role_required(Role.PHYSIO)
def patients():
    return render_template("clinician/patients.html", patients=queries.caseload(current_user))


@bp.route("/patients/invite", methods=["GET", "POST"])
@role_required(Role.PHYSIO)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], methods=["POST"])
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            patient, token = accounts.invite_patient(
                current_user, form.email.data, form.display_name.data,
                current_app.config["INVITATION_TTL"],
            )
        except accounts.EmailTaken:
            form.email.errors.append("An account with this e-mail address already exists.")
            return invalid("clinician/invite.html", form=form)
        db.session.commit()
        link = send_invitation(patient, current_user, token)
        return render_template("clinician/invited.html", person=patient, link=link), 201
    return invalid("clinician/invite.html", form=form)


@bp.get("/patients/<id:patient_id>")
@role_required(Role.PHYSIO)
def patient(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    return render_template("clinician/patient.html", patient=patient)


@bp.post("/patients/<id:patient_id>/invitation")
@role_required(Role.PHYSIO)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"])
def reinvite(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    if patient.has_accepted:
        return render_template(
            "errors/error.html", code=409, title="Already joined",
            text=f"{patient.display_name} has already set up their account.",
        ), 409
    token = create_invitation(patient, current_user, current_app.config["INVITATION_TTL"])
    db.session.commit()
    link = send_invitation(patient, current_user, token)
    return render_template("clinician/invited.html", person=patient, link=link), 201
