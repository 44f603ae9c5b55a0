"""The daily loop: assign a programme, log sessions, correct them, check in, see the history."""

from __future__ import annotations

import csv
import html
import io
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from exercise_app.domain.scheduling import local_today, monday_of
from exercise_app.extensions import db
from exercise_app.models import (
    ExerciseLog,
    ExerciseSession,
    LibraryExerciseVersion,
    PatientPrecaution,
    PatientSummary,
    Prescription,
    ProgrammeVersion,
    ProgressionRun,
    Side,
    User,
    VersionSource,
    now_utc,
)
from exercise_app.triage.operations import refresh_patient
from tests.conftest import QueryCounter, snapshot
from tests.factories import add_alert, assign, bulk_history, log, row


def routine_form(client, url="/routine?all=1") -> dict:
    """The routine page's form as a browser would send it unchanged (everything done)."""
    page = client.get(url).data.decode()
    data: dict = {}
    for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*>', page):
        tag, name = m.group(0), m.group(1)
        if 'type="radio"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name] = value.group(1) if value else ""
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', m.group(2)) or re.search(
            r'<option value="([^"]*)"', m.group(2))
        data[m.group(1)] = chosen.group(1)
    data.update(pain_before="3", pain_during="4", pain_after="2", effort="5", notes="")
    return data


def refused_log(app, client, form: dict, url: str = "/routine") -> str:
    """Send a log form the server must refuse: a 422 with nothing saved. Returns the page."""
    before = snapshot(app)
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert snapshot(app) == before
    return response.data.decode()


@pytest.fixture
def patient_client(app, client, auth, loop):
    auth.login(loop.patient)
    return client


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Logging -------------------------------------------------------------------------------------


def test_log_a_session_and_see_it(app, patient_client, loop):
    form = routine_form(patient_client)
    form["notes"] = "<script>alert('x')</script> felt good"
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303
    page = patient_client.get(response.headers["Location"]).data.decode()
    assert "Pain before" in page and "3 / 10" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    with app.app_context():
        location = response.headers["Location"]
        assert location.endswith("?saved=1")  # its page forgets the routine kept in the tab
        session = db.session.get(ExerciseSession, int(re.search(r"/sessions/(\d+)",
                                                                 location).group(1)))
        assert [log.status.value for log in session.logs] == ["done", "done", "done"]
        assert session.outcome.value == "completed"


def test_a_retried_log_is_stored_once(app, patient_client, loop):
    form = routine_form(patient_client)
    before = count(app, ExerciseSession)
    first = patient_client.post("/routine", data=form)
    second = patient_client.post("/routine", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, ExerciseSession) == before + 1


def test_a_retry_from_a_phone_whose_clock_runs_ahead_is_stored_once(app, patient_client, loop):
    """The start time is capped at the server's now when stored; the retry hash took the
    capped value, which differed between a log and its retry, and the retry was refused."""
    form = routine_form(patient_client)
    form["started_at"] = (now_utc() + timedelta(minutes=2)).isoformat()
    before = count(app, ExerciseSession)
    first = patient_client.post("/routine", data=form)
    second = patient_client.post("/routine", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, ExerciseSession) == before + 1
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).order_by(ExerciseSession.id.desc()))
        assert session.started_at <= session.ended_at  # stored no later than it was saved


def test_the_same_id_with_other_answers_is_refused(app, patient_client, loop):
    form = routine_form(patient_client)
    patient_client.post("/routine", data=form)
    before = snapshot(app)
    response = patient_client.post("/routine", data={**form, "pain_after": "9"})
    assert response.status_code == 409
    assert b"already saved with different answers" in response.data
    assert snapshot(app) == before


def test_concurrent_double_submit_stores_one_session(app, loop):
    """Two requests racing with the same client id: the unique constraint decides."""
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"email": loop.patient.email, "password": "lantern-orchard-ninety"})
    form = routine_form(clients[0])
    before = count(app, ExerciseSession)
    results = []
    barrier = threading.Barrier(2)

    def submit(c):
        barrier.wait()
        results.append(c.post("/routine", data=form).status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 303]
    assert count(app, ExerciseSession) == before + 1


BAD_LOGS = [
    ("pain_before", "11"), ("pain_before", "-1"), ("pain_before", "abc"),
    ("pain_before", "snan"), ("pain_before", "nan"), ("pain_before", "1e309"),
    ("pain_before", "1_0"), ("pain_before", "\u0663"), ("pain_before", ""),
    ("pain_after", "3.5"), ("effort", "99999999999999999999"),
    ("exercises-0-sets_done", "99"), ("exercises-0-reps_done", "100000"),
    ("exercises-0-status", "flying"), ("exercises-0-prescription_id", "abc"),
    ("client_id", "not-a-uuid"), ("notes", "x" * 2001),
    # Done with no sets done; reps above twice the bridge's 2x10, on either side of the
    # clam's 2x12 each; reps for the knee-to-chest, which is held.
    ("exercises-0-sets_done", "0"), ("exercises-0-sets_done", ""),
    ("exercises-0-reps_done", "41"), ("exercises-1-reps_done", "49"),
    ("exercises-1-reps_done_other_side", "49"), ("exercises-2-reps_done", "5"),
    ("exercises-0-prescription_id", "12345678901"),
]


def test_bad_input_is_refused_and_saves_nothing(app, patient_client, loop):
    """Each bad answer on its own, against one world (a refusal changes nothing, so the next
    case finds it as the last left it); every case that is not refused is listed."""
    form = routine_form(patient_client)
    before = snapshot(app)
    wrong = []
    for field, value in BAD_LOGS:
        response = patient_client.post("/routine", data={**form, field: value})
        if response.status_code != 422 or snapshot(app) != before:
            wrong.append((field, value[:20], response.status_code))
    assert wrong == []


def test_the_limits_of_a_logged_exercise_are_allowed(app, patient_client, loop):
    """The edges of the checks above: twice the prescribed reps, and partly done with no
    whole set (a few reps of the first)."""
    form = routine_form(patient_client)
    form.update({"exercises-0-reps_done": "40", "exercises-1-reps_done": "48",
                 "exercises-1-reps_done_other_side": "48", "exercises-2-status": "partial",
                 "exercises-2-sets_done": "0"})
    assert patient_client.post("/routine", data=form).status_code == 303


def test_a_retry_long_after_the_session_began_is_the_same_log(app, patient_client, loop,
                                                             monkeypatch):
    """A start time more than 12 hours old is not kept; a log sent just inside that and
    retried a minute later, just outside it, was refused as "different answers"."""
    from exercise_app.patient import routine

    started = now_utc() - timedelta(hours=11, minutes=59, seconds=30)
    form = {**routine_form(patient_client), "started_at": started.isoformat()}
    first = patient_client.post("/routine", data=form)
    assert first.status_code == 303
    later = now_utc() + timedelta(minutes=1)
    monkeypatch.setattr(routine, "now_utc", lambda: later)
    before = count(app, ExerciseSession)
    retry = patient_client.post("/routine", data=form)
    assert retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    assert count(app, ExerciseSession) == before


def test_a_megabyte_of_notes_is_refused(app, patient_client, loop):
    form = routine_form(patient_client)
    form["notes"] = "x" * (1024 * 1024)
    before = snapshot(app)
    assert patient_client.post("/routine", data=form).status_code == 413
    assert snapshot(app) == before


def test_another_patients_exercise_ids_are_refused(app, patient_client, loop):
    with app.app_context():
        foreign = db.session.scalar(select(Prescription.id).join(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == loop.other_patient.id))
    form = routine_form(patient_client)
    form["exercises-0-prescription_id"] = str(foreign)
    before = snapshot(app)
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422
    assert b"not in your programme" in response.data
    assert snapshot(app) == before


def test_a_routine_opened_before_the_physio_changed_the_programme_still_logs(
        app, client, auth, loop):
    """The patient opens today's routine; the physio saves a change starting today; the
    patient's log, of the exercises they were shown, was refused and lost. It is stored
    against the version it showed."""
    auth.login(loop.patient)
    form = routine_form(client)
    auth.logout()
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    editor = editor_form(client, url)
    editor["start_date"] = local_today(now_utc(), loop.patient.time_zone).isoformat()
    editor["exercises-0-sets"] = "3"
    assert client.post(url, data=editor).status_code == 303
    auth.logout()
    auth.login(loop.patient)
    response = client.post("/routine", data=form)
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).order_by(ExerciseSession.id.desc()))
        assert db.session.get(ProgrammeVersion, session.programme_version_id).number == 1
        assert len(session.logs) == 3
    # Today counts as done, though the logs name version 1's rows and version 2 is in force.
    today = local_today(now_utc(), loop.patient.time_zone)
    page = client.get("/history").data.decode()
    assert (f'<td class="day day-done"><span class="day-number" aria-hidden="true">'
            f'{today.day}</span>') in page
    assert "Done today" in client.get("/today").data.decode()


