"""Found by a review of concurrency, idempotency and data integrity: two requests at once
(two workers, two tabs, a double tap, a retry) on the same rows.

Each test runs on PostgreSQL only, where the workers' transactions really overlap; SQLite
runs one writer at a time (``BEGIN IMMEDIATE``), so there the requests simply queue. Each
test makes the interleaving deterministic: a request is held at a named point (a wrapped
function) until the other has done what the race needs, and a request waiting for a row
lock is seen in ``pg_stat_activity``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import aliased
from sqlalchemy.pool import NullPool

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertAction,
    AlertStatus,
    CareRelationship,
    ExerciseSession,
    PatientSummary,
    Screening,
    User,
    now_utc,
)
from tests.conftest import PASSWORD
from tests.factories import assign
from tests.web import test_checkin_changes

morning = test_checkin_changes.morning  # the fixture: two sessions, and the morning after

WAIT = 15  # seconds any step of a race may take before the test gives up


@pytest.fixture
def pg_only(database_url):
    assert database_url.startswith("postgresql")
    return database_url


# PostgreSQL only, where the workers' transactions overlap: on SQLite the requests queue for
# its one write lock, so these tests are not made there at all (rather than skipped).
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def signed_in(app, user) -> object:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    return client


class Request(threading.Thread):
    """One request in a thread of its own: ``result`` is its status, or the name of the
    exception the test client re-raised (what became a 500)."""

    def __init__(self, name: str, call: Callable[[], object]) -> None:
        super().__init__(name=name, daemon=True)
        self.call = call
        self.result: object = None

    def run(self) -> None:
        try:
            self.result = self.call().status_code
        except Exception as error:
            self.result = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"

    def finish(self) -> object:
        self.join(WAIT * 2)
        assert not self.is_alive(), f"{self.name} never finished"
        return self.result


def hold(monkeypatch, module, name: str, *, thread: str, before: bool = False):
    """Wrap ``module.name`` so that, in the thread named ``thread``, it signals ``reached``
    (after the call, or ``before`` it) and then waits for ``go``. Returns (reached, go)."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(module, name)

    def held(*args, **kwargs):
        mine = threading.current_thread().name == thread
        if mine and before:
            reached.set()
            assert go.wait(WAIT), f"{name} was never released"
        value = original(*args, **kwargs)
        if mine and not before:
            reached.set()
            assert go.wait(WAIT), f"{name} was never released"
        return value

    monkeypatch.setattr(module, name, held)
    return reached, go


def lock_waiters(url: str) -> int:
    """How many backends of the test database wait for a lock (a row lock held by another
    request's open transaction)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def wait_for_lock_waiters(url: str) -> None:
    """Wait until a request waits for the other's lock."""
    wait_until(lambda: lock_waiters(url) > 0, "a request waits for the other's lock")


class Meet:
    """Where two requests meet: each waits until the other has arrived too, as when two arrive
    at once, or until one of them waits for a lock (a fixed app that serialises them before
    this point: the other never arrives while the first holds its lock)."""

    def __init__(self, url: str, parties: int = 2) -> None:
        self.url, self.parties = url, parties
        self.arrived = 0
        self.count_lock = threading.Lock()

    def wait(self) -> None:
        with self.count_lock:
            self.arrived += 1
        wait_until(lambda: self.arrived >= self.parties or lock_waiters(self.url) > 0,
                   "the other request arrives")


def meet_around(monkeypatch, url: str, module, name: str, *, after: bool = False) -> None:
    """Wrap ``module.name`` so that both requests meet before it runs (or ``after`` it has run
    in both): each has read what it reads first, as when two arrive at once."""
    meet = Meet(url)
    original = getattr(module, name)

    def together(*args, **kwargs):
        if not after:
            meet.wait()
        value = original(*args, **kwargs)
        if after:
            meet.wait()
        return value

    monkeypatch.setattr(module, name, together)


def refused(result: object) -> bool:
    """A request answered with a refusal (a 4xx), not a success nor an error."""
    return isinstance(result, int) and 400 <= result < 500


def one_saved_one_refused(results: list[object], saved: int = 303) -> bool:
    """Of two requests, one saved (``saved``) and the other was refused (a 4xx)."""
    return len(results) == 2 and saved in results and any(refused(r) for r in results)


