"""Pain-guided progression in the app: runs after logs and check-ins, stored, shown, reviewed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exercise_app import models
from exercise_app.domain.scheduling import local_today
from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    AlertAction,
    AuditTrailError,
    DecisionReview,
    ExerciseSession,
    PatientSummary,
    ProgrammeVersion,
    ProgressionDecision,
    ProgressionRun,
    ProgressionSettings,
    RunTrigger,
    Side,
    User,
    VersionSource,
    now_utc,
)
from exercise_app.progression import queries as progression_queries
from exercise_app.progression.operations import run_rules
from exercise_app.triage.operations import refresh_patient
from tests.conftest import QueryCounter, snapshot
from tests.factories import assign, log, row
from tests.web.test_daily_loop import editor_form, routine_form

SETTLED = (1, 2, 1)  # pain before, worst during, after: within the green zone


@pytest.fixture
def assigned(app, world, library):
    """The patient has the default programme (bridge 2x10, clam 2x12, knee to chest 1x30 s)."""
    assign(app, world.patient.id, world.physio.id)
    return world


def past_sessions(app, patient_id: int, days_ago: list[int], *, pain=SETTLED, effort=3,
                  morning: int | None = 1) -> list[int]:
    """Log sessions on past days (without running the rules) and their morning check-ins."""
    ids = []
    for n in days_ago:
        session_id = log(app, patient_id, pain=pain, effort=effort,
                         started_at=now_utc() - timedelta(days=n), rules=False)
        ids.append(session_id)
        if morning is not None:
            with app.app_context():
                session = db.session.get(ExerciseSession, session_id)
                session.next_morning_pain = morning
                db.session.commit()
    return ids


def set_usual_pain(client, patient_id: int, usual: int = 2, **extra) -> None:
    page = client.get(f"/clinic/patients/{patient_id}/progression").data.decode()
    assert "Settings for" in page
    data = {"mode": "auto", "baseline_pain": str(usual), "pain_progress_max": "3",
            "baseline_margin": "1", "pain_limit": "5", "effort_progress_max": "4",
            "sessions_to_progress": "3", "meaningful_rise_points": "2",
            "meaningful_rise_percent": "30", "flare_step_downs": "2", "flare_window_days": "14",
            "resume_settled_sessions": "2", "reps_step_percent": "15", "hold_step_percent": "20",
            "step_down_percent": "40"}
    data.update(extra)
    response = client.post(f"/clinic/patients/{patient_id}/progression/settings", data=data)
    assert response.status_code == 303, response.data.decode()[-2000:]


def morning_check_in(client, session_id: int, pain: int = 1):
    response = client.post(f"/sessions/{session_id}/morning", data={"pain": str(pain)})
    assert response.status_code == 303
    return response


def decisions(app, patient_id: int) -> list[ProgressionDecision]:
    with app.app_context():
        return list(db.session.scalars(
            select(ProgressionDecision).where(ProgressionDecision.patient_id == patient_id)
            .order_by(ProgressionDecision.id)))


def versions(app, patient_id: int) -> list[ProgrammeVersion]:
    with app.app_context():
        rows = list(db.session.scalars(
            select(ProgrammeVersion).where(ProgrammeVersion.patient_id == patient_id)
            .order_by(ProgrammeVersion.number)))
        for v in rows:
            _ = [(p.sets, p.reps, p.hold_seconds) for p in v.prescriptions]
        return rows


def today_of(app, patient_id: int):
    with app.app_context():
        return local_today(now_utc(), db.session.get(User, patient_id).time_zone)


def three_settled_days_then_the_morning(app, client, auth, world, mode: str = "auto") -> None:
    """Usual pain 2; settled sessions the last three days; the patient then gives yesterday's
    next-morning pain (which runs the rules) and stays signed in. The settings are saved
    after the sessions: saving them refreshes the alerts, and with no session yet the patient
    had missed every day since the programme began."""
    *_, yesterday = past_sessions(app, world.patient.id, [3, 2, 1])
    with app.app_context():  # the last session's morning is still to come
        db.session.get(ExerciseSession, yesterday).next_morning_pain = None
        db.session.commit()
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2, mode=mode)
    auth.logout()
    auth.login(world.patient)
    morning_check_in(client, yesterday, 1)


def test_the_rules_move_the_programme_in_force_and_keep_one_scheduled_ahead(
        app, client, auth, assigned):
    """With a version scheduled to start in 10 days, the rules changed that one (a copy of it
    from its start) while the programme in force never moved on and Today described doses
    the routine did not show. Now the change is to the programme in force, from today, and
    the physio's version still takes over on its day, as they saved it."""
    world = assigned
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2)
    auth.logout()
    *_, yesterday = past_sessions(app, world.patient.id, [3, 2, 1])
    with app.app_context():
        db.session.get(ExerciseSession, yesterday).next_morning_pain = None
        db.session.commit()
    today = today_of(app, world.patient.id)
    assign(app, world.patient.id, world.physio.id, rows=(row("clam", side=Side.EACH),),
           start=today + timedelta(days=10), note="Next stage.")
    auth.login(world.patient)
    morning_check_in(client, yesterday, 1)
    bridge = next(d for d in decisions(app, world.patient.id)
                  if d.exercise_slug == "glute-bridge")
    assert bridge.kind == "progress_dose" and bridge.status.value == "applied"
    first, scheduled, rules, kept = versions(app, world.patient.id)
    assert rules.source is VersionSource.RULES and rules.start_date == today
    assert [(p.sets, p.reps) for p in rules.prescriptions][:1] == [(2, 12)]
    assert len(rules.prescriptions) == len(first.prescriptions)
    assert kept.source is VersionSource.PHYSIO and kept.created_by_id == world.physio.id
    assert kept.start_date == scheduled.start_date and kept.note == "Next stage."
    assert [(p.exercise_id, p.sets, p.reps) for p in kept.prescriptions] == [
        (p.exercise_id, p.sets, p.reps) for p in scheduled.prescriptions]
    page = client.get("/routine").data.decode()
    assert "2 sets of 12" in page  # what Today said is what the routine shows