def test_a_log_of_a_version_replaced_before_yesterday_is_refused(app, patient_client, loop):
    form = routine_form(patient_client)
    with app.app_context():  # version 1 gave way to version 2 two days ago
        from exercise_app.programmes.operations import DoseChange, copy_with_changes
        from exercise_app.programmes.queries import current

        today = local_today(now_utc(), loop.patient.time_zone)
        copy_with_changes(current(loop.patient.id), {1: DoseChange(3, 10, None)},
                          start_date=today - timedelta(days=2), created_by=None,
                          source=VersionSource.RULES)
        db.session.commit()
    before = snapshot(app)
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422 and b"not in your programme" in response.data
    assert snapshot(app) == before


def test_skips_and_stops_need_a_reason(app, patient_client, loop):
    form = routine_form(patient_client)
    form["exercises-1-status"] = "skipped"
    assert patient_client.post("/routine", data=form).status_code == 422
    form["exercises-1-skip_reason"] = "no-time"
    form["exercises-2-status"] = "stopped"
    assert patient_client.post("/routine", data=form).status_code == 422
    form["exercises-2-stop_reason"] = "pins-and-needles"
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).order_by(ExerciseSession.id.desc()))
        assert session.outcome.value == "stopped"
        assert [log.status.value for log in session.logs] == ["done", "skipped", "stopped"]
        assert session.logs[1].sets_done == 0
        assert session.logs[2].stop_reason.value == "pins-and-needles"


@pytest.mark.parametrize(("status", "field", "reason"), [
    ("done", "stop_reason", "sharp"), ("partial", "stop_reason", "pain-over-5"),
    ("done", "skip_reason", "no-time"), ("stopped", "skip_reason", "no-time")])
def test_a_reason_with_another_status_is_refused_not_dropped(app, patient_client, loop, status,
                                                             field, reason):
    """On the checklist a stop reason chosen while the status stayed at Done was saved as a
    finished exercise: the physio never heard of the stop. Now the form says what to fix."""
    form = routine_form(patient_client)
    form["exercises-0-status"] = status
    form[f"exercises-0-{field}"] = reason
    if status == "stopped":
        form["exercises-0-stop_reason"] = "sharp"
    before = snapshot(app)
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422
    label = "Skipped" if field == "skip_reason" else "Stopped: it hurt"
    assert f"choose \u201c{label}\u201d for How did it go, or leave this blank." \
        in response.data.decode()
    assert snapshot(app) == before


# Corrections and the morning check-in ---------------------------------------------------------


def test_done_with_fewer_sets_than_prescribed_is_partly_done(app, patient_client, loop):
    """The checklist's first exercise left at "Done" with 1 of its 2 sets: the calendar and
    adherence counted it done in full, while the session said "partial"."""
    form = routine_form(patient_client)
    form.update({"exercises-0-sets_done": "1", "exercises-0-status": "done"})
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).order_by(
            ExerciseSession.id.desc()))
        first = min(session.logs, key=lambda log: log.position)
        assert (first.status.value, first.sets_done) == ("partial", 1)
        assert session.outcome.value == "partial"
        assert all(log.status.value == "done" for log in session.logs if log is not first)


def test_a_session_with_every_exercise_skipped_reads_skipped(app, patient_client, loop):
    """Every exercise skipped (no time): the session, its line in the history and its page
    said "partial", while the calendar called the day missed."""
    form = routine_form(patient_client)
    for n in range(3):
        form.update({f"exercises-{n}-status": "skipped", f"exercises-{n}-skip_reason": "no-time"})
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).order_by(
            ExerciseSession.id.desc()))
        assert session.outcome.value == "skipped"
    page = patient_client.get(response.headers["Location"]).data.decode()
    assert "<dt>Outcome</dt><dd>All skipped</dd>" in page
    assert "skipped, pain" in patient_client.get("/history").data.decode()


def test_a_log_can_be_corrected_for_24_hours(app, patient_client, loop):
    url = f"/sessions/{loop.session_id}/edit"
    form = routine_form(patient_client, url)
    form["pain_after"] = "6"
    assert patient_client.post(url, data=form).status_code == 303
    with app.app_context():
        assert db.session.get(ExerciseSession, loop.session_id).pain_after == 6
        # Exactly 24 hours after it was saved: read-only (23:59:59 still corrects).
        db.session.get(ExerciseSession, loop.session_id).created_at = now_utc() - timedelta(
            hours=24)
        db.session.commit()
    before = snapshot(app)
    assert patient_client.get(url).status_code == 409
    form["notes"] = "Typed while the window closed"
    late = patient_client.post(url, data=form)
    assert late.status_code == 409
    page = late.data.decode()
    assert "this one is now read-only: your changes are not saved" in page
    assert "Typed while the window closed" in page  # still there to copy
    assert snapshot(app) == before
    assert b"Correct this log" not in patient_client.get(f"/sessions/{loop.session_id}").data


@pytest.mark.parametrize("change", ["extra", "none", "reordered", "other"])
@pytest.mark.parametrize("late", [False, True])
def test_a_correction_keeps_the_exercises_of_its_log(app, patient_client, loop, change, late):
    """A correction lists the log's own exercises, in its order: one more row was a 500 (the
    page shown again had no exercise for it), and none at all emptied the log."""
    url = f"/sessions/{loop.session_id}/edit"
    form = routine_form(patient_client, url)
    rows = {k: v for k, v in form.items() if k.startswith("exercises-")}
    if change == "extra":
        form.update({k.replace("exercises-0-", "exercises-3-"): v for k, v in rows.items()
                     if k.startswith("exercises-0-")})
    elif change == "none":
        form = {k: v for k, v in form.items() if k not in rows}
    elif change == "reordered":
        swap = {"exercises-0-": "exercises-1-", "exercises-1-": "exercises-0-"}
        form.update({swap[k[:12]] + k[12:]: v for k, v in rows.items() if k[:12] in swap})
    else:
        form["exercises-1-prescription_id"] = form["exercises-0-prescription_id"]
    if late:
        with app.app_context():
            db.session.get(ExerciseSession, loop.session_id).created_at = now_utc() - timedelta(
                hours=25)
            db.session.commit()
    before = snapshot(app)
    response = patient_client.post(url, data=form)
    assert response.status_code == 422
    assert "The correction does not list the exercises of this log." in response.data.decode()
    assert snapshot(app) == before


def test_a_morning_check_in_racing_another_tap(app, loop):
    """Two taps at once on PostgreSQL: both read an empty score, the second write finds it
    taken. The same answer is the same check-in; another answer is refused, not lost."""
    from sqlalchemy import update

    from exercise_app.patient.operations import LogRefused, record_morning_pain

    with app.app_context():
        session = db.session.get(ExerciseSession, loop.session_id)
        session.local_date = session.local_date - timedelta(days=1)
        db.session.commit()
    for answer, recorded in ((3, False), (5, None)):
        with app.app_context():
            patient = db.session.get(User, loop.patient.id)
            session = db.session.get(ExerciseSession, loop.session_id)
            assert session.next_morning_pain is None  # as this tap read it
            db.session.execute(update(ExerciseSession).where(  # the other tap's write
                ExerciseSession.id == loop.session_id).values(next_morning_pain=3)
                .execution_options(synchronize_session=False))
            if recorded is None:
                with pytest.raises(LogRefused, match="already recorded"):
                    record_morning_pain(patient, session, answer, from_hour=0, until_hour=24)
            else:
                assert record_morning_pain(patient, session, answer, from_hour=0,
                                           until_hour=24) is recorded
            db.session.rollback()


def test_morning_check_in_the_day_after(app, patient_client, loop):
    from exercise_app.triage.operations import refresh_patient

    with app.app_context():  # the session moves to yesterday, and the summary with it
        session = db.session.get(ExerciseSession, loop.session_id)
        session.local_date = session.local_date - timedelta(days=1)
        refresh_patient(db.session.get(User, loop.patient.id))
        db.session.commit()
    page = patient_client.get("/today").data.decode()
    assert "This morning: how is your pain?" in page
    assert patient_client.post(f"/sessions/{loop.session_id}/morning",
                               data={"pain": "11"}).status_code == 422
    assert patient_client.post(f"/sessions/{loop.session_id}/morning",
                               data={"pain": "4"}).status_code == 303
    with app.app_context():
        assert db.session.get(ExerciseSession, loop.session_id).next_morning_pain == 4
    assert b"This morning: how is your pain?" not in patient_client.get("/today").data
    runs = count(app, ProgressionRun)
    # A double tap (or a retry) with the same answer is the same check-in, not a failure.
    assert patient_client.post(f"/sessions/{loop.session_id}/morning",
                               data={"pain": "4"}).status_code == 303
    assert count(app, ProgressionRun) == runs
    # Another answer while the check-in is open changes it (test_checkin_changes.py).
    assert patient_client.post(f"/sessions/{loop.session_id}/morning",
                               data={"pain": "2"}).status_code == 303
    with app.app_context():
        assert db.session.get(ExerciseSession, loop.session_id).next_morning_pain == 2


