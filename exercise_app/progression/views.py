"""The physio's progression controls for a patient, and the rules page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..access import get_patient_or_404, role_required
from ..domain.progression import SETTINGS, RuleSettings, SettingsConflict, setting_values
from ..domain.scheduling import local_today
from ..extensions import db
from ..library import queries as library_queries
from ..models import ProgressionMode, Role, User, now_utc
from ..patient import history
from ..programmes import queries as programmes
from ..triage.operations import refresh_patient
from . import operations, present, queries
from .forms import OverrideForm, ReviewForm, SettingsForm, threshold_values

bp = Blueprint("progression", __name__, url_prefix="/clinic")


def _lockable(patient: User, locked: frozenset[str]) -> list[SelectChoice]:
    """The exercises a physio may lock: those of the programme the rules change (the one in
    force, ``history.decided``) and of any the physio scheduled after it, and any locked
    already (saving the settings again keeps that lock)."""
    versions = programmes.versions(patient.id)
    decided = history.decided(versions, local_today(now_utc(), patient.time_zone))
    names: dict[str, str] = {}
    for version in versions[max(len(decided) - 1, 0):]:
        for p in version.prescriptions:
            names.setdefault(p.exercise_version.data["id"], p.exercise_version.data["name"])
    for slug in sorted(locked - names.keys()):
        names[slug] = f"{slug} (not in the programme now)"
    return [SelectChoice(slug, name) for slug, name in names.items()]


def _settings_form(patient: User, rules: operations.PatientRules, submitted: bool = False):
    form = SettingsForm() if submitted else SettingsForm(
        formdata=None, mode=rules.mode.value, baseline_pain=rules.recorded_baseline,
        locked=sorted(rules.locked), **setting_values(rules.settings))
    form.locked.choices = _lockable(patient, rules.locked)
    return form


def _page(patient: User, settings_form=None, status: int = 200, refusal: str | None = None,
          sent: dict | None = None):
    """The progression page; ``sent``: an override refused, shown again open with what the
    physio typed (``id``, the decision's; ``values``, the form as sent; ``errors`` by field)."""
    rules = operations.rules_for(patient.id)
    versions = programmes.versions(patient.id)
    # Decisions are about the programme in force, not one scheduled after it.
    decided = history.decided(versions, local_today(now_utc(), patient.time_zone))
    latest = queries.latest_run_decisions(patient.id)
    decisions = queries.recent_decisions(patient.id)
    pending = present.still_waiting(queries.pending_decisions(patient.id), decided)
    settings_history = queries.settings_history(patient.id)
    # Exercises by name where the page names one by its slug: a move to the next rung, and
    # the exercises a settings change locked.
    names = library_queries.names_by_slugs(
        {d.new_exercise_slug for d in (*latest, *decisions, *pending) if d.new_exercise_slug}
        | {slug for row in settings_history for slug in row.locked or ()})
    return render_template(
        "progression/patient.html", patient=patient, rules=rules,
        settings_form=settings_form or _settings_form(patient, rules),
        pending=pending, approvable=present.approvable(pending, decided),
        # Decisions about an exercise the programme no longer has: nothing to act on.
        gone=present.gone_from((*latest, *decisions), decided),
        latest=latest, replaced_by=present.replaced_by(latest, versions),
        decisions=decisions,
        settings_history=settings_history, exercise_names=names,
        version=versions[-1] if versions else None,
        review_form=ReviewForm(), override_form=OverrideForm(), present=present,
        setting_labels={info.name: info.label for info in SETTINGS}, refusal=refusal,
        sent=sent,
    ), status


@bp.get("/patients/<id:patient_id>/progression")
@role_required(Role.PHYSIO)
def patient(patient_id: int):
    return _page(get_patient_or_404(patient_id, for_user=current_user))


@bp.post("/patients/<id:patient_id>/progression/settings")
@role_required(Role.PHYSIO)
def settings(patient_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    form = _settings_form(patient, operations.rules_for(patient.id), submitted=True)
    if not form.validate():
        return _page(patient, form, 422)
    try:
        operations.save_settings(
            patient, current_user, mode=ProgressionMode(form.mode.data),
            baseline_pain=form.baseline_pain.data, values=threshold_values(form),
            locked=form.locked.data or [],
        )
    except SettingsConflict as conflict:
        # Said in the form's words, by both fields (the rules' names meant nothing here).
        db.session.rollback()
        labels = {info.name: info.label for info in SETTINGS}
        high, low = labels[conflict.higher], labels[conflict.lower]
        getattr(form, conflict.higher).errors = [f"Set this no higher than \u201c{low}\u201d."]
        getattr(form, conflict.lower).errors = [f"Set this no lower than \u201c{high}\u201d."]
        form.form_errors.append(
            f"These settings do not fit together: \u201c{high}\u201d cannot be above "
            f"\u201c{low}\u201d.")
        return _page(patient, form, 422)
    except ValueError as error:
        db.session.rollback()
        form.form_errors.append(f"These settings do not fit together: {error}.")
        return _page(patient, form, 422)
    refresh_patient(patient)  # the usual pain is what the pain alerts and the caseload read
    db.session.commit()
    flash("Progression settings saved.", "success")
    return redirect(url_for("progression.patient", patient_id=patient.id), 303)


def _decision(patient: User, decision_id: int):
    decision = queries.decision_for(patient.id, decision_id)
    if decision is None:
        abort(404)
    return decision


def _refused(patient: User, refusal: operations.DecisionRefused, sent: dict | None = None):
    db.session.rollback()
    status = 422 if isinstance(refusal, operations.BadDose) else 409
    if sent is not None and isinstance(refusal, operations.BadDose):
        sent["errors"] = {name: str(refusal) for name in refusal.fields}  # by its fields
    return _page(patient, status=status, refusal=str(refusal), sent=sent)


@bp.post("/patients/<id:patient_id>/decisions/<id:decision_id>/approve")
@role_required(Role.PHYSIO)
def approve(patient_id: int, decision_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    decision = _decision(patient, decision_id)
    if not ReviewForm().validate():
        abort(422, "The form was not complete.")
    try:
        operations.approve(patient, decision, current_user)
    except operations.DecisionRefused as refusal:
        return _refused(patient, refusal)
    refresh_patient(patient)
    db.session.commit()
    flash(f"Approved: {decision.exercise_name} changes from the next session.", "success")
    return redirect(url_for("progression.patient", patient_id=patient.id), 303)


@bp.post("/patients/<id:patient_id>/decisions/<id:decision_id>/reject")
@role_required(Role.PHYSIO)
def reject(patient_id: int, decision_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    decision = _decision(patient, decision_id)
    form = ReviewForm()
    if not form.validate():
        return _page(patient, status=422, refusal="The note is too long.")
    try:
        operations.reject(patient, decision, current_user, form.note.data or "")
    except operations.DecisionRefused as refusal:
        return _refused(patient, refusal)
    db.session.commit()
    flash(f"Rejected: {decision.exercise_name} keeps its dose.", "success")
    return redirect(url_for("progression.patient", patient_id=patient.id), 303)


@bp.post("/patients/<id:patient_id>/decisions/<id:decision_id>/override")
@role_required(Role.PHYSIO)
def override(patient_id: int, decision_id: int):
    patient = get_patient_or_404(patient_id, for_user=current_user)
    decision = _decision(patient, decision_id)
    form = OverrideForm()
    sent = {"id": decision.id, "values": request.form, "errors": {}}
    if not form.validate():
        problems = "; ".join(f"{getattr(form, name).label.text}: {' '.join(errors)}"
                             for name, errors in form.errors.items())
        sent["errors"] = {name: " ".join(errors) for name, errors in form.errors.items()}
        return _page(patient, status=422, refusal=f"The override was not saved. {problems}",
                     sent=sent)
    try:
        operations.override(patient, decision, current_user, sets=form.sets.data,
                            reps=form.reps.data, hold_seconds=form.hold_seconds.data,
                            note=form.note.data or "")
    except operations.DecisionRefused as refusal:
        return _refused(patient, refusal, sent)
    refresh_patient(patient)
    db.session.commit()
    flash(f"Overridden: {decision.exercise_name} has your dose from the next session.",
          "success")
    return redirect(url_for("progression.patient", patient_id=patient.id), 303)


@bp.get("/progression/rules")
@role_required(Role.PHYSIO, Role.ADMIN)
def rules():
    defaults = setting_values(RuleSettings())
    return render_template("progression/rules.html", settings=SETTINGS, defaults=defaults)
