"""The morning check-in on Today: a mis-tap can be changed while the check-in is open that
morning, and it is open in the morning only (MORNING_CHECK_IN_FROM_HOUR until
MORNING_CHECK_IN_UNTIL_HOUR, the patient's clock).

Tapping 8 instead of 1 saved 8 for good: the rules stepped the programme down and told the
physio, and sending 1 gave 409 "already recorded". And the check-in was asked, as "Good
morning", until midnight: a score given at 22:00 was stored as next-morning pain.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from exercise_app import models
from exercise_app.extensions import db
from exercise_app.models import ExerciseSession, ProgressionRun, RunTrigger, User
from exercise_app.triage.operations import refresh_patient
from tests.conftest import snapshot
from tests.factories import log

ASK = "This morning: how is your pain?"


class Clock:
    """The app's clock, set on the patient's wall clock: every ``now_utc`` the app imported
    reads it (the views, the operations, the rules, the alerts and the session limits)."""

    def __init__(self, monkeypatch, time_zone: str) -> None:
        self.zone = ZoneInfo(time_zone)
        self.instant = models.now_utc()
        real = models.now_utc
        for name, module in list(sys.modules.items()):
            if name.startswith("exercise_app") and getattr(module, "now_utc", None) is real:
                monkeypatch.setattr(module, "now_utc", lambda: self.instant)

    def set(self, day: date, hour: int, minute: int = 0) -> datetime:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
        self.instant = local.astimezone(UTC)
        return self.instant


@pytest.fixture
def morning(app, client, auth, loop, monkeypatch):
    """Two sessions on one day (the loop's, and another), the check-in open from 4 until 14,
    and a clock that starts at 08:00 the morning after, with the patient signed in."""
    app.config.update(MORNING_CHECK_IN_FROM_HOUR=4, MORNING_CHECK_IN_UNTIL_HOUR=14)
    second = log(app, loop.patient.id, rules=False)
    with app.app_context():
        day = db.session.get(ExerciseSession, loop.session_id).local_date
        db.session.get(ExerciseSession, second).local_date = day
        db.session.commit()
    clock = Clock(monkeypatch, loop.patient.time_zone)

    class Morning:
        session_ids = (loop.session_id, second)
        after = day + timedelta(days=1)

        @staticmethod
        def at(hour: int, minute: int = 0, on: date | None = None) -> datetime:
            """Set the clock (the morning after, unless ``on``) and sign in again, as the
            clock may have jumped past the session's limits."""
            instant = clock.set(on or Morning.after, hour, minute)
            auth.login(loop.patient)
            return instant

    Morning.at(8)
    with app.app_context():
        refresh_patient(db.session.get(User, loop.patient.id))  # the summary of this morning
        db.session.commit()
    return Morning


def replaced_by(run_id: int) -> list[int]:
    """The runs a run was made instead of (in an app context)."""
    return list(db.session.scalars(select(models.RunReplacement.replaced_run_id).where(
        models.RunReplacement.run_id == run_id).order_by(models.RunReplacement.replaced_run_id)))


def check_in(client, session_id: int, pain: int):
    return client.post(f"/sessions/{session_id}/morning", data={"pain": str(pain)})


def recorded(app, session_ids) -> list[int | None]:
    with app.app_context():
        return [db.session.get(ExerciseSession, i).next_morning_pain for i in session_ids]


def morning_runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProgressionRun).where(
            ProgressionRun.trigger == RunTrigger.MORNING))