def test_the_morning_check_in_waits_for_the_morning(app, patient_client, loop):
    """From 4 am (MORNING_CHECK_IN_FROM_HOUR; 0 elsewhere in the tests, which run at any
    hour): here set to the hour after the patient's present one, then to the present one."""
    from exercise_app.domain.scheduling import local_time
    from exercise_app.triage.operations import refresh_patient

    with app.app_context():
        session = db.session.get(ExerciseSession, loop.session_id)
        session.local_date = session.local_date - timedelta(days=1)
        refresh_patient(db.session.get(User, loop.patient.id))
        db.session.commit()
    hour = local_time(now_utc(), loop.patient.time_zone).hour
    if hour < 23:  # an hour later is still today
        app.config["MORNING_CHECK_IN_FROM_HOUR"] = hour + 1
        assert "This morning: how is your pain?" not in patient_client.get("/today").data.decode()
        before = snapshot(app)
        refused = patient_client.post(f"/sessions/{loop.session_id}/morning",
                                      data={"pain": "3"})
        assert refused.status_code == 409
        assert f"The morning check-in opens at {hour + 1:02d}:00" in refused.data.decode()
        assert snapshot(app) == before
    app.config["MORNING_CHECK_IN_FROM_HOUR"] = hour
    assert "This morning: how is your pain?" in patient_client.get("/today").data.decode()
    assert patient_client.post(f"/sessions/{loop.session_id}/morning",
                               data={"pain": "3"}).status_code == 303


def test_one_morning_check_in_covers_every_session_of_the_day_before(app, patient_client, loop):
    """Two sessions yesterday: one morning, one question, and both sessions get the answer
    (the check-in came back for the other one after it was answered)."""
    from exercise_app.triage.operations import refresh_patient
    from tests.factories import log

    second = log(app, loop.patient.id, rules=False)
    with app.app_context():
        for session_id in (loop.session_id, second):
            session = db.session.get(ExerciseSession, session_id)
            session.local_date = session.local_date - timedelta(days=1)
        refresh_patient(db.session.get(User, loop.patient.id))
        db.session.commit()
    assert "This morning: how is your pain?" in patient_client.get("/today").data.decode()
    assert patient_client.post(f"/sessions/{second}/morning",
                               data={"pain": "3"}).status_code == 303
    with app.app_context():
        assert [db.session.get(ExerciseSession, i).next_morning_pain
                for i in (loop.session_id, second)] == [3, 3]
    assert "This morning: how is your pain?" not in patient_client.get("/today").data.decode()


# Today, programme, history -------------------------------------------------------------------


def test_today_shows_what_is_due_and_the_streak(app, patient_client, loop):
    page = patient_client.get("/today").data.decode()
    assert "Today&#39;s routine" in page or "Today's routine" in page
    assert "Bridge" in page or "bridge" in page
    assert "day streak" in page
    assert "Done today" in page
    # Today's session counts; every day before it was due and missed.
    assert re.search(r'<span class="stat-number">1</span> <span class="stat-label">day streak',
                     page)
    # Bridge 2x10 (80 s of work, one 30 s rest), clam 2x12 each side (192 s, three rests)
    # and knee to chest, a 30 s hold each side (60 s, one rest): 482 s.
    assert "3 exercises, about 8 minutes." in page


def test_rest_day(app, client, auth, world, library):
    monday_only = 1
    from tests.factories import row

    assign(app, world.patient.id, world.physio.id,
           rows=[row("glute-bridge", weekdays=monday_only)])
    auth.login(world.patient)
    today = now_utc().date()
    page = client.get("/today").data.decode()
    if today.weekday() == 0:
        assert "Start today" in page
    else:
        assert "Rest day" in page
        assert client.get("/routine").status_code == 200


def test_programme_page_shows_dose_schedule_and_note(patient_client, loop):
    page = patient_client.get("/programme").data.decode()
    assert "Keep it gentle." in page
    assert "2 sets of 10" in page and "Every day" in page


def test_history_page(app, patient_client, loop):
    page = patient_client.get("/history").data.decode()
    for text in ("Calendar", "adherence, last 7 days", "<svg", "Exercise volume",
                 "Download all logs (CSV)"):
        assert text in page, text
    with app.app_context():
        ids = db.session.scalars(select(ExerciseSession.id).where(
            ExerciseSession.patient_id == loop.patient.id)).all()
    assert ids
    for session_id in ids:  # each session links to its own page, which opens
        assert f'href="/sessions/{session_id}"' in page
        assert patient_client.get(f"/sessions/{session_id}").status_code == 200


def test_history_shows_the_weekly_average_and_each_exercises_volume(app, patient_client, loop):
    log(app, loop.patient.id, pain=(3, 4, 5), partly=frozenset({"clam"}))
    page = patient_client.get("/history").data.decode()
    # Both sessions are today: pain after 2 and 5, one week.
    weekly = re.findall(r'<td data-label="Average after">([^<]+)</td>', page)
    assert weekly == ["3.5"]
    shown = {name: (int(n), int(sets), reps) for name, n, sets, reps in re.findall(
        r'<th scope="row">([^<]+)</th><td data-label="Sessions">(\d+)</td>'
        r'<td data-label="Sets">(\d+)</td><td data-label="Reps">([^<]+)</td>', page)}
    with app.app_context():
        logs = db.session.execute(
            select(ExerciseLog.exercise_version_id, ExerciseLog.sets_done, ExerciseLog.reps_done,
                   ExerciseLog.reps_done_other_side).join(ExerciseSession)
            .where(ExerciseSession.patient_id == loop.patient.id)).all()
        names = {v.id: v.data["name"] for v in db.session.scalars(select(LibraryExerciseVersion))}
    expected: dict[str, tuple[int, int]] = {}
    for version_id, sets, _reps, _other in logs:
        n, s = expected.get(names[version_id], (0, 0))
        expected[names[version_id]] = (n + 1, s + sets)
    assert {name: (n, sets) for name, (n, sets, _reps) in shown.items()} == expected
    assert len(shown) == 3
    assert shown["Clam"][1] < 2 * 2  # the partly done session counts what was done
    # Reps say what they count: the clam's are both sides' (2 x 12 each side, then one set of
    # 12), and knee to chest is held 30 s each side, not repeated (it showed "0").
    reps = {name: text for name, (_n, _sets, text) in shown.items()}
    assert reps == {"Glute bridge": "40", "Clam": "60 (both sides)",
                    "Knee to chest": "2 holds, 60 s (each side)"}


def test_the_calendar_says_its_dates_and_the_days_before_the_programme(app, client, auth,
                                                                       world, library):
    """Each day has its full date for screen readers (the number alone gave no month), the
    caption says which days the calendar shows, and the days before the first programme
    began are not started (they were rest days)."""
    from exercise_app.patient.history import calendar_start

    today = today_of(world)
    assign(app, world.patient.id, world.physio.id, start=today - timedelta(days=3))
    auth.login(world.patient)
    page = client.get("/history").data.decode()
    first = calendar_start(today)
    span = (f"{first:%-d %B}" if first.year == today.year else f"{first:%-d %B %Y}")
    assert (f"Prescribed days from {span} to {today:%-d %B %Y} and whether they were done"
            in page)
    cells = dict(re.findall(r'<span class="visually-hidden">([^<]+)</span>'
                            r'<span class="day-status">([^<]+)</span>', page))
    assert len(cells) == (today - first).days + 1
    assert cells[f"{first:%A %-d %B}"] == "Not started"
    assert cells[f"{today - timedelta(days=4):%A %-d %B}"] == "Not started"
    assert cells[f"{today - timedelta(days=3):%A %-d %B}"] == "Missed"
    assert cells[f"{today:%A %-d %B}"] == "Due today"
    assert "Rest day" not in page


