"""The demonstration figure: joint arithmetic, geometry checks and the SVG it draws."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercise_app.library import geometry_problems, load_library, pose_points, render_demo_svg
from exercise_app.library.schema import Demo, Pose

SVG = "{http://www.w3.org/2000/svg}"
FIXTURE = Path(__file__).parent / "fixtures" / "library"

STANDING: dict[str, Any] = {
    "name": "stand",
    "pelvis": [0, 88],
    "trunk": 90, "head": 90,
    "thigh_near": 270, "thigh_far": 270,
    "shin_near": 270, "shin_far": 270,
    "foot_near": 0, "foot_far": 0,
    "upper_arm_near": 270, "upper_arm_far": 270,
    "forearm_near": 270, "forearm_far": 270,
}
SQUAT: dict[str, Any] = {
    **STANDING,
    "name": "squat",
    "label": "Sit back",
    "pelvis": [-25, 60],
    "trunk": 60, "head": 70,
    "thigh_near": 320, "thigh_far": 320,
    "shin_near": 250, "shin_far": 250,
    "upper_arm_near": 0, "upper_arm_far": 0,
    "forearm_near": 0, "forearm_far": 0,
}
SEGMENTS = [key for key in STANDING if key not in ("name", "pelvis")]


def demo(*poses: dict[str, Any], equipment: list[dict[str, Any]] | None = None) -> Demo:
    return Demo.model_validate({"poses": list(poses), "equipment": equipment or []})


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG}svg"
    return root


def style_of(root: ET.Element) -> str:
    style = root.find(f"{SVG}style")
    return "" if style is None or style.text is None else style.text


def test_standing_figure_points() -> None:
    points = pose_points(Pose.model_validate(STANDING))
    assert points["hip"] == (0, 88)
    assert points["shoulder"] == pytest.approx((0, 143))
    # Segment lengths from SCHEMA.md: 45 + 43 legs, 55 trunk, 25 neck and head.
    assert points["head_top"] == pytest.approx((0, 168))
    assert 160 <= points["head_top"][1] <= 185
    assert points["knee_near"] == pytest.approx((0, 43))
    assert points["ankle_near"] == pytest.approx((0, 0), abs=1e-9)
    assert points["toe_near"] == pytest.approx((15, 0), abs=1e-9)
    assert points["elbow_far"] == pytest.approx((0, 113))
    assert points["wrist_far"] == pytest.approx((0, 85))
    assert set(points) == {
        "hip", "shoulder", "head_top", "knee_near", "knee_far", "ankle_near", "ankle_far",
        "toe_near", "toe_far", "elbow_near", "elbow_far", "wrist_near", "wrist_far",
    }


def test_lying_figure_points() -> None:
    lying = {**STANDING, "pelvis": [0, 10], "trunk": 180, "head": 180,
             "thigh_near": 45, "shin_near": -90}
    points = pose_points(Pose.model_validate(lying))
    assert points["head_top"] == pytest.approx((-80, 10), abs=1e-9)
    assert points["knee_near"] == pytest.approx((45 / math.sqrt(2), 10 + 45 / math.sqrt(2)))
    assert points["ankle_near"][1] == pytest.approx(10 + 45 / math.sqrt(2) - 43)


def test_geometry_problems_flag_joints_below_the_floor() -> None:
    lib = load_library(FIXTURE)
    assert geometry_problems(lib.exercises["glute-bridge"]) == []
    sunk = lib.exercises["glute-bridge"].model_copy(
        update={"demo": demo(STANDING, {**STANDING, "name": "sunk", "pelvis": [0, 80]})}
    )
    assert geometry_problems(sunk) == [
        f"demo.poses[1]: {joint} is 8 units below the floor"
        for joint in ("ankle_near", "ankle_far", "toe_near", "toe_far")
    ]


def test_pose_requires_every_segment_and_finite_numbers() -> None:
    with pytest.raises(ValueError, match="trunk"):
        Pose.model_validate({k: v for k, v in STANDING.items() if k != "trunk"})
    with pytest.raises(ValueError, match="finite"):
        Pose.model_validate({**STANDING, "head": float("inf")})


def test_animated_svg() -> None:
    svg = render_demo_svg(demo(STANDING, SQUAT), title="Sit to stand")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox")
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Sit to stand"
    style = style_of(root)
    assert "@keyframes" in style
    assert "prefers-reduced-motion: reduce" in style
    assert "animation:none" in style
    assert "<script" not in svg
    assert len(svg.encode()) < 12_000


def test_still_frame_has_no_animation() -> None:
    for frame in (0, 1):
        svg = render_demo_svg(demo(STANDING, SQUAT), title="Squat", frame=frame)
        root = parse(svg)
        assert "@keyframes" not in svg
        assert "animation" not in svg
        assert root.find(f"{SVG}title") is not None
    still = render_demo_svg(demo(STANDING, SQUAT), title="Squat", frame=1)
    assert "Sit back" in still  # the caption of the pose shown
    not_animated = render_demo_svg(demo(STANDING, SQUAT), title="Squat", animate=False)
    assert not_animated == render_demo_svg(demo(STANDING, SQUAT), title="Squat", frame=0)


def test_frame_out_of_range() -> None:
    with pytest.raises(ValueError, match="frame 2"):
        render_demo_svg(demo(STANDING, SQUAT), title="Squat", frame=2)


def test_title_and_labels_are_escaped() -> None:
    hostile = '</title><script>alert("x")</script> & more'
    svg = render_demo_svg(
        demo(STANDING, {**SQUAT, "label": "<b>Down</b> & up"}), title=hostile
    )
    root = parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == hostile
    assert root.find(f".//{SVG}script") is None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>Down</b> & up" in texts
    control = parse(render_demo_svg(demo(STANDING, SQUAT), title="Bridge\x00\x1b 1"))
    assert control.findtext(f"{SVG}title") == "Bridge 1"


def test_output_is_deterministic() -> None:
    a = render_demo_svg(demo(STANDING, SQUAT), title="Squat")
    b = render_demo_svg(demo(STANDING, SQUAT), title="Squat")
    assert a == b


def test_view_box_fits_every_pose() -> None:
    svg = render_demo_svg(demo(STANDING, SQUAT), title="Squat")
    _, _, width, height = (float(v) for v in parse(svg).get("viewBox", "").split())
    xs = [x for p in (STANDING, SQUAT) for x, _ in pose_points(Pose.model_validate(p)).values()]
    assert width >= max(xs) - min(xs)
    assert height >= 168  # floor to the top of the standing head


def test_equipment_is_drawn_and_small() -> None:
    equipment = [
        {"type": "mat"},
        {"type": "step", "x": 20, "width": 50, "height": 20},
        {"type": "chair", "x": -60, "facing": "right"},
        {"type": "wall", "x": 90},
        {"type": "dowel", "along": "trunk"},
        {"type": "weight", "at": "both_wrists"},
        {"type": "band", "around": "knees"},
        {"type": "band", "from": "ankle_near", "to": [80, 5]},
    ]
    poses = [STANDING, SQUAT, {**SQUAT, "name": "low", "trunk": 50}, {**STANDING, "name": "up"}]
    svg = render_demo_svg(demo(*poses, equipment=equipment), title="Everything")
    root = parse(svg)
    assert len(svg.encode()) < 12_000
    assert len(list(root.iter(f"{SVG}rect"))) >= 4  # mat, step, two weights
    # The anchored band moves: it has its own keyframes.
    assert "@keyframes kb7" in style_of(root)


finite = st.floats(min_value=-720, max_value=720, allow_nan=False)  # the schema's Angle
coordinate = st.floats(min_value=-500, max_value=500, allow_nan=False)


@st.composite
def poses(draw: st.DrawFn) -> dict[str, Any]:
    pose: dict[str, Any] = {"name": draw(st.text(min_size=1, max_size=10))}
    pose["pelvis"] = [draw(coordinate), draw(coordinate)]
    for segment in SEGMENTS:
        pose[segment] = draw(finite)
    if draw(st.booleans()):
        pose["label"] = draw(st.text(min_size=1, max_size=20))
    return pose


@settings(max_examples=60, deadline=None)
@given(st.lists(poses(), min_size=2, max_size=4), st.text(max_size=30), st.booleans())
def test_any_finite_pose_renders_parseable_svg(
    drawn: list[dict[str, Any]], title: str, animate: bool
) -> None:
    for index, pose in enumerate(drawn):
        pose["name"] = f"pose-{index}"
    the_demo = demo(*drawn)
    root = parse(render_demo_svg(the_demo, title=title, animate=animate))
    assert "nan" not in (root.get("viewBox") or "")
    assert "inf" not in (root.get("viewBox") or "")
    parse(render_demo_svg(the_demo, title=title, frame=len(drawn) - 1))
