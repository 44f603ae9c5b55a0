"""Found by a review of the figures the history page, Today and the caseload show, against a
fresh count (each failed before its fix): a red flag's day counted as missed once past."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from exercise_app import models
from exercise_app.domain.scheduling import local_today, monday_of
from exercise_app.extensions import db
from exercise_app.models import PatientSummary, User
from exercise_app.patient import history
from exercise_app.patient import queries as patient_queries
from exercise_app.patient.pages import today_figures
from exercise_app.programmes import queries as programme_queries
from exercise_app.triage import caseload
from exercise_app.triage import queries as triage_queries
from exercise_app.triage.signals import history_figures
from tests.factories import assign, log, row
from tests.web.test_checkin_changes import Clock


def fresh(patient_id: int) -> tuple[int, int | None, int | None]:
    """(streak, 7-day, 28-day) counted from the logs, as history.build does without a summary
    (inside an app context)."""
    patient = db.session.get(User, patient_id)
    today = local_today(models.now_utc(), patient.time_zone)
    versions = programme_queries.versions(patient_id)
    paused = triage_queries.paused_spans(patient_id, patient.time_zone, today)
    since = monday_of(today - timedelta(days=200))
    built = history.build(versions, patient_queries.session_rows(patient_id, since),
                          patient_queries.log_rows_since(patient_id, since),
                          history.exercise_names(versions), today, figures=None, paused=paused)
    return built.streak, built.adherence_7, built.adherence_28


def shown(patient_id: int) -> dict[str, object]:
    """What the summary-reading paths show (inside an app context)."""
    patient = db.session.get(User, patient_id)
    today = local_today(models.now_utc(), patient.time_zone)
    versions = programme_queries.versions(patient_id)
    summary = db.session.get(PatientSummary, patient_id)
    data = summary.days if summary else None
    paused = triage_queries.paused_spans(patient_id, patient.time_zone, today)
    out: dict[str, object] = {
        "history": history_figures(data, history.prescribed(versions, paused), today),
        "today": today_figures(patient_id, versions, data, today),
    }
    physio = db.session.scalar(
        db.select(User).join(models.CareRelationship,
                             models.CareRelationship.physio_id == User.id)
        .where(models.CareRelationship.patient_id == patient_id))
    rows = triage_queries.caseload_rows(physio)
    todays = caseload.todays(rows, models.now_utc())
    older = caseload.stale(rows, todays)
    entry = next(e for e in caseload.entries(rows, older, todays) if e.row.id == patient_id)
    out["caseload"] = (entry.adherence_7, entry.adherence_28, entry.days_since)
    return out


def _flag(app, patient_id):
    from exercise_app.domain.red_flags import Occasion, questions_for
    from exercise_app.triage.operations import record_screening
    with app.app_context():
        patient = db.session.get(User, patient_id)
        answers = {q.id: False for q in questions_for(Occasion.WEEKLY)}
        answers[next(iter(answers))] = True
        record_screening(patient, Occasion.WEEKLY, answers)
        db.session.commit()


def _resolve(app, patient_id, physio_id):
    from exercise_app.models import Alert, AlertStatus
    from exercise_app.triage.operations import act_on_alert
    with app.app_context():
        alert = db.session.scalar(db.select(Alert).where(
            Alert.patient_id == patient_id, Alert.code == "red_flag",
            Alert.status != AlertStatus.RESOLVED))
        act_on_alert(alert, db.session.get(User, physio_id), AlertStatus.RESOLVED, "ok")
        db.session.commit()


STAT = re.compile(r'<span class="stat-number">([^<]*)</span>')


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_a_red_flag_pause_is_missed_in_the_summary_once_the_day_is_past(
        app, client, auth, world, library, monkeypatch, zone):
    """The refresh run by a red-flag screen reads the pauses before it stores the alert, so
    the summary keeps no pause: from the next day the caseload, Today and the history count
    the paused day as missed (streak 0, 83 %) where a fresh count says 6 and 100 %."""
    with app.app_context():
        db.session.get(User, world.patient.id).time_zone = zone
        db.session.commit()
    clock = Clock(monkeypatch, zone)
    start = date(2026, 3, 30)  # a Monday
    clock.set(start, 9)
    assign(app, world.patient.id, world.physio.id, start=start, rows=[row("glute-bridge")])
    pid = world.patient.id
    for n in range(6):  # done Monday to Saturday, in the evening
        clock.set(start + timedelta(days=n), 19)
        log(app, pid, started_at=clock.instant - timedelta(minutes=30))
    clock.set(start + timedelta(days=6), 8)  # Sunday morning: the weekly screen, a yes
    _flag(app, pid)
    clock.set(start + timedelta(days=7), 10)  # Monday: nothing written since
    with app.app_context():
        counted = fresh(pid)
        seen = shown(pid)
    assert counted == (6, 100, 100)  # Sunday and Monday are paused, not missed
    auth.login(world.patient)
    assert STAT.findall(client.get("/history").data.decode())[:3] == ["100%", "100%", "6"]
    assert STAT.findall(client.get("/today").data.decode())[:2] == ["6", "100%"]
    assert seen["caseload"][:2] == (100, 100)
