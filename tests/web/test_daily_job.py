"""When the daily job (``flask summaries rebuild``) stops, the admin and the physios are told:
without it no alert is raised for missed sessions, and the caseload's adherence goes stale."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from exercise_app.domain.scheduling import DAILY_JOB_GRACE_DAYS, daily_job_late
from exercise_app.extensions import db
from exercise_app.models import PatientSummary, User, now_utc
from exercise_app.triage.operations import refresh_patient
from tests.factories import assign

CASELOAD_NOTICE = "Some figures below are out of date."
ADMIN_NOTICE = "The daily update is not running."


def test_a_summary_is_late_only_past_the_grace_days():
    today = now_utc().date()
    assert not daily_job_late(None, today)
    assert not daily_job_late(today, today)
    assert not daily_job_late(today - timedelta(days=DAILY_JOB_GRACE_DAYS), today)
    assert daily_job_late(today - timedelta(days=DAILY_JOB_GRACE_DAYS + 1), today)


def _summaries(app, world, days_ago: int) -> None:
    """The clinic's patients with a programme and a summary written ``days_ago``."""
    assign(app, world.patient.id, world.physio.id)
    assign(app, world.other_patient.id, world.other_physio.id)
    with app.app_context():
        db.session.execute(update(PatientSummary).values(
            summary_on=now_utc().date() - timedelta(days=days_ago)))
        db.session.commit()


def test_summaries_written_by_the_daily_job_raise_no_notice(app, client, auth, world, library):
    _summaries(app, world, days_ago=1)
    auth.login(world.physio)
    assert CASELOAD_NOTICE not in client.get("/clinic/patients").data.decode()
    auth.logout()
    auth.login(world.admin)
    assert ADMIN_NOTICE not in client.get("/admin/users").data.decode()


def test_an_old_summary_tells_the_physio_and_the_admin(app, client, auth, world, library):
    _summaries(app, world, days_ago=5)
    late = (now_utc().date() - timedelta(days=5)).strftime("%-d %B %Y")
    auth.login(world.physio)
    page = client.get("/clinic/patients").data.decode()
    assert CASELOAD_NOTICE in page and late in page
    auth.logout()
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    assert ADMIN_NOTICE in page and late in page and "summaries rebuild" in page
    # The job runs again: every summary is written today, and the notices go.
    with app.app_context():
        for patient in (world.patient, world.other_patient):
            refresh_patient(db.session.get(User, patient.id))
        db.session.commit()
    assert ADMIN_NOTICE not in client.get("/admin/users").data.decode()
    auth.logout()
    auth.login(world.physio)
    assert CASELOAD_NOTICE not in client.get("/clinic/patients").data.decode()


def test_a_deactivated_patients_old_summary_is_not_counted(app, client, auth, world, library):
    _summaries(app, world, days_ago=1)
    with app.app_context():
        db.session.execute(update(PatientSummary).where(
            PatientSummary.patient_id == world.patient.id).values(
            summary_on=now_utc().date() - timedelta(days=30)))
        db.session.get(User, world.patient.id).active = False
        db.session.commit()
    auth.logout()
    auth.login(world.admin)
    assert ADMIN_NOTICE not in client.get("/admin/users").data.decode()
    auth.logout()
    auth.login(world.physio)
    assert CASELOAD_NOTICE not in client.get("/clinic/patients").data.decode()