def test_the_physios_band_is_the_change_that_is_not_yet_meaningful(app, client, auth, loop):
    """The band was the usual pain plus or minus 2, called no meaningful change, though a rise
    of 2 is one. It follows the physio's own setting for a meaningful rise."""
    from exercise_app.models import ProgressionMode
    from exercise_app.progression.operations import save_settings

    def band_label(points: int) -> str:
        with app.app_context():
            save_settings(db.session.get(User, loop.patient.id),
                          db.session.get(User, loop.physio.id), mode=ProgressionMode.AUTO,
                          baseline_pain=3, values={"meaningful_rise_points": points}, locked=[])
            db.session.commit()
        page = html.unescape(client.get(f"/clinic/patients/{loop.patient.id}").data.decode())
        return re.search(r"Shaded band: ([^.]+)\.", page).group(1)

    auth.login(loop.physio)
    assert band_label(2) == "usual pain 3, give or take 1: not yet a meaningful change, 2 to 4"
    assert band_label(3) == "usual pain 3, give or take 2: not yet a meaningful change, 1 to 5"


def test_id_urls_are_the_urls_url_for_builds(app):
    from flask import url_for

    from exercise_app.pages import id_urls

    with app.test_request_context():
        assert id_urls("clinician.session", "session_id", [5, 7, 5], patient_id=3) == {
            5: url_for("clinician.session", patient_id=3, session_id=5),
            7: url_for("clinician.session", patient_id=3, session_id=7)}
        # A value outside the rule becomes a query string: each URL is built in full.
        assert id_urls("patient.session_detail", "session_id", [4, 9], extra="x") == {
            n: url_for("patient.session_detail", session_id=n, extra="x") for n in (4, 9)}
        assert id_urls("patient.session_detail", "session_id", []) == {}
        # The id in the middle of the path, and a path where it shows twice.
        assert id_urls("admin.deactivate", "user_id", [12, 3]) == {
            n: url_for("admin.deactivate", user_id=n) for n in (12, 3)}
        assert id_urls("clinician.session", "session_id", [3, 8], patient_id=3) == {
            n: url_for("clinician.session", patient_id=3, session_id=n) for n in (3, 8)}
        # Slugs, with a query string; one that the URL quotes is built in full.
        slugs = ["glute-bridge", "clam", "a b", "x/y"]
        assert id_urls("library.demo", "slug", slugs, frame=0) == {
            slug: url_for("library.demo", slug=slug, frame=0) for slug in slugs}
        assert id_urls("library.demo", "slug", ["a b", "clam"]) == {
            slug: url_for("library.demo", slug=slug) for slug in ["a b", "clam"]}


@given(ids=st.lists(st.integers(1, 10**9), max_size=5),
       slugs=st.lists(st.text(alphabet="ab-_.~/ %9é", min_size=1, max_size=6), max_size=5))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_id_urls_always_match_url_for(app, ids, slugs):
    from flask import url_for

    from exercise_app.pages import id_urls

    with app.test_request_context():
        assert id_urls("clinician.session", "session_id", ids, patient_id=7) == {
            n: url_for("clinician.session", patient_id=7, session_id=n) for n in ids}
        assert id_urls("library.demo", "slug", slugs, frame=1) == {
            slug: url_for("library.demo", slug=slug, frame=1) for slug in slugs}


def _stats(page: str) -> list[str]:
    return re.findall(r'<span class="stat-number">([^<]*)</span>', page)


def test_history_figures_from_the_summary_match_those_counted_from_the_logs(
        app, client, auth, world, library):
    from exercise_app.patient.history import prescribed
    from exercise_app.programmes.queries import versions
    from exercise_app.triage.operations import refresh_patient
    from exercise_app.triage.signals import history_figures

    assign(app, world.patient.id, world.physio.id, start=now_utc().date() - timedelta(days=40))
    bulk_history(app, world.patient.id, 30)
    with app.app_context():  # two missed days: a short streak and adherence below 100 %
        for days_ago in (3, 12):
            db.session.execute(delete(ExerciseLog).where(ExerciseLog.session_id.in_(
                select(ExerciseSession.id).where(
                    ExerciseSession.patient_id == world.patient.id,
                    ExerciseSession.local_date == now_utc().date() - timedelta(days=days_ago)))))
        patient = db.session.get(User, world.patient.id)
        refresh_patient(patient)
        db.session.commit()
        summary = db.session.get(PatientSummary, world.patient.id)
        assert history_figures(summary.days, prescribed(versions(patient.id)),
                               now_utc().date()) is not None  # the summary's path is taken
    auth.login(world.patient)
    from_summary = _stats(client.get("/history").data.decode())
    with app.app_context():
        db.session.execute(delete(PatientSummary))
        db.session.commit()
    counted = _stats(client.get("/history").data.decode())
    assert from_summary == counted
    assert counted[0] not in ("100%", "-") and counted[2] in ("2", "3")  # week, streak


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_escapes_formulas(app, patient_client, loop, start):
    form = routine_form(patient_client)
    form["notes"] = start + "HYPERLINK(\"http://evil\") caf\u00e9"
    assert patient_client.post("/routine", data=form).status_code == 303
    response = patient_client.get("/history.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())  # for Excel: the text is UTF-8
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0])[:2] == ["date", "started_at"]
    notes = [row["notes"] for row in rows if "HYPERLINK" in row["notes"]]
    assert notes and all(n == "'" + start + "HYPERLINK(\"http://evil\") caf\u00e9"
                         for n in notes)


def test_csv_times_are_on_the_patients_clock(app, client, auth, loop):
    """Beside the local date, the start and end times were in UTC: a session logged in the
    evening in Auckland read as the morning of the day before."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = "Pacific/Auckland"
    with app.app_context():
        db.session.get(User, loop.patient.id).time_zone = zone
        db.session.commit()
    auth.login(loop.patient)
    form = {**routine_form(client), "started_at": (now_utc() - timedelta(minutes=20)).isoformat()}
    assert client.post("/routine", data=form).status_code == 303
    for url in ("/history.csv", None):
        if url is None:
            auth.logout()
            auth.login(loop.physio)
            url = f"/clinic/patients/{loop.patient.id}/history.csv"
        rows = list(csv.DictReader(io.StringIO(client.get(url).data.decode("utf-8-sig"))))
        newest = next(row for row in rows if row["started_at"])
        started = datetime.fromisoformat(newest["started_at"])
        ended = datetime.fromisoformat(newest["ended_at"])
        assert started.utcoffset() == ended.utcoffset() == ZoneInfo(zone).utcoffset(
            ended.replace(tzinfo=None))
        assert ended.date().isoformat() == newest["date"] or started.date().isoformat() \
            == newest["date"]


def test_a_streak_longer_than_the_logs_read_for_it_keeps_counting(app, client, auth, world,
                                                                  library, monkeypatch):
    """The streak was counted from the last 13 weeks of logs: 150 days done in a row, and
    today's session, read as 91."""
    from exercise_app.patient import queries as patient_queries

    today = local_today(now_utc(), world.patient.time_zone)
    assign(app, world.patient.id, world.physio.id, start=today - timedelta(days=200))
    bulk_history(app, world.patient.id, 150, today=today)
    auth.login(world.patient)
    reads = []
    real_read = patient_queries.log_rows_since
    monkeypatch.setattr(patient_queries, "log_rows_since",
                        lambda patient_id, since: reads.append(since) or real_read(
                            patient_id, since))
    assert client.post("/routine", data=routine_form(client)).status_code == 303
    for url in ("/today", "/history"):
        assert re.search(r'<span class="stat-number">151</span> <span class="stat-label">day '
                         r'streak', client.get(url).data.decode()), url
    # The first count read the older logs (the summary had no first day for the streak);
    # the next carries the summary's on, reading only the logs the alerts read (from the
    # Monday five to six weeks back).
    assert min(reads) == today - timedelta(days=200)
    reads.clear()
    assert client.post("/routine", data=routine_form(client)).status_code == 303
    assert reads == [monday_of(today - timedelta(days=36))]
    assert re.search(r'<span class="stat-number">151</span> <span class="stat-label">day '
                     r'streak', client.get("/today").data.decode())


@pytest.mark.parametrize("url", ["/today", "/history", "/routine?all=1", "/programme"])
def test_queries_do_not_grow_with_history(app, client, auth, world, library, url):
    assign(app, world.patient.id, world.physio.id)
    assign(app, world.other_patient.id, world.other_physio.id)
    log(app, world.patient.id)
    auth.login(world.patient)
    client.get(url)  # saved programme versions are cached per worker after the first read
    with QueryCounter(app) as one:
        assert client.get(url).status_code == 200
    bulk_history(app, world.patient.id, 400)
    with QueryCounter(app) as many:
        assert client.get(url).status_code == 200
    assert many.count == one.count, (one.statements, many.statements)


