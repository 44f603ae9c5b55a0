"""The physio's page of one patient, built for the clinician's blueprint and for the triage
blueprint (which shows it again with a refused answer to an alert by that alert)."""

from __future__ import annotations

from flask import render_template, url_for

from ..domain.scheduling import local_today
from ..models import now_utc
from ..pages import id_urls
from ..patient import history, routine
from ..patient.pages import history_view as patient_history
from ..programmes import editor
from ..programmes import queries as programme_queries
from ..programmes.forms import PrecautionsForm
from ..progression import operations as progression_operations
from ..progression import present as progression_present
from ..progression import queries as progression_queries
from ..triage import queries as triage_queries
from ..triage import timeline
from ..triage.forms import AlertActionForm, MessageForm


def patient_page(patient, status: int = 200, alert_error: tuple[int, str] | None = None,
                 message_form: MessageForm | None = None):
    """The patient's page; ``alert_error``: (alert id, why) for an answer to an alert that was
    refused, shown by that alert's note (``triage.views.alert_action``); ``message_form``, a
    note to the patient refused, shown again with its error (``triage.views.message``)."""
    today = local_today(now_utc(), patient.time_zone)
    summary, token = triage_queries.summary_and_versions(patient.id)
    versions = programme_queries.versions(patient.id, token)
    precautions = programme_queries.precautions(patient.id)
    version = history.effective(versions, today)
    upcoming = history.upcoming(versions, today)
    # One read of the settings row gives the usual pain and the rules its band follows.
    rules = progression_operations.rules_for(patient.id)
    baseline = progression_operations.usual_pain_of(patient.id, rules)[0]
    patient_record = patient_history(patient.id, patient.time_zone, versions, today, summary,
                                     baseline, rules.settings)
    alerts = triage_queries.patient_alerts(patient.id)
    messages = triage_queries.messages(patient.id)
    decisions = progression_queries.recent_decisions(patient.id)
    progress = progression_queries.latest_run_decisions(patient.id)
    return render_template(
        "clinician/patient.html", patient=patient, version=version, upcoming=upcoming,
        items=[routine.item(p) for p in version.prescriptions] if version else [],
        history=patient_record, baseline=baseline, alerts=alerts, messages=messages,
        alert_form=AlertActionForm(), message_form=message_form or MessageForm(formdata=None),
        timeline=timeline.build(sessions=patient_record.sessions, decisions=decisions,
                                alerts=alerts, versions=versions, messages=messages,
                                time_zone=patient.time_zone),
        session_urls=id_urls("clinician.session", "session_id",
                             (s.id for s in patient_record.sessions), patient_id=patient.id),
        csv_url=url_for("clinician.patient_csv", patient_id=patient.id),
        precautions_form=PrecautionsForm(precautions=sorted(precautions)),
        clashes=editor.programme_clashes(version.prescriptions if version else [], precautions),
        # A precaution recorded after a programme was scheduled ahead is checked against it
        # too, before it starts.
        upcoming_clashes=editor.programme_clashes(
            upcoming.prescriptions if upcoming else [], precautions),
        progress=progress, replaced_by=progression_present.replaced_by(progress, versions),
        pending=progression_present.still_waiting(
            progression_queries.pending_decisions(patient.id),
            history.decided(versions, today)),
        progress_labels=progression_present.KIND_LABELS, alert_error=alert_error,
        decision_text=progression_present.physio_text,
    ), status