# Progress, hold, step down -------------------------------------------------------------------


def test_settled_sessions_progress_after_the_morning_check_in(app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world)

    stored = decisions(app, world.patient.id)
    bridge = next(d for d in stored if d.exercise_slug == "glute-bridge")
    assert bridge.kind == "progress_dose" and bridge.status.value == "applied"
    assert (bridge.old_reps, bridge.new_reps) == (10, 12)
    assert bridge.reasons == ["pain_settled", "all_done", "effort_easy"]
    knee = next(d for d in stored if d.exercise_slug == "knee-to-chest")
    assert (knee.old_sets, knee.new_sets) == (1, 2)  # one variable: sets before hold time
    latest = versions(app, world.patient.id)[-1]
    assert latest.source is VersionSource.RULES and latest.created_by_id is None
    assert latest.start_date == today_of(app, world.patient.id)  # no session yet today
    assert [(p.sets, p.reps) for p in latest.prescriptions][:2] == [(2, 12), (2, 14)]
    with app.app_context():
        run = db.session.scalar(select(ProgressionRun))
        assert run.inputs["baseline"] == 2 and run.inputs["baseline_source"] == "physio"
        assert len(run.inputs["sessions"]) == 3 and run.applied_version_id == latest.id
        # Saved minutes ago, all three may still be corrected: the record keeps them whole.
        assert [s["id"] for s in run.inputs["sessions"]] == run.inputs["session_ids"]

    today = client.get("/today").data.decode()
    assert "Your glute bridge goes up to 12 reps: in your last 3 sessions your pain stayed " \
           "at 2 or below" in today
    routine = client.get("/routine").data.decode()
    assert "2 sets of 12" in routine
    # The version the rules made is newer than the one the run read: only a programme the
    # physio saves replaces the run's words, so a rebuild and Today's own read keep them.
    result = app.test_cli_runner().invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Your glute bridge goes up to 12 reps" in client.get("/today").data.decode()
    with app.app_context():
        db.session.get(PatientSummary, world.patient.id).run_notes = None
        db.session.commit()
    assert "Your glute bridge goes up to 12 reps" in client.get("/today").data.decode()
    auth.logout()
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert "Goes up" in page and "the patient no longer sees these" not in page


def test_an_exercise_with_a_plural_name_is_talked_of_in_plural_words(app, client, auth, world,
                                                                     library):
    """The library marks "Heel slides" as plural: the run reads that from the version
    prescribed and says "go up", not "goes up"."""
    assign(app, world.patient.id, world.physio.id, rows=[row("heel-slides", sets=1, reps=8)])
    three_settled_days_then_the_morning(app, client, auth, world)
    (slides,) = decisions(app, world.patient.id)
    assert slides.kind == "progress_dose"
    assert slides.sentence.startswith("Your heel slides go up to 9 reps: ")
    assert "Your heel slides go up to 9 reps" in client.get("/today").data.decode()


def test_pain_above_the_ceiling_holds(app, client, auth, assigned):
    world = assigned
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2)
    auth.logout()
    past_sessions(app, world.patient.id, [3, 2])
    [yesterday] = past_sessions(app, world.patient.id, [1], pain=(2, 4, 3), morning=None)
    auth.login(world.patient)
    morning_check_in(client, yesterday, 2)
    bridge = [d for d in decisions(app, world.patient.id) if d.exercise_slug == "glute-bridge"]
    assert bridge[-1].kind == "hold" and bridge[-1].status.value == "no_change"
    assert len(versions(app, world.patient.id)) == 1
    today = client.get("/today").data.decode()
    assert ("Keep your glute bridge at 2 sets of 10 for now: your pain reached 4, and it "
            "needs to stay at 3 or below before this goes up.") in today


def test_high_pain_in_a_logged_session_steps_down_from_tomorrow(app, client, auth, assigned):
    world = assigned
    auth.login(world.patient)
    form = routine_form(client)
    form.update(pain_before="3", pain_during="7", pain_after="6", effort="6")
    assert client.post("/routine", data=form).status_code == 303
    stored = decisions(app, world.patient.id)
    assert {d.kind for d in stored} == {"step_down"}
    assert all(d.alert_physio and d.status.value == "applied" for d in stored)
    bridge = next(d for d in stored if d.exercise_slug == "glute-bridge")
    assert bridge.new_exercise_slug == "glute-sets"  # cutting reps within range is too little
    latest = versions(app, world.patient.id)[-1]
    assert latest.start_date == today_of(app, world.patient.id) + timedelta(days=1)
    today = client.get("/today").data.decode()
    assert "Switch from glute bridge to the gentler" in today
    assert "your pain reached 7, above the limit of 5, so your physio has been told" in today
    # Today's done session keeps today's programme: the day still counts as done.
    assert "Done today" in today


