"""Reads that pick a few decisions out of a patient's history find them through their partial
indexes, on both databases, rather than walking the patient's whole history of decisions (a
year of logging leaves about 1,400): the flare-ups every progression run and alert refresh
reads back, and the decisions waiting for the physio.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import event

from exercise_app.domain.progression import FLARE_KINDS
from exercise_app.extensions import db, read_rows
from exercise_app.models import FLARE_DECISION_KINDS
from exercise_app.progression.queries import (
    PAST_DECISIONS,
    PATIENT_RUN_DECISIONS,
    PENDING_DECISIONS,
)
from exercise_app.triage.queries import READY_HOLDS, STEP_DOWN_DAYS


def test_the_flare_index_holds_the_kinds_the_rules_read_back():
    assert sorted(kind.value for kind in FLARE_KINDS) == sorted(FLARE_DECISION_KINDS)


def _sent(statement, params) -> tuple[str, object]:
    """The SQL and parameters the app sends for a prebuilt read."""
    sent = []

    def capture(_conn, _cursor, sql, parameters, _context, _many):
        sent.append((sql, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        read_rows(statement, params)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return sent[-1]


def _plan(statement, params) -> str:
    """The plan the database chooses for a prebuilt read as the app sends it: on PostgreSQL
    as a prepared statement with a generic plan, which the app's connections keep."""
    sql, parameters = _sent(statement, params)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters).all()
        return " ".join(str(row[-1]) for row in rows)
    order = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    for n, name in enumerate(order, 1):
        sql = sql.replace(f"%({name})s", f"${n}")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the test's tables are tiny
    connection.exec_driver_sql("PREPARE flare_read AS " + sql)
    arguments = ", ".join(f"'{parameters[name]}'" for name in order)
    rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE flare_read({arguments})").all()
    connection.exec_driver_sql("DEALLOCATE flare_read")
    return " ".join(row[0] for row in rows)


def test_reads_of_a_few_decisions_use_their_partial_index(app):
    with app.app_context():
        for statement, index in ((PAST_DECISIONS, "ix_progression_decisions_flare"),
                                 (STEP_DOWN_DAYS, "ix_progression_decisions_flare"),
                                 (PENDING_DECISIONS, "ix_progression_decisions_pending")):
            plan = _plan(statement, {"patient_id": 1, "since": date(2026, 1, 1),
                                     "replacing": [0]})
            assert index in plan, plan
            # Whether a decision's run was made again: one probe of the replacements' key.
            assert ("progression_run_replacements USING INTEGER PRIMARY KEY" in plan
                    or "pk_progression_run_replacements on progression_run_replacements"
                    in plan), plan
        # The holds of the newest run every alert refresh reads: one run's decisions, found
        # through the patient's newest run, not the patient's whole history.
        plan = _plan(READY_HOLDS, {"patient_id": 1})
        assert "ix_progression_runs_patient" in plan and "ix_progression_decisions_run_id" \
            in plan, plan
        # Today's fallback read of them, with the patient's programmes saved since the run.
        plan = _plan(PATIENT_RUN_DECISIONS, {"patient_id": 1})
        assert "ix_progression_runs_patient" in plan and "ix_progression_decisions_run_id" \
            in plan and "programme_versions" in plan, plan
        db.session.rollback()
