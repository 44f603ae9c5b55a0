"""Which programme, saved by the physio, took the last run's words off the patient's Today."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

from exercise_app.progression.present import (
    approvable,
    as_decided_from,
    gone_from,
    replaced_by,
    still_waiting,
    target_in,
)
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


def programme(*slugs: str) -> SimpleNamespace:
    return SimpleNamespace(prescriptions=[
        SimpleNamespace(position=n, exercise_version=SimpleNamespace(data={"id": slug}))
        for n, slug in enumerate(slugs, 1)])


def test_a_decision_stands_while_its_place_has_its_exercise_or_the_one_it_moved_to():
    clam = ROW  # position 1, about the clam
    assert target_in(clam, programme("clam", "glute-bridge")).position == 1
    assert target_in(clam, programme("glute-bridge", "clam")) is None  # moved place
    assert target_in(clam, programme("heel-slides")) is None  # replaced
    moved = replace(ROW, id=2, kind="move_up", new_exercise_slug="side-plank")
    assert target_in(moved, programme("side-plank")).position == 1  # approved, say


def test_only_decisions_the_programme_still_has_wait_for_the_physio():
    pending = [ROW, replace(ROW, id=2, position=2, exercise_slug="glute-bridge")]
    versions = [programme("clam", "glute-bridge"), programme("heel-slides", "glute-bridge")]
    assert gone_from(pending, versions) == {1}
    assert [row.id for row in still_waiting(pending, versions)] == [2]
    assert [row.id for row in still_waiting(pending, versions[:1])] == [1, 2]
    assert still_waiting(pending, []) == []  # no programme: nothing to act on


def test_approval_needs_the_exercise_and_dose_it_was_decided_from():
    version = programme("clam")
    version.prescriptions[0].sets, version.prescriptions[0].reps = 2, 10
    version.prescriptions[0].hold_seconds = None
    assert as_decided_from("clam", (2, 10, None), target_in(ROW, version))
    assert not as_decided_from("clam", (2, 12, None), target_in(ROW, version))
    assert not as_decided_from("clam", (2, 10, None), None)
    assert approvable([ROW], [version]) == {1}
    assert approvable([replace(ROW, old_dose=(3, 10, None))], [version]) == set()
    assert approvable([ROW], []) == set()


def test_an_override_of_a_timed_exercise_does_not_call_it_a_hold():
    """'Your physio has set your walking to 3 x 120 s hold' (found by a review)."""
    from exercise_app.progression.present import NoteFacts, patient_text

    note = NoteFacts("Walking", "progress_dose", "applied", "", False, (3, None, 120),
                     "overridden", (3, None, 120))
    assert patient_text(note) == "Your physio has set your walking to 3 x 120 s."