def test_a_corrected_log_undoes_the_step_down_its_pain_caused(app, client, auth, assigned):
    """Pain during 7 typed for 2: the log stepped the programme down from tomorrow and told
    the physio. Corrected straight away, the rules decide again in place of that run: no
    step-down, and the alerts only the 7 raised are closed, saying so. Before, the correction
    ran the rules on top of the step-down, which stayed."""
    world = assigned
    auth.login(world.patient)
    before = [(p.exercise_id, p.sets, p.reps, p.hold_seconds)
              for p in versions(app, world.patient.id)[-1].prescriptions]
    form = routine_form(client)
    form.update(pain_before="2", pain_during="7", pain_after="3", effort="4")
    response = client.post("/routine", data=form)
    assert response.status_code == 303
    assert {d.kind for d in decisions(app, world.patient.id)} == {"step_down"}
    assert len(versions(app, world.patient.id)) == 2
    with app.app_context():
        raised = {a.code for a in db.session.scalars(select(models.Alert).where(
            models.Alert.patient_id == world.patient.id))}
        session_id = db.session.scalar(select(func.max(ExerciseSession.id)))
    assert "stepped_down" in raised

    url = f"/sessions/{session_id}/edit"
    corrected = routine_form(client, url)
    corrected.update(pain_during="2")
    assert client.post(url, data=corrected).status_code == 303
    newest = versions(app, world.patient.id)[-1]
    today = today_of(app, world.patient.id)
    assert [(p.exercise_id, p.sets, p.reps, p.hold_seconds)
            for p in newest.prescriptions] == before
    with app.app_context():
        runs = db.session.scalars(select(ProgressionRun).order_by(ProgressionRun.id)).all()
        assert db.session.scalars(select(models.RunReplacement.replaced_run_id).where(
            models.RunReplacement.run_id == runs[-1].id)).all() == [runs[-2].id]
        assert all(d.kind != "step_down" for d in runs[-1].decisions)
        alerts = {a.code: a for a in db.session.scalars(select(models.Alert).where(
            models.Alert.patient_id == world.patient.id))}
        stepped = alerts["stepped_down"]
        assert stepped.status.value == "resolved"
        assert [a.note for a in stepped.actions] == [
            f"Closed when the patient corrected their log of {today:%-d %b}: nothing else "
            "raises this alert now."]
        assert stepped.actions[0].by_id == world.patient.id
    assert "Switch from glute bridge" not in client.get("/today").data.decode()


def test_a_decision_made_again_no_longer_waits_for_approval(app, client, auth, assigned):
    """In approval mode, a morning answer of 1 lets the bridge go up, waiting for the physio;
    the patient then puts it right to 8. The rules decide again, and the first decisions no
    longer wait: approving one is refused, and the physio's page says they were made again."""
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    waiting = [d for d in decisions(app, world.patient.id) if d.status.value == "pending"]
    assert waiting
    with app.app_context():
        yesterday = db.session.get(ProgressionRun, waiting[0].run_id).session_id
    morning_check_in(client, yesterday, 8)
    auth.logout()
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Waiting for your approval" not in page
    assert "Made again: the answers it read were changed" in page
    before = snapshot(app)
    refused = client.post(
        f"/clinic/patients/{world.patient.id}/decisions/{waiting[0].id}/approve")
    assert refused.status_code == 409
    assert b"review the newer decision instead" in refused.data
    assert snapshot(app) == before


def test_a_second_setback_pauses_progression(app, client, auth, assigned):
    world = assigned
    auth.login(world.patient)
    [earlier] = past_sessions(app, world.patient.id, [2], pain=(3, 7, 6), morning=None)
    with app.app_context():
        from exercise_app.models import RunTrigger
        from exercise_app.progression.operations import run_rules

        run_rules(db.session.get(User, world.patient.id),
                  db.session.get(ExerciseSession, earlier), RunTrigger.SESSION)
        db.session.commit()
    form = routine_form(client)
    form.update(pain_before="3", pain_during="8", pain_after="7", effort="6")
    assert client.post("/routine", data=form).status_code == 303
    kinds = [d.kind for d in decisions(app, world.patient.id)]
    assert kinds[:3] == ["step_down"] * 3 and set(kinds[3:]) == {"pause_flare"}
    assert "until your pain settles" in client.get("/today").data.decode()


# Physio controls -----------------------------------------------------------------------------


def approve_the_bridge(app, client, auth, world) -> ProgressionDecision:
    """The physio, signed in, finds the three decisions waiting and approves the bridge's."""
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Waiting for your approval (3)" in page
    bridge = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "glute-bridge")
    response = client.post(
        f"/clinic/patients/{world.patient.id}/decisions/{bridge.id}/approve")
    assert response.status_code == 303
    return bridge


