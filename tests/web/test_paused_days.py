"""Days a red flag paused the routine are not missed: not in the calendar, the adherence, the
streak or the alerts about missed sessions."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from exercise_app.domain import adherence as rules
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
from exercise_app.patient import history
from exercise_app.patient import queries as patient_queries
from exercise_app.patient.history import calendar_start
from exercise_app.programmes import queries as programme_queries
from exercise_app.triage.operations import refresh_patient
from exercise_app.triage.queries import paused_spans
from tests.factories import assign, bulk_history, log, row

STREAK = re.compile(r'<span class="stat-number">(\d+)</span> <span class="stat-label">day '
                    r'streak')


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


def test_today_keeps_the_streak_over_days_a_red_flag_paused(app, client, auth, world,
                                                             library):
    """Done every day up to a red flag raised 3 days ago, resolved today: Today read the
    streak from the summary with a plan that left the pause out, so said 0 where the history
    page said 37 (found by a review). The summary keeps the paused days; a resolution
    writes it again."""
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    today = local_today(now_utc(), zone)
    assign(app, world.patient.id, world.physio.id, rows=[row("glute-bridge")],
           start=today - timedelta(days=40))
    # Done every day up to 4 days ago.
    bulk_history(app, world.patient.id, 37, today - timedelta(days=3))
    raised = now_utc() - timedelta(days=3)
    with app.app_context():
        alert = Alert(patient_id=world.patient.id, level="critical", code="red_flag",
                      reason="Answered yes to a red-flag question.", evidence={},
                      day=local_today(raised, zone), status=AlertStatus.OPEN,
                      created_at=raised)
        db.session.add(alert)
        db.session.flush()
        alert_id = alert.id
        # record_screening refreshes as the yes is saved
        refresh_patient(db.session.get(User, world.patient.id), now=raised)
        db.session.commit()
    # Today the physio resolves it, which now writes the summary again.
    auth.login(world.physio)
    assert client.post(f"/clinic/patients/{world.patient.id}/alerts/{alert_id}",
                       data={"status": "resolved", "note": "Seen in clinic."}).status_code == 303
    auth.logout()
    with app.app_context():
        versions = programme_queries.versions(world.patient.id)
        plan = history.prescribed(versions, paused_spans(world.patient.id, zone, today))
        logs = history.day_logs(patient_queries.log_rows_since(
            world.patient.id, today - timedelta(days=60)), versions)
        expected = rules.streak(plan, logs, today)
    auth.login(world.patient)
    shown_history = STREAK.search(client.get("/history").data.decode()).group(1)
    shown_today = STREAK.search(client.get("/today").data.decode()).group(1)
    assert int(shown_history) == expected
    assert int(shown_today) == expected


def _recount(app, pid, zone, today):
    with app.app_context():
        versions = programme_queries.versions(pid)
        plan = history.prescribed(versions, paused_spans(pid, zone, today))
        logs = history.day_logs(patient_queries.log_rows_since(
            pid, today - timedelta(days=60)), versions)
        return rules.streak(plan, logs, today), rules.adherence(plan, logs, today, 7).percent


def _open_flag(app, world, exercised_first):
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    now = now_utc()
    today = local_today(now, zone)
    assign(app, world.patient.id, world.physio.id, rows=[row("glute-bridge")],
           start=today - timedelta(days=40))
    bulk_history(app, world.patient.id, 37, today - timedelta(days=2))  # done up to 3 days ago
    raised = now - timedelta(days=3)
    flag_day = local_today(raised, zone)
    with app.app_context():
        if exercised_first:  # the day's session was saved, then the screen it asked for said yes
            s = db.session.scalars(select(ExerciseSession).where(
                ExerciseSession.patient_id == world.patient.id,
                ExerciseSession.local_date == flag_day)).one()
            s.created_at = raised - timedelta(minutes=5)
        db.session.add(Alert(patient_id=world.patient.id, level="critical", code="red_flag",
                             reason="Answered yes.", evidence={}, day=flag_day,
                             status=AlertStatus.OPEN, created_at=raised))
        db.session.flush()
        refresh_patient(db.session.get(User, world.patient.id), now=raised)  # record_screening
        db.session.commit()
    return zone, today


def _shown(client, auth, world):
    auth.login(world.patient)
    t = client.get("/today").data.decode()
    h = client.get("/history").data.decode()
    return int(STREAK.search(t).group(1)), int(STREAK.search(h).group(1)), t


def test_an_open_flag_raised_after_the_days_session_keeps_todays_streak(app, client, auth,
                                                                       world, library):
    """A flag raised after day D's session pauses from D+1; on D that span was empty, so the
    summary kept no pause and Today counted the days since as missed: 0 (found by a
    review). Open pauses are kept as open."""
    zone, today = _open_flag(app, world, exercised_first=True)
    expected, _ = _recount(app, world.patient.id, zone, today)
    today_streak, history_streak, _ = _shown(client, auth, world)
    assert (today_streak, history_streak) == (expected, expected)


def test_an_open_flag_pauses_the_days_the_summary_counts_ahead(app, client, auth, world,
                                                               library):
    """A flag still open, the summary written when it was raised: its day counts ahead had
    the days since as due, so Today's 7-day figure read 60 % where a recount says 100 %
    (found by a review). The counts ahead are paused while the flag is open."""
    zone, today = _open_flag(app, world, exercised_first=False)
    _, week = _recount(app, world.patient.id, zone, today)
    _, _, page = _shown(client, auth, world)
    shown = re.findall(r'<span class="stat-number">(\d+)\s*%?</span>', page)
    assert str(week) in shown, (week, shown)
