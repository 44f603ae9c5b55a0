"""The patient's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from ..access import role_required
from ..extensions import db
from ..models import CareRelationship, Role, User

bp = Blueprint("patient", __name__)


@bp.get("/today")
@role_required(Role.PATIENT)
def today():
    physio = db.session.scalar(
        select(User)
        .join(CareRelationship, CareRelationship.physio_id == User.id)
        .where(CareRelationship.patient_id == current_user.id)
    )
    return render_template("patient/today.html", physio=physio)