def test_an_approved_decision_changes_the_programme_in_force_not_one_scheduled_ahead(
        app, client, auth, assigned):
    """Approving read the newest version: with one scheduled ahead (the bridge at the same
    dose), the change went to a copy of it from its start, and the programme in force never
    moved on. Now it changes the programme in force, and the scheduled one is kept."""
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    auth.logout()
    today = today_of(app, world.patient.id)
    assign(app, world.patient.id, world.physio.id, rows=(row("glute-bridge"),),
           start=today + timedelta(days=10), note="Next stage.")
    approve_the_bridge(app, client, auth, world)
    first, scheduled, approved, kept = versions(app, world.patient.id)
    assert approved.start_date <= today + timedelta(days=1)
    assert [(p.sets, p.reps) for p in approved.prescriptions][:2] == [(2, 12), (2, 12)]
    assert len(approved.prescriptions) == len(first.prescriptions)
    assert kept.start_date == scheduled.start_date and kept.note == "Next stage."
    assert [(p.sets, p.reps) for p in kept.prescriptions] == [(2, 10)]


def test_approval_mode_waits_for_the_physio_then_applies(app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    assert len(versions(app, world.patient.id)) == 1
    assert "your physio will check it first" in client.get("/today").data.decode()
    auth.logout()

    bridge = approve_the_bridge(app, client, auth, world)
    latest = versions(app, world.patient.id)[-1]
    assert latest.source is VersionSource.RULES and latest.created_by_id == world.physio.id
    assert latest.prescriptions[0].reps == 12 and latest.prescriptions[1].reps == 12
    again = client.post(f"/clinic/patients/{world.patient.id}/decisions/{bridge.id}/approve")
    assert again.status_code == 409 and b"already been reviewed" in again.data

    clam = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "clam")
    response = client.post(f"/clinic/patients/{world.patient.id}/decisions/{clam.id}/reject",
                           data={"note": "Keep clams as they are this week"})
    assert response.status_code == 303
    assert len(versions(app, world.patient.id)) == 2
    with app.app_context():
        reviews = {r.decision_id: r for r in db.session.scalars(select(DecisionReview))}
        assert reviews[bridge.id].action.value == "approved"
        assert reviews[bridge.id].reviewed_by_id == world.physio.id
        assert reviews[clam.id].note == "Keep clams as they are this week"
    auth.logout()
    auth.login(world.patient)
    today = client.get("/today").data.decode()
    assert "Your glute bridge goes up to 12 reps" in today
    assert "Your physio has kept the dose of your clam as it is." in today
    # Today read these notes from the summary, as the run and each review wrote them: the
    # same notes as from the decisions and their reviews, which it reads when none are stored.
    notes = re.search(r'<section class="card progress-notes".*?</section>', today, re.S)
    with app.app_context():
        db.session.get(PatientSummary, world.patient.id).run_notes = None
        db.session.commit()
    with QueryCounter(app) as fallback:
        again = client.get("/today").data.decode()
    assert notes and notes.group(0) in again
    assert any("FROM progression_decisions" in s for s in fallback.statements)


def test_physio_overrides_a_decision_with_a_note(app, client, auth, assigned):
    world = assigned
    auth.login(world.patient)
    form = routine_form(client)
    form.update(pain_before="3", pain_during="7", pain_after="6", effort="6")
    client.post("/routine", data=form)
    auth.logout()
    auth.login(world.physio)
    clam = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "clam")
    url = f"/clinic/patients/{world.patient.id}/decisions/{clam.id}/override"
    missing_note = client.post(url, data={"sets": "1", "reps": "10", "note": ""})
    assert missing_note.status_code == 422
    wrong_shape = client.post(url, data={"sets": "1", "hold_seconds": "10", "note": "x"})
    assert wrong_shape.status_code == 422 and b"same parts of the dose" in wrong_shape.data
    response = client.post(url, data={"sets": "1", "reps": "10", "note": "Less, not none"})
    assert response.status_code == 303
    latest = versions(app, world.patient.id)[-1]
    assert latest.source is VersionSource.OVERRIDE and latest.created_by_id == world.physio.id
    clam_now = next(p for p in latest.prescriptions if p.position == clam.position)
    assert (clam_now.sets, clam_now.reps) == (1, 10)
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Overridden by Pat Physio" in page and "Less, not none" in page
    auth.logout()
    auth.login(world.patient)
    assert "Your physio has set your clam to 1 x 10." in client.get("/today").data.decode()


def test_a_locked_exercise_keeps_its_dose(app, client, auth, assigned):
    world = assigned
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2, locked=["glute-bridge"])
    auth.logout()
    *_, yesterday = past_sessions(app, world.patient.id, [3, 2, 1])
    with app.app_context():
        db.session.get(ExerciseSession, yesterday).next_morning_pain = None
        db.session.commit()
    auth.login(world.patient)
    morning_check_in(client, yesterday, 1)
    bridge = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "glute-bridge")
    assert bridge.kind == "progress_dose" and bridge.status.value == "locked"
    latest = versions(app, world.patient.id)[-1]
    assert latest.prescriptions[0].reps == 10 and latest.prescriptions[1].reps == 14
    assert "Your physio has set the dose of your glute bridge" in client.get("/today").data.decode()


