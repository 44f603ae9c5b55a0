"""The patient's red-flag screen, and the page that stops exercise after a yes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import outbox
from ..access import role_required
from ..admin.notifications import queue_red_flag_to_admins
from ..domain.red_flags import ALL_CLEAR_MESSAGE, MESSAGES, Urgency
from ..domain.scheduling import local_today
from ..extensions import db
from ..locks import lock_patient
from ..models import Role, now_utc
from ..notifications import queue_red_flag_alert
from ..triage import operations
from ..triage import queries as triage
from .forms import answers, screening_form
from .rules import due_screen

bp = Blueprint("safety", __name__)

OCCASION_INTROS = {
    "onboarding": "Before your first session, a few questions to check exercise is safe for you.",
    "weekly": "Your weekly safety check: a few questions before you exercise.",
    "pain_jump": "Your pain has gone up since last time, so a few questions before you go on.",
}


def status_for(patient_id: int, time_zone: str):
    """(blocking red-flag alert id or None, the screen due today or None, the patient state)."""
    state = triage.patient_state(patient_id)
    due = due_screen(state.screening, local_today(now_utc(), time_zone))
    return state.blocking_alert_id, due, state


def blocked_page(state, status: int = 200):
    """The care page for a patient whose red flag is open, naming who was told (their
    physio, or the clinic when no physio of theirs can sign in: its admins were told)."""
    urgency = Urgency(state.screening.urgency) if state.screening.urgency \
        else Urgency.CONTACT_PHYSIO
    physio = triage.physio_of(current_user.id)
    return render_template("safety/blocked.html", urgency=urgency.value,
                           message=MESSAGES[urgency],
                           told=physio.display_name if physio else None), status


@bp.route("/check", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def check():
    if request.method == "POST":
        # One answer at a time, read after the one before it: a double tap on Send stored two
        # screens and e-mailed the physio twice about one red flag.
        lock_patient(current_user.id)
    blocked, due, state = status_for(current_user.id, current_user.time_zone)
    refused = 409 if request.method == "POST" else 200  # nothing to answer: nothing is saved
    if blocked is not None:
        return blocked_page(state, refused)
    if due is None:
        return render_template("safety/not_due.html"), refused
    form = screening_form(due)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("safety/check.html", form=form, occasion=due.value,
                               intro=OCCASION_INTROS[due.value]), status
    result = operations.record_screening(current_user, due, answers(form, due))
    mails: list[int] = []
    if result.flagged:  # the e-mails are queued with the screen, and go once it is saved
        physio = triage.physio_of(current_user.id)
        mails = ([queue_red_flag_alert(physio, current_user)] if physio is not None
                 # nobody active cares for them: the admins choose who takes them over
                 else queue_red_flag_to_admins(current_user))
    db.session.commit()
    if result.flagged:
        outbox.send_after_response(mails)
        return redirect(url_for("safety.check"), 303)
    flash(ALL_CLEAR_MESSAGE, "success")
    return redirect(url_for("patient.today"), 303)
