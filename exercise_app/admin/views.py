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

from .. import accounts, audit, outbox
from ..access import get_clinic_user_or_404, role_required
from ..domain.mail_retry import NOTICE_AFTER
from ..domain.scheduling import daily_job_late
from ..extensions import db, limiter
from ..invitations import new_invitation
from ..models import Role, User, now_utc
from ..notifications import send_invitation
from ..pages import id_urls, invalid
from . import directory, operations, queries
from .forms import DeactivateForm, NewPhysioForm, PeopleFilterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    return _users_page()


def _listing() -> tuple[PeopleFilterForm, int]:
    """The users page's filters and page number, from the query string: the page's own, or
    that of a form posted from it, which goes back to the same listing. Filters that do not
    validate are dropped."""
    filters = PeopleFilterForm(request.args)
    if not filters.validate():
        filters = PeopleFilterForm(formdata=None)
    return filters, request.args.get("page", 1, type=int) or 1


def _back_to_listing():
    filters, page = _listing()
    return redirect(url_for("admin.users", **filters.query(page=page if page > 1 else None)),
                    303)


def _users_page(refused: tuple[User, str] | None = None, status: int = 200):
    """A page of the clinic's people, as filtered; ``refused``: a deactivation refused, (the
    user, why), shown by that user's row, found by their e-mail."""
    people = queries.clinic_people(current_user)
    filters, requested = _listing()
    if refused is not None:
        filters, requested = PeopleFilterForm(formdata=None, q=refused[0].email), 1
    shown = directory.filtered(people, filters.q.data or "", filters.role.data or "",
                               filters.account.data or "")
    page = directory.page_of(shown, requested)
    listing = filters.query(page=page.number if page.number > 1 else None)
    oldest = queries.oldest_summary(current_user.clinic_id)
    now = now_utc()
    ids = [person.id for person in page.people]
    return render_template(
        "admin/users.html",
        people=page.people, page=page.number, pages=page.pages, total=len(people),
        matching=len(shown), filters=filters,
        summaries_late=oldest if daily_job_late(oldest, now.date()) else None,
        mail_waiting=outbox.waiting(current_user.clinic_id, now - NOTICE_AFTER),
        clinic_name=current_user.clinic.name,
        # Who may take over a physio's patients: the clinic's physios who can sign in (but
        # themselves): not one deactivated, nor one invited who has not joined yet.
        successors=[person for person in people if person.can_take_over],
        refused_id=refused[0].id if refused else None, refused=refused[1] if refused else None,
        # Each form goes back to this listing (``_listing``) when it is done.
        deactivate_urls=id_urls("admin.deactivate", "user_id", ids, **listing),
        reactivate_urls=id_urls("admin.reactivate", "user_id", ids, **listing),
        invitation_urls=id_urls("admin.reinvite", "user_id",
                                (person.id for person in page.people
                                 if person.account == "invited")),
        page_urls={number: url_for("admin.users", **filters.query(
            page=number if number > 1 else None)) for number in (page.number - 1,
                                                                   page.number + 1)},
    ), status


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
            audit.refused(audit.EMAIL_TAKEN)
            return invalid("admin/new_physio.html", form=form)
        db.session.commit()
        link = send_invitation(physio, current_user, token)
        return render_template("clinician/invited.html", person=physio, link=link), 201
    return invalid("admin/new_physio.html", form=form)


def _patients(count: int) -> str:
    return f"{count} patient{'' if count == 1 else 's'}"


@bp.post("/users/<id:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    """Deactivate an account; a physio who cares for patients hands them over to another
    active physio of the clinic, chosen in the same form, or stays active (409)."""
    user = get_clinic_user_or_404(user_id, for_admin=current_user)
    if user.id == current_user.id:
        abort(409, "You cannot deactivate your own account.")
    form = DeactivateForm()
    successor = None
    if form.validate_on_submit() and form.takeover.data is not None:
        successor = queries.successor_for(user, form.takeover.data)
    if form.errors or (form.takeover.data is not None and successor is None):
        return _users_page((user, f"Choose another active physio of {user.clinic.name} to "
                                     f"take over {user.display_name}'s patients."), 422)
    try:
        moved = operations.deactivate(user, successor, by=current_user)
    except operations.StillCaring as still:
        return _users_page((user, f"{user.display_name} cares for {_patients(still.count)}. "
                                     "Choose who takes them over, then deactivate."), 409)
    except operations.SuccessorGone as gone:
        db.session.rollback()
        return _users_page((user, f"{gone.successor.display_name} was deactivated just now. "
                                     f"Choose another physio to take over "
                                     f"{user.display_name}'s patients."), 409)
    db.session.commit()
    handed_over = (f" Their {_patients(len(moved))} {'is' if len(moved) == 1 else 'are'} now "
                   f"in {successor.display_name}'s care." if successor is not None and moved
                   else "")
    flash(f"{user.display_name} is deactivated and signed out everywhere.{handed_over}",
          "success")
    return _back_to_listing()


@bp.post("/users/<id:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    user = get_clinic_user_or_404(user_id, for_admin=current_user)
    if user.id == current_user.id:
        abort(409, "You cannot reactivate your own account.")
    accounts.set_active(user, True)
    db.session.commit()
    flash(f"{user.display_name} is reactivated.", "success")
    return _back_to_listing()


@bp.post("/users/<id:user_id>/invitation")
@role_required(Role.ADMIN)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"])
def reinvite(user_id: int):
    """A new invitation link for someone of the clinic who has not joined yet: a physio's
    first link lasts a week, and no one else can send them another."""
    user = get_clinic_user_or_404(user_id, for_admin=current_user)
    return new_invitation(user, current_user, "reactivate it first.")


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), audit.MAX_PAGE)
    events, older = audit.clinic_events(current_user.clinic_id, page)
    return render_template("admin/audit.html", events=events, page=page, older=older,
                           people=audit.people_named(events, current_user.clinic_id),
                           person_records=audit.PERSON_RECORDS,
                           what={**audit.WHAT, **operations.AUDIT_WHAT},
                           clinic_name=current_user.clinic.name)
