"""What the progression rules read from a logged session: skipped exercises, fewer sets or reps
than prescribed, and a stop for pain, each as the patient logged it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import (
    Alert,
    ExerciseSession,
    LogStatus,
    ProgrammeVersion,
    ProgressionRun,
    RunTrigger,
    SkipReason,
    User,
    now_utc,
)
from exercise_app.patient.operations import LoggedExercise, SessionValues, log_session
from exercise_app.progression import queries as progression_queries
from exercise_app.progression.operations import run_rules
from tests.factories import assign
from tests.web.test_daily_loop import routine_form
from tests.web.test_progression import SETTLED, decisions, set_usual_pain


@pytest.fixture
def assigned(app, world, library):
    """The default programme (bridge 2x10, clam 2x12 each side, knee to chest 1x30 s each
    side) and a usual pain of 2, recorded by the physio."""
    assign(app, world.patient.id, world.physio.id)
    return world


@pytest.fixture
def usual_pain_2(client, auth, assigned):
    auth.login(assigned.physio)
    set_usual_pain(client, assigned.patient.id, 2)
    auth.logout()
    return assigned


def logged(app, patient_id: int, days_ago: int, *, pain=SETTLED, morning: int | None = 1,
           **changes: dict) -> int:
    """Log a settled, easy session ``days_ago`` days back with every exercise done as
    prescribed, except the exercises named in ``changes`` (by slug, with hyphens as
    underscores), whose logged fields are replaced; then its next-morning pain."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        version = db.session.scalar(select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == patient_id).order_by(ProgrammeVersion.number.desc()))
        exercises = []
        for p in version.prescriptions:
            total = p.reps * p.sets if p.reps else None
            fields = {"status": LogStatus.DONE, "sets_done": p.sets, "reps_done": total,
                      "reps_done_other_side": total if p.side == "each" else None,
                      "skip_reason": None, "stop_reason": None}
            fields.update(changes.get(p.exercise_version.data["id"].replace("-", "_"), {}))
            exercises.append(LoggedExercise(p.id, **fields))
        values = SessionValues(*pain, 3, "", tuple(exercises),
                               now_utc() - timedelta(days=days_ago))
        session, _ = log_session(patient, version, str(uuid.uuid4()), values)
        session.next_morning_pain = morning
        db.session.commit()
        return session.id


def run_after_morning(app, patient_id: int, session_id: int) -> dict[str, object]:
    """Run the rules as the morning check-in does; the newest decision for each exercise."""
    with app.app_context():
        run_rules(db.session.get(User, patient_id), db.session.get(ExerciseSession, session_id),
                  RunTrigger.MORNING)
        db.session.commit()
    return {d.exercise_slug: d for d in decisions(app, patient_id)}


SKIPPED_FOR_PAIN = {"status": LogStatus.SKIPPED, "sets_done": 0, "reps_done": None,
                    "reps_done_other_side": None, "skip_reason": SkipReason.PAIN}


def test_an_exercise_skipped_between_easy_sessions_is_not_stepped_up(app, runner,
                                                                      usual_pain_2):
    world = usual_pain_2
    patient = world.patient.id
    for days_ago in (5, 3):
        logged(app, patient, days_ago)
        logged(app, patient, days_ago - 1, glute_bridge=SKIPPED_FOR_PAIN)
    yesterday = logged(app, patient, 1)

    bridge = run_after_morning(app, patient, yesterday)["glute-bridge"]
    assert bridge.kind == "hold" and bridge.reasons == ["not_all_done"]
    assert bridge.sentence == ("Keep your glute bridge at 2 sets of 10 for now: not every set "
                               "was finished in your recent sessions.")
    with app.app_context():  # the record says why it was not done
        run = db.session.scalar(select(ProgressionRun).order_by(ProgressionRun.id.desc()))
        read = progression_queries.run_sessions(run)
        assert [s["exercises"][0][:2] for s in read] == [
            ["glute-bridge", "done"], ["glute-bridge", "skipped"], ["glute-bridge", "done"],
            ["glute-bridge", "skipped"], ["glute-bridge", "done"]]
        assert read[1]["logged"][0] == [0, None, None, "pain"]
    # The record's exercises keep their five items: ``flask progression explain`` reads them.
    shown = runner.invoke(args=["progression", "explain", str(patient), "--inputs"])
    assert shown.exit_code == 0, shown.output
    assert "glute-bridge skipped 2x10, clam done 2x12" in shown.output


