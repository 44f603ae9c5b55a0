"""Review: dates, time zones and day boundaries through the app (the Flask test client and the
app's own operations, on a clock set by ``tests.web.test_checkin_changes.Clock``).

Each test here fails on the code as reviewed and says what the user sees wrong.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import update

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.extensions import db
from exercise_app.models import Alert, AlertAction, AlertStatus, ExerciseSession, Screening, User
from exercise_app.triage.operations import act_on_alert, record_screening, refresh_patient
from tests.factories import assign, log, row
from tests.web.test_checkin_changes import Clock
from tests.web.test_daily_loop import routine_form

CELL = re.compile(r'<td class="day day-([a-z-]+)"><span class="day-number" aria-hidden="true">'
                  r'\d+</span><span class="visually-hidden">([^<]+)</span>')


def calendar(page: str) -> dict[str, str]:
    """The history calendar's cells: {"Tuesday 3 March": "missed", ...}."""
    return {full: status for status, full in CELL.findall(page)}


def at_clock(table, clock: Clock) -> None:
    """Date the newest row of ``table`` by the clock (in an app context): a row's own
    ``created_at`` default reads the real clock, which ``Clock`` does not set."""
    newest = db.session.scalar(db.select(db.func.max(table.c.id)))
    db.session.execute(update(table).where(table.c.id == newest)
                       .values(created_at=clock.instant))


def flag(app, patient_id: int, clock: Clock, occasion: Occasion = Occasion.WEEKLY) -> None:
    """The patient answers a red-flag screen with one yes (as /check does)."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        answers = {q.id: False for q in questions_for(occasion)}
        answers[next(iter(answers))] = True
        record_screening(patient, occasion, answers)
        at_clock(Screening.__table__, clock)
        db.session.commit()


def resolve(app, patient_id: int, physio_id: int, clock: Clock) -> None:
    """The physio resolves the patient's open red-flag alert, with a note, at the clock's
    time (the row's own default reads the real clock, which ``Clock`` does not set)."""
    with app.app_context():
        alert = db.session.scalar(db.select(Alert).where(
            Alert.patient_id == patient_id, Alert.code == "red_flag",
            Alert.status != AlertStatus.RESOLVED))
        assert alert is not None
        action = act_on_alert(alert, db.session.get(User, physio_id), AlertStatus.RESOLVED,
                              "Seen.")
        assert action.id
        at_clock(AlertAction.__table__, clock)
        refresh_patient(db.session.get(User, patient_id))  # as the resolution does, at its time
        db.session.commit()


def test_a_red_flag_raised_again_the_same_day_pauses_until_its_second_resolution(
        app, client, auth, world, library, monkeypatch):
    """Monday 2 March: the weekly screen has a yes at 09:00 (the routine stops), the physio
    resolves it at 12:00, and at 15:00 a pain-jump screen has a yes again: the same day's
    alert is reopened and the routine is blocked again, all of Tuesday, until the physio
    resolves it on Wednesday at 10:00. On Thursday the calendar shows Monday and Tuesday as
    "Missed" (and the adherence counts them), though the patient was told not to exercise:
    the pause is read as ending the day before the alert's *first* resolution (Monday
    12:00), so the reopened span (Monday to Tuesday) is empty and dropped."""
    clock = Clock(monkeypatch, world.patient.time_zone)
    monday = date(2026, 3, 2)
    clock.set(monday - timedelta(days=7), 9)
    assign(app, world.patient.id, world.physio.id, start=monday - timedelta(days=7),
           rows=[row("glute-bridge")])
    clock.set(monday, 9)
    flag(app, world.patient.id, clock)
    clock.set(monday, 12)
    resolve(app, world.patient.id, world.physio.id, clock)
    clock.set(monday, 15)
    flag(app, world.patient.id, clock, Occasion.PAIN_JUMP)
    with app.app_context():  # reopened, and the routine blocked again
        alerts = db.session.scalars(db.select(Alert).where(
            Alert.patient_id == world.patient.id, Alert.code == "red_flag")).all()
        assert [(a.day, a.status) for a in alerts] == [(monday, AlertStatus.OPEN)]
    clock.set(monday + timedelta(days=1), 10)  # Tuesday: blocked all day
    auth.login(world.patient)
    assert "Your exercises are paused" in client.get("/routine").data.decode()
    clock.set(monday + timedelta(days=2), 10)  # Wednesday 10:00: resolved again
    resolve(app, world.patient.id, world.physio.id, clock)
    clock.set(monday + timedelta(days=3), 10)  # Thursday
    auth.login(world.patient)
    cells = calendar(client.get("/history").data.decode())
    assert cells["Monday 2 March"] == "paused"
    assert cells["Tuesday 3 March"] == "paused"


def test_a_session_across_the_spring_forward_night_is_the_day_it_began(
        app, client, auth, world, library, monkeypatch):
    """A patient in London opens the routine at 23:00 on Saturday 28 March 2026 and sends it
    at 02:45 BST, 2 h 45 min later (the clocks went forward at 01:00): one sitting by the
    rule (SITTING_HOURS = 3), so it is Saturday's session and Saturday is done. The app
    measures 3 h 45 min between the two wall clocks, drops the start time and dates the
    session Sunday: Saturday shows as missed and Sunday's morning check-in is not offered
    (it asks on Monday instead)."""
    assign(app, world.patient.id, world.physio.id, start=date(2026, 3, 2),
           rows=[row("glute-bridge")])
    clock = Clock(monkeypatch, world.patient.time_zone)
    saturday = date(2026, 3, 28)
    clock.set(saturday, 23)
    auth.login(world.patient)
    form = {**routine_form(client), "started_at": clock.instant.isoformat()}
    clock.set(saturday + timedelta(days=1), 2, 45)  # 01:45 UTC: 2 h 45 min later
    assert client.post("/routine", data=form).status_code == 303
    with app.app_context():
        session = db.session.scalars(db.select(ExerciseSession).order_by(
            ExerciseSession.id.desc())).first()
        assert session.local_date == saturday


LAST_SESSION = re.compile(r'<td data-label="Last session">([^<]*)</td>')


def test_last_session_is_never_in_the_future_after_a_patient_flies_west(
        app, client, auth, world, library, monkeypatch):
    """A patient in Sydney logs a session at 09:00 on Sunday 11 January 2026 (22:00 UTC on
    the 10th), flies to Los Angeles and sets their time zone there, where it is still
    Saturday the 10th. The physio's caseload says their last session was "-1 days ago"
    (a day in the future); it was an hour ago. ``days_since`` is today minus the stored day
    of the session, which a move west across the date line puts after the new today."""
    with app.app_context():
        db.session.get(User, world.patient.id).time_zone = "Australia/Sydney"
        db.session.commit()
    assign(app, world.patient.id, world.physio.id, start=date(2026, 1, 5),
           rows=[row("glute-bridge")])
    clock = Clock(monkeypatch, "Australia/Sydney")
    clock.set(date(2026, 1, 11), 9)
    log(app, world.patient.id, started_at=clock.instant - timedelta(minutes=20))
    clock.set(date(2026, 1, 11), 10)
    auth.login(world.patient)
    assert client.post("/account/time-zone",
                       data={"time_zone": "America/Los_Angeles"}).status_code == 303
    auth.logout()
    auth.login(world.physio)
    page = client.get("/clinic/patients").data.decode()
    shown = [cell.strip() for cell in LAST_SESSION.findall(page)]
    assert "-1 days ago" not in shown
    assert "Today" in shown
