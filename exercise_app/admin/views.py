"""The clinic admin's pages: the clinic's people, adding physios, deactivating accounts."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import accounts, audit
from ..access import get_clinic_user_or_404, role_required
from ..extensions import db, limiter
from ..models import Role
from ..notifications import send_invitation
from ..pages import id_urls, invalid
from . import queries
from .forms import NewPhysioForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    rows = queries.clinic_users(current_user)
    return render_template(
        "admin/users.html",
        rows=rows,
        clinic_name=current_user.clinic.name,
        deactivate_urls=id_urls("admin.deactivate", "user_id",
                                (row.user.id for row in rows if row.user.active)),
        reactivate_urls=id_urls("admin.reactivate", "user_id",
                                (row.user.id for row in rows if not row.user.active)),
    )


@bp.route("/physios/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], methods=["POST"])
def new_physio():
    form = NewPhysioForm()
    if form.validate_on_submit():
        try:
            physio, token = accounts.invite_physio(
                current_user, form.email.data, form.display_name.data,
                current_app.config["INVITATION_TTL"],
            )
        except accounts.EmailTaken:
            form.email.errors.append("An account with this e-mail address already exists.")
            return invalid("admin/new_physio.html", form=form)
        db.session.commit()
        link = send_invitation(physio, current_user, token)
        return render_template("clinician/invited.html", person=physio, link=link), 201
    return invalid("admin/new_physio.html", form=form)


def _set_active(user_id: int, active: bool):
    user = get_clinic_user_or_404(user_id, for_admin=current_user)
    if user.id == current_user.id:
        abort(409, "You cannot deactivate your own account.")
    accounts.set_active(user, active)
    db.session.commit()
    state = "reactivated" if active else "deactivated and signed out everywhere"
    flash(f"{user.display_name} is {state}.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<id:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    return _set_active(user_id, active=False)


@bp.post("/users/<id:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    return _set_active(user_id, active=True)


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), audit.MAX_PAGE)
    events, older = audit.clinic_events(current_user.clinic_id, page)
    return render_template("admin/audit.html", events=events, page=page, older=older,
                           what=audit.WHAT, clinic_name=current_user.clinic.name)