def test_done_with_fewer_sets_or_reps_than_prescribed_is_not_stepped_up(app, usual_pain_2):
    world = usual_pain_2
    patient = world.patient.id
    for days_ago in (3, 2, 1):
        last = logged(app, patient, days_ago,
                      # "Done", with one set of two.
                      glute_bridge={"sets_done": 1, "reps_done": 10},
                      # "Done", every set, but half the reps on the right side.
                      clam={"reps_done_other_side": 12})

    stored = run_after_morning(app, patient, last)
    for slug in ("glute-bridge", "clam"):
        assert stored[slug].kind == "hold" and stored[slug].reasons == ["not_all_done"], slug
    knee = stored["knee-to-chest"]  # done in full: one set more
    assert knee.kind == "progress_dose" and (knee.old_sets, knee.new_sets) == (1, 2)


def test_a_stop_for_pain_above_5_steps_the_exercise_down(app, client, auth, assigned):
    world = assigned
    auth.login(world.patient)
    form = routine_form(client)
    assert form["exercises-0-status"] == "done"  # the bridge
    form.update({"exercises-0-status": "stopped", "exercises-0-stop_reason": "pain-over-5",
                 "exercises-0-sets_done": "1", "exercises-0-reps_done": "10"})
    form.update(pain_before="2", pain_during="4", pain_after="3", effort="5")
    assert client.post("/routine", data=form).status_code == 303

    stored = {d.exercise_slug: d for d in decisions(app, world.patient.id)}
    bridge = stored["glute-bridge"]
    assert bridge.kind == "step_down" and bridge.alert_physio
    assert bridge.reasons == ["pain_above_limit"] and bridge.evidence["worst_during"] == 6
    # The rest of the session, at pain 4, is read as logged.
    assert {stored[s].kind for s in ("clam", "knee-to-chest")} == {"insufficient_data"}
    today = client.get("/today").data.decode()
    assert "your pain reached 6, above the limit of 5, so your physio has been told" in today


def test_a_stop_for_pain_rising_rep_by_rep_holds_the_dose_and_tells_the_physio(
        app, client, auth, assigned):
    """clinical.md's stop rule, "pain during a set > 5 or rising rep by rep": the routine
    offers the second reason too. Stopped, the exercise was not done in full, so its dose
    holds (read at the pain logged, 4: no step-down); the physio sees it in a low alert."""
    world = assigned
    auth.login(world.patient)
    page = client.get("/routine?all=1").data.decode()
    assert '<option value="pain-rising">Pain kept rising with each rep</option>' in page
    form = routine_form(client)
    form.update({"exercises-0-status": "stopped", "exercises-0-stop_reason": "pain-rising",
                 "exercises-0-sets_done": "1", "exercises-0-reps_done": "6"})
    form.update(pain_before="2", pain_during="4", pain_after="3", effort="5")
    response = client.post("/routine", data=form)
    assert response.status_code == 303
    detail = client.get(response.headers["Location"]).data.decode()
    assert "Pain kept rising with each rep" in detail

    bridge = {d.exercise_slug: d for d in decisions(app, world.patient.id)}["glute-bridge"]
    assert bridge.kind != "step_down" and bridge.new_sets == bridge.old_sets
    with app.app_context():
        [alert] = db.session.scalars(select(Alert).where(
            Alert.patient_id == world.patient.id, Alert.code == "exercise_stopped")).all()
        assert alert.level == "low" and "pain rising with each rep" in alert.reason
