"""The library loader: a valid fixture loads, and every kind of break is reported clearly."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from exercise_app.library import Library, LibraryError, Problem, load_library
from exercise_app.library.schema import PRECAUTION_LABELS, Precaution

FIXTURE = Path(__file__).parent / "fixtures" / "library"

BRIDGE = "glute-strength/glute-bridge.yaml"
SETS = "glute-strength/glute-sets.yaml"
SLIDES = "hip-mobility/heel-slides.yaml"
HUG = "hip-mobility/knee-hug.yaml"
PROGRAMME = "programmes/starter.yaml"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Return a fresh copy of the valid fixture library."""
    root = tmp_path / "exercises"
    shutil.copytree(FIXTURE, root)
    return root


def edit(root: Path, file: str, change: Callable[[Any], object]) -> None:
    """Load a YAML file, change the data in place, and write it back."""
    path = root / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def problems(root: Path) -> list[Problem]:
    """Load the library, expecting it to fail, and return the problems."""
    with pytest.raises(LibraryError) as caught:
        load_library(root)
    assert caught.value.problems, "LibraryError without problems"
    return caught.value.problems


def find(found: list[Problem], file: str, field: str, words: str) -> Problem:
    """Return the one problem at file and field whose message contains words."""
    matches = [p for p in found if p.file == file and p.field == field and words in p.message]
    assert matches, f"no problem {file}: {field}: ...{words}... in:\n" + "\n".join(
        str(p) for p in found
    )
    return matches[0]


# --- the valid library ---------------------------------------------------------------------


def test_fixture_library_loads() -> None:
    lib = load_library(FIXTURE)
    assert isinstance(lib, Library)
    assert sorted(lib.exercises) == ["glute-bridge", "glute-sets", "heel-slides", "knee-hug"]
    assert sorted(lib.ladders) == ["glute-max", "hip-flexion-range"]
    assert list(lib.programmes) == ["starter"]
    assert [ex.id for ex in lib.ladder_exercises("glute-max")] == ["glute-sets", "glute-bridge"]
    assert lib.exercises["glute-bridge"].dose.ranges.reps == (8, 15)
    assert len(lib.programmes["starter"].stages) == 3
    assert set(lib.exercise_hashes) == set(lib.exercises)
    assert set(lib.programme_hashes) == {"starter"}
    assert all(len(digest) == 64 for digest in lib.exercise_hashes.values())