def outbox(app) -> list:
    return getattr(app.extensions["mailman"], "outbox", [])


# Alerts --------------------------------------------------------------------------------------


def test_an_alert_resolved_twice_at_once_is_resolved_once(app, loop, monkeypatch, pg_only):
    """The physio clicks "Resolve" in two tabs (or double-taps it). ``act_on_alert`` checks the
    alert's status as the request loaded it, without a lock, so both requests see it open,
    both answer "Alert resolved." and the alert's history shows it resolved twice, with two
    notes. The second should be refused (409 "already resolved") and add nothing."""
    from exercise_app.triage import queries

    meet_around(monkeypatch, pg_only, queries, "alert_for", after=True)
    url = f"/clinic/patients/{loop.patient.id}/alerts/{loop.alert_id}"
    tabs = [signed_in(app, loop.physio) for _ in range(2)]
    requests = [
        Request(f"tab {n}", lambda c=c, n=n: c.post(
            url, data={"status": "resolved", "note": f"Phoned the patient ({n})."}))
        for n, c in enumerate(tabs, start=1)]
    for r in requests:
        r.start()
    results = [r.finish() for r in requests]
    with app.app_context():
        actions = db.session.scalar(select(func.count()).select_from(AlertAction).where(
            AlertAction.alert_id == loop.alert_id))
    assert one_saved_one_refused(results), results
    assert actions == 1


def test_an_acknowledge_sent_with_a_resolve_does_not_reopen_the_alert(app, loop, monkeypatch,
                                                                     pg_only):
    """Two physios' tabs (or a colleague) act on one alert at once: one resolves it, the other,
    whose page loaded it open, acknowledges it a moment later. The acknowledgement overwrites
    the resolution (no lock, no check of the status it read), so the alert the physio
    resolved with a note is back on the caseload as "acknowledged", still counted, and its
    history reads resolved-then-acknowledged. The acknowledgement should be refused."""
    from exercise_app.triage import queries

    reached, go = hold(monkeypatch, queries, "alert_for", thread="acknowledge")
    url = f"/clinic/patients/{loop.patient.id}/alerts/{loop.alert_id}"
    acknowledging = signed_in(app, loop.physio)
    resolving = signed_in(app, loop.physio)
    acknowledge = Request("acknowledge", lambda: acknowledging.post(
        url, data={"status": "acknowledged", "note": ""}))
    resolve = Request("resolve", lambda: resolving.post(
        url, data={"status": "resolved", "note": "Seen in clinic today."}))
    acknowledge.start()
    assert reached.wait(WAIT)  # it has loaded the alert, still open
    resolve.start()
    wait_until(lambda: not resolve.is_alive() or lock_waiters(pg_only) > 0,
               "the resolution is saved (or waits for the acknowledgement)")
    go.set()
    assert resolve.finish() == 303
    result = acknowledge.finish()
    with app.app_context():
        alert = db.session.get(Alert, loop.alert_id)
        summary = db.session.get(PatientSummary, loop.patient.id)
        state = (alert.status, summary.open_high)
    assert refused(result), result
    assert state == (AlertStatus.RESOLVED, 0)


# Links used twice ----------------------------------------------------------------------------


FIRST = "copper-meadow-seventeen"
SECOND = "violet-harbour-twentytwo"


def test_a_reset_link_used_twice_at_once_sets_one_password(app, world, monkeypatch, pg_only):
    """A password-reset link is single-use, but two submissions of it at once (two tabs, or
    the owner and someone who read the mail) both pass ``find_password_reset`` before either
    marks it used: both are told "Your password is changed", and the first password set
    silently stops working. The second should get the "link no longer works" page."""
    from exercise_app.auth import operations

    with app.app_context():
        token = operations.create_password_reset(db.session.get(User, world.patient.id),
                                                 timedelta(hours=1))
        db.session.commit()
    meet_around(monkeypatch, pg_only, operations, "reset_password")
    requests = [Request(password, lambda p=password: app.test_client().post(
        f"/password/reset/{token}", data={"password": p, "confirm": p}))
        for password in (FIRST, SECOND)]
    for r in requests:
        r.start()
    results = [r.finish() for r in requests]
    assert one_saved_one_refused(results), results
    # Whoever was told the password changed can sign in with it.
    told = FIRST if results[0] == 303 else SECOND
    response = app.test_client().post("/login", data={"email": world.patient.email,
                                                      "password": told})
    assert response.status_code == 303


