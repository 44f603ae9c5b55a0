"""The patient's pages: Today, the programme, the guided routine, logs and history."""

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

from .. import handout
from ..access import role_required
from ..domain.scheduling import local_time, local_today, monday_of
from ..domain.sessions import (
    EFFORT_ANCHORS,
    PAIN_ANCHORS,
    asks_morning_after,
    morning_check_in_open,
)
from ..extensions import db
from ..models import Role, RunTrigger, SessionOutcome, now_utc
from ..pages import id_urls
from ..programmes import queries as programmes
from ..progression import operations as progression_operations
from ..progression import present
from ..progression import queries as progression
from ..safety.views import blocked_page
from ..safety.views import status_for as safety_status
from ..triage import operations as triage_operations
from ..triage import queries as triage_queries
from ..triage.signals import paused_days, recent_sessions, week_logs
from . import history, operations, queries, routine
from .forms import SKIP_LABELS, STATUS_LABELS, STOP_LABELS, MorningCheckInForm, RoutineLogForm
from .pages import csv_response, history_view, today_figures

bp = Blueprint("patient", __name__)


def _today():
    return local_today(now_utc(), current_user.time_zone)


def _context():
    """The patient's programme versions, today's date and the version in force."""
    today = _today()
    versions = programmes.versions(current_user.id)
    return today, versions, history.effective(versions, today)


def _context_and_safety():
    """As ``_context``, with the patient's safety status (``safety.views.status_for``): its
    state query also says which programme versions they have, so a cached programme is read
    without a query of its own."""
    blocked, screen_due, state = safety_status(current_user.id, current_user.time_zone)
    today = _today()
    versions = programmes.versions(current_user.id, state.versions_token)
    return today, versions, history.effective(versions, today), blocked, screen_due, state


@bp.get("/today")
@role_required(Role.PATIENT)
def today():
    today, versions, version, blocked, screen_due, state = _context_and_safety()
    sessions = recent_sessions(state.summary, today)
    if sessions is None:  # no summary that can say: read them
        sessions = queries.session_rows(current_user.id, today - timedelta(days=1))
    due_now, week = _due_today(versions, today, state.summary) if version else ([], {})
    due = [routine.item(p) for p in due_now]
    logged_today = [s for s in sessions if s.local_date == today]
    # A session with every exercise skipped is logged, not done: the history calls the day
    # still due, and Today offered "Do it again" under "Done today".
    done_today = any(s.outcome != SessionOutcome.SKIPPED.value for s in logged_today)
    checkin = _morning_check_in(sessions)
    decisions = present.stored_facts(state.run_notes) if state.run_notes is not None \
        else progression.patient_run_decisions(current_user.id)  # not recorded yet: read them
    progress = present.patient_notes(decisions)
    streak, week_percent = today_figures(current_user.id, versions, state.summary, today)
    return render_template(
        "patient/today.html", version=version, upcoming=history.upcoming(versions, today),
        due=due, minutes=max(1, round(sum(i.seconds for i in due) / 60)) if due else 0,
        logged_today=logged_today, done_today=done_today, checkin=checkin, week=week,
        checkin_form=MorningCheckInForm() if checkin else None,
        checkin_until=_check_in_hours()[1],
        streak=streak, week_percent=week_percent, today=today, progress=progress,
        blocked=blocked is not None, screen_due=screen_due,
        message=state.note,
        pain_anchors=PAIN_ANCHORS,
    )


@bp.get("/programme")
@role_required(Role.PATIENT)
def programme():
    today, versions, version = _context()
    upcoming = history.upcoming(versions, today)
    return render_template(
        "patient/programme.html", version=version, upcoming=upcoming,
        items=[routine.item(p) for p in version.prescriptions] if version else [],
        upcoming_items=[routine.item(p) for p in upcoming.prescriptions] if upcoming else [])


