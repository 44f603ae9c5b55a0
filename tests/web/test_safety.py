"""Red-flag screening, stop rules, alerts, the caseload, the timeline and notes to the patient."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from sqlalchemy import func, select

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertAction,
    AlertStatus,
    CareRelationship,
    ExerciseSession,
    PatientMessage,
    PatientSummary,
    Role,
    Screening,
    User,
    now_utc,
)
from tests.conftest import QueryCounter, add_user, snapshot
from tests.factories import assign, bulk_history, log
from tests.web.test_daily_loop import routine_form


def all_no(occasion: Occasion) -> dict[str, str]:
    return {q.id: "no" for q in questions_for(occasion)}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Screening -----------------------------------------------------------------------------------


def test_onboarding_check_comes_before_the_first_routine(app, client, auth, new_patient):
    auth.login(new_patient.patient)
    assert "Answer the safety questions" in client.get("/today").data.decode()
    response = client.get("/routine")
    assert response.status_code == 303 and response.headers["Location"].endswith("/check")
    page = client.get("/check").data.decode()
    for question in questions_for(Occasion.ONBOARDING):
        assert question.text.replace("'", "&#39;") in page
    before = snapshot(app)
    partial = all_no(Occasion.ONBOARDING)
    partial.pop("ce_bladder")
    response = client.post("/check", data=partial)
    assert response.status_code == 422 and b"Answer yes or no." in response.data
    assert client.post("/check", data={**all_no(Occasion.ONBOARDING),
                                       "ce_bowel": "maybe"}).status_code == 422
    assert snapshot(app) == before
    response = client.post("/check", data=all_no(Occasion.ONBOARDING))
    assert response.status_code == 303
    assert "None of the warning signs apply" in client.get("/today").data.decode()
    assert client.get("/routine").status_code == 200
    assert client.post("/check", data=all_no(Occasion.ONBOARDING)).status_code == 409


def test_a_yes_blocks_the_routine_and_raises_a_critical_alert(app, client, auth, new_patient):
    world = new_patient
    auth.login(world.patient)
    client.post("/check", data={**all_no(Occasion.ONBOARDING), "ce_bladder": "yes"})
    page = client.get("/check").data.decode()
    assert "Get emergency help now" in page and "call 999" in page
    today = client.get("/today").data.decode()
    assert "Your exercises are paused" in today
    assert "Start today" not in today and "Do a session anyway" not in today
    assert "Get emergency help now" in client.get("/routine").data.decode()
    [mail] = getattr(app.extensions["mailman"], "outbox", [])
    assert mail.to == [world.physio.email] and "Critical alert" in mail.subject
    assert "bladder" not in mail.body  # no symptom in an e-mail
    assert f"/clinic/patients/{world.patient.id}" in mail.body
    with app.app_context():
        alert = db.session.scalar(select(Alert))
        assert (alert.level, alert.code, alert.status) == ("critical", "red_flag",
                                                          AlertStatus.OPEN)
        assert "new bladder problem (emergency" in alert.reason
    auth.logout()

    # The physio sees it first, resolves it with a note, and the routine opens again.
    auth.login(world.physio)
    caseload = client.get("/clinic/patients").data.decode()
    assert caseload.index(world.patient.display_name) < caseload.index(
        world.invited_patient.display_name)
    assert "1 with a critical alert" in caseload
    url = f"/clinic/patients/{world.patient.id}/alerts/{alert.id}"
    assert client.post(url, data={"status": "resolved", "note": ""}).status_code == 409
    assert client.post(url, data={"status": "acknowledged"}).status_code == 303
    assert client.post(url, data={"status": "resolved",
                                  "note": "Phoned: seen in A&E, all clear"}).status_code == 303
    assert client.post(url, data={"status": "resolved", "note": "again"}).status_code == 409
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert "resolved by Pat Physio" in page and "Phoned: seen in A&amp;E, all clear" in page
    auth.logout()
    auth.login(world.patient)
    assert client.get("/routine").status_code == 200


def test_a_blocked_patient_cannot_log_a_session(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    auth.login(world.patient)
    form = routine_form(client)
    with app.app_context():
        db.session.add(Screening(patient_id=world.patient.id, occasion="weekly",
                                 answers={"sp_fever": True}, flagged=["sp_fever"],
                                 urgency="urgent", local_date=now_utc().date()))
        db.session.add(Alert(patient_id=world.patient.id, level="critical", code="red_flag",
                             reason="Answered yes", evidence={}, day=now_utc().date(),
                             status=AlertStatus.OPEN))
        db.session.commit()
    before = count(app, ExerciseSession)
    response = client.post("/routine", data=form)
    assert response.status_code == 409 and b"See a doctor today" in response.data
    assert count(app, ExerciseSession) == before


def test_weekly_and_pain_jump_checks(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    auth.login(world.patient)
    assert client.get("/routine").status_code == 200  # screened today: nothing due
    with app.app_context():  # a week later (the app never edits a screen; the test does)
        db.session.execute(
            Screening.__table__.update().values(local_date=now_utc().date() - timedelta(days=7)))
        db.session.commit()
    assert client.get("/routine").headers.get("Location", "").endswith("/check")
    assert "Your weekly safety check" in client.get("/check").data.decode()
    assert client.post("/check", data=all_no(Occasion.WEEKLY)).status_code == 303
    # Pain up by 2 or more since the last session asks the pain-jump questions.
    log(app, world.patient.id, pain=(2, 2, 2))
    log(app, world.patient.id, pain=(3, 5, 4))
    assert "Your pain has gone up since last time" in client.get("/check").data.decode()


# Stop rules and alerts -----------------------------------------------------------------------


def test_a_stop_for_new_pins_and_needles_raises_a_high_alert(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    auth.login(world.patient)
    form = routine_form(client)
    form.update({"exercises-0-status": "stopped", "exercises-0-stop_reason": "pins-and-needles",
                 "exercises-0-sets_done": "1"})
    assert client.post("/routine", data=form).status_code == 303
    with app.app_context():
        alert = db.session.scalar(select(Alert).where(Alert.code == "exercise_stopped"))
        assert alert.level == "high" and "new pins and needles" in alert.reason


def test_high_pain_raises_alerts_once(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    log(app, world.patient.id, pain=(3, 8, 7))
    log(app, world.patient.id, pain=(3, 8, 7))
    with app.app_context():
        codes = list(db.session.scalars(select(Alert.code).where(
            Alert.patient_id == world.patient.id)))
    assert codes.count("pain_severe") == 1 and "stepped_down" in codes


def _counts_agree(app, patient_id: int) -> tuple[int, int, int]:
    """The summary's alert counts and its most urgent alerts, checked against the alerts."""
    with app.app_context():
        summary = db.session.get(PatientSummary, patient_id)
        stored = (summary.open_critical, summary.open_high, summary.open_low)
        counted = tuple(db.session.scalar(
            select(func.count()).select_from(Alert).where(
                Alert.patient_id == patient_id, Alert.level == level,
                Alert.status != AlertStatus.RESOLVED))
            for level in ("critical", "high", "low"))
        urgent = [[a.id, a.level, a.reason] for level in ("critical", "high", "low")
                  for a in db.session.scalars(select(Alert).where(
                      Alert.patient_id == patient_id, Alert.level == level,
                      Alert.status != AlertStatus.RESOLVED).order_by(Alert.id.desc()))][:3]
        assert summary.open_alerts == urgent
    assert stored == counted
    return stored