def test_an_invitation_accepted_twice_at_once_sets_one_password(app, world, monkeypatch,
                                                                pg_only):
    """An invitation link is single-use and stops working once the person has joined; sent
    twice at once (a double tap on "Create account", or two tabs) both requests find it
    unused, both set a password and both sign in: the account ends with the second password,
    the first tab's session is signed out by the second's new token, and both were told
    "Your account is ready". The second should be refused."""
    from exercise_app.auth import operations

    with app.app_context():
        token = operations.create_invitation(db.session.get(User, world.invited_patient.id),
                                             db.session.get(User, world.physio.id),
                                             timedelta(days=1))
        db.session.commit()
    meet_around(monkeypatch, pg_only, operations, "accept_invitation")
    requests = [Request(password, lambda p=password: app.test_client().post(
        f"/invitations/{token}",
        data={"password": p, "confirm": p, "time_zone": "Europe/London"}))
        for password in (FIRST, SECOND)]
    for r in requests:
        r.start()
    results = [r.finish() for r in requests]
    assert one_saved_one_refused(results), results


# Accounts ------------------------------------------------------------------------------------


def test_inviting_one_address_twice_at_once_is_not_a_500(app, world, pg_only):
    """A physio double-taps "Invite" (or two physios invite the same new patient): both
    requests check the address is free, both insert, and the second insert fails on the
    unique e-mail: an Internal Server Error instead of "An account with this e-mail address
    already exists." (``accounts._new_user`` checks, then inserts)."""
    from sqlalchemy import event

    meet = Meet(pg_only)

    def before_insert(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO USERS"):
            meet.wait()  # both have found the address free

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_insert)
    try:
        tabs = [signed_in(app, world.physio) for _ in range(2)]
        requests = [Request(f"tab {n}", lambda c=c: c.post(
            "/clinic/patients/invite",
            data={"email": "new.patient@example.org", "display_name": "Nia New"}))
            for n, c in enumerate(tabs, start=1)]
        for r in requests:
            r.start()
        results = [r.finish() for r in requests]
    finally:
        event.remove(engine, "before_cursor_execute", before_insert)
    assert one_saved_one_refused(results, saved=201), results


def test_a_patient_invited_while_the_admin_deactivates_the_physio_is_not_left_without_one(
        app, world, monkeypatch, pg_only):
    """The admin deactivates a leaving physio, handing their patients to a colleague, while
    that physio invites one more patient. The hand-over moves the patients it can see and
    counts none left, the invitation commits just after: the new patient is in the care of a
    deactivated physio, whom nobody signs in as, so their alerts and red-flag e-mails reach
    no one. Either the deactivation should see the new patient (409, or hand them over too)
    or the invitation should be refused."""
    from exercise_app import accounts
    from exercise_app.admin import operations as admin_operations

    invited, release_invite = hold(monkeypatch, accounts, "create_invitation", thread="invite")
    counted, release_count = hold(monkeypatch, admin_operations, "patient_count",
                                  thread="deactivate")
    physio = signed_in(app, world.physio)
    admin = signed_in(app, world.admin)
    invite = Request("invite", lambda: physio.post(
        "/clinic/patients/invite", data={"email": "late.patient@example.org",
                                         "display_name": "Lee Late"}))
    deactivate = Request("deactivate", lambda: admin.post(
        f"/admin/users/{world.physio.id}/deactivate",
        data={"takeover": str(world.other_physio.id)}))
    invite.start()
    assert invited.wait(WAIT)  # the patient and their care row are written, not committed
    deactivate.start()
    # The admin's request has handed over and counted (or waits for the invitation's locks).
    wait_until(lambda: counted.is_set() or lock_waiters(pg_only) > 0, "the admin has counted")
    release_count.set()
    release_invite.set()
    results = (invite.finish(), deactivate.finish())
    with app.app_context():
        physio_row = aliased(User)
        orphans = db.session.scalars(
            select(User.email).join(CareRelationship, CareRelationship.patient_id == User.id)
            .join(physio_row, physio_row.id == CareRelationship.physio_id)
            .where(~physio_row.active)).all()
    assert orphans == [], results


