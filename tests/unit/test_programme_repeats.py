"""A save of the programme editor that repeats the newest version changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from exercise_app.models import Side, VersionSource
from exercise_app.programmes.operations import PrescriptionValues, repeats
from exercise_app.programmes.queries import ExerciseVersionView, PrescriptionView, ProgrammeView

START = date(2026, 3, 2)
LIBRARY = {"glute-bridge": 11, "clam": 12, "clam-v2": 13}  # slug: its library version now

BRIDGE = PrescriptionValues(slug="glute-bridge", sets=2, reps=10, hold_seconds=None,
                            rest_seconds=60, side=Side.BOTH, tempo=None, load_note="",
                            weekdays=0b0010101, sessions_per_week=3)
CLAM = PrescriptionValues(slug="clam", sets=2, reps=12, hold_seconds=3, rest_seconds=45,
                          side=Side.EACH, tempo="2-1-2", load_note="red band",
                          weekdays=0b1001, sessions_per_week=None)


def saved(*rows: PrescriptionValues, note: str = "Keep it gentle.", start: date = START,
          template: tuple[str | None, int | None] = ("glute-strength", 2),
          library: dict[str, int] = LIBRARY) -> ProgrammeView:
    """The newest version as saved from ``rows``, each prescribed with ``library``'s version."""
    return ProgrammeView(
        id=1, patient_id=7, number=3, start_date=start, source=VersionSource.PHYSIO, note=note,
        template_slug=template[0], template_stage=template[1], created_by_id=2,
        prescriptions=tuple(PrescriptionView(
            id=position, position=position, sets=r.sets, reps=r.reps,
            hold_seconds=r.hold_seconds, rest_seconds=r.rest_seconds, tempo=r.tempo,
            side=r.side, load_note=r.load_note, weekdays=r.weekdays,
            sessions_per_week=r.sessions_per_week, exercise_id=position,
            exercise_version_id=library[r.slug],
            exercise_version=ExerciseVersionView({"id": r.slug}))
            for position, r in enumerate(rows, start=1)))


def save(version: ProgrammeView, *rows: PrescriptionValues, start: date = START,
         note: str = "Keep it gentle.", template: tuple[str | None, int | None] = (
             "glute-strength", 2)) -> bool:
    return repeats(version, start_date=start, note=note, rows=rows, exercise_versions=LIBRARY,
                   template_slug=template[0], template_stage=template[1])


def test_the_same_programme_from_the_same_day_repeats_it():
    assert save(saved(BRIDGE, CLAM), BRIDGE, CLAM)


def test_a_later_start_repeats_it_as_the_newest_version_is_in_force_by_then():
    assert save(saved(BRIDGE, CLAM), BRIDGE, CLAM, start=date(2026, 3, 9))


def test_an_earlier_start_is_a_change():
    """A version scheduled ahead, saved again to start sooner."""
    assert not save(saved(BRIDGE, CLAM), BRIDGE, CLAM, start=date(2026, 3, 1))


@pytest.mark.parametrize("change", [
    {"sets": 3}, {"reps": 11}, {"reps": None, "hold_seconds": 30}, {"hold_seconds": 4},
    {"rest_seconds": 50}, {"side": Side.LEFT}, {"tempo": "3-1-3"}, {"tempo": None},
    {"load_note": "green band"}, {"weekdays": 0b0101}, {"sessions_per_week": 2},
    {"slug": "clam-v2"},
])
def test_any_one_value_of_an_exercise_is_a_change(change):
    assert not save(saved(BRIDGE, CLAM), BRIDGE, dataclasses.replace(CLAM, **change))


def test_order_and_the_exercises_kept_are_changes():
    version = saved(BRIDGE, CLAM)
    assert not save(version, CLAM, BRIDGE)
    assert not save(version, BRIDGE)
    assert not save(version, BRIDGE, CLAM, dataclasses.replace(CLAM, slug="clam-v2"))


def test_the_note_and_the_template_stage_are_changes():
    version = saved(BRIDGE, CLAM)
    assert not save(version, BRIDGE, CLAM, note="Keep it gentle. Slow on the way down.")
    assert not save(version, BRIDGE, CLAM, template=("glute-strength", 3))
    assert not save(version, BRIDGE, CLAM, template=(None, None))


def test_an_exercise_the_library_has_revised_since_is_a_change():
    """Saving prescribes the exercise as the library has it now, with its new content."""
    assert not save(saved(BRIDGE, CLAM, library={**LIBRARY, "clam": 10}), BRIDGE, CLAM)