def test_today_reads_the_cached_programme_without_a_query_until_a_new_version(
        app, client, auth, world, library):
    # Today learns which versions the patient has from its state query: while that set is
    # unchanged the worker's cached programme is used without reading the versions, and a new
    # version (here the physio's) shows on the very next page.
    from tests.factories import row

    assign(app, world.patient.id, world.physio.id, start=now_utc().date() - timedelta(days=3))
    auth.login(world.patient)
    client.get("/today")
    with QueryCounter(app) as cached:
        page = client.get("/today").data.decode()
    assert "Glute bridge" in page and "Dead bug" not in page
    assert not [s for s in cached.statements if "FROM programme_versions" in s.split("WHERE")[0]]
    assign(app, world.patient.id, world.physio.id, rows=(row("dead-bug"),),
           start=now_utc().date() - timedelta(days=1))
    with QueryCounter(app) as changed:
        page = client.get("/today").data.decode()
    assert "Dead bug" in page and "Glute bridge" not in page
    assert len(changed.statements) > len(cached.statements)


def test_log_post_queries_do_not_grow_with_history(app, client, auth, world, library):
    # The programme starts today, so neither run raises an alert (each new alert is one more
    # INSERT: bounded by the alert kinds, not by the history).
    assign(app, world.patient.id, world.physio.id, start=now_utc().date())
    auth.login(world.patient)
    form = routine_form(client)  # also warms the programme cache
    with QueryCounter(app) as one:
        assert client.post("/routine", data=form).status_code == 303
    bulk_history(app, world.patient.id, 400)
    form = routine_form(client)
    with QueryCounter(app) as many:
        assert client.post("/routine", data=form).status_code == 303
    assert many.count == one.count


# The physio's side ---------------------------------------------------------------------------


def editor_form(client, url) -> dict:
    page = client.get(url).data.decode()
    data: dict = {}
    for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*>', page):
        tag, name = m.group(0), m.group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name, []).append(value.group(1))
            continue
        data[name] = value.group(1) if value else ""
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', m.group(2)) or re.search(
            r'<option value="([^"]*)"', m.group(2))
        if "template" not in m.group(1):
            data[m.group(1)] = chosen.group(1)
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[m.group(1)] = m.group(2).strip()
    return data


def test_physio_assigns_from_a_template_and_changes_make_versions(app, client, auth, world,
                                                                  library, loaded_library):
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url + "?template=glute-strength&stage=2")
    stage = loaded_library.programmes["glute-strength"].stages[1]
    assert [form[f"exercises-{i}-exercise"] for i in range(len(stage.exercises))] == [
        e.exercise for e in stage.exercises]
    response = client.post(url + "?template=glute-strength&stage=2", data=form)
    assert response.status_code == 303
    # Change it: drop the first exercise, reorder, add one from scratch.
    form = editor_form(client, url)
    form["exercises-0-remove"] = "y"
    n = len(stage.exercises)
    form[f"exercises-{n}-exercise"] = "dowel-hinge"
    form[f"exercises-{n}-position"] = "0"
    form[f"exercises-{n}-frequency"] = "days"
    form[f"exercises-{n}-weekdays"] = ["1", "3"]
    form["note"] = "New week, new focus."
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        versions = db.session.scalars(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == world.patient.id).order_by(ProgrammeVersion.number)
        ).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].template_slug == "glute-strength" and versions[0].template_stage == 2
        # Edited without loading a template again, it is still that template's stage (the
        # caseload's "glute strength, stage 2" went blank).
        assert (versions[1].template_slug, versions[1].template_stage) == ("glute-strength", 2)
        first = [p.exercise_version.data["id"] for p in versions[0].prescriptions]
        second = [p.exercise_version.data["id"] for p in versions[1].prescriptions]
        assert first == [e.exercise for e in stage.exercises]
        assert second[0] == "dowel-hinge" and first[0] not in second
        assert versions[1].prescriptions[0].weekdays == 0b1010
        assert versions[1].note == "New week, new focus."


@pytest.mark.parametrize(("row", "order", "expected"), [
    (2, "1", [2, 0, 1]),  # up: before the row that had its number
    (0, "3", [1, 2, 0]),  # down: after it
    (1, "2", [0, 1, 2]),  # its own number: nothing moves
])
def test_a_row_given_another_rows_number_takes_its_place(app, client, auth, loop, row, order,
                                                          expected):
    """Order 1 typed on the third row saved it second: a tie went to the row that already
    had the number, so "change Order to reorder" did not reorder."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    names = [form[f"exercises-{n}-exercise"] for n in range(3)]
    form[f"exercises-{row}-position"] = order
    form["note"] = "Reordered."
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        newest = db.session.scalars(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == loop.patient.id)
            .order_by(ProgrammeVersion.number.desc())).first()
        assert [p.exercise_version.data["id"] for p in newest.prescriptions] == [
            names[n] for n in expected]


def test_past_sessions_keep_pointing_at_what_was_prescribed(app, client, auth, loop):
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    form["exercises-0-sets"] = "3"
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        session = db.session.get(ExerciseSession, loop.session_id)
        old = db.session.get(ProgrammeVersion, session.programme_version_id)
        assert old.number == 1 and old.prescriptions[0].sets == 2
        new = db.session.scalar(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == loop.patient.id, ProgrammeVersion.number == 2))
        assert new.prescriptions[0].sets == 3
        # Today's session is logged: the change starts tomorrow, so today stays done.
        today = local_today(now_utc(), loop.patient.time_zone)
        assert new.start_date == today + timedelta(days=1)


def test_saving_the_editor_unchanged_keeps_every_dose(app, client, auth, loop):
    """A blank reps or hold meant "the library's": re-saving added the library's 3 s hold to
    a bridge prescribed without one, and a 30 s hold to a reps exercise."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    form["note"] = "Same doses, a new note."  # a change, so a version with the doses read back
    assert client.post(url, data=form).status_code == 303

    def doses(number):
        with app.app_context():
            version = db.session.scalar(select(ProgrammeVersion).where(
                ProgrammeVersion.patient_id == loop.patient.id, ProgrammeVersion.number == number))
            return [(p.exercise_version.data["id"], p.sets, p.reps, p.hold_seconds,
                     p.rest_seconds, p.side.value, p.weekdays) for p in version.prescriptions]

    assert doses(2) == doses(1)
    assert doses(1)[0][3] is None  # the bridge, prescribed without a hold


def test_every_value_the_physio_types_is_stored(app, client, auth, world, library):
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    page = client.get(url).data.decode()
    # Days a week leave the patient to choose the days.
    assert ">3 days a week, any days</option>" in page
    assert ">Every day</option>" in page
    form = editor_form(client, url)
    form.update({
        "exercises-0-exercise": "glute-bridge", "exercises-0-sets": "3",
        "exercises-0-reps": "12", "exercises-0-hold_seconds": "4",
        "exercises-0-rest_seconds": "45", "exercises-0-side": "left",
        "exercises-0-tempo": "2-1-3", "exercises-0-load_note": "red band",
        "exercises-0-frequency": "3",
        "exercises-1-exercise": "clam", "exercises-1-reps": "15",
        "exercises-1-frequency": "days", "exercises-1-weekdays": ["0", "3"],
        "note": "Slow on the way down.",
    })
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        version = db.session.scalar(select(ProgrammeVersion))
        bridge, clam = version.prescriptions
        assert (bridge.sets, bridge.reps, bridge.hold_seconds, bridge.rest_seconds,
                bridge.side.value, bridge.tempo, bridge.load_note, bridge.sessions_per_week) == (
            3, 12, 4, 45, "left", "2-1-3", "red band", 3)
        assert bin(bridge.weekdays).count("1") == 3  # three days a week, spread out
        assert (clam.reps, clam.hold_seconds, clam.weekdays, clam.sessions_per_week) == (
            15, None, 0b1001, None)  # Monday and Thursday
        assert version.note == "Slow on the way down."


def test_a_new_row_takes_the_librarys_dose_and_side(app, client, auth, world, library):
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    assert form["exercises-0-side"] == ""  # "As the exercise is done"
    form["exercises-0-exercise"] = "clam"  # done one side at a time in the library
    assert client.post(url, data=form).status_code == 303
    clam = library.exercises["clam"].dose
    with app.app_context():
        p = db.session.scalar(select(ProgrammeVersion)).prescriptions[0]
        assert (p.side.value, p.sets, p.reps, p.hold_seconds) == (
            "each", clam.sets, clam.reps, clam.hold_seconds)