def _due_today(versions, today, summary):
    """What to do today, and the week so far of exercises done on any days of a week
    (``history.due_on``): the week's logs and the red flags' pauses come from the patient's
    summary, or, when it cannot say them and such an exercise is prescribed, from a query
    each."""
    week, paused = week_logs(summary, today), paused_days(summary, today)
    if week is None or paused is None:
        any_days = any(p.sessions_per_week for v in versions for p in v.prescriptions)
        if week is None:
            week = history.day_logs(queries.log_rows_since(current_user.id, monday_of(today)),
                                    versions) if any_days else []
        if paused is None:
            paused = triage_queries.paused_spans(
                current_user.id, current_user.time_zone, today) if any_days else []
    return history.due_on(versions, today, week, paused)


def _routine_page(form: RoutineLogForm, prescriptions, status: int = 200, **extra):
    return render_template(
        "patient/routine.html", form=form, items=[routine.item(p) for p in prescriptions],
        pain_anchors=PAIN_ANCHORS, effort_anchors=EFFORT_ANCHORS, status_labels=STATUS_LABELS,
        skip_labels=SKIP_LABELS, stop_labels=STOP_LABELS, **extra,
    ), status


@bp.route("/routine", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def routine_page():
    today, versions, version, blocked, screen_due, state = _context_and_safety()
    if version is None:  # none yet, or one that starts on a later day (said with its day)
        return render_template("patient/no_programme.html",
                               upcoming=history.upcoming(versions, today)), 200
    if blocked is not None:
        return blocked_page(state, 409 if request.method == "POST" else 200)
    if request.method == "GET" and screen_due is not None:
        return redirect(url_for("safety.check"), 303)
    if request.method == "GET":
        every = request.args.get("all") == "1"
        prescriptions = list(version.prescriptions) if every else _due_today(
            versions, today, state.summary)[0]
        if not prescriptions:
            return render_template("patient/rest_day.html"), 200
        return _routine_page(routine.blank_form(prescriptions), prescriptions)
    form = RoutineLogForm()
    ids = {e.form.prescription_id.data for e in form.exercises}
    logged = history.version_for_log(versions, today, ids) if ids else None
    by_id = {p.id: p for p in logged.prescriptions} if logged else {}
    shown = [by_id[e.form.prescription_id.data] for e in form.exercises
             if e.form.prescription_id.data in by_id]
    if logged is None or len(shown) != len(form.exercises.entries):
        return _not_this_log("The log names an exercise that is not in your programme. "
                             "Please open today's routine again.")
    if not form.validate():
        return _routine_page(form, shown, 422)
    try:
        session, created = operations.log_session(
            current_user, logged, form.client_id.data,
            routine.values(form, current_user.time_zone))
    except operations.ConflictingRetry as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal))
        return _routine_page(form, shown, 409)
    except operations.LogRefused as refusal:
        db.session.rollback()
        _show_refusal(form, refusal)
        return _routine_page(form, shown, 422)
    if created:
        _rules_and_alerts(session, RunTrigger.SESSION)
    db.session.commit()
    if created:
        flash("Well done: your session is saved.", "success")
    # ``saved``: the routine kept in the browser's tab for a resend is done with (a retry's
    # answer says so too: the first answer may never have arrived).
    return redirect(url_for("patient.session_detail", session_id=session.id, saved=1), 303)


def _show_refusal(form: RoutineLogForm, refusal: operations.LogRefused) -> None:
    """Put a refused log's message by the answer it is about (the summary at the top links
    to it): on the exercise's field, or on the exercise as a whole (its fieldset shows its
    ``prescription_id`` errors); at the top only when it is about the whole log."""
    rows = form.exercises.entries
    if refusal.index is None or not 0 <= refusal.index < len(rows):
        form.form_errors.append(str(refusal))
        return
    field = getattr(rows[refusal.index].form, refusal.field or "prescription_id")
    field.errors = [*field.errors, str(refusal)]