def _caseload_cell(page: str, name: str, label: str) -> str:
    import re

    row = page[page.index(name):]
    row = row[:row.index("</tr>")]
    return re.search(rf'data-label="{label}">(.*?)</td>', row).group(1)


def test_the_caseload_alert_counts_follow_every_alert_change(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id)
    log(app, world.patient.id, pain=(3, 8, 7))  # raises alerts through the rules
    critical, high, low = _counts_agree(app, world.patient.id)
    assert high >= 1
    with app.app_context():
        alert_ids = list(db.session.scalars(select(Alert.id).where(
            Alert.patient_id == world.patient.id, Alert.level == "high")))
        newest = db.session.scalar(select(Alert).where(
            Alert.patient_id == world.patient.id).order_by(Alert.level, Alert.id.desc()))
    auth.login(world.physio)
    cell = _caseload_cell(client.get("/clinic/patients").data.decode(),
                          world.patient.display_name, "Open alerts")
    assert cell.startswith(f'<p class="alert-line"><span class="badge alert-high">High</span> '
                           f'{newest.reason}')
    url = f"/clinic/patients/{world.patient.id}/alerts/{alert_ids[0]}"
    # Acknowledged alerts still count; resolved ones do not.
    assert client.post(url, data={"status": "acknowledged", "note": ""}).status_code == 303
    assert _counts_agree(app, world.patient.id) == (critical, high, low)
    assert client.post(url, data={"status": "resolved", "note": "Settled"}).status_code == 303
    assert _counts_agree(app, world.patient.id) == (critical, high - 1, low)
    page = client.get("/clinic/patients?level=high").data.decode()
    assert (world.patient.display_name in page) == (high > 1)