# The patient's summary -----------------------------------------------------------------------


SETTINGS = {"mode": "auto", "baseline_pain": "2", "pain_progress_max": "3",
            "baseline_margin": "1", "pain_limit": "5", "effort_progress_max": "4",
            "sessions_to_progress": "3", "meaningful_rise_points": "2",
            "meaningful_rise_percent": "30", "flare_step_downs": "2", "flare_window_days": "14",
            "resume_settled_sessions": "2", "reps_step_percent": "15", "hold_step_percent": "20",
            "step_down_percent": "40"}


def test_a_physio_saving_settings_while_the_patient_logs_keeps_the_session_on_the_summary(
        app, loop, monkeypatch, pg_only):
    """The physio saves the patient's progression settings while the patient's log is being
    saved. The settings page refreshes the patient's summary without locking the patient: it
    reads the sessions before the log commits, waits for the log's write of the summary, then
    writes its own over it. The summary (which Today, the caseload and the history read
    instead of the sessions) then leaves out the session just logged, until the next write or
    the nightly rebuild: Today does not count it, the caseload shows it as not done."""
    from exercise_app.patient import views as patient_views
    from exercise_app.triage.operations import refresh_patient
    from tests.web.test_daily_loop import routine_form

    with app.app_context():  # as the nightly rebuild left it, before today's first write
        refresh_patient(db.session.get(User, loop.patient.id), now=now_utc() - timedelta(days=1))
        db.session.commit()
    patient = signed_in(app, loop.patient)
    physio = signed_in(app, loop.physio)
    form = routine_form(patient)
    logged, release_log = hold(monkeypatch, patient_views, "_rules_and_alerts", thread="log")
    log_request = Request("log", lambda: patient.post("/routine", data=form))
    log_request.start()
    assert logged.wait(WAIT)  # rules run, summary written: not committed yet
    settings = Request("settings", lambda: physio.post(
        f"/clinic/patients/{loop.patient.id}/progression/settings", data=SETTINGS))
    settings.start()
    wait_for_lock_waiters(pg_only)  # the settings' refresh has read, and waits to write
    release_log.set()
    assert (log_request.finish(), settings.finish()) == (303, 303)
    with app.app_context():
        newest = db.session.scalar(select(func.max(ExerciseSession.id)).where(
            ExerciseSession.patient_id == loop.patient.id))
    today = patient.get("/today").data.decode()
    assert f'href="/sessions/{loop.session_id}"' in today  # logged before: listed
    assert f'href="/sessions/{newest}"' in today, "the session just logged is not on Today"
    with app.app_context():
        stored = db.session.get(PatientSummary, loop.patient.id).days
        db.session.expunge_all()
        refresh_patient(db.session.get(User, loop.patient.id))
        fresh = db.session.get(PatientSummary, loop.patient.id).days
        db.session.rollback()
    assert stored["recent"] == fresh["recent"]
    assert stored == fresh


# Safety --------------------------------------------------------------------------------------


def test_a_safety_screen_sent_twice_at_once_is_stored_once(app, world, library, monkeypatch,
                                                           pg_only):
    """The patient double-taps "Send" on the onboarding red-flag screen with a yes. Both
    requests find the screen due (nothing locks it), so two screens are stored and the
    physio is e-mailed twice about one red flag; one after the other, the second is refused
    (409, "not due"), as it should be here too."""
    from exercise_app.safety import views as safety_views

    assign(app, world.patient.id, world.physio.id, screened=False)
    meet_around(monkeypatch, pg_only, safety_views.operations, "record_screening")
    answers = {**{q.id: "no" for q in questions_for(Occasion.ONBOARDING)}, "ce_bladder": "yes"}
    clients = [signed_in(app, world.patient) for _ in range(2)]
    sent_before = len(outbox(app))
    requests = [Request(f"tab {n}", lambda c=c: c.post("/check", data=answers))
                for n, c in enumerate(clients)]
    for r in requests:
        r.start()
    results = [r.finish() for r in requests]
    with app.app_context():
        screens = db.session.scalar(select(func.count()).select_from(Screening).where(
            Screening.patient_id == world.patient.id, Screening.occasion == "onboarding"))
    assert one_saved_one_refused(results), results
    assert (screens, len(outbox(app)) - sent_before) == (1, 1)