def test_library_is_read_only() -> None:
    lib = load_library(FIXTURE)
    with pytest.raises(TypeError):
        lib.exercises["new"] = lib.exercises["knee-hug"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        lib.exercises = {}  # type: ignore[misc]


def test_hash_ignores_layout_but_follows_content(library: Path) -> None:
    before = load_library(library).exercise_hashes
    path = library / BRIDGE
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_library(library).exercise_hashes == before
    edit(library, BRIDGE, lambda d: d["cues"].append("Breathe out as you lift."))
    after = load_library(library).exercise_hashes
    assert after["glute-bridge"] != before["glute-bridge"]
    assert after["glute-sets"] == before["glute-sets"]


def test_plural_is_written_only_when_true(library: Path) -> None:
    """A singular name is the default and is left out of the content, so exercises that do
    not say ``plural`` keep their hash; saying it is a change of content."""
    before = load_library(library)
    assert "plural" not in before.exercises["heel-slides"].model_dump(mode="json")
    edit(library, SLIDES, lambda d: d.update(plural=False))
    assert load_library(library).exercise_hashes == before.exercise_hashes
    edit(library, SLIDES, lambda d: d.update(plural=True))
    after = load_library(library)
    assert after.exercises["heel-slides"].model_dump(mode="json")["plural"] is True
    assert after.exercise_hashes["heel-slides"] != before.exercise_hashes["heel-slides"]
    assert after.exercise_hashes["glute-bridge"] == before.exercise_hashes["glute-bridge"]
    edit(library, SLIDES, lambda d: d.update(plural="yes"))
    find(problems(library), SLIDES, "plural", "boolean")


def test_a_word_for_a_timed_set_is_written_only_when_set(library: Path) -> None:
    """``bout`` names a timed set that is not a hold ("walk"); left out, the content and
    its hash are as before; it is one lower-case word."""
    before = load_library(library)
    assert "bout" not in before.exercises["glute-sets"].model_dump(mode="json")
    edit(library, SETS, lambda d: d.update(bout="squeeze"))
    after = load_library(library)
    assert after.exercises["glute-sets"].model_dump(mode="json")["bout"] == "squeeze"
    assert after.exercise_hashes["glute-sets"] != before.exercise_hashes["glute-sets"]
    assert after.exercise_hashes["glute-bridge"] == before.exercise_hashes["glute-bridge"]
    edit(library, SETS, lambda d: d.update(bout="Walks!"))
    find(problems(library), SETS, "bout", "is not a valid")


def test_every_precaution_has_a_label() -> None:
    assert set(PRECAUTION_LABELS) == set(Precaution)
    assert Precaution.POSTERIOR_THR_EARLY.label == (
        "Early after a posterior-approach hip replacement"
    )


def test_problem_reads_as_file_field_message() -> None:
    problem = Problem(BRIDGE, "dose.reps", "20 is outside the range 8-15")
    assert str(problem) == (
        "glute-strength/glute-bridge.yaml: dose.reps: 20 is outside the range 8-15"
    )
    assert str(Problem("ladders.yaml", "", "file is missing")) == "ladders.yaml: file is missing"


# --- file-level breaks -----------------------------------------------------------------------


def test_yaml_syntax_error(library: Path) -> None:
    (library / BRIDGE).write_text("id: glute-bridge\nname: [unclosed\n", encoding="utf-8")
    found = find(problems(library), BRIDGE, "", "YAML syntax error at line")
    assert "line" in str(found)


def test_duplicate_yaml_key(library: Path) -> None:
    path = library / SETS
    path.write_text(path.read_text(encoding="utf-8") + "level: 2\n", encoding="utf-8")
    find(problems(library), SETS, "", "key 'level' is given twice")


def test_unknown_field(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"].update(repz=10))
    assert str(find(problems(library), BRIDGE, "dose.repz", "unknown field")) == (
        "glute-strength/glute-bridge.yaml: dose.repz: unknown field"
    )


def test_missing_required_field(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d.pop("summary"))
    find(problems(library), BRIDGE, "summary", "required field is missing")


def test_missing_pose_segment(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["demo"]["poses"][1].pop("shin_far"))
    find(problems(library), BRIDGE, "demo.poses[1].shin_far", "required field is missing")


def test_wrong_types(library: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["dose"]["reps"] = "ten"
        d["level"] = True
        d["demo"]["poses"][0]["trunk"] = float("nan")
        d["position"] = "flying"
        d["steps"] = "Lie down."

    edit(library, BRIDGE, change)
    found = problems(library)
    find(found, BRIDGE, "dose.reps", "expected a whole number, got 'ten'")
    find(found, BRIDGE, "level", "expected a whole number, got True")
    find(found, BRIDGE, "demo.poses[0].trunk", "expected a finite number")
    find(found, BRIDGE, "position", "'flying' is not allowed")
    find(found, BRIDGE, "steps", "expected a list")


def test_equipment_items(library: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["demo"]["equipment"] = [
            {"type": "trampoline"},
            {"type": "band"},
            {"type": "step", "x": 10, "width": 50, "height": 20, "colour": "red"},
        ]

    edit(library, BRIDGE, change)
    found = problems(library)
    find(found, BRIDGE, "demo.equipment[0]", "unknown type 'trampoline'; expected 'step'")
    find(found, BRIDGE, "demo.equipment[1]", "a band needs either 'around', or 'from' and 'to'")
    find(found, BRIDGE, "demo.equipment[2].colour", "unknown field")


def test_vocabulary_rules(library: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["equipment"] = ["none", "band"]
        d["targets"] = ["glute-max", "glute-max"]

    edit(library, BRIDGE, change)
    found = problems(library)
    find(found, BRIDGE, "equipment", "'none' cannot be combined")
    find(found, BRIDGE, "targets", "glute-max is listed twice")


# --- doses -------------------------------------------------------------------------------------


def test_dose_outside_range(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"].update(reps=20))
    found = find(problems(library), BRIDGE, "dose.reps", "20 is outside the range 8-15")
    assert str(found) == (
        "glute-strength/glute-bridge.yaml: dose.reps: 20 is outside the range 8-15"
    )


def test_dose_above_absolute_limit(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"].update(sets=6, rest_seconds=200))
    found = problems(library)
    find(found, BRIDGE, "dose.sets", "6 is above the maximum 5")
    find(found, BRIDGE, "dose.rest_seconds", "200 is above the maximum 180")


def test_range_low_above_high(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"]["ranges"].update(reps=[15, 8]))
    find(problems(library), BRIDGE, "dose.ranges.reps", "low 15 is above high 8")


def test_range_outside_limits(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"]["ranges"].update(hold_seconds=[3, 200]))
    find(problems(library), BRIDGE, "dose.ranges.hold_seconds", "outside the limits 1-120")


def test_range_for_unused_variable(library: Path) -> None:
    edit(library, SLIDES, lambda d: d["dose"]["ranges"].update(hold_seconds=[3, 10]))
    find(problems(library), SLIDES, "dose.ranges.hold_seconds", "does not use hold_seconds")


def test_used_variable_needs_a_range(library: Path) -> None:
    edit(library, SLIDES, lambda d: d["dose"]["ranges"].pop("reps"))
    find(problems(library), SLIDES, "dose.ranges.reps", "a range is required")


def test_dose_needs_reps_or_hold(library: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["dose"].pop("hold_seconds")
        d["dose"]["ranges"].pop("hold_seconds")

    edit(library, HUG, change)
    find(problems(library), HUG, "dose", "needs reps, hold_seconds or both")


# --- ids, folders, ladders -------------------------------------------------------------------


def test_id_must_equal_file_name(library: Path) -> None:
    edit(library, HUG, lambda d: d.update(id="knee-hugs"))
    find(problems(library), HUG, "id", "'knee-hugs' does not match the file name 'knee-hug'")


def test_duplicate_ids(library: Path) -> None:
    copy = "hip-mobility/glute-sets.yaml"
    shutil.copy(library / SETS, library / copy)
    edit(library, copy, lambda d: d.update(family="hip-mobility"))
    find(problems(library), copy, "id", f"duplicate id 'glute-sets': also used by {SETS}")


def test_family_must_match_folder(library: Path) -> None:
    edit(library, SLIDES, lambda d: d.update(family="supporting"))
    found = problems(library)
    find(found, SLIDES, "family", "'supporting' does not match the folder 'hip-mobility'")


def test_folder_must_be_a_family(library: Path) -> None:
    (library / "misc").mkdir()
    shutil.copy(library / SETS, library / "misc" / "glute-sets-2.yaml")
    find(problems(library), "misc/glute-sets-2.yaml", "", "folder 'misc' is not a family")


def test_unknown_ladder(library: Path) -> None:
    edit(library, HUG, lambda d: d["ladder"].update(id="hip-range"))
    find(problems(library), HUG, "ladder.id", "unknown ladder 'hip-range'")


def test_rung_gap(library: Path) -> None:
    edit(library, HUG, lambda d: d["ladder"].update(rung=3))
    found = problems(library)
    find(found, "ladders.yaml", "[1]", "'hip-flexion-range' has a gap: no exercise on rung 2")
    find(found, SLIDES, "ladder.harder", "'knee-hug' is on rung 3 of 'hip-flexion-range'")


def test_rung_repeat(library: Path) -> None:
    edit(library, HUG, lambda d: d["ladder"].update(rung=1, easier=None))
    found = problems(library)
    assert any(
        p.field == "ladder.rung" and "rung 1 of 'hip-flexion-range' is also taken" in p.message
        for p in found
    ), found


def test_link_to_unknown_exercise(library: Path) -> None:
    edit(library, SETS, lambda d: d["ladder"].update(harder="glute-bridges"))
    find(problems(library), SETS, "ladder.harder", "unknown exercise 'glute-bridges'")


def test_link_disagrees_with_rung_order(library: Path) -> None:
    edit(library, SETS, lambda d: d["ladder"].update(harder="knee-hug"))
    find(
        problems(library), SETS, "ladder.harder",
        "'knee-hug' is on rung 2 of 'hip-flexion-range'; harder must be the exercise on rung 2 "
        "of 'glute-max' ('glute-bridge')",
    )


def test_missing_link(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["ladder"].update(easier=None))
    find(problems(library), BRIDGE, "ladder.easier", "must be the exercise on rung 1")


def test_cycle_is_ruled_out(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["ladder"].update(harder="glute-sets"))
    find(problems(library), BRIDGE, "ladder.harder", "rung 2 is the top rung")


def test_ladder_file_problems(library: Path) -> None:
    def change(d: list[dict[str, Any]]) -> None:
        d.append(dict(d[0]))
        d.append({"id": "empty", "name": "Empty", "family": "supporting", "description": "x"})
        d.append({"id": "odd", "name": "Odd", "family": "supporting", "description": "x",
                  "colour": "red"})

    edit(library, "ladders.yaml", change)
    found = problems(library)
    find(found, "ladders.yaml", "[4].colour", "unknown field")
    find(found, "ladders.yaml", "[2].id", "ladder id 'glute-max' is used twice")
    find(found, "ladders.yaml", "[3]", "no exercise is on ladder 'empty'")


# --- demonstrations ----------------------------------------------------------------------------


def test_joint_below_floor(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["demo"]["poses"][1].update(thigh_near=-40, shin_near=270))
    find(problems(library), BRIDGE, "demo.poses[1]", "ankle_near is 37 units below the floor")


def test_pose_count(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["demo"].update(poses=d["demo"]["poses"][:1]))
    find(problems(library), BRIDGE, "demo.poses", "has 1 items; needs at least 2")


# --- programmes --------------------------------------------------------------------------------


def test_programme_unknown_exercise(library: Path) -> None:
    edit(library, PROGRAMME, lambda d: d["stages"][1]["exercises"][0].update(exercise="knee-hugz"))
    find(
        problems(library), PROGRAMME, "stages[1].exercises[0].exercise",
        "unknown exercise 'knee-hugz'",
    )


def test_programme_override_outside_range(library: Path) -> None:
    edit(library, PROGRAMME, lambda d: d["stages"][0]["exercises"][0].update(reps=20))
    found = find(
        problems(library), PROGRAMME, "stages[0].exercises[0].reps",
        "20 is outside the range 8-15 of heel-slides",
    )
    assert str(found).startswith("programmes/starter.yaml: stages[0].exercises[0].reps: 20")


def test_programme_override_of_unused_variable(library: Path) -> None:
    edit(library, PROGRAMME, lambda d: d["stages"][0]["exercises"][0].update(hold_seconds=5))
    find(
        problems(library), PROGRAMME, "stages[0].exercises[0].hold_seconds",
        "heel-slides does not use hold_seconds",
    )


def test_programme_stage_count(library: Path) -> None:
    edit(library, PROGRAMME, lambda d: d.update(stages=d["stages"][:2]))
    find(problems(library), PROGRAMME, "stages", "has 2 items; needs at least 3")


def test_programme_too_many_stages(library: Path) -> None:
    edit(library, PROGRAMME, lambda d: d.update(stages=d["stages"] + d["stages"][:2]))
    find(problems(library), PROGRAMME, "stages", "has 5 items; at most 4")


def test_programme_exercises_per_stage(library: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["stages"][0]["exercises"] = d["stages"][0]["exercises"][:1]
        d["stages"][2]["exercises"] = [{"exercise": ex} for ex in
                                       ("knee-hug", "glute-bridge", "glute-sets",
                                        "heel-slides", "knee-hug")]

    edit(library, PROGRAMME, change)
    found = problems(library)
    find(found, PROGRAMME, "stages[0].exercises", "has 1 items; needs at least 2")
    find(found, PROGRAMME, "stages[2].exercises", "has 5 items; at most 4")


# --- all problems, all or nothing -----------------------------------------------------------


def test_reports_every_problem_at_once(library: Path) -> None:
    edit(library, BRIDGE, lambda d: d["dose"].update(reps=20))
    edit(library, HUG, lambda d: d.update(id="knee-hugs", level=9))
    (library / SLIDES).write_text("id: [\n", encoding="utf-8")
    edit(library, PROGRAMME, lambda d: d.update(stages=d["stages"][:2]))
    found = problems(library)
    find(found, BRIDGE, "dose.reps", "outside the range")
    find(found, HUG, "level", "9 is above the maximum 5")
    find(found, SLIDES, "", "YAML syntax error")
    find(found, PROGRAMME, "stages", "needs at least 3")


def test_missing_ladders_file(library: Path) -> None:
    (library / "ladders.yaml").unlink()
    find(problems(library), "ladders.yaml", "", "file is missing")
