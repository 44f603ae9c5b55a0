"""Alerts over their life: new evidence after the physio acknowledged or resolved an alert is
heard, and evidence the physio already dealt with is not raised again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.domain.scheduling import local_today
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertStatus,
    PatientSummary,
    Screening,
    ScreeningOccasion,
    User,
    now_utc,
)
from exercise_app.triage.operations import record_screening, refresh_patient
from tests.factories import assign, log


def _alerts(app, patient_id: int, code: str) -> list[tuple[str, AlertStatus]]:
    with app.app_context():
        return [(alert.reason, alert.status) for alert in db.session.scalars(
            select(Alert).where(Alert.patient_id == patient_id, Alert.code == code)
            .order_by(Alert.id))]


def _act(client, auth, world, status: str, code: str) -> None:
    """The physio acknowledges or resolves the patient's newest alert of a kind."""
    with client.application.app_context():
        alert_id = db.session.scalar(select(Alert.id).where(
            Alert.patient_id == world.patient.id, Alert.code == code,
            Alert.status != AlertStatus.RESOLVED)
            .order_by(Alert.id.desc()).limit(1))
    auth.login(world.physio)
    response = client.post(f"/clinic/patients/{world.patient.id}/alerts/{alert_id}",
                           data={"status": status, "note": "Phoned them."})
    assert response.status_code == 303
    auth.logout()


