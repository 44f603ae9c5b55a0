"""Which programme, saved by the physio, took the last run's words off the patient's Today."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

from exercise_app.progression.present import replaced_by
from exercise_app.progression.queries import DecisionRow

ROW = DecisionRow(
    id=1, run_id=1, created_at=datetime(2026, 11, 1, tzinfo=UTC), trigger="morning",
    position=1, exercise_slug="clam", exercise_name="Clam", day=date(2026, 11, 1), kind="hold",
    reasons=[], evidence={}, old_dose=(2, 10, None), new_dose=(2, 10, None),
    new_exercise_slug=None, alert_physio=False, sentence="Keep going.", status="no_change",
    review_action=None, review_dose=None, review_note=None, reviewed_by=None, reviewed_at=None,
    run_version_id=2,
)


def version(id_: int, source: str) -> SimpleNamespace:
    return SimpleNamespace(id=id_, number=id_, source=source)


def test_no_decisions_nothing_replaced():
    assert replaced_by([], [version(1, "physio"), version(2, "physio")]) is None


def test_versions_up_to_the_one_the_run_read_replace_nothing():
    assert replaced_by([ROW], [version(1, "physio"), version(2, "physio")]) is None


def test_the_rules_and_overrides_replace_nothing():
    assert replaced_by([ROW], [version(2, "physio"), version(3, "rules"),
                               version(4, "override")]) is None


def test_the_newest_programme_the_physio_saved_since_is_named():
    versions = [version(2, "physio"), version(3, "physio"), version(4, "rules"),
                version(5, "physio"), version(6, "rules")]
    assert replaced_by([ROW], versions).id == 5
    assert replaced_by([replace(ROW, run_version_id=5)], versions) is None
