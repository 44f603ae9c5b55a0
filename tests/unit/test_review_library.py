"""Found by a content review of the exercise library (exercises/) against clinical.md; each
failed before its fix: precautions missing where a movement breaks one, a template's audience
against its exercises, steps against the sides the routine counts, ladder levels, a template's
wording, and the dose limits SCHEMA.md says are checked.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from exercise_app.library import Library, LibraryError, load_library
from exercise_app.library.schema import Exercise, Precaution, Sides

LIBRARY = Path(__file__).resolve().parents[2] / "exercises"
FIXTURE = Path(__file__).parent / "fixtures" / "library"


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library(LIBRARY)


def _stage_exercises(lib: Library, programme_id: str) -> list[tuple[str, Exercise, Any]]:
    """(stage name, exercise, stage entry) for every exercise of a programme template."""
    programme = lib.programmes[programme_id]
    return [
        (stage.name, lib.exercises[item.exercise], item)
        for stage in programme.stages
        for item in stage.exercises
    ]


def _hip_flexion(trunk: float, thigh: float, prone: bool) -> float:
    """Hip flexion in degrees drawn by a side-view pose (0 = thigh in line with the trunk)."""
    angle = (thigh - (trunk + 180)) % 360
    if angle > 180:
        angle -= 360
    return -angle if prone else angle


# --- precautions missing ---------------------------------------------------------------------


def test_glute_strength_template_for_outer_hip_pain_avoids_gluteal_tendinopathy_exercises(
    lib: Library,
) -> None:
    """The glute-strength template names 'pain on the outside of the hip' (gluteal
    tendinopathy) as its audience, yet its stages prescribe clam, side-lying leg lift and both
    side planks, which the library itself flags gluteal-tendinopathy (clinical.md, Precautions:
    'Gluteal tendinopathy: avoid crossing the midline and hanging hip adduction')."""
    programme = lib.programmes["glute-strength"]
    assert "outside of the hip" not in programme.for_whom.lower() or not [
        (stage, ex.id)
        for stage, ex, _ in _stage_exercises(lib, "glute-strength")
        if Precaution.GLUTEAL_TENDINOPATHY in ex.precautions
    ], (
        "template is for outer-hip pain but prescribes: "
        + ", ".join(
            f"{ex.id} ({stage})"
            for stage, ex, _ in _stage_exercises(lib, "glute-strength")
            if Precaution.GLUTEAL_TENDINOPATHY in ex.precautions
        )
    )


def test_floor_sitting_forward_lean_is_flagged_posterior_thr(lib: Library) -> None:
    """Butterfly stretch tells the patient to sit on the floor and lean forward from the hips,
    taking the hip past 90 degrees of flexion, but has no posterior-thr-early flag (clinical.md,
    Precautions: 'Posterior-approach hip replacement (early): no flexion past 90 deg')."""
    lean = re.compile(r"\blean\b[^.]*\bforward\b", re.IGNORECASE)
    missing = [
        ex.id
        for ex in lib.exercises.values()
        if ex.position.value == "sitting"
        and any(lean.search(step) for step in ex.steps)
        and Precaution.POSTERIOR_THR_EARLY not in ex.precautions
    ]
    assert missing == []


def test_demo_showing_hip_flexion_past_90_is_flagged_posterior_thr(lib: Library) -> None:
    """The kettlebell swing (about 93 deg) and single-leg deadlift with a weight (about 97 deg)
    demonstrations draw the hip bent past 90 degrees, yet neither is flagged posterior-thr-early
    as their neighbours (kettlebell deadlifts) are (clinical.md, Precautions: 'no flexion past
    90 deg')."""
    missing = {}
    for ex in lib.exercises.values():
        if ex.demo.view.value != "side" or Precaution.POSTERIOR_THR_EARLY in ex.precautions:
            continue
        prone = ex.position.value == "lying-on-front"
        worst = max(
            _hip_flexion(pose.trunk, thigh, prone)
            for pose in ex.demo.poses
            for thigh in (pose.thigh_near, pose.thigh_far)
        )
        if worst > 91:  # 1 degree of drawing tolerance
            missing[ex.id] = round(worst)
    assert missing == {}


def test_knee_rocks_flagged_for_gluteal_tendinopathy(lib: Library) -> None:
    """Knee rocks tip both bent knees over to one side, so the leading thigh crosses the
    midline (the reason it is already flagged posterior-thr-early), but it lacks the
    gluteal-tendinopathy flag (clinical.md, Precautions: 'Gluteal tendinopathy: avoid crossing
    the midline'); it is in both starter templates, whose audience includes hip pain."""
    assert Precaution.GLUTEAL_TENDINOPATHY in lib.exercises["knee-rocks"].precautions


# --- sides -----------------------------------------------------------------------------------


def test_each_side_exercises_do_not_alternate_sides_every_rep(lib: Library) -> None:
    """Bird dog and dead bug are 'sides: each' (the guided routine runs all the left side's
    sets, then the right side's), but their steps tell the patient to swap sides after every
    repetition, so the on-screen 'Left side, 8 reps' contradicts the instructions."""
    swap = re.compile(r"\b(swap|change)\s+(sides|legs)\b", re.IGNORECASE)
    blocked = re.compile(r"\bset\b|\ball the\b", re.IGNORECASE)
    alternating = [
        ex.id
        for ex in lib.exercises.values()
        if ex.sides is Sides.EACH
        and ex.dose.reps is not None
        and any(swap.search(step) and not blocked.search(step) for step in ex.steps)
    ]
    assert alternating == []


# --- ladders ---------------------------------------------------------------------------------


def test_harder_links_never_point_to_a_lower_level(lib: Library) -> None:
    """On the hip-hinge ladder, kettlebell-deadlift (level 5) links 'harder' to
    supported-single-leg-rdl (level 4), so the library's own difficulty levels say the
    progression step is easier (SCHEMA.md: level 1 easiest .. 5)."""
    drops = [
        f"{ex.id} (level {ex.level}) -> {ex.ladder.harder} "
        f"(level {lib.exercises[ex.ladder.harder].level})"
        for ex in lib.exercises.values()
        if ex.ladder.harder is not None and lib.exercises[ex.ladder.harder].level < ex.level
    ]
    assert drops == []


# --- programme templates ---------------------------------------------------------------------


def test_daily_routine_template_is_daily(lib: Library) -> None:
    """The hip-and-back-starter template promises 'a short, gentle daily routine', but from
    stage 2 most of its exercises are prescribed 3 or 5 days a week (glute bridge, dead bug,
    sit to stand, dowel hinge, clam, walking), so it is not a daily routine."""
    programme = lib.programmes["hip-and-back-starter"]
    not_daily = [
        f"{ex.id} ({stage}): {item.sessions_per_week or ex.dose.sessions_per_week}/week"
        for stage, ex, item in _stage_exercises(lib, "hip-and-back-starter")
        if (item.sessions_per_week or ex.dose.sessions_per_week) < 7
    ]
    assert "daily" not in programme.for_whom.lower() or not_daily == []


# --- checks SCHEMA.md says are made ----------------------------------------------------------


def _edit(root: Path, file: str, change: Any) -> None:
    path = root / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _long_stretch(data: dict[str, Any]) -> None:
    data["dose"]["hold_seconds"] = 90
    data["dose"]["ranges"]["hold_seconds"] = [20, 120]


def _high_rep_strength(data: dict[str, Any]) -> None:
    data["dose"]["reps"] = 25
    data["dose"]["ranges"]["reps"] = [8, 30]


@pytest.mark.parametrize(
    ("file", "change"),
    [
        ("hip-mobility/knee-hug.yaml", _long_stretch),
        ("glute-strength/glute-bridge.yaml", _high_rep_strength),
    ],
    ids=["static-stretch-hold-90s", "strength-25-reps"],
)
def test_schema_documented_dose_limits_are_checked(
    tmp_path: Path, file: str, change: Any
) -> None:
    """SCHEMA.md lists 'Static stretches hold 20-60 s; strength 8-15 reps' under 'Dose limits
    (checked)', matching clinical.md's typical home ranges, but the library accepts a 90 s
    stretch (up to 120) or a 25-rep strength set (up to 30) without a word."""
    root = tmp_path / "exercises"
    shutil.copytree(FIXTURE, root)
    _edit(root, file, change)
    with pytest.raises(LibraryError) as caught:
        load_library(root)
    assert any(p.file == file for p in caught.value.problems), caught.value.problems