def test_a_corrected_log_is_read_again_by_the_rules(app, client, auth, assigned):
    """A session logged easy, then corrected to pain 7 within the 24 hours: the rules ran only
    on the log, so the painful session never stepped anything down."""
    world = assigned
    auth.login(world.patient)
    assert client.post("/routine", data=routine_form(client)).status_code == 303
    (session_id,) = [s.id for s in sessions_of(app, world.patient.id)]
    assert {d.kind for d in decisions(app, world.patient.id)} != {"step_down"}
    url = f"/sessions/{session_id}/edit"
    form = routine_form(client, url)
    form.update(pain_during="7", pain_after="6")
    assert client.post(url, data=form).status_code == 303
    newest = max(d.run_id for d in decisions(app, world.patient.id))
    assert {d.kind for d in decisions(app, world.patient.id) if d.run_id == newest} == {
        "step_down"}
    assert "your pain reached 7" in client.get("/today").data.decode()


def sessions_of(app, patient_id: int) -> list[ExerciseSession]:
    with app.app_context():
        return list(db.session.scalars(select(ExerciseSession).where(
            ExerciseSession.patient_id == patient_id)))


def test_a_step_down_to_an_easier_exercise_keeps_within_its_ranges(app, client, auth, world,
                                                                   library):
    """Bridge 2 x 10 with 3-second holds steps down to glute sets, whose holds are 5 to 10 s:
    capped at the bridge's 3 s, the new dose was below anything the library prescribes."""
    assign(app, world.patient.id, world.physio.id, rows=(row("glute-bridge", hold=3),))
    auth.login(world.patient)
    form = routine_form(client)
    form.update(pain_before="3", pain_during="7", pain_after="6", effort="6")
    assert client.post("/routine", data=form).status_code == 303
    (bridge,) = decisions(app, world.patient.id)
    assert bridge.new_exercise_slug == "glute-sets"
    assert (bridge.new_sets, bridge.new_reps, bridge.new_hold_seconds) == (1, 10, 5)


def test_a_lock_never_holds_back_a_step_down(app, client, auth, assigned):
    """A lock keeps a dose from going up. After pain 7 the locked bridge stayed, and the
    patient read "Your physio has set the dose of your glute bridge, so keep to it"."""
    world = assigned
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2, locked=["glute-bridge"])
    auth.logout()
    auth.login(world.patient)
    form = routine_form(client)
    form.update(pain_before="3", pain_during="7", pain_after="6", effort="6")
    assert client.post("/routine", data=form).status_code == 303
    bridge = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "glute-bridge")
    assert bridge.kind == "step_down" and bridge.status.value == "applied"
    assert bridge.new_exercise_slug == "glute-sets"
    assert len(versions(app, world.patient.id)) == 2  # the step-down's version
    assert "so keep to it" not in client.get("/today").data.decode()


def test_settings_that_do_not_fit_together_are_refused(app, client, auth, assigned):
    world = assigned
    auth.login(world.physio)
    client.get(f"/clinic/patients/{world.patient.id}/progression")
    before = snapshot(app)
    data = {"mode": "auto", "pain_progress_max": "6", "baseline_margin": "1", "pain_limit": "5",
            "effort_progress_max": "4", "sessions_to_progress": "3",
            "meaningful_rise_points": "2", "meaningful_rise_percent": "30",
            "flare_step_downs": "2", "flare_window_days": "14", "resume_settled_sessions": "2",
            "reps_step_percent": "15", "hold_step_percent": "20", "step_down_percent": "40"}
    response = client.post(f"/clinic/patients/{world.patient.id}/progression/settings",
                           data=data)
    assert response.status_code == 422
    assert "\u201cHighest pain that still allows a step up\u201d cannot be above" in \
        response.data.decode()
    for bad in ({"pain_limit": "11"}, {"sessions_to_progress": "abc"}, {"mode": "yolo"},
                {"locked": "not-in-the-programme"}, {"baseline_pain": "-1"}):
        response = client.post(f"/clinic/patients/{world.patient.id}/progression/settings",
                               data={**data, "pain_progress_max": "3", **bad})
        assert response.status_code == 422, bad
    assert snapshot(app) == before


def test_settings_changes_are_kept_with_who_and_when(app, client, auth, assigned):
    world = assigned
    auth.login(world.physio)
    set_usual_pain(client, world.patient.id, 2)
    set_usual_pain(client, world.patient.id, 3, pain_limit="6")
    with app.app_context():
        rows = list(db.session.scalars(
            select(ProgressionSettings).order_by(ProgressionSettings.id)))
        assert [(r.baseline_pain, r.thresholds) for r in rows] == [(2, {}), (3, {"pain_limit": 6})]
        assert {r.created_by_id for r in rows} == {world.physio.id}
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Settings changes" in page and "Pain above this steps down and alerts you 6" in page


# The audit trail -----------------------------------------------------------------------------


def test_stored_decisions_are_never_rewritten(app, loop):
    with app.app_context():
        decision = db.session.get(ProgressionDecision, loop.decision_id)
        decision.sentence = "Something else"
        with pytest.raises(AuditTrailError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(ProgressionDecision, loop.decision_id))
        with pytest.raises(AuditTrailError):
            db.session.flush()
        db.session.rollback()


def test_no_programme_means_no_run(app, world, library):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProgressionRun)) == 0


