"""The physio's pages: their patients and inviting new ones."""

from __future__ import annotations

from datetime import timedelta

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
from wtforms import SelectChoice

from .. import accounts, audit, handout
from ..access import get_patient_or_404, role_required
from ..domain.scheduling import local_today
from ..extensions import db, limiter
from ..invitations import new_invitation
from ..library import queries as library_queries
from ..library.labels import PRECAUTION_LABELS_BY_VALUE
from ..models import Role, now_utc
from ..notifications import send_invitation
from ..pages import id_urls, invalid
from ..patient import history
from ..patient import queries as patient_queries
from ..patient.forms import SKIP_LABELS, STATUS_LABELS, STOP_LABELS
from ..patient.pages import csv_response
from ..programmes import editor
from ..programmes import operations as programme_operations
from ..programmes import queries as programme_queries
from ..programmes.forms import PrecautionsForm, ProgrammeForm, TemplatePickForm
from ..progression import operations as progression_operations
from ..triage import caseload
from ..triage import operations as triage_operations
from ..triage import queries as triage_queries
from ..triage.forms import CaseloadFilterForm
from .forms import InviteForm
from .pages import patient_page

bp = Blueprint("clinician", __name__, url_prefix="/clinic")


@bp.get("/patients")
@role_required(Role.PHYSIO)
def patients():
    filters = CaseloadFilterForm(request.args)
    if not filters.validate():
        filters = CaseloadFilterForm(formdata=None)
    rows = triage_queries.caseload_rows(current_user)
    today = caseload.todays(rows, now_utc())
    older = caseload.stale(rows, today)
    everyone = caseload.entries(rows, older, today)
    shown = caseload.filtered(everyone, filters.q.data or "", filters.level.data or "")
    pages = max(1, -(-len(shown) // caseload.PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    visible = shown[(page - 1) * caseload.PAGE_SIZE:page * caseload.PAGE_SIZE]
    return render_template(
        "clinician/patients.html", lines=caseload.lines(visible, today, older),
        patient_urls=id_urls("clinician.patient", "patient_id", [e.row.id for e in visible]),
        total=len(everyone), matching=len(shown), page=page, pages=pages, filters=filters,
        critical=sum(1 for e in everyone if e.top_level == "critical"),
        summaries_late=caseload.summaries_late(rows, today),
    )


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
        except accounts.InviterInactive:  # deactivated by an admin while inviting
            db.session.rollback()
            abort(403)
        except accounts.EmailTaken:
            form.email.errors.append("An account with this e-mail address already exists.")
            audit.refused(audit.EMAIL_TAKEN)
            return invalid("clinician/invite.html", form=form)
        db.session.commit()
        link = send_invitation(patient, current_user, token)
        return render_template("clinician/invited.html", person=patient, link=link), 201
    return invalid("clinician/invite.html", form=form)


@bp.get("/patients/<id:patient_id>")
@role_required(Role.PHYSIO)
def patient(patient_id: int):
    return patient_page(get_patient_or_404(patient_id, for_user=current_user))


@bp.post("/patients/<id:patient_id>/invitation")
@role_required(Role.PHYSIO)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"])
def reinvite(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    return new_invitation(patient, current_user, "ask your clinic's admin to reactivate it.")


# Programmes, precautions and the patient's history --------------------------------------------


def _editor_page(patient, form, choices_by_slug, precautions, template_form, status=200,
                 clashes=()):
    return render_template(
        "clinician/programme_edit.html", patient=patient, form=form,
        template_form=template_form, templates=library_queries.programmes(),
        clashes=clashes, precautions=[PRECAUTION_LABELS_BY_VALUE[p] for p in sorted(precautions)],
    ), status


@bp.route("/patients/<id:patient_id>/programme", methods=["GET", "POST"])
@role_required(Role.PHYSIO)
def edit_programme(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    choices = programme_queries.exercise_choices()
    by_slug = {c.slug: c for c in choices}
    precautions = programme_queries.precautions(patient.id)
    options = editor.choice_list(choices, precautions)
    template_form = TemplatePickForm(request.args)
    template_form.template.choices = [SelectChoice("", "(none)")] + [
        SelectChoice(t.slug, t.name) for t in library_queries.programmes()]
    if request.method == "GET":
        form = ProgrammeForm(formdata=None)
        current = programme_queries.current(patient.id)
        template = library_queries.programme_by_slug(template_form.template.data or "")
        stage = editor.template_stage(template_form, template) if template else None
        if stage is not None:
            editor.fill(form, editor.rows_from_template(template.data["stages"][stage - 1],
                                                        by_slug))
        elif current is not None:
            editor.fill(form, editor.rows_from_version(current))
            form.note.data = current.note
            form.form_errors.extend(editor.retired_in(current, by_slug))
        else:
            editor.fill(form, [])
        form.based_on.data = str(programme_queries.newest_number(patient.id))
        today = local_today(now_utc(), patient.time_zone)
        # Once today's session is logged, a change starts tomorrow, so today stays done (as
        # the progression rules' changes do); the physio may still choose today.
        exercised = programme_queries.exercised_on(patient.id, today)
        form.start_date.data = today + timedelta(days=1) if exercised else today
        form.exercised_today.data = "1" if exercised else "0"
        editor.set_choices(form, options)
        return _editor_page(patient, form, by_slug, precautions, template_form,
                            422 if template and stage is None else 200)
    form = ProgrammeForm()
    editor.set_choices(form, options)
    today = local_today(now_utc(), patient.time_zone)
    valid = form.validate() and editor.start_date_in_range(
        form, today, programme_queries.exercised_on(patient.id, today))
    rows = editor.prescriptions(form, by_slug) if valid else None
    if rows is None:
        return _editor_page(patient, form, by_slug, precautions, template_form, 422)
    clashes = editor.precaution_clashes(rows, by_slug, precautions)
    key = editor.clash_key(clashes)
    if clashes and not (form.confirm_precautions.data and form.confirmed_clashes.data == key):
        form.form_errors.append(
            "The exercises that need care have changed since you ticked the box. Check them, "
            "then tick it again to save." if form.confirm_precautions.data else
            "Some exercises need care with this patient's conditions. Check them, then tick "
            "the box to save.")
        form.confirm_precautions.data = False
        form.confirmed_clashes.data = key
        return _editor_page(patient, form, by_slug, precautions, template_form, 422, clashes)
    template = library_queries.programme_by_slug(template_form.template.data or "")
    stage = editor.template_stage(template_form, template) if template else None
    if template is not None and stage is None:
        form.form_errors.append(template_form.stage.errors[0])
        return _editor_page(patient, form, by_slug, precautions, template_form, 422)
    if template is not None:
        link = (template.slug, stage)
    else:  # edited, not loaded from a template: it stays the stage it was (review: lost)
        newest = (programme_queries.versions(patient.id) or [None])[-1]
        link = (newest.template_slug, newest.template_stage) if newest else (None, None)
    try:
        saved = programme_operations.save_programme(
            patient, current_user, start_date=form.start_date.data, note=form.note.data or "",
            rows=rows, template_slug=link[0], template_stage=link[1],
            based_on=int(form.based_on.data),
        )
    except programme_operations.ProgrammeChanged as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal))
        return _editor_page(patient, form, by_slug, precautions, template_form, 409)
    if saved is None:  # the newest version as it was: its ready-for-next alerts stay open
        audit.not_a_change()
        flash("Nothing was changed, so the programme is as it was: no new version was saved.",
              "info")
        return redirect(url_for("clinician.patient", patient_id=patient.id), 303)
    triage_operations.resolve_ready_for_next(patient, current_user)
    progression_operations.record_run_notes(patient.id)  # the last run's words no longer apply
    triage_operations.refresh_patient(patient)
    db.session.commit()
    flash(f"{patient.display_name}'s programme is saved.", "success")
    return redirect(url_for("clinician.patient", patient_id=patient.id), 303)


@bp.post("/patients/<id:patient_id>/precautions")
@role_required(Role.PHYSIO)
def precautions(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    form = PrecautionsForm()
    if not form.validate():
        abort(422, "Choose conditions from the list.")
    programme_operations.set_precautions(patient, form.precautions.data or [])
    db.session.commit()
    flash("Precautions saved.", "success")
    return redirect(url_for("clinician.patient", patient_id=patient.id), 303)


@bp.get("/patients/<id:patient_id>/sessions/<id:session_id>")
@role_required(Role.PHYSIO)
def session(patient_id: int, session_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    logged = patient_queries.session_for(patient.id, session_id)
    if logged is None:
        abort(404)
    versions = programme_queries.versions(patient.id)
    return render_template(
        "patient/session.html", session=logged, names=history.exercise_names(versions),
        can_correct=False, status_labels=STATUS_LABELS, skip_labels=SKIP_LABELS,
        stop_labels=STOP_LABELS, patient=patient,
    )


@bp.get("/patients/<id:patient_id>/history.csv")
@role_required(Role.PHYSIO)
def patient_csv(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    return csv_response(patient_queries.log_rows(patient.id), f"patient-{patient.id}-log.csv",
                        patient.time_zone)


def _handout_or_404(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    today = local_today(now_utc(), patient.time_zone)
    version = handout.to_print(programme_queries.versions(patient.id), today)
    if version is None:
        abort(404, "This patient has no programme to print yet.")
    return patient, handout.for_programme(
        version, patient=patient.display_name, physio=current_user.display_name,
        clinic=current_user.clinic.name, link=url_for("patient.routine_page", _external=True),
        today=today)


@bp.get("/patients/<id:patient_id>/handout")
@role_required(Role.PHYSIO)
def handout_page(patient_id: int):
    patient, sheet = _handout_or_404(patient_id)
    return render_template(
        "handout.html", sheet=sheet, qr=handout.qr_svg(sheet.link),
        back_url=url_for("clinician.patient", patient_id=patient.id),
        back_text=f"Back to {patient.display_name}",
        pdf_url=url_for("clinician.handout_pdf", patient_id=patient.id))


@bp.get("/patients/<id:patient_id>/handout.pdf")
@role_required(Role.PHYSIO)
def handout_pdf(patient_id: int):
    _patient, sheet = _handout_or_404(patient_id)
    return handout.pdf_response(sheet)