def test_the_caseload_names_the_programme_version_in_force(app, client, auth, world, library):
    def stage() -> str:
        return _caseload_cell(client.get("/clinic/patients").data.decode(),
                              world.patient.display_name, "Programme")

    auth.login(world.physio)
    assert stage() == "No programme"
    today = now_utc().date()
    assign(app, world.patient.id, world.physio.id, start=today - timedelta(days=10))
    assert stage() == "Version 1"
    log(app, world.patient.id, pain=(3, 7, 6))  # the rules step the dose down: version 2
    with app.app_context():
        stored = db.session.get(PatientSummary, world.patient.id).programme_stages
    assert [s[0] for s in stored] == [1, 2]
    assert stage() == "Version 1"  # done today, so version 2 starts tomorrow
    assign(app, world.patient.id, world.physio.id, start=today + timedelta(days=5))
    assert stage() == "Version 1"
    assign(app, world.patient.id, world.physio.id, start=today)
    assert stage() == "Version 4"  # in force today, and after version 2 and 3 begin


# Notes, timeline, chart ------------------------------------------------------------------------


def test_note_to_the_patient_shows_on_today_escaped(app, client, auth, loop):
    auth.login(loop.physio)
    response = client.post(f"/clinic/patients/{loop.patient.id}/message",
                           data={"text": "<b>Great</b> week: keep going",
                                 "client_id": str(uuid4())})
    assert response.status_code == 303
    assert client.post(f"/clinic/patients/{loop.patient.id}/message",
                       data={"text": "x" * 501, "client_id": str(uuid4())}).status_code == 422
    assert client.post(f"/clinic/patients/{loop.patient.id}/message",
                       data={"text": "   ", "client_id": str(uuid4())}).status_code == 422
    assert count(app, PatientMessage) == 1
    auth.logout()
    auth.login(loop.patient)
    today = client.get("/today").data.decode()
    assert "A note from Pat Physio" in today
    assert "&lt;b&gt;Great&lt;/b&gt; week: keep going" in today


def test_patient_page_has_a_timeline_and_the_meaningful_change_band(app, client, auth, loop):
    auth.login(loop.physio)
    client.post(f"/clinic/patients/{loop.patient.id}/message",
                data={"text": "Hello", "client_id": str(uuid4())})
    page = client.get(f"/clinic/patients/{loop.patient.id}").data.decode()
    timeline = page[page.index('id="timeline-title"'):page.index("<h2>History</h2>")]
    for text in ("Session", "Programme version 1", "Note to the patient", "Alert (high)"):
        assert text in timeline, text
    log(app, loop.patient.id, pain=(3, 7, 6))  # a step-down: a decision that changes the dose
    page = client.get(f"/clinic/patients/{loop.patient.id}").data.decode()
    timeline = page[page.index('id="timeline-title"'):page.index("<h2>History</h2>")]
    assert "Goes down: Glute bridge" in timeline and "Programme version 2" in timeline
    with app.app_context():
        from exercise_app.triage.operations import baseline_for

        assert baseline_for(loop.patient.id) is None  # one session: not known yet
    for _ in range(2):
        log(app, loop.patient.id, pain=(2, 3, 2))
    page = client.get(f"/clinic/patients/{loop.patient.id}").data.decode()
    assert "Usual pain 2, give or take 1: not yet a meaningful change" in page


def test_acting_on_alerts_is_recorded_with_who_and_when(app, client, auth, loop):
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/alerts/{loop.alert_id}"
    assert client.post(url, data={"status": "open"}).status_code == 422
    assert client.post(url, data={"status": "resolved", "note": "Called, pain settled"}
                       ).status_code == 303
    with app.app_context():
        [action] = db.session.scalars(select(AlertAction)).all()
        assert (action.by_id, action.status, action.note) == (
            loop.physio.id, AlertStatus.RESOLVED, "Called, pain settled")
        assert db.session.get(Alert, loop.alert_id).status is AlertStatus.RESOLVED


# The caseload ----------------------------------------------------------------------------------


def add_patients(app, world, n: int, days: int = 20) -> list[int]:
    ids = []
    with app.app_context():
        physio = db.session.get(User, world.physio.id)
        from exercise_app.models import Clinic

        clinic = db.session.get(Clinic, physio.clinic_id)
        for i in range(n):
            ids.append(add_user(clinic, Role.PATIENT, f"Case {i} Person", physio=physio).id)
        db.session.commit()
    for patient_id in ids:
        assign(app, patient_id, world.physio.id,
               start=now_utc().date() - timedelta(days=days + 1))
        bulk_history(app, patient_id, days)
        with app.app_context():
            from exercise_app.triage.operations import refresh_patient

            refresh_patient(db.session.get(User, patient_id))
            db.session.commit()
    return ids