def test_a_run_names_read_only_sessions_by_id_and_keeps_the_rest_whole(app, client, auth,
                                                                       assigned):
    world = assigned
    older = past_sessions(app, world.patient.id, [5, 4, 3])
    with app.app_context():  # saved on their own days: past their day for corrections
        for session_id, days in zip(older, [5, 4, 3], strict=True):
            db.session.get(ExerciseSession, session_id).created_at = \
                now_utc() - timedelta(days=days)
        db.session.commit()
    newest = log(app, world.patient.id, pain=SETTLED)
    with app.app_context():
        run = db.session.scalar(select(ProgressionRun).order_by(ProgressionRun.id.desc()))
        assert run.inputs["session_ids"] == [*older, newest]
        assert [s["id"] for s in run.inputs["sessions"]] == [newest]  # correctable till tomorrow
        read = progression_queries.run_sessions(run)
        assert [s["id"] for s in read] == [*older, newest]
        assert read[0]["during"] == SETTLED[1] and read[0]["next_morning"] == 1
        assert [e[0] for e in read[0]["exercises"]] == ["glute-bridge", "clam", "knee-to-chest"]
        # A correction after the run leaves what the run read as it was.
        db.session.get(ExerciseSession, newest).pain_during = 7
        db.session.commit()
        assert progression_queries.run_sessions(run) == read


def test_usual_pain_comes_from_the_first_sessions_when_not_recorded(app, client, auth, assigned):
    world = assigned
    *_, yesterday = past_sessions(app, world.patient.id, [3, 2, 1])
    with app.app_context():
        db.session.get(ExerciseSession, yesterday).next_morning_pain = None
        db.session.commit()
    auth.login(world.patient)
    morning_check_in(client, yesterday, 1)
    with app.app_context():
        run = db.session.scalar(select(ProgressionRun))
        assert (run.inputs["baseline"], run.inputs["baseline_source"]) == (1, "first_sessions")


def test_rules_page_lists_every_setting_with_its_source(client, auth, world):
    auth.login(world.physio)
    page = client.get("/clinic/progression/rules").data.decode()
    assert "Silbernagel" in page and "Farrar 2001" in page
    assert page.count('<tr><td data-label="Setting">') == 13


def test_two_logs_for_one_patient_at_once_do_not_deadlock(app, loop):
    """Each request inserts a session (a key-share lock on the patient's row through the
    foreign key), then locks the row to change the programme. On PostgreSQL both inserts go
    first here, which deadlocked with FOR UPDATE. SQLite runs one writer at a time, so there
    the two simply run one after the other."""
    import threading
    import uuid

    from exercise_app.models import LogStatus, RunTrigger
    from exercise_app.patient.operations import LoggedExercise, SessionValues, log_session

    with app.app_context():
        concurrent = db.engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2 if concurrent else 1)
    errors: list[Exception] = []

    def log_and_decide() -> None:
        with app.app_context():
            try:
                patient = db.session.get(User, loop.patient.id)
                version = db.session.scalar(
                    select(ProgrammeVersion).where(ProgrammeVersion.patient_id == patient.id)
                    .order_by(ProgrammeVersion.number.desc()))
                done = tuple(LoggedExercise(p.id, LogStatus.DONE, p.sets, None, None, None, None)
                             for p in version.prescriptions)
                session, _ = log_session(patient, version, str(uuid.uuid4()),
                                         SessionValues(3, 7, 6, 6, "", done))
                barrier.wait(timeout=10)
                run_rules(patient, session, RunTrigger.SESSION)
                db.session.commit()
            except Exception as error:
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    if concurrent:
        threads = [threading.Thread(target=log_and_decide) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        log_and_decide()
        log_and_decide()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExerciseSession).where(
            ExerciseSession.patient_id == loop.patient.id)) == 3  # the loop's and these two


# Precautions -----------------------------------------------------------------------------------


HEEL_SLIDES_AT_THE_TOP = row("heel-slides", sets=2, reps=10, side=Side.EACH)


def heel_slides_at_the_top(app, client, auth, world, *, mode: str = "auto",
                           precaution: bool = True, others=()) -> None:
    """Heel slides at the top of their range (2 x 10), whose harder step, knee to chest, is
    flagged for early posterior hip replacement (with the ``others`` rows after them); three
    settled days, then the morning."""
    assign(app, world.patient.id, world.physio.id, rows=(HEEL_SLIDES_AT_THE_TOP, *others))
    if precaution:
        auth.login(world.physio)
        response = client.post(f"/clinic/patients/{world.patient.id}/precautions",
                               data={"precautions": ["posterior-thr-early"]})
        assert response.status_code == 303
        auth.logout()
    three_settled_days_then_the_morning(app, client, auth, world, mode=mode)


def test_the_rules_never_move_a_patient_onto_an_exercise_their_precautions_flag(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world)
    assert len(versions(app, world.patient.id)) == 1  # still heel slides
    decision = decisions(app, world.patient.id)[-1]
    assert decision.kind == "hold" and decision.new_exercise_slug is None
    assert "harder_unsuitable" in decision.reasons
    today = client.get("/today").data.decode()
    assert ("the next step, knee to chest, may not suit you (early after a posterior-approach "
            "hip replacement), so your physio will choose what comes next.") in today
    with app.app_context():
        run = db.session.scalar(select(ProgressionRun).order_by(ProgressionRun.id.desc()))
        assert run.inputs["precautions"] == ["posterior-thr-early"]


def test_without_the_precaution_the_same_sessions_move_up(app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world, precaution=False)
    assert len(versions(app, world.patient.id)) == 2
    decision = decisions(app, world.patient.id)[-1]
    assert decision.kind == "move_up" and decision.new_exercise_slug == "knee-to-chest"
    assert ready_alerts(app, world.patient.id) == []  # the rules chose: nothing to ask