# A changed check-in and the physio's answer to the alert it raised ----------------------------


def test_a_physio_acknowledging_an_alert_while_the_patient_changes_the_answer_is_not_a_500(
        app, client, loop, morning, monkeypatch, pg_only):
    """The patient taps 8 for this morning's pain (a step-down and a "pain above usual" alert)
    and puts it right to 1 just as the physio acknowledges that alert. The patient's request
    writes the summary row, then resolves the alerts the 8 raised; the physio's writes the
    alert, then the summary row: each waits for the other's lock, PostgreSQL aborts one of
    them as a deadlock, and that person gets an Internal Server Error (the patient's changed
    answer, or the physio's note, is lost). Both should get an answer. Fixed, the physio's
    request takes the patient's lock first and waits for the patient's change, which
    withdraws the alert (the 1 no longer raises it): the physio is told it is resolved."""
    from exercise_app.patient import views as patient_views
    from tests.web.test_checkin_changes import alerts_of, check_in, usual_pain

    usual_pain(app, loop, 2)
    first = morning.session_ids[0]
    patient = client
    assert check_in(patient, first, 8).status_code == 303
    with app.app_context():
        alert_id = db.session.scalar(select(Alert.id).where(
            Alert.patient_id == loop.patient.id, Alert.code == "pain_above_baseline"))
    assert alert_id is not None
    morning.at(8, 5)
    physio = signed_in(app, loop.physio)
    refreshed, release = hold(monkeypatch, patient_views.triage_operations, "withdraw_alerts",
                              thread="change", before=True)
    change = Request("change", lambda: check_in(patient, first, 1))
    change.start()
    assert refreshed.wait(WAIT)  # rules run again, summary written: alerts not yet withdrawn
    acknowledge = Request("acknowledge", lambda: physio.post(
        f"/clinic/patients/{loop.patient.id}/alerts/{alert_id}",
        data={"status": "acknowledged", "note": "Calling her this afternoon."}))
    acknowledge.start()
    wait_for_lock_waiters(pg_only)  # the acknowledgement has written the alert, waits to count
    release.set()
    results = {"change": change.finish(), "acknowledge": acknowledge.finish()}
    assert results == {"change": 303, "acknowledge": 409}
    assert alerts_of(app, loop.patient.id)["pain_above_baseline"][0] == "resolved"


def test_the_first_two_writes_of_a_new_patients_summary_at_once_are_not_a_500(
        app, world, library, monkeypatch, pg_only):
    """A patient who has just joined sets their time zone while their physio saves their
    progression settings (the usual pain). Neither has a summary row to read, so each adds
    one (``summaries.summary_row``: read, then insert), the second insert waits for the first
    and then fails on the primary key: an Internal Server Error for the physio, whose
    settings are lost. The second should update the row the first made."""
    from exercise_app.auth import views as auth_views

    with app.app_context():
        assert db.session.get(PatientSummary, world.patient.id) is None
    patient = signed_in(app, world.patient)
    physio = signed_in(app, world.physio)
    written, release = hold(monkeypatch, auth_views, "refresh_patient", thread="time zone")
    zone = Request("time zone", lambda: patient.post(
        "/account/time-zone", data={"time_zone": "Europe/Dublin"}))
    zone.start()
    assert written.wait(WAIT)  # the new summary row is inserted, not committed
    settings = Request("settings", lambda: physio.post(
        f"/clinic/patients/{world.patient.id}/progression/settings", data=SETTINGS))
    settings.start()
    wait_for_lock_waiters(pg_only)  # the settings' refresh inserts its own row, and waits
    release.set()
    assert {"time zone": zone.finish(), "settings": settings.finish()} == {
        "time zone": 303, "settings": 303}