def _screen(app, patient_id: int, flagged: list[str], days_ago: int = 0) -> None:
    """A red-flag screen with a yes to ``flagged``, ``days_ago`` days ago or now."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        if days_ago:
            today = local_today(now_utc(), patient.time_zone)
            db.session.add(Screening(
                patient_id=patient_id, occasion=ScreeningOccasion.WEEKLY,
                answers={q: True for q in flagged}, flagged=flagged, urgency="emergency",
                local_date=today - timedelta(days=days_ago),
                created_at=now_utc() - timedelta(days=days_ago)))
            db.session.flush()
            refresh_patient(patient)
        else:
            answers = {q.id: q.id in flagged for q in questions_for(Occasion.WEEKLY)}
            record_screening(patient, Occasion.WEEKLY, answers)
        db.session.commit()


def _paused(client, auth, world) -> bool:
    auth.login(world.patient)
    page = client.get("/routine")
    auth.logout()
    return page.status_code == 200 and b"paused" in page.data


def test_a_new_yes_after_a_resolved_red_flag_raises_a_new_alert(app, client, auth, world,
                                                                 library):
    """An emergency yes 8 days ago, resolved; then a less urgent yes today. Dated by the most
    urgent yes, the new alert took the resolved one's day and was dropped: no alert, and the
    routine was not paused."""
    assign(app, world.patient.id, world.physio.id)
    _screen(app, world.patient.id, ["ce_both_legs"], days_ago=8)
    _act(client, auth, world, "resolved", "red_flag")
    assert not _paused(client, auth, world)
    _screen(app, world.patient.id, ["sp_fever"])
    alerts = _alerts(app, world.patient.id, "red_flag")
    assert [status for _reason, status in alerts] == [AlertStatus.RESOLVED, AlertStatus.OPEN]
    assert "fever" in alerts[-1][0].lower() and "leg" not in alerts[-1][0].lower()
    assert _paused(client, auth, world)
    with app.app_context():
        assert db.session.get(PatientSummary, world.patient.id).open_critical == 1


def test_a_yes_again_on_the_day_of_a_resolved_red_flag_reopens_it(app, client, auth, world,
                                                                  library):
    assign(app, world.patient.id, world.physio.id)
    _screen(app, world.patient.id, ["sp_fever"])
    _act(client, auth, world, "resolved", "red_flag")
    assert not _paused(client, auth, world)
    refresh_patient_now(app, world.patient.id)  # the dealt-with yes raises nothing again
    assert [s for _r, s in _alerts(app, world.patient.id, "red_flag")] == [AlertStatus.RESOLVED]
    _screen(app, world.patient.id, ["sp_fever"])
    assert [s for _r, s in _alerts(app, world.patient.id, "red_flag")] == [AlertStatus.OPEN]
    assert _paused(client, auth, world)


def refresh_patient_now(app, patient_id: int) -> None:
    with app.app_context():
        refresh_patient(db.session.get(User, patient_id))
        db.session.commit()


def test_new_pain_after_an_acknowledged_alert_is_a_new_alert(app, client, auth, world,
                                                             library):
    """Acknowledging muted the kind: a 10/10 after an acknowledged 8/10 raised nothing."""
    assign(app, world.patient.id, world.physio.id)
    with app.app_context():
        db.session.add(Alert(patient_id=world.patient.id, level="high", code="pain_severe",
                             reason="Pain reached 8/10 after exercise.", evidence={"score": 8},
                             day=now_utc().date() - timedelta(days=30),
                             status=AlertStatus.OPEN))
        db.session.commit()
    _act(client, auth, world, "acknowledged", "pain_severe")
    log(app, world.patient.id, pain=(6, 10, 10))
    alerts = _alerts(app, world.patient.id, "pain_severe")
    assert [status for _r, status in alerts] == [AlertStatus.ACKNOWLEDGED, AlertStatus.OPEN]
    assert "10/10" in alerts[-1][0]
    refresh_patient_now(app, world.patient.id)  # the same evidence: no third alert
    assert len(_alerts(app, world.patient.id, "pain_severe")) == 2


def test_an_open_alert_follows_newer_evidence_and_a_resolved_one_stays_resolved(
        app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    with app.app_context():
        patient = db.session.get(User, world.patient.id)
        today = local_today(now_utc(), patient.time_zone)
    log(app, world.patient.id, pain=(4, 8, 7),
        started_at=now_utc() - timedelta(days=2))
    (first,) = _alerts(app, world.patient.id, "pain_severe")
    assert "8/10" in first[0]
    log(app, world.patient.id, pain=(4, 7, 7))
    (moved,) = _alerts(app, world.patient.id, "pain_severe")  # brought up to date, not doubled
    assert moved[1] is AlertStatus.OPEN and "Latest" in moved[0] and "7/10" in moved[0]
    with app.app_context():
        assert db.session.scalar(select(Alert.day).where(
            Alert.patient_id == world.patient.id, Alert.code == "pain_severe")) == today
    _act(client, auth, world, "resolved", "pain_severe")
    log(app, world.patient.id, pain=(2, 3, 2))  # the old evidence is still in the window
    assert [s for _r, s in _alerts(app, world.patient.id, "pain_severe")] == [
        AlertStatus.RESOLVED]


def test_only_days_that_lowered_a_dose_count_as_step_downs(app, world, library):
    """A flare-up pause holds the dose at each run until pain settles: each of those days
    was counted, and the physio read "stepped the dose down 3 times" for one step down."""
    from exercise_app.models import ProgressionDecision, ProgressionRun
    from exercise_app.triage.queries import step_down_days

    assign(app, world.patient.id, world.physio.id)
    for _ in range(4):
        log(app, world.patient.id)
    with app.app_context():
        runs = list(db.session.scalars(select(ProgressionRun.id)))
        today = local_today(now_utc(), db.session.get(User, world.patient.id).time_zone)
        base = {c: getattr(d, c) for d in [db.session.scalars(select(ProgressionDecision))
                                          .first()] for c in (
            "run_id", "patient_id", "prescription_id", "position", "exercise_slug",
            "exercise_name", "ladder_slug", "reasons", "evidence", "alert_physio", "sentence",
            "status")}
        db.session.execute(delete(ProgressionDecision))
        for run, (days_ago, kind, new_sets) in zip(runs, (
                (3, "pause_flare", 1), (2, "pause_flare", 2), (1, "pause_flare", 2),
                (0, "resume", 2)), strict=True):
            db.session.add(ProgressionDecision(
                **{**base, "run_id": run}, day=today - timedelta(days=days_ago), kind=kind,
                old_sets=2, old_reps=10, old_hold_seconds=None, new_sets=new_sets, new_reps=10,
                new_hold_seconds=None, new_exercise_slug=None))
        db.session.flush()
        assert step_down_days(world.patient.id, today - timedelta(days=7)) == [
            today - timedelta(days=3)]
        db.session.rollback()