def _not_this_log(text: str = "The correction does not list the exercises of this log. "
                                "Please open the log again and correct it there."):
    """The page for a log form whose exercises are not those it was shown with (a tampered
    or stale form): nothing is saved, and the form cannot be shown again against them."""
    return render_template("errors/error.html", code=422, title="This log cannot be saved",
                           text=text), 422


def _rules_and_alerts(session, trigger: RunTrigger, changed_since=None, changed: str = ""):
    """Run the rules after a log or a check-in, then refresh the alerts (with the usual pain
    the run just read). ``changed_since`` when the session's answers were changed (given
    then): the rules decide again in place of the old answers' run, and the alerts only
    those answers raised are closed, the note saying what ``changed``."""
    run = progression_operations.run_rules(current_user, session, trigger,
                                           changed_since=changed_since)
    found = triage_operations.refresh_patient(
        current_user, **({"baseline": run.inputs["baseline"]} if run is not None else {}))
    if changed_since is not None:
        triage_operations.withdraw_alerts(
            current_user, changed_since, found,
            f"Closed when the patient {changed}: nothing else raises this alert now.")


def _session_or_404(session_id: int):
    session = queries.session_for(current_user.id, session_id)
    if session is None:
        abort(404)
    return session


@bp.get("/sessions/<id:session_id>")
@role_required(Role.PATIENT)
def session_detail(session_id: int):
    session = _session_or_404(session_id)
    versions = programmes.versions(current_user.id)
    return render_template(
        "patient/session.html", session=session, names=history.exercise_names(versions),
        can_correct=operations.can_correct(session), status_labels=STATUS_LABELS,
        skip_labels=SKIP_LABELS, stop_labels=STOP_LABELS,
        routine_saved=request.args.get("saved") == "1",
    )


@bp.route("/sessions/<id:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def session_edit(session_id: int):
    session = _session_or_404(session_id)
    if not operations.can_correct(session) and request.method == "GET":
        return render_template(
            "errors/error.html", code=409, title="This log is now read-only",
            text="Logs can be corrected for 24 hours after they are saved.",
        ), 409
    versions = programmes.versions(current_user.id)
    version = next(v for v in versions if v.id == session.programme_version_id)
    by_id = {p.id: p for p in version.prescriptions}
    prescriptions = [by_id[log.prescription_id] for log in session.logs]
    if request.method == "GET":
        return _routine_page(routine.form_from_session(session), prescriptions, correcting=session)
    form = RoutineLogForm()
    form.client_id.data = session.client_id
    if [e.form.prescription_id.data for e in form.exercises] != [
            log.prescription_id for log in session.logs]:
        return _not_this_log()
    if not operations.can_correct(session):  # the window closed while the form was open
        form.form_errors.append("Logs can be corrected for 24 hours, and this one is now "
                                "read-only: your changes are not saved, but they are still "
                                "below to copy.")
        return _routine_page(form, prescriptions, 409, correcting=session)
    if not form.validate():
        return _routine_page(form, prescriptions, 422, correcting=session)
    try:
        replaced = operations.correct_session(session, version, routine.values(form),
                                              form.answers_saved_at.data)
    except operations.ChangedElsewhere as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal))
        return _routine_page(form, prescriptions, 409, correcting=session)
    except operations.LogRefused as refusal:
        db.session.rollback()
        _show_refusal(form, refusal)
        return _routine_page(form, prescriptions, 422, correcting=session)
    # The rules read the corrected answers now: a painful session corrected after a
    # progression was applied stepped nothing down, as no later run read it as the latest.
    # They decide again instead of the log's run, if nothing has built on it since, and the
    # alerts only the old answers raised are closed. Unchanged (the first of a double tap
    # saved these answers), there is nothing more to do.
    if replaced is not None:
        _rules_and_alerts(session, RunTrigger.SESSION, replaced,
                          f"corrected their log of {session.local_date:%-d %b}")
    db.session.commit()
    flash("Your log is corrected.", "success")
    return redirect(url_for("patient.session_detail", session_id=session.id), 303)