def test_the_physio_is_told_of_a_hold_when_the_same_run_moves_another_exercise_up(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world, others=(row("glute-bridge"),))
    physio_made, by_the_rules = versions(app, world.patient.id)  # the bridge went up
    assert by_the_rules.source is VersionSource.RULES
    assert [d.kind for d in decisions(app, world.patient.id)] == ["hold", "progress_dose"]
    assert ready_alerts(app, world.patient.id) == [("low", "open", (
        "At the top of the range, with the next step for you to choose: Heel slides (the next "
        "exercise up may not suit them)."))]
    with app.app_context():  # one a programme the physio set, whatever the rules change
        assert db.session.scalar(select(Alert.day)) == physio_made.start_date


def test_a_programme_the_physio_saves_resolves_the_next_step_alert(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world)
    # The physio's choice of what comes next.
    physio_saves_the_programme(client, auth, world, {"exercises-0-exercise": "glute-bridge"})
    ((level, status, _reason),) = ready_alerts(app, world.patient.id)
    assert (level, status) == ("low", "resolved")
    with app.app_context():
        action = db.session.scalar(select(AlertAction))
        assert action.by_id == world.physio.id
        assert action.note == "Resolved by saving a new programme for the patient."
        assert db.session.get(PatientSummary, world.patient.id).open_low == 0
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert "Choose the next step in the programme" not in page


def physio_saves_the_programme(client, auth, world, changes: dict[str, str]) -> None:
    """The patient's physio opens the editor, changes these fields and saves (and stays
    signed in)."""
    auth.logout()
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    form.update(changes)
    assert client.post(url, data=form).status_code == 303


NEXT_STEP_NOTE = "so your physio will choose what comes next."
REPLACED = "the patient no longer sees these on Today"


def test_a_programme_the_physio_saves_ends_the_last_runs_words_on_today(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world)
    assert NEXT_STEP_NOTE in client.get("/today").data.decode()
    auth.logout()
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert REPLACED not in page
    assert "replaced these" not in client.get(
        f"/clinic/patients/{world.patient.id}/progression").data.decode()
    form["exercises-0-exercise"] = "glute-bridge"  # the physio has chosen what comes next
    assert client.post(url, data=form).status_code == 303
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    start = today_of(app, world.patient.id).strftime("%-d %b")
    assert (f"From the rules' last run, before the programme saved as version 2 (from "
            f"{start}): {REPLACED}, except any you review.") in page
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert (f"The programme saved since as version 2 (from {start}) replaced these: the "
            "patient no longer sees them on Today, except any you review.") in page
    # Heel slides are gone from the programme: no override is offered for them.
    assert "No longer in the programme: the exercise was changed since." in page
    assert "Override with your own dose" not in page
    auth.logout()
    auth.login(world.patient)
    today = client.get("/today").data.decode()
    assert NEXT_STEP_NOTE not in today and "How your exercises are moving on" not in today
    result = app.test_cli_runner().invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert NEXT_STEP_NOTE not in client.get("/today").data.decode()  # not brought back
    with app.app_context():  # nor when Today reads the runs itself (no summary to say)
        db.session.get(PatientSummary, world.patient.id).run_notes = None
        db.session.commit()
    assert "How your exercises are moving on" not in client.get("/today").data.decode()
    with app.app_context():  # the rules' next run is of the physio's programme: it speaks
        patient = db.session.get(User, world.patient.id)
        newest = db.session.scalar(select(ExerciseSession).order_by(ExerciseSession.id.desc()))
        run_rules(patient, newest, RunTrigger.MORNING)
        db.session.commit()
    today = client.get("/today").data.decode()
    assert "How your exercises are moving on" in today and "Glute bridge" in today
    assert NEXT_STEP_NOTE not in today


def test_a_decision_the_physio_approves_after_saving_a_programme_is_news_again(
        app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    assert "your physio will check it first" in client.get("/today").data.decode()
    # The doses stay as they were.
    physio_saves_the_programme(client, auth, world, {"note": "Same exercises; keep going."})
    bridge = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "glute-bridge")
    response = client.post(
        f"/clinic/patients/{world.patient.id}/decisions/{bridge.id}/approve")
    assert response.status_code == 303
    auth.logout()
    auth.login(world.patient)
    today = client.get("/today").data.decode()
    assert "Your glute bridge goes up to 12 reps" in today
    assert "your physio will check it first" not in today  # the clam's, replaced unreviewed
    with app.app_context():  # Today's own read of the decisions says the same
        db.session.get(PatientSummary, world.patient.id).run_notes = None
        db.session.commit()
    again = client.get("/today").data.decode()
    assert "Your glute bridge goes up to 12 reps" in again
    assert "your physio will check it first" not in again


def test_a_decision_reviewed_before_the_physio_saves_a_programme_is_no_longer_news(
        app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    auth.logout()
    auth.login(world.physio)
    clam = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "clam")
    response = client.post(f"/clinic/patients/{world.patient.id}/decisions/{clam.id}/reject",
                           data={"note": "Keep clams as they are this week"})
    assert response.status_code == 303
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    form["note"] = "Same exercises; keep going."
    assert client.post(url, data=form).status_code == 303
    auth.logout()
    auth.login(world.patient)
    today = client.get("/today").data.decode()
    assert "kept your clam" not in today and "How your exercises are moving on" not in today
    with app.app_context():  # nor from Today's own read of the decisions
        db.session.get(PatientSummary, world.patient.id).run_notes = None
        db.session.commit()
    assert "How your exercises are moving on" not in client.get("/today").data.decode()