def test_caseload_queries_do_not_grow_with_caseload_or_history(app, client, auth, loop):
    auth.login(loop.physio)
    client.get("/clinic/patients")  # warm the programme cache
    with QueryCounter(app) as few:
        assert client.get("/clinic/patients").status_code == 200
    add_patients(app, loop, 30)
    client.get("/clinic/patients")
    with QueryCounter(app) as many:
        page = client.get("/clinic/patients?page=2")
        assert page.status_code == 200
    assert many.count == few.count, (few.statements, many.statements)
    assert b"Page 2 of 2" in page.data


def test_caseload_filters_and_order(app, client, auth, loop):
    add_patients(app, loop, 2, days=3)
    auth.login(loop.physio)
    page = client.get("/clinic/patients").data.decode()
    # The loop patient has an open high alert: above those without one.
    assert page.index(loop.patient.display_name) < page.index("Case 0 Person")
    found = client.get("/clinic/patients?q=case+1").data.decode()
    assert "Case 1 Person" in found and "Case 0 Person" not in found
    high = client.get("/clinic/patients?level=high").data.decode()
    assert loop.patient.display_name in high and "Case 0 Person" not in high
    # Bad filters are ignored, not errors.
    assert client.get("/clinic/patients?level=bogus&page=abc").status_code == 200
    assert client.get("/clinic/patients?page=999").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CareRelationship).where(
            CareRelationship.physio_id == loop.physio.id)) == 4  # patient, invited, 2 new


def _adherence_cells(page: str, name: str) -> tuple[str, str]:
    import re

    row = page[page.index(name):]
    row = row[:row.index("</tr>")]
    seven, month = re.findall(r'data-label="Done, (?:7|28) days">([^<]*)<', row)
    return seven, month


def test_caseload_reads_summaries_written_on_an_earlier_day_from_their_day_counts(
        app, client, auth, loop):
    from exercise_app.domain.scheduling import local_today
    from exercise_app.triage.operations import refresh_patient
    from exercise_app.triage.signals import adherence_now

    ids = add_patients(app, loop, 2, days=12)
    auth.login(loop.physio)
    client.get("/clinic/patients")
    with QueryCounter(app) as fresh:
        client.get("/clinic/patients")
    with app.app_context():  # written three days ago, as if nothing happened since
        for patient_id in ids:
            refresh_patient(db.session.get(User, patient_id), now=now_utc() - timedelta(days=3))
        db.session.commit()
        expected = {}
        for n, patient_id in enumerate(ids):
            patient = db.session.get(User, patient_id)
            summary = db.session.get(PatientSummary, patient_id)
            today = local_today(now_utc(), loop.physio.time_zone)
            assert summary.days["on"] != today.isoformat()
            a7, a28 = adherence_now(summary.days, today)
            assert (a7, a28) != (summary.days["a7"], summary.days["a28"]) or n, \
                "the stored figures must differ for the test to tell the two apart"
            expected[patient.display_name] = (f"{a7}%" if a7 is not None else "-",
                                              f"{a28}%" if a28 is not None else "-")
    with QueryCounter(app) as older:
        page = client.get("/clinic/patients").data.decode()
    for name, figures in expected.items():
        assert _adherence_cells(page, name) == figures
    assert older.count == fresh.count  # the older summaries came with the rows


def test_physio_pages_show_times_in_the_physios_time_zone(app, client, auth, loop):
    from datetime import UTC, datetime

    with app.app_context():
        db.session.get(User, loop.physio.id).time_zone = "America/New_York"
        db.session.get(Alert, loop.alert_id).created_at = datetime(2026, 1, 15, 13, 5,
                                                                   tzinfo=UTC)
        db.session.commit()
    auth.login(loop.physio)
    page = client.get(f"/clinic/patients/{loop.patient.id}").data.decode()
    assert "Raised 15 Jan 2026 08:05 EST" in page
    assert " UTC" not in page


def test_caseload_filter_form_keeps_the_choice_and_escapes_the_search(client, auth, loop):
    auth.login(loop.physio)
    page = client.get('/clinic/patients?q=<b>"x&level=high').data.decode()
    assert 'value="&lt;b&gt;&#34;x"' in page and '<b>"x' not in page
    assert '<input checked id="level-2" name="level" type="radio" value="high">' in page
    assert '<label for="level-2">High</label>' in page
    everyone = client.get("/clinic/patients").data.decode()
    assert '<input checked id="level-0" name="level" type="radio" value="">' in everyone