def checkin_section(page: str) -> str:
    """The check-in card on Today, or "" when there is none."""
    found = re.search(r'<section class="card checkin".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_a_mis_tapped_check_in_is_changed_and_the_rules_run_again(app, client, morning):
    first = morning.session_ids[0]
    card = checkin_section(client.get("/today").data.decode())
    assert ASK in card
    assert f'action="/sessions/{first}/morning"' in card or \
        f'action="/sessions/{morning.session_ids[1]}/morning"' in card
    assert check_in(client, first, 8).status_code == 303
    assert recorded(app, morning.session_ids) == [8, 8]
    assert morning_runs(app) == 1

    page = client.get("/today").data.decode()
    card = checkin_section(page)
    assert "You said 8" in " ".join(re.sub(r"<[^>]+>", " ", card).split())
    assert "Change it" in card
    assert ASK not in card
    action = re.search(r'action="(/sessions/\d+/morning)"', card).group(1)

    changed_at = morning.at(8, 5)
    response = client.post(action, data={"pain": "1"})
    assert response.status_code == 303
    assert recorded(app, morning.session_ids) == [1, 1]  # every session of the day
    with app.app_context():
        assert all(db.session.get(ExerciseSession, i).next_morning_at == changed_at
                   for i in morning.session_ids)
        run = db.session.scalars(select(ProgressionRun).order_by(ProgressionRun.id.desc())).first()
        assert run.trigger == RunTrigger.MORNING
        read = {entry["id"]: entry["next_morning"] for entry in run.inputs["sessions"]}
        assert read[first] == 1  # the rules ran again, on the changed answer
    assert morning_runs(app) == 2
    page = client.get(response.headers["Location"]).data.decode()
    assert "changed to 1" in page
    assert "You said 1" in " ".join(re.sub(r"<[^>]+>", " ", checkin_section(page)).split())


def test_the_same_answer_again_changes_nothing(app, client, morning):
    first = morning.session_ids[0]
    assert check_in(client, first, 8).status_code == 303
    before = snapshot(app)
    assert check_in(client, first, 8).status_code == 303  # a double tap, or a retry
    assert snapshot(app) == before
    assert check_in(client, first, 2).status_code == 303
    before = snapshot(app)
    assert check_in(client, morning.session_ids[1], 2).status_code == 303
    assert snapshot(app) == before
    assert morning_runs(app) == 2


def test_after_the_window_closes_the_answer_is_read_only(app, client, morning):
    first = morning.session_ids[0]
    assert check_in(client, first, 8).status_code == 303
    morning.at(13, 59)
    assert "Change it" in checkin_section(client.get("/today").data.decode())
    morning.at(14, 0)
    assert checkin_section(client.get("/today").data.decode()) == ""
    before = snapshot(app)
    refused = check_in(client, first, 1)
    assert refused.status_code == 409
    assert "closes at 14:00" in refused.data.decode()
    assert snapshot(app) == before
    assert check_in(client, first, 8).status_code == 303  # a late retry: nothing to change
    assert snapshot(app) == before


@pytest.mark.parametrize(("hour", "minute"), [(14, 0), (18, 30), (22, 0), (23, 59)])
def test_no_check_in_after_the_morning(app, client, morning, hour, minute):
    """A score given in the evening is not the next morning's pain: not asked, and refused."""
    morning.at(hour, minute)
    page = client.get("/today").data.decode()
    assert checkin_section(page) == ""
    assert "how is your pain" not in page.lower()
    before = snapshot(app)
    refused = check_in(client, morning.session_ids[0], 3)
    assert refused.status_code == 409
    text = refused.data.decode()
    assert "The morning check-in closes at 14:00" in text
    assert snapshot(app) == before


def test_still_closed_before_four(app, client, morning):
    morning.at(3, 59)
    assert checkin_section(client.get("/today").data.decode()) == ""
    before = snapshot(app)
    refused = check_in(client, morning.session_ids[0], 3)
    assert refused.status_code == 409
    assert "The morning check-in opens at 04:00" in refused.data.decode()
    assert snapshot(app) == before


def test_the_closing_hour_is_a_setting(app, client, morning):
    app.config["MORNING_CHECK_IN_UNTIL_HOUR"] = 10
    morning.at(10, 30)
    assert checkin_section(client.get("/today").data.decode()) == ""
    refused = check_in(client, morning.session_ids[0], 3)
    assert refused.status_code == 409 and "closes at 10:00" in refused.data.decode()
    app.config["MORNING_CHECK_IN_UNTIL_HOUR"] = 11
    assert ASK in checkin_section(client.get("/today").data.decode())
    assert check_in(client, morning.session_ids[0], 3).status_code == 303


def test_a_session_two_days_old_is_not_changed(app, client, morning):
    """The answer of a morning gone by stays as it was, whatever the hour."""
    assert check_in(client, morning.session_ids[0], 8).status_code == 303
    morning.at(8, on=morning.after + timedelta(days=1))
    assert checkin_section(client.get("/today").data.decode()) == ""
    before = snapshot(app)
    refused = check_in(client, morning.session_ids[0], 1)
    assert refused.status_code == 409
    assert snapshot(app) == before


def test_a_run_before_a_change_is_still_shown_with_the_answer_it_read(app, client, morning):
    from exercise_app.progression.queries import run_sessions

    checked_in = morning.at(8)
    with app.app_context():  # logged the morning before: no longer correctable by now
        for session_id in morning.session_ids:
            db.session.get(ExerciseSession, session_id).created_at = checked_in - timedelta(
                hours=26)
        db.session.commit()
    first = morning.session_ids[0]
    assert check_in(client, first, 8).status_code == 303
    with app.app_context():
        run_id = db.session.scalar(select(func.max(ProgressionRun.id)))
    morning.at(8, 5)
    assert check_in(client, first, 1).status_code == 303
    with app.app_context():
        read = {entry["id"]: entry["next_morning"]
                for entry in run_sessions(db.session.get(ProgressionRun, run_id))}
    assert read[first] == 8


def doses_in_force(app, patient_id: int, day: date) -> list[tuple]:
    """The programme the patient follows on ``day``: each exercise and its dose, in order."""
    from exercise_app.patient.history import effective
    from exercise_app.programmes.queries import versions

    with app.app_context():
        version = effective(versions(patient_id), day)
        return [(p.exercise_id, p.sets, p.reps, p.hold_seconds) for p in version.prescriptions]


def alerts_of(app, patient_id: int) -> dict[str, tuple[str, list[str]]]:
    """The patient's alerts by code: status, and the notes of what was done with them."""
    with app.app_context():
        return {alert.code: (alert.status.value, [action.note for action in alert.actions])
                for alert in db.session.scalars(select(models.Alert).where(
                    models.Alert.patient_id == patient_id))}


def usual_pain(app, world, usual: int) -> None:
    """The physio records the patient's usual pain (rules otherwise at their defaults)."""
    from exercise_app.models import ProgressionMode
    from exercise_app.progression.operations import save_settings

    with app.app_context():
        save_settings(db.session.get(User, world.patient.id),
                      db.session.get(User, world.physio.id), mode=ProgressionMode.AUTO,
                      baseline_pain=usual, values={}, locked=[])
        db.session.commit()


def test_a_changed_answer_undoes_the_step_down_it_caused_and_closes_its_alerts(
        app, client, loop, morning):
    """A tap on 8 meant as 1 (usual pain 2): the 8 stepped the programme down and told the
    physio. Put right, the programme is as it was and the alerts it raised are closed, saying
    why; before, the step-down and the alerts stayed."""
    usual_pain(app, loop, 2)
    first = morning.session_ids[0]
    patient = loop.patient.id
    before = doses_in_force(app, patient, morning.after)
    earlier = alerts_of(app, patient)
    assert check_in(client, first, 8).status_code == 303
    stepped = doses_in_force(app, patient, morning.after)
    assert stepped != before  # stepped down today
    raised = {code for code in alerts_of(app, patient) if code not in earlier}
    assert raised == {"stepped_down", "pain_above_baseline"}
    with app.app_context():
        eight = db.session.scalar(select(func.max(ProgressionRun.id)))

    morning.at(8, 5)
    assert check_in(client, first, 1).status_code == 303
    assert doses_in_force(app, patient, morning.after) == before
    with app.app_context():
        run = db.session.scalars(select(ProgressionRun).order_by(ProgressionRun.id.desc())).first()
        assert replaced_by(run.id) == [eight]
        assert all(d.kind != "step_down" for d in run.decisions)
        from exercise_app.triage.queries import step_down_days
        assert step_down_days(patient, morning.after - timedelta(days=7)) == []
    after = alerts_of(app, patient)
    for code in raised:
        assert after[code] == ("resolved", [
            "Closed when the patient changed this morning's pain from 8 to 1: nothing else "
            "raises this alert now."])
    assert {code: after[code] for code in earlier} == earlier  # not the 8's: as they were
    page = client.get("/today").data.decode()
    assert "down" not in checkin_section(page)


def test_a_second_change_back_steps_down_again(app, client, loop, morning):
    """8, then 1, then 8 after all: the step-down comes back, once."""
    usual_pain(app, loop, 2)
    first = morning.session_ids[0]
    assert check_in(client, first, 8).status_code == 303
    stepped = doses_in_force(app, loop.patient.id, morning.after)
    morning.at(8, 5)
    assert check_in(client, first, 1).status_code == 303
    morning.at(8, 10)
    assert check_in(client, first, 8).status_code == 303
    assert doses_in_force(app, loop.patient.id, morning.after) == stepped


def test_a_change_after_a_session_logged_since_keeps_the_step_down(app, client, loop,
                                                                   morning):
    """Once the patient has exercised on the stepped-down programme (a newer run read it), a
    changed answer is read by the rules as any answer, and the step-down stands."""
    usual_pain(app, loop, 2)
    first = morning.session_ids[0]
    assert check_in(client, first, 8).status_code == 303
    stepped = doses_in_force(app, loop.patient.id, morning.after)
    morning.at(8, 30)
    log(app, loop.patient.id)  # today's session, on the stepped-down dose
    morning.at(9)
    assert check_in(client, first, 1).status_code == 303
    with app.app_context():
        newest = db.session.scalars(
            select(ProgressionRun).order_by(ProgressionRun.id.desc())).first()
        assert replaced_by(newest.id) == []
    assert doses_in_force(app, loop.patient.id, morning.after) == stepped


def test_a_log_corrected_after_its_morning_check_in_is_decided_again_from_the_start(
        app, client, auth, world, library, monkeypatch):
    """Pain during 7 typed for 2: the log stepped the programme down; the morning check-in
    ran the rules again on top of it. Corrected the morning after, the rules decide again in
    place of both runs (the log's and the morning's read the 7): no step-down, and its alert
    is closed. Before, the correction found the morning's run the newest, replaced nothing,
    and the step-down stayed."""
    from tests.factories import assign
    from tests.web.test_daily_loop import routine_form

    assign(app, world.patient.id, world.physio.id)
    usual_pain(app, world, 2)
    patient = world.patient.id
    clock = Clock(monkeypatch, world.patient.time_zone)
    day = datetime.now(ZoneInfo(world.patient.time_zone)).date()
    clock.set(day, 18)
    auth.login(world.patient)
    before = doses_in_force(app, patient, day + timedelta(days=1))
    form = routine_form(client)
    form.update(pain_before="2", pain_during="7", pain_after="3", effort="4")
    assert client.post("/routine", data=form).status_code == 303
    assert doses_in_force(app, patient, day + timedelta(days=1)) != before  # stepped down
    with app.app_context():
        session_id = db.session.scalar(select(func.max(ExerciseSession.id)))
        logged_run = db.session.scalar(select(func.max(ProgressionRun.id)))

    clock.set(day + timedelta(days=1), 8)
    auth.login(world.patient)
    assert check_in(client, session_id, 2).status_code == 303
    with app.app_context():
        morning_run = db.session.scalar(select(func.max(ProgressionRun.id)))
    assert morning_run > logged_run

    clock.set(day + timedelta(days=1), 9)
    url = f"/sessions/{session_id}/edit"
    corrected = routine_form(client, url)
    corrected.update(pain_during="2")
    assert client.post(url, data=corrected).status_code == 303
    assert doses_in_force(app, patient, day + timedelta(days=1)) == before
    with app.app_context():
        newest = db.session.scalars(
            select(ProgressionRun).order_by(ProgressionRun.id.desc())).first()
        assert replaced_by(newest.id) == [logged_run, morning_run]
        assert all(d.kind != "step_down" for d in newest.decisions)
        from exercise_app.triage.queries import step_down_days
        assert step_down_days(patient, day - timedelta(days=7)) == []
    status, notes = alerts_of(app, patient)["stepped_down"]
    assert status == "resolved" and notes == [
        f"Closed when the patient corrected their log of {day:%-d %b}: nothing else raises "
        "this alert now."]