def test_the_editor_says_when_an_exercise_has_left_the_library(app, client, auth, loop):
    from exercise_app.models import LibraryExercise

    with app.app_context():
        clam = db.session.scalar(select(LibraryExercise).where(LibraryExercise.slug == "clam"))
        clam.retired_at = now_utc()
        db.session.commit()
    auth.login(loop.physio)
    page = client.get(f"/clinic/patients/{loop.patient.id}/programme").data.decode()
    assert ("Clam is no longer in the library, so saving leaves it out: choose another "
            "exercise in its place.") in page


def test_the_editor_starts_today_when_nothing_is_logged_today(app, client, auth, world, library):
    auth.login(world.physio)
    form = editor_form(client, f"/clinic/patients/{world.patient.id}/programme")
    assert form["start_date"] == local_today(now_utc(), world.patient.time_zone).isoformat()
    assert form["based_on"] == "0"


@pytest.mark.parametrize(("days", "message"), [
    (-1, "or a later day."), (-30, "or a later day."), (366, "within a year from today")])
def test_a_programme_cannot_start_in_the_past_or_years_ahead(app, client, auth, loop, days,
                                                             message):
    """A start in the past rewrote history: the days done under the version before were
    counted against the new one (streak and adherence fell on both pages)."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    today = local_today(now_utc(), loop.patient.time_zone)
    form["start_date"] = (today + timedelta(days=days)).isoformat()
    before = snapshot(app)
    response = client.post(url, data=form)
    assert response.status_code == 422 and message in response.data.decode()
    assert snapshot(app) == before
    form["start_date"] = today.isoformat()  # today itself is allowed, if the physio wants it
    assert client.post(url, data=form).status_code == 303


def test_saving_over_a_version_made_since_the_editor_opened_is_refused(app, client, auth, loop):
    """The physio opens the editor; meanwhile the rules step a dose down (a new version);
    saving the editor as it was would silently undo the step-down."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    assert form["based_on"] == "1"
    with app.app_context():  # the rules' step-down, as a new version
        from exercise_app.programmes.operations import DoseChange, copy_with_changes
        from exercise_app.programmes.queries import current

        copy_with_changes(current(loop.patient.id), {1: DoseChange(1, 8, None)},
                          start_date=now_utc().date(), created_by=None,
                          source=VersionSource.RULES)
        db.session.commit()
    form["note"] = "Edited while the rules changed the dose"
    before = snapshot(app)
    response = client.post(url, data=form)
    assert response.status_code == 409
    assert ("The programme changed while you were editing it: version 2 was saved by the "
            "progression rules since you opened the editor.") in response.data.decode()
    assert snapshot(app) == before
    fresh = editor_form(client, url)  # opened again, from version 2
    assert fresh["based_on"] == "2" and fresh["exercises-0-sets"] == "1"
    fresh["note"] = "Edited after the rules changed the dose"  # unchanged, nothing is saved
    assert client.post(url, data=fresh).status_code == 303
    twice = client.post(url, data=fresh)  # a double click: the first one saved it
    assert twice.status_code == 409 and "version 3 was saved by you (sent twice?)" in \
        twice.data.decode()


NOTHING_CHANGED = ("Nothing was changed, so the programme is as it was: no new version was "
                   "saved.")


def today_of(world) -> date:
    return local_today(now_utc(), world.patient.time_zone)


def versions_of(app, patient_id) -> list[tuple[int, date, str]]:
    with app.app_context():
        return [(v.number, v.start_date, v.note) for v in db.session.scalars(
            select(ProgrammeVersion).where(ProgrammeVersion.patient_id == patient_id)
            .order_by(ProgrammeVersion.number))]


def test_saving_the_editor_unchanged_saves_nothing(app, client, auth, loop):
    """An identical version was saved: a new "since" date on the patient's programme, the
    rules' last words on Today ended and the "next step" alerts resolved, for nothing. The
    physio resolves those alerts on the alert itself."""
    add_alert(app, loop.patient.id, level="low", code="ready_for_next")
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    # Today's session is logged, so the editor starts tomorrow: version 1 is in force then
    # already (it began on 5 January), and saving it again from tomorrow changes nothing.
    assert form["start_date"] == (today_of(loop) + timedelta(days=1)).isoformat()
    before = snapshot(app)
    response = client.post(url, data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/clinic/patients/{loop.patient.id}"
    assert snapshot(app) == before  # no version, audit event, summary or alert change
    assert NOTHING_CHANGED in client.get(response.headers["Location"]).data.decode()
    form["start_date"] = today_of(loop).isoformat()  # version 1 is in force today too
    assert client.post(url, data=form).status_code == 303
    assert [number for number, _, _ in versions_of(app, loop.patient.id)] == [1]


@pytest.mark.parametrize("change", [{"note": "A new focus this week."},
                                    {"exercises-0-sets": "3"},
                                    {"exercises-1-side": "left"},
                                    {"exercises-0-remove": "y"}])
def test_any_one_change_in_the_editor_saves_a_version(app, client, auth, loop, change):
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    response = client.post(url, data={**editor_form(client, url), **change})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).data.decode()
    assert "programme is saved." in page and NOTHING_CHANGED not in page
    assert [number for number, _, _ in versions_of(app, loop.patient.id)] == [1, 2]


def test_a_version_scheduled_ahead_saved_from_an_earlier_day_is_a_change(app, client, auth,
                                                                         world, library):
    """Only the start date differs: the programme starts sooner, so it is saved."""
    ahead = today_of(world) + timedelta(days=7)
    assign(app, world.patient.id, world.physio.id, start=ahead)
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    assert form["start_date"] == today_of(world).isoformat()
    form["start_date"] = ahead.isoformat()  # its own start: nothing changes
    response = client.post(url, data=form)
    assert response.status_code == 303
    assert NOTHING_CHANGED in client.get(response.headers["Location"]).data.decode()
    form["start_date"] = today_of(world).isoformat()  # a week sooner
    assert client.post(url, data=form).status_code == 303
    assert versions_of(app, world.patient.id) == [(1, ahead, "Keep it gentle."),
                                                   (2, today_of(world), "Keep it gentle.")]


