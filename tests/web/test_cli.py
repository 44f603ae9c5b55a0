from __future__ import annotations

import re

from sqlalchemy import func, select

from exercise_app.demo import DEMO_LOGINS
from exercise_app.extensions import db
from exercise_app.models import CareRelationship, Role, User


def test_seed_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "4 accounts created" in first.output
    for login in DEMO_LOGINS:
        assert login.email in first.output and login.password in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "0 accounts created, 4 already there" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
        assert db.session.scalar(select(func.count()).select_from(CareRelationship)) == 2


def test_demo_logins_work(app, client, runner):
    runner.invoke(args=["seed-demo"])
    for login in DEMO_LOGINS:
        response = client.post("/login", data={"email": login.email, "password": login.password})
        assert response.status_code == 303, login.email
        client.post("/logout")


def test_create_user(app, runner):
    result = runner.invoke(args=[
        "create-user", "--email", "Boss@Example.org", "--name", "Bo Boss", "--role", "admin",
        "--clinic", "New Clinic", "--password", "granite-willow-seventy"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=[
        "create-user", "--email", "pt@example.org", "--name", "Pete Physio", "--role", "physio",
        "--clinic", "New Clinic", "--password", "granite-willow-seventy"])
    result = runner.invoke(args=[
        "create-user", "--email", "pa@example.org", "--name", "Pam Patient", "--role", "patient",
        "--clinic", "New Clinic", "--physio", "pt@example.org",
        "--password", "granite-willow-seventy"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert boss.role == Role.ADMIN
        assert db.session.scalar(select(func.count()).select_from(CareRelationship)) == 1


def test_create_user_refuses_weak_password_and_duplicates(app, runner, world):
    weak = runner.invoke(args=[
        "create-user", "--email", "w@example.org", "--name", "W", "--role", "admin",
        "--clinic", "C", "--password", "short"])
    assert weak.exit_code != 0 and "at least 12" in weak.output
    dup = runner.invoke(args=[
        "create-user", "--email", world.physio.email, "--name", "W", "--role", "admin",
        "--clinic", "C", "--password", "granite-willow-seventy"])
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_progression_simulate_prints_every_decision(runner, tmp_path):
    from pathlib import Path

    scenario = Path(__file__).resolve().parents[1] / "unit/scenarios/flare_up_and_recovery.yaml"
    result = runner.invoke(args=["progression", "simulate", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "step_down" in result.output and "pause_flare" in result.output
    assert "ALERT" in result.output and "your physio has been told" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("baseline: 3\n")
    result = runner.invoke(args=["progression", "simulate", str(broken)])
    assert result.exit_code != 0 and "broken.yaml" in result.output


def test_progression_explain_prints_the_decision_history(app, runner, loop):
    result = runner.invoke(args=["progression", "explain", loop.patient.email])
    assert result.exit_code == 0, result.output
    assert loop.patient.display_name in result.output
    assert "after the session, reading up to the session of" in result.output
    assert "glute-bridge" in result.output and "insufficient_data" in result.output
    assert "says: Keep your glute bridge at 2 sets of 10 for now" in result.output
    by_id = runner.invoke(args=["progression", "explain", str(loop.patient.id)])
    assert by_id.output == result.output
    read = runner.invoke(args=["progression", "explain", str(loop.patient.id), "--inputs"])
    assert read.exit_code == 0, read.output
    assert "  read: usual pain - (none), 1 session(s)\n" in read.output
    assert re.search(r"\n    \d{4}-\d\d-\d\d  during 3 after 2 morning - effort 4: "
                     r"glute-bridge done 2x10, clam done 2x12, knee-to-chest done 1 set 30s "
                     r"hold\n", read.output), read.output
    for wrong in ("nobody@example.org", str(loop.physio.id)):
        refused = runner.invoke(args=["progression", "explain", wrong])
        assert refused.exit_code != 0 and "No patient" in refused.output


def test_seed_demo_gives_the_patients_weeks_of_sessions_and_decisions(app, runner, library):
    first = runner.invoke(args=["seed-demo"])
    assert "2 patients given a programme" in first.output, first.output
    from exercise_app.models import ExerciseSession, ProgressionDecision

    with app.app_context():
        sessions = db.session.scalar(select(func.count()).select_from(ExerciseSession))
        kinds = set(db.session.scalars(select(ProgressionDecision.kind)))
    assert sessions == 18
    assert {"progress_dose", "step_down", "pause_flare"} <= kinds
    again = runner.invoke(args=["seed-demo"])
    assert "0 patients given a programme" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExerciseSession)) == 18


def test_summaries_rebuild_fills_the_caseload(app, runner, loop):
    from exercise_app.models import PatientSummary

    with app.app_context():
        db.session.execute(PatientSummary.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0 and "Summaries rebuilt for 4 patients." in result.output
    with app.app_context():
        summary = db.session.get(PatientSummary, loop.patient.id)
        assert summary.last_session_date is not None and summary.days["pain"].strip("-")
        assert [stage[0] for stage in summary.programme_stages] == [1]  # the caseload's "Version 1"