def _check_in_hours() -> tuple[int, int]:
    """The hours the morning check-in is open, from and until, on the patient's clock."""
    return (current_app.config["MORNING_CHECK_IN_FROM_HOUR"],
            current_app.config["MORNING_CHECK_IN_UNTIL_HOUR"])


def _morning_check_in(sessions):
    """The session of yesterday whose next-morning pain Today asks for, or shows with a way
    to change it, while the check-in is open: one still without it first, else the newest
    (the day's sessions share one answer). None when the check-in is closed, or when every
    exercise of yesterday's sessions was skipped: nothing was done to feel the morning after
    (``operations.record_morning_pain`` refuses it too)."""
    local_now = local_time(now_utc(), current_user.time_zone)
    hours = _check_in_hours()
    open_now = [s for s in sessions if asks_morning_after(s.outcome)
                and morning_check_in_open(s.local_date, local_now, *hours)]
    return next((s for s in reversed(open_now) if s.next_morning_pain is None),
                open_now[-1] if open_now else None)


@bp.post("/sessions/<id:session_id>/morning")
@role_required(Role.PATIENT)
def morning_checkin(session_id: int):
    session = _session_or_404(session_id)
    form = MorningCheckInForm()
    if not form.validate():
        abort(422, "Choose a number from 0 to 10.")
    previous, previous_at = session.next_morning_pain, session.next_morning_at
    try:
        recorded = operations.record_morning_pain(
            current_user, session, form.pain.data, *_check_in_hours())
    except operations.LogRefused as refusal:
        db.session.rollback()
        return render_template("errors/error.html", code=409, title="Check-in not saved",
                               text=str(refusal)), 409
    if recorded:  # a first answer or a changed one: the rules read it, as after a log
        # A changed answer: the rules decide again instead of the old answer's run, and the
        # alerts only the old answer raised are closed.
        _rules_and_alerts(
            session, RunTrigger.MORNING,
            None if previous is None else previous_at or session.created_at,
            f"changed this morning's pain from {previous} to {form.pain.data}")
    db.session.commit()
    if recorded and previous is not None:
        flash(f"Thanks: this morning's pain is changed to {form.pain.data}.", "success")
    else:
        flash("Thanks: this morning's pain is recorded.", "success")
    return redirect(url_for("patient.today"), 303)


@bp.get("/history")
@role_required(Role.PATIENT)
def history_page():
    summary, token = triage_queries.summary_and_versions(current_user.id)
    today = _today()
    versions = programmes.versions(current_user.id, token)
    record = history_view(current_user.id, current_user.time_zone, versions, today,
                          summary=summary)
    return render_template(
        "patient/history.html", history=record, csv_url=url_for("patient.history_csv"),
        session_urls=id_urls("patient.session_detail", "session_id",
                             (s.id for s in record.session_lines)),
    )


@bp.get("/history.csv")
@role_required(Role.PATIENT)
def history_csv():
    return csv_response(queries.log_rows(current_user.id), "my-exercise-log.csv",
                        current_user.time_zone)


def _my_handout():
    today, versions, _in_force = _context()
    version = handout.to_print(versions, today)
    if version is None:
        abort(404, "You have no programme to print yet.")
    physio = triage_queries.physio_of(current_user.id)
    return handout.for_programme(
        version, patient=current_user.display_name,
        physio=physio.display_name if physio else "your physio",
        clinic=current_user.clinic.name, link=url_for("patient.routine_page", _external=True),
        today=today)


@bp.get("/programme/handout")
@role_required(Role.PATIENT)
def handout_page():
    sheet = _my_handout()
    return render_template(
        "handout.html", sheet=sheet, qr=handout.qr_svg(sheet.link),
        back_url=url_for("patient.programme"), back_text="Back to my programme",
        pdf_url=url_for("patient.handout_pdf"))


@bp.get("/programme/handout.pdf")
@role_required(Role.PATIENT)
def handout_pdf():
    return handout.pdf_response(_my_handout())
