"""Days a red flag paused the routine are not missed: not in the calendar, the adherence, the
streak or the alerts about missed sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exercise_app.domain.scheduling import local_today
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertAction,
    AlertStatus,
    ExerciseSession,
    PatientSummary,
    User,
    now_utc,
)
from exercise_app.patient.history import calendar_start
from exercise_app.triage.operations import refresh_patient
from exercise_app.triage.queries import paused_spans
from tests.factories import assign, log


def test_days_paused_by_a_red_flag_are_not_missed(app, client, auth, world, library):
    """Done every day but the three a red flag paused (raised 5 days ago, resolved 2 days
    ago): they showed as missed, the 7 days' adherence fell to 57 % and the streak to 2."""
    assign(app, world.patient.id, world.physio.id)
    for days_ago in (10, 9, 8, 7, 6, 2, 1):
        log(app, world.patient.id, started_at=now_utc() - timedelta(days=days_ago),
            rules=False)
    with app.app_context():
        patient = db.session.get(User, world.patient.id)
        today = local_today(now_utc(), patient.time_zone)
        alert = Alert(patient_id=patient.id, level="critical", code="red_flag",
                      reason="Answered yes to a red-flag question.", evidence={},
                      day=today - timedelta(days=5), status=AlertStatus.RESOLVED,
                      created_at=now_utc() - timedelta(days=5))
        db.session.add(alert)
        db.session.flush()
        db.session.add(AlertAction(alert_id=alert.id, status=AlertStatus.RESOLVED,
                                   note="Seen in clinic.", by_id=world.physio.id,
                                   created_at=now_utc() - timedelta(days=2)))
        db.session.flush()
        refresh_patient(patient)
        db.session.commit()
        summary = db.session.get(PatientSummary, patient.id)
        assert (summary.adherence_7, summary.days["streak"]) == (100, 7)
        assert not db.session.query(Alert).filter(Alert.code.in_(
            ["sessions_missed", "adherence_falling"])).count()
    auth.login(world.patient)
    page = client.get("/history").data.decode()
    # Missed: only the days before the first session (the programme began in January).
    missed = (today - timedelta(days=11) - calendar_start(today)).days + 1
    assert page.count("day-paused") == 3 and page.count("day-missed") == missed
    auth.logout()
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert page.count("day-paused") == 3


def test_a_flag_raised_after_the_days_session_pauses_from_the_next_day(app, client, auth,
                                                                      world, library):
    """Done every day for a week; yesterday's session was logged, then the screen it asked
    for raised a red flag that evening (still open). Yesterday stayed due and done: before,
    the pause began that morning, the done day became an "extra session" and the streak
    lost it."""
    assign(app, world.patient.id, world.physio.id)
    for days_ago in range(7, 0, -1):
        log(app, world.patient.id, started_at=now_utc() - timedelta(days=days_ago),
            rules=False)
    with app.app_context():
        patient = db.session.get(User, world.patient.id)
        today = local_today(now_utc(), patient.time_zone)
        yesterday = db.session.scalars(select(ExerciseSession).where(
            ExerciseSession.local_date == today - timedelta(days=1))).one()
        yesterday.created_at = logged = now_utc() - timedelta(days=1)  # saved when it ended
        db.session.add(Alert(patient_id=patient.id, level="critical", code="red_flag",
                             reason="Answered yes to a red-flag question.", evidence={},
                             day=today - timedelta(days=1), status=AlertStatus.OPEN,
                             created_at=logged + timedelta(minutes=5)))
        db.session.flush()
        assert paused_spans(patient.id, patient.time_zone, today) == [(today, today)]
        refresh_patient(patient)
        db.session.commit()
        summary = db.session.get(PatientSummary, patient.id)
        assert summary.days["streak"] == 7
    auth.login(world.patient)
    page = client.get("/history").data.decode()
    assert page.count("day-extra") == 0 and page.count("day-paused") == 1  # today only


def test_a_flag_raised_before_the_days_session_pauses_that_day(app, world, library):
    """Raised in the morning, before any session that day: the day is paused from the
    start, as before (a session logged after it does not move the pause)."""
    assign(app, world.patient.id, world.physio.id)
    with app.app_context():
        patient = db.session.get(User, world.patient.id)
        today = local_today(now_utc(), patient.time_zone)
        db.session.add(Alert(patient_id=patient.id, level="critical", code="red_flag",
                             reason="Answered yes.", evidence={}, day=today,
                             status=AlertStatus.OPEN, created_at=now_utc() - timedelta(
                                 minutes=1)))
        db.session.commit()
    log(app, world.patient.id, rules=False)
    with app.app_context():
        assert paused_spans(world.patient.id, patient.time_zone, today) == [(today, today)]
