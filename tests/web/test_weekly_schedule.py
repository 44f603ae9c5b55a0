"""An exercise prescribed N days a week may be done on any days: a week done on other days
than the spread ones is a whole week, and Today offers the exercise while the week is short."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from exercise_app.domain.scheduling import local_today, mask_from_days, monday_of, spread_days
from exercise_app.extensions import db
from exercise_app.models import Alert, PatientSummary, User, now_utc
from exercise_app.triage.operations import refresh_patient
from tests.factories import assign, log, row


def any_days(n: int, slug: str = "glute-bridge"):
    return replace(row(slug), weekdays=mask_from_days(spread_days(n)), sessions_per_week=n)


def _noon(day, zone: str) -> datetime:
    return datetime.combine(day, time(12), ZoneInfo(zone))


def _cells(page: str) -> dict[str, str]:
    """The calendar's days, by their full date, as the status class they show."""
    return {m.group(2): m.group(1) for m in re.finditer(
        r'<td class="day day-([a-z-]+)">.*?<span class="visually-hidden">([^<]+)</span>', page)}


def test_a_week_done_on_other_days_than_the_spread_ones_is_a_whole_week(app, client, auth,
                                                                       world, library):
    """Three days a week, done Tuesday, Thursday and Saturday: the spread days are Monday,
    Wednesday and Friday, which the calendar showed as three missed days beside three extra
    sessions, at 0 % adherence, with an alert about missed sessions."""
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    today = local_today(now_utc(), zone)
    last_monday = monday_of(today) - timedelta(days=7)
    assign(app, world.patient.id, world.physio.id, rows=[any_days(3)], start=last_monday)
    for offset in (1, 3, 5):
        log(app, world.patient.id, started_at=_noon(last_monday + timedelta(days=offset), zone),
            rules=False)
    with app.app_context():
        patient = db.session.get(User, world.patient.id)
        refresh_patient(patient)
        db.session.commit()
        assert not db.session.scalars(select(Alert).where(
            Alert.patient_id == patient.id,
            Alert.code.in_(["sessions_missed", "adherence_falling"]))).all()
    auth.login(world.patient)
    cells = _cells(client.get("/history").data.decode())
    week = [last_monday + timedelta(days=n) for n in range(7)]
    shown = [cells[day.strftime("%A %-d %B")] for day in week]
    assert shown == ["rest", "done", "rest", "done", "rest", "done", "rest"]
    page = client.get("/programme").data.decode()
    assert "Any 3 days a week" in page


def test_today_offers_an_any_day_exercise_while_its_week_is_short(app, client, auth, world,
                                                                 library, monkeypatch):
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    today = local_today(now_utc(), zone)
    assign(app, world.patient.id, world.physio.id, start=monday_of(today) - timedelta(days=7),
           rows=[any_days(1), row("clam", weekdays=mask_from_days([today.weekday()]))])
    auth.login(world.patient)
    page = client.get("/today").data.decode()
    assert "Glute bridge" in page and "0 of 1 done this week" in page
    assert "Glute bridge" in client.get("/routine").data.decode()

    log(app, world.patient.id, started_at=_noon(today, zone))  # the week's one session
    page = client.get("/today").data.decode()
    assert "1 of 1 done this week" in page  # done today: still today's
    with app.app_context():
        summary = db.session.get(PatientSummary, world.patient.id)
        assert summary.days["week"][-1][0] == today.isoformat()

    # Tomorrow, read from the summary (nothing logged since): done for the week, unless
    # tomorrow starts a new one.
    tomorrow = now_utc() + timedelta(days=1)
    monkeypatch.setattr("exercise_app.patient.views.now_utc", lambda: tomorrow)
    page = client.get("/today").data.decode()
    routine = client.get("/routine").data.decode()
    if monday_of(local_today(tomorrow, zone)) == monday_of(today):
        assert "Glute bridge" not in page and "Rest day" in page
        assert "Nothing is due today" in routine or "Glute bridge" not in routine
    else:
        assert "0 of 1 done this week" in page and "Glute bridge" in routine


def test_a_new_version_mid_week_does_not_ask_for_a_fourth_session(app, client, auth, world,
                                                                  library):
    """Three days a week: done Monday and Tuesday, a new dose from Wednesday (as the rules'
    step up makes, with new prescriptions), done Thursday. The calendar showed Tuesday as
    an extra and Sunday missed (found by a review)."""
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    monday = monday_of(local_today(now_utc(), zone)) - timedelta(days=7)
    bridge = any_days(3)
    assign(app, world.patient.id, world.physio.id, rows=[bridge],
           start=monday - timedelta(days=7))
    for offset in (0, 1):
        log(app, world.patient.id, started_at=_noon(monday + timedelta(days=offset), zone),
            rules=False)
    assign(app, world.patient.id, world.physio.id, rows=[replace(bridge, reps=12)],
           start=monday + timedelta(days=2), screened=False)
    log(app, world.patient.id, started_at=_noon(monday + timedelta(days=3), zone), rules=False)
    with app.app_context():
        refresh_patient(db.session.get(User, world.patient.id))
        db.session.commit()
    auth.login(world.patient)
    cells = _cells(client.get("/history").data.decode())
    shown = [cells[(monday + timedelta(days=n)).strftime("%A %-d %B")] for n in range(7)]
    assert shown == ["done", "done", "rest", "done", "rest", "rest", "rest"]


def test_the_calendar_says_today_is_open_while_the_week_is_short(app, client, auth, world,
                                                                library):
    """Once a week on any day, nothing done yet: Today offers it, and the calendar said
    'Rest day' for today. It says 'Open today' (on Sunday, the last day, it is due)."""
    with app.app_context():
        zone = db.session.get(User, world.patient.id).time_zone
    today = local_today(now_utc(), zone)
    assign(app, world.patient.id, world.physio.id, rows=[any_days(1)], start=monday_of(today))
    auth.login(world.patient)
    page = client.get("/history").data.decode()
    shown = _cells(page)[today.strftime("%A %-d %B")]
    assert shown == ("today-pending" if today.weekday() == 6 else "open")
    assert today.weekday() == 6 or "Open today" in page