def test_an_unchanged_save_over_a_newer_version_is_still_refused(app, client, auth, loop):
    """Nothing changed in the editor, but since it opened the rules saved version 2: the
    physio is told, as for any save over it, not that nothing changed."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    with app.app_context():
        from exercise_app.programmes.operations import DoseChange, copy_with_changes
        from exercise_app.programmes.queries import current

        copy_with_changes(current(loop.patient.id), {1: DoseChange(1, 8, None)},
                          start_date=now_utc().date(), created_by=None,
                          source=VersionSource.RULES)
        db.session.commit()
    response = client.post(url, data=form)
    assert response.status_code == 409
    assert "version 2 was saved by the progression rules" in response.data.decode()


@pytest.mark.parametrize("stage", ["0", "4", "x"])
def test_the_editor_opens_a_template_stage_only_if_it_is_one(client, auth, world, library,
                                                            stage):
    """Opening stage 4 of a three-stage template loaded stage 3, which every save then
    refused; "x" loaded nothing and said nothing."""
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    response = client.get(url + f"?template=hip-and-back-starter&stage={stage}")
    assert response.status_code == 422
    page = response.data.decode()
    assert 'id="stage-error">Choose a stage of the template from 1 to 3.' in page
    assert 'aria-describedby="stage-error"' in page


def test_a_blank_template_stage_is_the_first_when_opened_and_saved(app, client, auth, world,
                                                                   library, loaded_library):
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme?template=hip-and-back-starter&stage="
    form = editor_form(client, url)
    first = loaded_library.programmes["hip-and-back-starter"].stages[0]
    assert form["exercises-0-exercise"] == first.exercises[0].exercise
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        version = db.session.scalar(select(ProgrammeVersion))
        assert (version.template_slug, version.template_stage) == ("hip-and-back-starter", 1)


@pytest.mark.parametrize("stage", ["-5", "0", "9999999", "4", "x"])
def test_a_template_stage_that_is_not_the_templates_is_refused(app, client, auth, world,
                                                               library, stage):
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url + "?template=hip-and-back-starter&stage=2")
    before = snapshot(app)
    response = client.post(url + f"?template=hip-and-back-starter&stage={stage}", data=form)
    assert response.status_code == 422
    assert "Choose a stage of the template from 1 to" in response.data.decode()
    assert snapshot(app) == before


def test_the_patient_page_links_the_library_without_what_their_precautions_flag(
        app, client, auth, world, library):
    auth.login(world.physio)
    page_url = f"/clinic/patients/{world.patient.id}"
    assert "Browse the library without" not in client.get(page_url).data.decode()
    client.post(f"{page_url}/precautions",
                data={"precautions": ["posterior-thr-early", "gluteal-tendinopathy"]})
    page = client.get(page_url).data.decode()
    link = re.search(r'<a href="([^"]+)">Browse the library without what these precautions '
                     r'flag</a>', page)
    assert link is not None, page
    listed = client.get(html.unescape(link.group(1))).data.decode()
    assert "Glute bridge" in listed
    for flagged in (">Double knee to chest<", ">Clam<"):
        assert flagged not in listed


def test_precautions_flag_and_confirm(app, client, auth, world, library):
    auth.login(world.physio)
    assert client.post(f"/clinic/patients/{world.patient.id}/precautions",
                       data={"precautions": ["posterior-thr-early"]}).status_code == 303
    url = f"/clinic/patients/{world.patient.id}/programme"
    page = client.get(url).data.decode()
    assert "caution: Early after a posterior-approach hip replacement" in page
    # The exercises flagged for the patient's precautions are listed apart, after the rest.
    start = page.index('<select class="input" id="exercises-0-exercise"')
    first_select = page[start:page.index("</select>", start)]
    suitable, _, flagged = first_select.partition(
        '<optgroup label="Needs care with this patient&#39;s precautions">')
    assert "Glute bridge" in suitable and "caution" not in suitable
    assert "Double knee to chest - caution" in flagged and "Glute bridge<" not in flagged
    form = editor_form(client, url)
    form["exercises-0-exercise"] = "double-knee-to-chest"
    before = snapshot(app)
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert b"needs care with early after a posterior-approach hip replacement" in response.data
    assert snapshot(app) == before
    # A tick sent without the warnings shown is no confirmation ...
    assert client.post(url, data={**form, "confirm_precautions": "y"}).status_code == 422
    key = re.search(r'name="confirmed_clashes" type="hidden" value="([0-9a-f]{64})"',
                    response.data.decode()).group(1)
    # ... nor one for these warnings when another flagged exercise is added with it.
    changed = client.post(url, data={**form, "confirm_precautions": "y", "confirmed_clashes": key,
                                     "exercises-1-exercise": "sit-to-stand"})
    assert changed.status_code == 422
    assert b"have changed since you ticked the box" in changed.data
    assert b"Sit to stand needs care" in changed.data
    assert snapshot(app) == before
    form.update(confirm_precautions="y", confirmed_clashes=key)
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(PatientPrecaution.precaution)) == "posterior-thr-early"
        version = db.session.scalar(select(ProgrammeVersion))
        assert [p.exercise_version.data["id"] for p in version.prescriptions] == [
            "double-knee-to-chest"]


def test_precautions_recorded_later_are_checked_against_the_programme(app, client, auth, loop):
    """The default programme has knee to chest, flagged for early posterior hip replacement:
    recorded after the programme was assigned, the precaution is flagged on the patient page."""
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}"
    assert "Check against the precautions recorded" not in client.get(url).data.decode()
    client.post(f"{url}/precautions", data={"precautions": ["posterior-thr-early"]})
    page = client.get(url).data.decode()
    assert "Check against the precautions recorded" in page
    assert "Knee to chest needs care with early after a posterior-approach hip replacement." \
        in page
    assert "Glute bridge needs care" not in page


def test_precautions_recorded_later_are_checked_against_a_programme_scheduled_ahead(
        app, client, auth, loop):
    """A precaution recorded after the physio scheduled the next programme was checked against
    the programme in force only: the one to come was not flagged until it had started."""
    from exercise_app.domain.scheduling import local_today
    from exercise_app.models import now_utc
    from exercise_app.programmes.operations import save_programme
    from tests.factories import row

    with app.app_context():
        patient = db.session.get(User, loop.patient.id)
        save_programme(patient, db.session.get(User, loop.physio.id),
                       start_date=local_today(now_utc(), patient.time_zone) + timedelta(days=10),
                       note="", rows=[row("butterfly-stretch")])
        db.session.commit()
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}"
    assert "Butterfly stretch needs care" not in client.get(url).data.decode()
    client.post(f"{url}/precautions", data={"precautions": ["posterior-thr-early"]})
    page = client.get(url).data.decode()
    assert "Check version 2 against the precautions recorded before it starts" in page
    assert ("Butterfly stretch needs care with early after a posterior-approach hip "
            "replacement.") in page


BAD_EDITS = [
    ("exercises-0-exercise", "no-such-exercise", b"Choose an exercise from the library"),
    ("exercises-0-sets", "0", b"Number must be between"),
    ("exercises-0-sets", "\uff13", b"Enter a whole number"),
    ("exercises-0-tempo", "fast", b"three numbers of seconds"),
    ("exercises-0-tempo", "\u0662-\u0661-\u0662", b"three numbers of seconds"),
    ("exercises-0-tempo", "0-0-0", b"not all 0"),
    ("exercises-0-tempo", "21-1-1", b"from 0 to 20"),
    ("exercises-0-weekdays", "9", b"not a valid choice"),
    # ticks beside "3 a week" were dropped without a word, and Mon, Wed, Fri saved
    ("exercises-0-weekdays", "1", b"are the schedule only with"),
    # two rows of one exercise: the rules read logs by exercise and pooled them
    ("exercises-1-exercise", "glute-bridge", b"is already in the programme (row 1)"),
    ("exercises-0-side", "middle", b"Not a valid choice"),
    ("start_date", "2026-13-45", b"Not a valid date"),
    ("note", "x" * 2001, b"longer than"),
]


def test_editor_bad_input(app, client, auth, world, library):
    """Each bad value on its own, against one world (a refusal changes nothing); every case
    not refused with its message is listed."""
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = {**editor_form(client, url), "exercises-0-exercise": "glute-bridge"}
    before = snapshot(app)
    wrong = []
    for field, value, message in BAD_EDITS:
        response = client.post(url, data={**form, field: value})
        if (response.status_code != 422 or message not in response.data
                or snapshot(app) != before):
            wrong.append((field, value[:20], response.status_code))
    assert wrong == []


def test_row_numbers_that_are_not_plain_digits_are_not_rows(app, client, auth, loop):
    """WTForms read a row number with ``str.isdigit``, which passes "\u00b9"; ``int`` then
    refused it, a 500 on the editor and the routine alike. Such names are not rows."""
    odd = {"exercises-\u00b9-exercise": "clam", "exercises-\u00b9-prescription_id": "1",
           "exercises-" + "9" * 5000 + "-status": "done"}
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    assert client.post(url, data={**editor_form(client, url), **odd}).status_code == 303
    auth.logout()
    auth.login(loop.patient)
    assert client.post("/routine", data={**routine_form(client), **odd}).status_code == 303


def test_physio_sees_the_history_and_session_notes_escaped(app, client, auth, loop):
    with app.app_context():
        session = db.session.get(ExerciseSession, loop.session_id)
        session.notes = "<img src=x onerror=alert(1)> sore today"
        db.session.commit()
    bulk_history(app, loop.patient.id, 20)  # days done, partly done and missed
    auth.login(loop.patient)
    mine = client.get("/history").data.decode()
    auth.logout()
    auth.login(loop.physio)
    page = client.get(f"/clinic/patients/{loop.patient.id}").data.decode()
    assert "Current programme" in page and "adherence, last 28 days" in page

    def block(html: str, start: str, end: str) -> str:
        return html[html.index(start):html.index(end, html.index(start))]

    # The same history as the patient sees: figures, calendar, pain table and volume.
    assert _stats(page) == _stats(mine)
    for start, end in (('<table class="calendar">', "</table>"),
                       ("<summary>Show the pain scores", "</details>"),
                       ("<h2>Exercise volume", "</section>")):
        assert block(page, start, end) == block(mine, start, end)
    detail = client.get(f"/clinic/patients/{loop.patient.id}/sessions/{loop.session_id}")
    assert b"&lt;img src=x onerror=alert(1)&gt; sore today" in detail.data
    # Whose session it is, in the heading and the title (a physio has several tabs open).
    name = html.escape(loop.patient.display_name)
    assert re.search(rf"<h1>{re.escape(name)}: session of \w+day ", detail.data.decode())
    assert f"<title>{name}: session of" in detail.data.decode()
    csv = client.get(f"/clinic/patients/{loop.patient.id}/history.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"


def test_physio_patient_page_queries_do_not_grow(app, client, auth, loop):
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}"
    client.get(url)  # warm the per-worker cache of saved programme versions
    with QueryCounter(app) as one:
        client.get(url)
    bulk_history(app, loop.patient.id, 300)
    with QueryCounter(app) as many:
        page = client.get(url)
    assert page.status_code == 200 and "Timeline" in page.data.decode()
    assert page.data.decode().count(f"/clinic/patients/{loop.patient.id}/sessions/") > 30
    assert many.count == one.count


def test_sessions_are_dated_in_the_patients_time_zone(app, client, auth, world, library):
    from datetime import UTC, datetime

    with app.app_context():
        from exercise_app.models import User

        db.session.get(User, world.patient.id).time_zone = "Pacific/Kiritimati"  # UTC+14
        db.session.commit()
    assign(app, world.patient.id, world.physio.id)
    started = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    if started > datetime.now(UTC):
        started -= timedelta(days=1)
    session_id = log(app, world.patient.id, started_at=started)
    with app.app_context():
        stored = db.session.get(ExerciseSession, session_id)
        assert stored.local_date == started.date() + timedelta(days=1)
    assert date  # imported for type clarity
    assert count(app, ExerciseLog) == 3


def test_programme_cache_never_serves_a_reused_id(app, world, library):
    """An emptied or restored database can hand out an id again: the cache must miss."""
    from exercise_app.programmes import queries as programme_queries
    from tests.conftest import empty_tables
    from tests.factories import row

    assign(app, world.patient.id, world.physio.id, rows=[row("glute-bridge")])
    with app.test_request_context():
        first = programme_queries.versions(world.patient.id)
    empty_tables(app)
    with app.app_context():
        from exercise_app.library.sync import sync_library
        from exercise_app.models import CareRelationship, Clinic, Role, User
        from tests.conftest import add_user, loaded_library_for_tests

        sync_library(db.session(), loaded_library_for_tests())
        clinic = Clinic(name="Again")
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Again Physio")
        patient = add_user(clinic, Role.PATIENT, "Again Patient", physio=physio)
        db.session.commit()
        ids = (patient.id, physio.id)
        assert CareRelationship and User
    assign(app, ids[0], ids[1], rows=[row("clam"), row("glute-bridge")])
    with app.test_request_context():
        second = programme_queries.versions(ids[0])
    assert [len(v.prescriptions) for v in first] == [1]
    assert [len(v.prescriptions) for v in second] == [2]


def test_a_patient_changes_their_time_zone_and_today_follows(app, patient_client, loop):
    """The zone was set once, on accepting the invitation: a wrong choice, or travel, left
    Today, the streak and the dates of new sessions a day out, with no way to change it."""
    page = patient_client.get("/today").data.decode()
    assert "Your days are counted in the time zone Europe/London." in page
    assert 'href="/account/time-zone"' in page
    before = snapshot(app)
    bad = patient_client.post("/account/time-zone", data={"time_zone": "Mars/Olympus_Mons"})
    assert bad.status_code == 422 and snapshot(app) == before
    response = patient_client.post("/account/time-zone", data={"time_zone": "Pacific/Kiritimati"})
    assert response.status_code == 303
    with app.app_context():
        patient = db.session.get(User, loop.patient.id)
        assert patient.time_zone == "Pacific/Kiritimati"
        # The summary Today reads was written again, for the new zone's today.
        summary = db.session.get(PatientSummary, loop.patient.id)
        assert summary.summary_on == local_today(now_utc(), "Pacific/Kiritimati")
    page = patient_client.get("/today").data.decode()
    assert "Your time zone is now Pacific/Kiritimati." in page
    assert "Your days are counted in the time zone Pacific/Kiritimati." in page


def test_the_patient_sees_the_soonest_scheduled_programme_and_its_exercises(
        app, client, auth, world, library):
    """Version 1 from in 6 days, version 2 (other exercises) from in 20: Today named the 20th
    and My programme showed no exercises at all before the first started."""
    with app.app_context():
        today = local_today(now_utc(), db.session.get(User, world.patient.id).time_zone)
    assign(app, world.patient.id, world.physio.id, start=today + timedelta(days=6))
    assign(app, world.patient.id, world.physio.id, rows=(row("clam", side=Side.EACH),),
           start=today + timedelta(days=20))
    auth.login(world.patient)
    first = (today + timedelta(days=6)).strftime("%A %-d %B")
    assert f"Your programme starts on {first}" in client.get("/today").data.decode()
    page = client.get("/programme").data.decode()
    assert f"From {first}" in page and "Glute bridge" in page
    assert f"Print my programme from {first}" in page  # what the handout prints
    assert (today + timedelta(days=20)).strftime("%A %-d %B") not in page


def _patient_clock(monkeypatch, patient, local: datetime) -> datetime:
    """Set the app's clock to the patient's wall-clock ``local``; the instant, in UTC."""
    from zoneinfo import ZoneInfo

    from exercise_app.patient import operations, routine

    instant = local.replace(tzinfo=ZoneInfo(patient.time_zone)).astimezone(UTC)
    monkeypatch.setattr(routine, "now_utc", lambda: instant)
    monkeypatch.setattr(operations, "now_utc", lambda: instant)
    return instant


def test_a_checklist_sent_after_midnight_is_the_day_it_was_opened(app, patient_client, loop,
                                                                   monkeypatch):
    """Without JavaScript the page sets no start: opened at 23:40 and sent at 00:05, the
    session was the next day's, and the evening's day stayed missed."""
    _patient_clock(monkeypatch, loop.patient, datetime(2026, 11, 26, 23, 40))
    form = routine_form(patient_client)
    assert form["opened_at"]
    _patient_clock(monkeypatch, loop.patient, datetime(2026, 11, 27, 0, 5))
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalars(select(ExerciseSession).order_by(
            ExerciseSession.id.desc())).first()
        assert session.local_date == date(2026, 11, 26)


def test_a_routine_left_open_overnight_is_the_day_it_is_sent(app, patient_client, loop,
                                                             monkeypatch):
    """Started at 22:50 and sent at 08:30 from the same tab: it was dated the day before."""
    started = _patient_clock(monkeypatch, loop.patient, datetime(2026, 11, 26, 22, 50))
    form = {**routine_form(patient_client), "started_at": started.isoformat()}
    _patient_clock(monkeypatch, loop.patient, datetime(2026, 11, 27, 8, 30))
    assert patient_client.post("/routine", data=form).status_code == 303
    with app.app_context():
        session = db.session.scalars(select(ExerciseSession).order_by(
            ExerciseSession.id.desc())).first()
        assert session.local_date == date(2026, 11, 27) and session.started_at is None


def test_a_session_logged_while_the_editor_is_open_moves_its_start_to_tomorrow(
        app, client, auth, world, library):
    """The editor offered today; the patient then did today's session; saved as offered, the
    new version turned the day already done into "partly done". Now the start is moved to
    tomorrow once, with a message; choosing today again starts today."""
    assign(app, world.patient.id, world.physio.id)
    with app.app_context():
        today = local_today(now_utc(), db.session.get(User, world.patient.id).time_zone)
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    assert form["start_date"] == today.isoformat() and form["exercised_today"] == "0"
    form["exercises-0-sets"] = "3"  # a change: saved unchanged, no version would be made
    log(app, world.patient.id)  # while the physio edits
    versions_before = count(app, ProgrammeVersion)
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    page = refused.data.decode()
    assert "logged today&#39;s session while you were editing" in page
    assert f'value="{today + timedelta(days=1)}"' in page and count(app, ProgrammeVersion) \
        == versions_before
    assert re.search(r'name="exercised_today" type="hidden" value="1"', page)
    again = {**form, "exercised_today": "1"}  # the re-shown form, with today chosen again
    assert client.post(url, data=again).status_code == 303
    with app.app_context():
        newest = db.session.scalars(select(ProgrammeVersion).order_by(
            ProgrammeVersion.id.desc())).first()
        assert newest.start_date == today


def test_todays_session_adds_to_a_long_streak_after_a_same_day_refresh(app, client, auth,
                                                                      world, library):
    """A 130-day streak, a refresh earlier today (a morning check-in, a screen, the physio's
    change), then today's session: the streak stayed at 130, the session taken off what the
    first refresh kept of the days before the logs read (found by a review)."""
    today = local_today(now_utc(), world.patient.time_zone)
    assign(app, world.patient.id, world.physio.id, rows=[row("glute-bridge")],
           start=today - timedelta(days=130))
    bulk_history(app, world.patient.id, 130, today)
    with app.app_context():
        refresh_patient(db.session.get(User, world.patient.id))
        db.session.commit()
        assert db.session.get(PatientSummary, world.patient.id).days["streak"] == 130
    log(app, world.patient.id, started_at=now_utc())
    with app.app_context():
        assert db.session.get(PatientSummary, world.patient.id).days["streak"] == 131
    auth.login(world.patient)
    assert re.search(r'<span class="stat-number">131</span> <span class="stat-label">day '
                     r'streak', client.get("/today").data.decode())