def test_a_decision_about_an_exercise_the_physio_has_replaced_cannot_be_rejected(
        app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    # In place of the clam.
    physio_saves_the_programme(client, auth, world, {"exercises-1-exercise": "heel-slides"})
    clam = next(d for d in decisions(app, world.patient.id) if d.exercise_slug == "clam")
    # The clam's decision waits for nothing now: it leaves the queue, and is marked as such.
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Waiting for your approval (2)" in page  # the bridge's and the knee's still stand
    assert f"/decisions/{clam.id}/reject" not in page
    assert f"/decisions/{clam.id}/override" not in page
    assert "(No longer in the programme)" in page
    assert "No longer in the programme: the exercise was changed since." in page
    patient_page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert "2 waiting for your approval" in patient_page
    before = snapshot(app)
    response = client.post(f"/clinic/patients/{world.patient.id}/decisions/{clam.id}/reject",
                           data={"note": "Keep clams as they are"})
    assert response.status_code == 409
    assert "The programme has changed since this decision" in response.data.decode()
    assert snapshot(app) == before
    auth.logout()
    auth.login(world.patient)
    assert "kept your clam" not in client.get("/today").data.decode()


def test_a_decision_whose_dose_the_physio_changed_since_is_not_offered_for_approval(
        app, client, auth, assigned):
    world = assigned
    three_settled_days_then_the_morning(app, client, auth, world, mode="approve")
    # The physio's own step for the bridge.
    physio_saves_the_programme(client, auth, world, {"exercises-0-reps": "11"})
    bridge, clam = (next(d for d in decisions(app, world.patient.id) if d.exercise_slug == slug)
                    for slug in ("glute-bridge", "clam"))
    page = client.get(f"/clinic/patients/{world.patient.id}/progression").data.decode()
    assert "Waiting for your approval (3)" in page  # all three may still be rejected
    assert f"/decisions/{bridge.id}/approve" not in page
    assert f"/decisions/{bridge.id}/reject" in page
    assert f"/decisions/{clam.id}/approve" in page
    assert page.count("The dose has changed since this decision, so it cannot be approved") == 1
    response = client.post(
        f"/clinic/patients/{world.patient.id}/decisions/{bridge.id}/approve")
    assert response.status_code == 409  # as the page said


def ready_alerts(app, patient_id: int) -> list[tuple[str, str, str]]:
    """The patient's "next step for you to choose" alerts, as (level, status, reason)."""
    with app.app_context():
        return [(a.level, a.status.value, a.reason) for a in db.session.scalars(
            select(Alert).where(Alert.patient_id == patient_id,
                                Alert.code == "ready_for_next").order_by(Alert.id))]


def test_a_hold_that_leaves_the_next_step_to_the_physio_alerts_them_once_a_programme(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world)
    reason = ("At the top of the range, with the next step for you to choose: Heel slides (the "
              "next exercise up may not suit them).")
    assert ready_alerts(app, world.patient.id) == [("low", "open", reason)]
    auth.logout()
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert reason in page
    editor = f'<a href="/clinic/patients/{world.patient.id}/programme">Choose the next step'
    assert editor in page
    with app.app_context():
        alert_id = db.session.scalar(select(Alert.id).where(Alert.code == "ready_for_next"))
    response = client.post(f"/clinic/patients/{world.patient.id}/alerts/{alert_id}",
                           data={"status": "resolved", "note": "Reviewing it at the next visit."})
    assert response.status_code == 303
    with app.app_context():  # the rules run again the next day, the same programme in force
        patient = db.session.get(User, world.patient.id)
        newest = db.session.scalar(select(ExerciseSession).order_by(ExerciseSession.id.desc()))
        tomorrow = now_utc() + timedelta(days=1)
        run_rules(patient, newest, RunTrigger.MORNING, now=tomorrow)
        refresh_patient(patient, now=tomorrow)
        db.session.commit()
    assert len(decisions(app, world.patient.id)) == 2
    assert "harder_unsuitable" in decisions(app, world.patient.id)[-1].reasons
    assert ready_alerts(app, world.patient.id) == [("low", "resolved", reason)]
    assert editor not in client.get(f"/clinic/patients/{world.patient.id}").data.decode()


def test_a_waiting_move_up_cannot_be_approved_once_a_precaution_rules_it_out(
        app, client, auth, world, library):
    heel_slides_at_the_top(app, client, auth, world, mode="approve", precaution=False)
    auth.logout()
    auth.login(world.physio)
    pending = decisions(app, world.patient.id)[-1]
    assert pending.kind == "move_up" and pending.status.value == "pending"
    client.post(f"/clinic/patients/{world.patient.id}/precautions",
                data={"precautions": ["posterior-thr-early"]})
    before = snapshot(app)
    response = client.post(
        f"/clinic/patients/{world.patient.id}/decisions/{pending.id}/approve")
    assert response.status_code == 409
    assert ("Knee to chest needs care with early after a posterior-approach hip replacement"
            in response.data.decode())
    assert snapshot(app) == before
