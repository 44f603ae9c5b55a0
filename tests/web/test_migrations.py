"""The migrations build exactly the models' schema, on an empty database and on one with data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from exercise_app import create_app
from exercise_app.extensions import db, read_rows
from exercise_app.models import User
from exercise_app.progression.queries import PAST_DECISIONS
from exercise_app.triage.queries import step_down_days
from tests.conftest import _postgres_url, missing_leg, reset_postgres_schema

# Rows written at a revision before later migrations run, checked afterwards. A new migration
# that changes existing tables adds a row here for the revision before it.
SAMPLE_DATA = {
    "0001_accounts": [
        "INSERT INTO clinics (id, name, created_at) "
        "VALUES (1, 'Old Clinic', '2026-01-01 09:00:00')",
        "INSERT INTO users (id, clinic_id, email, display_name, role, time_zone, active, "
        "password_hash, session_token, created_at) VALUES (1, 1, 'old@example.org', 'Old User', "
        "'physio', 'Europe/London', true, NULL, 'token-1', '2026-01-01 09:00:00')",
    ],
    # Before 0004: a version saved by a physio gets source 'physio'.
    "0003_programmes": [
        "INSERT INTO programme_versions (id, patient_id, number, created_by_id, created_at, "
        "start_date, note) VALUES (1, 1, 1, 1, '2026-01-02 09:00:00', '2026-01-02', 'Old')",
    ],
    # After 0004: a version the rules made has no author; downgrading must still work.
    "0004_progression": [
        "INSERT INTO programme_versions (id, patient_id, number, created_by_id, source, "
        "created_at, start_date, note) VALUES (2, 1, 2, NULL, 'rules', '2026-01-03 09:00:00', "
        "'2026-01-03', '')",
    ],
    # Before 0006: a summary whose figures are only in its JSON, alerts in every state, and a
    # second person with an open alert but no summary yet.
    "0005_safety": [
        "INSERT INTO users (id, clinic_id, email, display_name, role, time_zone, active, "
        "password_hash, session_token, created_at) VALUES (2, 1, 'pat@example.org', 'Pat', "
        "'patient', 'Europe/London', true, NULL, 'token-2', '2026-01-01 09:00:00')",
        "INSERT INTO patient_summaries (patient_id, last_session_date, baseline_pain, days, "
        "updated_at) VALUES (1, '2026-01-04', 3, "
        "'{\"on\": \"2026-01-05\", \"a7\": 71, \"a28\": 64}', '2026-01-05 09:00:00')",
        "INSERT INTO alerts (patient_id, level, code, reason, evidence, day, status, "
        "created_at) VALUES (1, 'critical', 'red_flag', 'Why', '{}', '2026-01-05', "
        "'open', '2026-01-05 09:00:00')",
        "INSERT INTO alerts (patient_id, level, code, reason, evidence, day, status, "
        "created_at) VALUES (1, 'high', 'pain_severe', 'Why', '{}', '2026-01-05', "
        "'acknowledged', '2026-01-05 09:00:00')",
        "INSERT INTO alerts (patient_id, level, code, reason, evidence, day, status, "
        "created_at) VALUES (1, 'low', 'pain_rising', 'Why', '{}', '2026-01-05', "
        "'resolved', '2026-01-05 09:00:00')",
        "INSERT INTO alerts (patient_id, level, code, reason, evidence, day, status, "
        "created_at) VALUES (1, 'high', 'missed', 'Why', '{}', '2026-01-05', "
        "'open', '2026-01-05 09:00:00')",
        "INSERT INTO alerts (patient_id, level, code, reason, evidence, day, status, "
        "created_at) VALUES (2, 'high', 'pain_severe', 'Why', '{}', '2026-01-05', "
        "'open', '2026-01-05 09:00:00')",
    ],
    # Before 0007: a third person with two programme versions, the second starting far ahead,
    # and no summary yet.
    "0006_summary_columns": [
        "INSERT INTO users (id, clinic_id, email, display_name, role, time_zone, active, "
        "password_hash, session_token, created_at) VALUES (3, 1, 'kim@example.org', 'Kim', "
        "'patient', 'Europe/London', true, NULL, 'token-3', '2026-01-01 09:00:00')",
        "INSERT INTO programme_versions (id, patient_id, number, created_by_id, source, "
        "created_at, start_date, note, template_slug, template_stage) VALUES (3, 3, 1, 1, "
        "'physio', '2026-01-03 09:00:00', '2026-01-03', '', 'hip-and-back-starter', 2)",
        "INSERT INTO programme_versions (id, patient_id, number, created_by_id, source, "
        "created_at, start_date, note) VALUES (4, 3, 2, 1, 'physio', '2026-01-04 09:00:00', "
        "'2099-01-04', '')",
    ],
    # After 0008: a session, a prescription and progression runs that refer to that person's
    # programme version (the downgrade rebuilds programme_versions under them on SQLite), one
    # run with a decision later runs read back (a step-down), one with a hold.
    "0008_run_notes": [
        "INSERT INTO library_exercises (id, slug, version, content_hash, name, summary, family, "
        "level, position, sides, ladder_slug, rung, data, updated_at) VALUES (1, 'clam', 1, "
        "'h', 'Clam', 'S', 'glute', 1, 'side_lying', 'each', 'clam', 1, '{}', "
        "'2026-01-01 09:00:00')",
        "INSERT INTO library_exercise_versions (id, exercise_id, version, content_hash, data, "
        "created_at) VALUES (1, 1, 1, 'h', '{}', '2026-01-01 09:00:00')",
        "INSERT INTO prescriptions (id, programme_version_id, position, exercise_id, "
        "exercise_version_id, sets, reps, rest_seconds, side, load_note, weekdays) VALUES "
        "(1, 3, 0, 1, 1, 2, 10, 30, 'each', '', 127)",
        "INSERT INTO exercise_sessions (id, patient_id, programme_version_id, client_id, "
        "payload_hash, local_date, pain_before, pain_during, pain_after, effort, outcome, "
        "notes, created_at, updated_at) VALUES (1, 3, 3, 'c-1', 'h', '2026-01-03', 2, 6, 5, 4, "
        "'completed', '', '2026-01-03 18:00:00', '2026-01-03 18:00:00')",
        "INSERT INTO progression_runs (id, patient_id, \"trigger\", session_id, "
        "programme_version_id, inputs, created_at) VALUES (1, 3, 'session', 1, 3, '{}', "
        "'2026-01-03 18:00:01')",
        "INSERT INTO progression_runs (id, patient_id, \"trigger\", session_id, "
        "programme_version_id, inputs, created_at) VALUES (2, 3, 'morning', 1, 3, '{}', "
        "'2026-01-04 18:00:01')",
        "INSERT INTO progression_decisions (id, run_id, patient_id, prescription_id, "
        "position, exercise_slug, exercise_name, ladder_slug, day, kind, reasons, evidence, "
        "old_sets, old_reps, new_sets, new_reps, alert_physio, sentence, status, created_at) "
        "VALUES (1, 1, 3, 1, 0, 'clam', 'Clam', 'clam', '2026-01-03', 'hold', '[]', '{}', "
        "2, 10, 2, 10, false, 'S', 'no_change', '2026-01-03 18:00:01')",
        "INSERT INTO progression_decisions (id, run_id, patient_id, prescription_id, "
        "position, exercise_slug, exercise_name, ladder_slug, day, kind, reasons, evidence, "
        "old_sets, old_reps, new_sets, new_reps, alert_physio, sentence, status, created_at) "
        "VALUES (2, 2, 3, 1, 0, 'clam', 'Clam', 'clam', '2026-01-03', 'step_down', '[]', '{}', "
        "2, 10, 2, 10, false, 'S', 'no_change', '2026-01-03 18:00:01')",
    ],
    # After 0010: a run made again in place of the first (the session's log corrected).
    "0010_run_replaces": [
        "INSERT INTO progression_runs (id, patient_id, \"trigger\", session_id, "
        "programme_version_id, inputs, created_at, replaces_run_id) VALUES (3, 3, 'session', "
        "1, 3, '{}', '2026-01-03 18:05:00', 1)",
        # A session whose one exercise was skipped: "partial" before 0011.
        "INSERT INTO exercise_sessions (id, patient_id, programme_version_id, client_id, "
        "payload_hash, local_date, pain_before, pain_during, pain_after, effort, outcome, "
        "notes, created_at, updated_at) VALUES (2, 3, 3, 'c-2', 'h', '2026-01-04', 2, 2, 2, 0, "
        "'partial', '', '2026-01-04 18:00:00', '2026-01-04 18:00:00')",
        "INSERT INTO exercise_logs (id, session_id, prescription_id, exercise_version_id, "
        "position, status, sets_done, skip_reason) VALUES (1, 2, 1, 1, 0, 'skipped', 0, "
        "'no-time')",
    ],
    # Before 0012: an exercise stopped for pain above 5 (kept as it is).
    "0011_skipped_outcome": [
        "INSERT INTO exercise_logs (id, session_id, prescription_id, exercise_version_id, "
        "position, status, sets_done, stop_reason) VALUES (2, 1, 1, 1, 0, 'stopped', 1, "
        "'pain-over-5')",
    ],
    # After 0013: a run made again in place of two (a log corrected after its morning).
    "0013_run_replacements": [
        "INSERT INTO progression_runs (id, patient_id, \"trigger\", session_id, "
        "programme_version_id, inputs, created_at) VALUES (4, 3, 'session', 2, 3, '{}', "
        "'2026-01-04 18:00:01'), (5, 3, 'morning', 2, 3, '{}', '2026-01-05 08:00:00'), "
        "(6, 3, 'session', 2, 3, '{}', '2026-01-05 09:00:00')",
        "INSERT INTO progression_run_replacements (replaced_run_id, run_id) VALUES (4, 6), "
        "(5, 6)",
    ],
    # After 0014: a red flag's e-mail still waiting after a refusal.
    "0014_queued_mails": [
        "INSERT INTO queued_mails (id, clinic_id, to_address, subject, body, created_at, "
        "next_attempt_at, attempts, last_error) VALUES (1, 1, 'physio@example.org', "
        "'Critical alert', 'Body', '2026-01-05 08:00:00', '2026-01-05 08:01:00', 1, "
        "'SMTPServerDisconnected')",
        # Two notes from before 0015: neither has a form id.
        "INSERT INTO patient_messages (id, patient_id, author_id, text, created_at) VALUES "
        "(1, 3, 1, 'Keep going', '2026-01-05 09:00:00'), "
        "(2, 3, 1, 'Keep going', '2026-01-05 09:00:01')",
    ],
    # After 0012: one stopped because pain kept rising rep by rep ('other' once downgraded).
    "0012_pain_rising_stop": [
        "INSERT INTO prescriptions (id, programme_version_id, position, exercise_id, "
        "exercise_version_id, sets, reps, rest_seconds, side, load_note, weekdays) VALUES "
        "(2, 3, 1, 1, 1, 2, 10, 30, 'each', '', 127)",
        "INSERT INTO exercise_logs (id, session_id, prescription_id, exercise_version_id, "
        "position, status, sets_done, stop_reason) VALUES (3, 1, 2, 1, 1, 'stopped', 1, "
        "'pain-rising')",
    ],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")
        return
    url = _postgres_url()
    if not url:
        missing_leg("TEST_DATABASE_URL is not set: PostgreSQL migration leg not run")
    # A separate schema, so the shared test schema is left alone.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_test"))
    engine.dispose()
    yield url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dmigration_test"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
    engine.dispose()


def _app(url):
    return create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url})


def test_models_and_migrations_agree(empty_database):
    app = _app(empty_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_keeps_data_written_at_every_revision(empty_database):
    app = _app(empty_database)
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        revisions = list(reversed(list(script.walk_revisions())))
        for revision in revisions:
            upgrade(revision=revision.revision)
            for statement in SAMPLE_DATA.get(revision.revision, []):
                with db.engine.begin() as connection:
                    connection.execute(text(statement))
        upgrade()  # to head, again: a no-op that must not fail
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
        old = db.session.get(User, 1)
        assert old.email == "old@example.org" and old.created_at.tzinfo is not None
        versions = db.session.execute(
            text("SELECT id, source, created_by_id FROM programme_versions ORDER BY id")).all()
        assert [tuple(v) for v in versions] == [
            (1, "physio", 1), (2, "rules", None), (3, "physio", 1), (4, "physio", 1)]
        summaries = db.session.execute(text(
            "SELECT patient_id, summary_on, adherence_7, adherence_28, open_critical, "
            "open_high, open_low FROM patient_summaries ORDER BY patient_id")).all()
        assert [(s[0], str(s[1]) if s[1] else None, *s[2:]) for s in summaries] == [
            (1, "2026-01-05", 71, 64, 1, 2, 0),  # acknowledged counts, resolved does not
            (2, None, None, None, 0, 1, 0),  # added so that the caseload shows the alert
            (3, None, None, None, 0, 0, 0),  # added so that the caseload shows the programme
        ]
        digests = db.session.execute(text(
            "SELECT patient_id, open_alerts, programme_stages FROM patient_summaries "
            "ORDER BY patient_id")).all()
        decoded = [(d[0], *(json.loads(v) if isinstance(v, str) else v for v in d[1:]))
                   for d in digests]
        assert decoded == [
            # Most severe first, newest first within a level; resolved left out. Version 1
            # started before version 2, so it can never be in force again.
            (1, [[1, "critical", "Why"], [4, "high", "Why"], [2, "high", "Why"]],
             [[2, "2026-01-03", None, None]]),
            (2, [[5, "high", "Why"]], []),
            (3, [], [[1, "2026-01-03", "hip-and-back-starter", 2], [2, "2099-01-04", None, None]]),
        ]
        # 0008: no run's notes recorded yet (Today reads the decisions until a refresh does).
        assert db.session.execute(text(
            "SELECT count(*) FROM patient_summaries WHERE run_notes IS NULL")).scalar() == 3
        # 0009: the decisions written before it are in the flare-up index where they belong.
        assert [tuple(row) for row in read_rows(PAST_DECISIONS, {
            "patient_id": 3, "replacing": [0]})] == [
                (date(2026, 1, 3), "clam", "clam", "step_down")]
        assert step_down_days(3, date(2026, 1, 1)) == [date(2026, 1, 3)]
        # 0010, 0013: the run made again in place of run 1 still replaces it (0013 moved
        # the link into a table of its own); the one after 0013 replaces runs 4 and 5.
        assert db.session.execute(text(
            "SELECT replaced_run_id, run_id FROM progression_run_replacements "
            "ORDER BY replaced_run_id")).all() == [(1, 3), (4, 6), (5, 6)]
        # 0011: the all-skipped session is "skipped"; the one with no logs kept its outcome.
        assert db.session.execute(text(
            "SELECT id, outcome FROM exercise_sessions ORDER BY id")).all() == [
            (1, "completed"), (2, "skipped")]
        # 0012: the stop reasons from before are kept, and "pain-rising" is allowed.
        assert db.session.execute(text(
            "SELECT id, stop_reason FROM exercise_logs ORDER BY id")).all() == [
            (1, None), (2, "pain-over-5"), (3, "pain-rising")]
        # 0014: the waiting e-mail is due (its retry time passed) and is for clinic 1.
        assert db.session.execute(text(
            "SELECT id, clinic_id, attempts, sent_at FROM queued_mails")).all() == [
            (1, 1, 1, None)]
        # 0015: the notes from before have no form id, and more such notes can be added.
        assert db.session.execute(text(
            "SELECT id, client_id FROM patient_messages ORDER BY id")).all() == [
            (1, None), (2, None)]
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO patient_messages (id, patient_id, author_id, text, created_at) "
                "VALUES (3, 3, 1, 'Again', '2026-01-06 09:00:00')"))
            connection.execute(text(
                "INSERT INTO patient_messages (id, patient_id, author_id, text, created_at, "
                "client_id) VALUES (4, 3, 1, 'Once', '2026-01-06 09:00:00', 'c-1')"))
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO patient_messages (id, patient_id, author_id, text, created_at, "
                "client_id) VALUES (5, 3, 1, 'Twice', '2026-01-06 09:00:00', 'c-1')"))
        downgrade(revision="0014_queued_mails")
        with db.engine.connect() as connection:
            kept = connection.execute(text(
                "SELECT id, text FROM patient_messages ORDER BY id")).all()
        assert kept == [(1, "Keep going"), (2, "Keep going"), (3, "Again"), (4, "Once")]
        db.engine.dispose()
        downgrade(revision="0012_pain_rising_stop")
        with db.engine.connect() as connection:
            replaces = connection.execute(text(
                "SELECT id, replaces_run_id FROM progression_runs ORDER BY id")).all()
        assert replaces == [(1, None), (2, None), (3, 1), (4, None), (5, None), (6, 5)]
        db.engine.dispose()
        downgrade(revision="0011_skipped_outcome")
        with db.engine.connect() as connection:
            reasons = connection.execute(text(
                "SELECT stop_reason FROM exercise_logs ORDER BY id")).scalars().all()
        assert reasons == [None, "pain-over-5", "other"]
        db.engine.dispose()
        downgrade(revision="0003_programmes")
        with db.engine.connect() as connection:
            authors = connection.execute(
                text("SELECT created_by_id FROM programme_versions ORDER BY id")).scalars().all()
        assert authors == [1, 1, 1, 1]  # no physio on record, so the patient (user 1 here)
        db.engine.dispose()
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()


def test_version_source_is_checked_by_the_database(empty_database):
    app = _app(empty_database)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            for statement in (*SAMPLE_DATA["0001_accounts"], *SAMPLE_DATA["0003_programmes"]):
                connection.execute(text(statement))
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE programme_versions SET source = 'bogus'"))
        # 0011: the session outcome's check allows "skipped", and still nothing unknown.
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO exercise_sessions (id, patient_id, programme_version_id, "
                "client_id, payload_hash, local_date, pain_before, pain_during, pain_after, "
                "effort, outcome, notes, created_at, updated_at) VALUES (9, 1, 1, 'c-9', 'h', "
                "'2026-01-04', 2, 2, 2, 0, 'skipped', '', '2026-01-04 18:00:00', "
                "'2026-01-04 18:00:00')"))
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE exercise_sessions SET outcome = 'bogus'"))
        # 0012: a stop reason the app does not know is refused as well.
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO exercise_logs (session_id, prescription_id, exercise_version_id, "
                "position, status, sets_done, stop_reason) VALUES (9, 1, 1, 0, 'stopped', 1, "
                "'bogus')"))
        db.engine.dispose()


def test_reset_helper_exists_for_the_shared_schema():
    # The session fixture rebuilds the PostgreSQL schema with this helper; keep it importable.
    assert callable(reset_postgres_schema)
