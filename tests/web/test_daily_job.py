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


def notices(client, auth, world) -> tuple[str, str]:
    """The physio's caseload and the admin's clinic page, as each of them sees it."""
    auth.login(world.physio)
    caseload = client.get("/clinic/patients").data.decode()
    auth.logout()
    auth.login(world.admin)
    users = client.get("/admin/users").data.decode()
    auth.logout()
    return caseload, users


def test_summaries_written_by_the_daily_job_raise_no_notice(app, client, auth, world, library):
    _summaries(app, world, days_ago=1)
    caseload, users = notices(client, auth, world)
    assert CASELOAD_NOTICE not in caseload
    assert ADMIN_NOTICE not in users


def test_an_old_summary_tells_the_physio_and_the_admin(app, client, auth, world, library):
    _summaries(app, world, days_ago=5)
    late = (now_utc().date() - timedelta(days=5)).strftime("%-d %B %Y")
    caseload, users = notices(client, auth, world)
    assert CASELOAD_NOTICE in caseload and late in caseload
    assert ADMIN_NOTICE in users and late in users and "summaries rebuild" in users
    # The job runs again: every summary is written today, and the notices go.
    with app.app_context():
        for patient in (world.patient, world.other_patient):
            refresh_patient(db.session.get(User, patient.id))
        db.session.commit()
    caseload, users = notices(client, auth, world)
    assert CASELOAD_NOTICE not in caseload
    assert ADMIN_NOTICE not in users


def test_a_deactivated_patients_old_summary_is_not_counted(app, client, auth, world, library):
    _summaries(app, world, days_ago=1)
    with app.app_context():
        db.session.execute(update(PatientSummary).where(
            PatientSummary.patient_id == world.patient.id).values(
            summary_on=now_utc().date() - timedelta(days=30)))
        db.session.get(User, world.patient.id).active = False
        db.session.commit()
    caseload, users = notices(client, auth, world)
    assert ADMIN_NOTICE not in users
    assert CASELOAD_NOTICE not in caseload
