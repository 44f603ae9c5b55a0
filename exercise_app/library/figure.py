"""Draw the demonstration stick figure of an exercise as a standalone, CSS-animated SVG.

Figure units follow exercises/SCHEMA.md: the floor is y = 0, y grows upwards, angles are
absolute directions in degrees (0 = right, 90 = up). The drawing is a tree of nested groups,
one per segment, each rotated by its angle relative to its parent, so that animating those
relative angles with CSS keyframes moves the whole figure (and anything attached to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from exercise_app.library.schema import (
    BandItem,
    BlockItem,
    ChairItem,
    Demo,
    DowelItem,
    Exercise,
    MatItem,
    Pose,
    StepItem,
    WallItem,
    WeightItem,
)

# Segment lengths in figure units, from the table in exercises/SCHEMA.md.
TRUNK = 55.0
HEAD = 25.0
THIGH = 45.0
SHIN = 43.0
FOOT = 15.0
UPPER_ARM = 30.0
FOREARM = 28.0

HEAD_RADIUS = 9.0
SEAT_HEIGHT = 45.0  # chair seat height from SCHEMA.md
CHAIR_DEPTH = 40.0
MARGIN = 12.0
FLOOR_TOLERANCE = 3.0  # joints may dip this far below the floor (line width, rounding)

# Timing of the loop: each move between key poses, then a short pause at the pose.
MOVE_SECONDS = 2.0
DWELL_SECONDS = 0.6

NEAR = "#1d3a5a"
FAR = "#8fa8c2"
BAND = "#c2410c"
EQUIPMENT = "#a8a29e"

JOINTS = (
    "hip", "shoulder", "head_top", "knee_near", "knee_far", "ankle_near", "ankle_far",
    "toe_near", "toe_far", "elbow_near", "elbow_far", "wrist_near", "wrist_far",
)


def _direction(angle: float, length: float) -> tuple[float, float]:
    radians = math.radians(angle)
    return length * math.cos(radians), length * math.sin(radians)


def _add(point: tuple[float, float], angle: float, length: float) -> tuple[float, float]:
    dx, dy = _direction(angle, length)
    return point[0] + dx, point[1] + dy


def pose_points(pose: Pose) -> dict[str, tuple[float, float]]:
    """Return the coordinates of every joint of a pose, in figure units."""
    hip = (pose.pelvis[0], pose.pelvis[1])
    shoulder = _add(hip, pose.trunk, TRUNK)
    points = {"hip": hip, "shoulder": shoulder, "head_top": _add(shoulder, pose.head, HEAD)}
    for side in ("near", "far"):
        knee = _add(hip, getattr(pose, f"thigh_{side}"), THIGH)
        ankle = _add(knee, getattr(pose, f"shin_{side}"), SHIN)
        elbow = _add(shoulder, getattr(pose, f"upper_arm_{side}"), UPPER_ARM)
        points[f"knee_{side}"] = knee
        points[f"ankle_{side}"] = ankle
        points[f"toe_{side}"] = _add(ankle, getattr(pose, f"foot_{side}"), FOOT)
        points[f"elbow_{side}"] = elbow
        points[f"wrist_{side}"] = _add(elbow, getattr(pose, f"forearm_{side}"), FOREARM)
    return {name: points[name] for name in JOINTS}


def pose_geometry_problems(pose: Pose) -> list[str]:
    """List the joints of one pose that sit below the floor."""
    return [
        f"{name} is {-y:.0f} units below the floor"
        for name, (_, y) in pose_points(pose).items()
        if y < -FLOOR_TOLERANCE
    ]


def geometry_problems(exercise: Exercise) -> list[str]:
    """List impossible geometry in an exercise's demonstration, one message per joint."""
    return [
        f"demo.poses[{index}]: {message}"
        for index, pose in enumerate(exercise.demo.poses)
        for message in pose_geometry_problems(pose)
    ]


# --- rendering ---------------------------------------------------------------------------


def _num(value: float) -> str:
    """Format a number compactly and deterministically."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text(value: str) -> str:
    """Escape text for XML, dropping characters XML 1.0 cannot carry (controls, surrogates)."""
    kept = "".join(
        ch for ch in value
        if ch in "\t\n\r" or ("\x20" <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd")
        or ch >= "\U00010000"
    )
    return escape(kept)


def _wrap(angle: float) -> float:
    """Return an angle in (-180, 180]."""
    wrapped = math.remainder(angle, 360.0)
    return 180.0 if wrapped == -180.0 else wrapped


def _unwrapped(angles: Sequence[float]) -> list[float]:
    """Return angles adjusted by whole turns so each step turns the short way round."""
    values = [_wrap(angles[0])]
    for angle in angles[1:]:
        values.append(values[-1] + _wrap(angle - values[-1]))
    return values


# Rotating groups: (css class, parent segment or None for the pelvis frame, segment).
_ROTATIONS = (
    ("t", None, "trunk"),
    ("h", "trunk", "head"),
    ("tn", None, "thigh_near"),
    ("tf", None, "thigh_far"),
    ("sn", "thigh_near", "shin_near"),
    ("sf", "thigh_far", "shin_far"),
    ("fn", "shin_near", "foot_near"),
    ("ff", "shin_far", "foot_far"),
    ("un", "trunk", "upper_arm_near"),
    ("uf", "trunk", "upper_arm_far"),
    ("an", "upper_arm_near", "forearm_near"),
    ("af", "upper_arm_far", "forearm_far"),
)


def _relative_angle(pose: Pose, parent: str | None, segment: str) -> float:
    # Wrap before subtracting so huge (but finite) angles cannot overflow.
    angle = _wrap(getattr(pose, segment))
    return angle - (_wrap(getattr(pose, parent)) if parent else 0.0)


@dataclass(frozen=True)
class _Strap:
    """A straight band between two points that move from pose to pose."""

    starts: tuple[tuple[float, float], ...]
    ends: tuple[tuple[float, float], ...]


class _Scene:
    """Collects the transform of every moving group for each pose, then writes SVG."""

    def __init__(self, demo: Demo, still: int | None) -> None:
        self.demo = demo
        self.poses = demo.poses
        self.still = still
        first = self.poses[0] if still is None else self.poses[still]
        self.rules: dict[str, str] = {}
        # Which side of the trunk is the back: toes point forward, so compare the foot
        # with the shin (a figure facing right has its back on the trunk's left-hand side).
        turn = _wrap(first.foot_near - first.shin_near)
        self.back = 1.0 if turn >= 0 else -1.0

    # Transforms -----------------------------------------------------------------------

    def rotation(self, css_class: str, values: Sequence[float]) -> str:
        """Return the attributes of a rotating group and record its keyframes if it moves."""
        angles = _unwrapped(values)
        index = 0 if self.still is None else self.still
        attribute = f'transform="rotate({_num(angles[index])})"'
        if self.still is None and max(angles) - min(angles) > 0.05:
            self.keyframes(css_class, [f"rotate({_num(a)}deg)" for a in angles])
            return f'class="{css_class}" {attribute}'
        return attribute

    def keyframes(self, name: str, values: Sequence[str], prop: str = "transform") -> None:
        if name in self.rules:
            return  # the trunk frame is drawn three times with one animation
        count = len(values)
        cycle = count * (MOVE_SECONDS + DWELL_SECONDS)
        stops: list[str] = []
        for index, value in enumerate(values):
            start = 100 * index * (MOVE_SECONDS + DWELL_SECONDS) / cycle
            end = start + 100 * DWELL_SECONDS / cycle
            stops.append(f"{_num(start)}%,{_num(end)}%{{{prop}:{value}}}")
        stops.append(f"100%{{{prop}:{values[0]}}}")
        self.rules[name] = (
            f"@keyframes k{name}{{{''.join(stops)}}}"
            f".{name}{{animation:k{name} {_num(cycle)}s ease-in-out infinite}}"
        )

    # Drawing --------------------------------------------------------------------------

    def group(self, css_class: str) -> str:
        parent, segment = next((p, s) for c, p, s in _ROTATIONS if c == css_class)
        return self.rotation(css_class, [_relative_angle(p, parent, segment) for p in self.poses])

    def limb(self, side: str, colour: str) -> str:
        """Draw one leg: thigh, shin and foot as nested groups."""
        s = side[0]
        return (
            f'<g {self.group("t" + s)} stroke="{colour}" stroke-width="7">'
            f'<line x2="{_num(THIGH)}"/>{self.band_ring("thighs", THIGH / 2)}'
            f'<g transform="translate({_num(THIGH)} 0)"><g {self.group("s" + s)}>'
            f'<line x2="{_num(SHIN)}"/>{self.band_ring("knees", 0)}'
            f'<g transform="translate({_num(SHIN)} 0)"><g {self.group("f" + s)}>'
            f'<line x2="{_num(FOOT)}" stroke-width="5"/>{self.band_ring("ankles", 0)}'
            "</g></g></g></g></g>"
        )

    def arm(self, side: str, colour: str) -> str:
        """Draw one arm from the shoulder, inside a copy of the trunk frame."""
        s = side[0]
        return (
            f'<g {self.group("t")}><g transform="translate({_num(TRUNK)} 0)">'
            f'<g {self.group("u" + s)} stroke="{colour}" stroke-width="6">'
            f'<line x2="{_num(UPPER_ARM)}"/>'
            f'<g transform="translate({_num(UPPER_ARM)} 0)"><g {self.group("a" + s)}>'
            f'<line x2="{_num(FOREARM)}"/>{self.weight(side)}'
            "</g></g></g></g></g>"
        )

    def trunk(self) -> str:
        """Draw the trunk, neck and head, and a dowel held along the back."""
        neck_end = HEAD - 2 * HEAD_RADIUS
        dowel = ""
        if any(isinstance(item, DowelItem) for item in self.demo.equipment):
            offset = _num(self.back * 9.0)
            dowel = (
                f'<line x1="-14" y1="{offset}" x2="{_num(TRUNK + HEAD + 6)}" y2="{offset}" '
                'stroke="#92400e" stroke-width="3"/>'
            )
        return (
            f'<g {self.group("t")} stroke="{NEAR}">'
            f'<line x2="{_num(TRUNK)}" stroke-width="9"/>'
            f'<g transform="translate({_num(TRUNK)} 0)"><g {self.group("h")}>'
            f'<line x2="{_num(neck_end)}" stroke-width="5"/>'
            f'<circle cx="{_num(HEAD - HEAD_RADIUS)}" r="{_num(HEAD_RADIUS)}" fill="{NEAR}" '
            'stroke="none"/></g></g>'
            f"{dowel}</g>"
        )

    def band_ring(self, around: str, at: float) -> str:
        """Draw the end of a looped band where it wraps one limb."""
        if not any(isinstance(i, BandItem) and i.around == around for i in self.demo.equipment):
            return ""
        return (
            f'<circle cx="{_num(at)}" r="4.5" fill="none" stroke="{BAND}" stroke-width="2.5"/>'
        )

    def weight(self, side: str) -> str:
        """Draw a hand weight at the wrist when this arm holds one."""
        wanted = {f"wrist_{side}", "both_wrists"}
        if not any(isinstance(i, WeightItem) and i.at in wanted for i in self.demo.equipment):
            return ""
        return (
            f'<rect x="{_num(FOREARM - 2)}" y="-7" width="6" height="14" rx="2" '
            'fill="#44403c" stroke="none"/>'
        )

    def straps(self) -> str:
        """Draw bands running between two moving points (limb to limb, joint to anchor)."""
        parts: list[str] = []
        joints = [pose_points(pose) for pose in self.poses]
        for number, item in enumerate(self.demo.equipment):
            if not isinstance(item, BandItem):
                continue
            if item.around is not None:
                fractions = {"knees": ("knee", None), "thighs": ("hip", "knee"),
                             "ankles": ("ankle", None)}
                first, second = fractions[item.around]
                strap = _Strap(
                    starts=tuple(_between(j, first, second, "near") for j in joints),
                    ends=tuple(_between(j, first, second, "far") for j in joints),
                )
            elif item.from_ is not None and item.to is not None:
                anchor = (item.to[0], item.to[1])
                strap = _Strap(
                    starts=tuple(j[item.from_.value] for j in joints),
                    ends=tuple(anchor for _ in joints),
                )
            else:  # pragma: no cover - the schema rules out a band with neither form
                continue
            parts.append(self.strap(f"b{number}", strap))
        return "".join(parts)

    def strap(self, css_class: str, strap: _Strap) -> str:
        """Draw a unit line stretched and turned to run between the strap's two points."""
        lengths = [max(math.dist(a, b), 0.01) for a, b in zip(strap.starts, strap.ends,
                                                                strict=True)]
        angles = _unwrapped([math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
                             for a, b in zip(strap.starts, strap.ends, strict=True)])
        values = [
            f"translate({_num(a[0])}px,{_num(a[1])}px) rotate({_num(angle)}deg) "
            f"scale({length:.2f},1)"
            for a, angle, length in zip(strap.starts, angles, lengths, strict=True)
        ]
        index = 0 if self.still is None else self.still
        start, angle, length = strap.starts[index], angles[index], lengths[index]
        attribute = (
            f'transform="translate({_num(start[0])} {_num(start[1])}) rotate({_num(angle)}) '
            f'scale({length:.2f} 1)"'
        )
        if self.still is None and len(set(values)) > 1:
            self.keyframes(css_class, values)
            attribute = f'class="{css_class}" {attribute}'
        return (
            f'<g {attribute}><line x2="1" stroke="{BAND}" stroke-width="2.5" '
            'vector-effect="non-scaling-stroke"/></g>'
        )

    def figure(self) -> str:
        """Draw the whole figure: far limbs, trunk and head, near limbs, then bands."""
        pelvis = [pose.pelvis for pose in self.poses]
        index = 0 if self.still is None else self.still
        x, y = pelvis[index]
        attribute = f'transform="translate({_num(x)} {_num(y)})"'
        values = [f"translate({_num(px)}px,{_num(py)}px)" for px, py in pelvis]
        if self.still is None and len(set(values)) > 1:
            self.keyframes("p", values)
            attribute = f'class="p" {attribute}'
        return (
            f"<g {attribute}>"
            f'{self.limb("far", FAR)}{self.arm("far", FAR)}{self.trunk()}'
            f'{self.limb("near", NEAR)}{self.arm("near", NEAR)}</g>{self.straps()}'
        )


def _between(
    joints: dict[str, tuple[float, float]], first: str, second: str | None, side: str
) -> tuple[float, float]:
    """Return a joint on one side, or the midpoint of two joints (the hip has no side)."""
    a = joints[first if first == "hip" else f"{first}_{side}"]
    if second is None:
        return a
    b = joints[f"{second}_{side}"]
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _extent(demo: Demo) -> tuple[float, float, float, float]:
    """Return min x, min y, max x, max y over every pose, the floor and the scenery."""
    xs: list[float] = []
    ys: list[float] = [0.0]
    for pose in demo.poses:
        points = pose_points(pose)
        for px, py in points.values():
            xs.append(px)
            ys.append(py)
        # The head circle sits just inside the head segment.
        hx, hy = points["head_top"]
        xs.extend((hx - HEAD_RADIUS, hx + HEAD_RADIUS))
        ys.extend((hy + 2, hy - 2 * HEAD_RADIUS))
    for item in demo.equipment:
        if isinstance(item, StepItem | BlockItem):
            xs.extend((item.x, item.x + item.width))
            ys.append(item.height)
        elif isinstance(item, ChairItem):
            reach = CHAIR_DEPTH if item.facing == "right" else -CHAIR_DEPTH
            xs.extend((item.x, item.x + reach))
            ys.append(SEAT_HEIGHT * 2)
        elif isinstance(item, WallItem):
            xs.append(item.x)
        elif isinstance(item, BandItem) and item.to is not None:
            xs.append(item.to[0])
            ys.append(item.to[1])
    return min(xs), min(ys), max(xs), max(ys)


def _scenery(demo: Demo, left: float, right: float, top: float) -> str:
    """Draw the floor and the equipment fixed in the scene."""
    parts: list[str] = []
    for item in demo.equipment:
        if isinstance(item, MatItem):
            parts.append(
                f'<rect x="{_num(left + 4)}" y="0" width="{_num(right - left - 8)}" height="3" '
                'rx="1.5" fill="#93c5fd"/>'
            )
        elif isinstance(item, StepItem | BlockItem):
            fill = "#d6d3d1" if isinstance(item, StepItem) else "#e7c9a0"
            parts.append(
                f'<rect x="{_num(item.x)}" y="0" width="{_num(item.width)}" '
                f'height="{_num(item.height)}" fill="{fill}" stroke="{EQUIPMENT}"/>'
            )
        elif isinstance(item, ChairItem):
            end = item.x + (CHAIR_DEPTH if item.facing == "right" else -CHAIR_DEPTH)
            x0, x1 = _num(item.x), _num(end)
            parts.append(
                f'<path d="M{x0} 0V{_num(SEAT_HEIGHT * 2)}M{x0} {_num(SEAT_HEIGHT)}H{x1}V0" '
                f'fill="none" stroke="{EQUIPMENT}" stroke-width="4"/>'
            )
        elif isinstance(item, WallItem):
            parts.append(
                f'<line x1="{_num(item.x)}" x2="{_num(item.x)}" y2="{_num(top)}" '
                f'stroke="{EQUIPMENT}" stroke-width="4"/>'
            )
        elif isinstance(item, BandItem) and item.to is not None:
            parts.append(
                f'<circle cx="{_num(item.to[0])}" cy="{_num(item.to[1])}" r="3" fill="{BAND}"/>'
            )
    floor = (
        f'<line x1="{_num(left)}" x2="{_num(right)}" stroke="#57534e" stroke-width="2"/>'
    )
    return floor + "".join(parts)


def render_demo_svg(
    demo: Demo, *, title: str, animate: bool = True, frame: int | None = None
) -> str:
    """Return a standalone SVG of the demonstration: animated, or one pose held still."""
    if frame is not None and not 0 <= frame < len(demo.poses):
        raise ValueError(f"frame {frame} is not a pose of this demonstration")
    still = frame if frame is not None else (None if animate else 0)
    scene = _Scene(demo, still)
    figure = scene.figure()

    min_x, min_y, max_x, max_y = _extent(demo)
    labels = any(pose.label for pose in demo.poses)
    left, right = min_x - MARGIN, max_x + MARGIN
    bottom, top = min_y - MARGIN, max_y + MARGIN + (16 if labels else 0)
    width, height = right - left, top - bottom
    scenery = _scenery(demo, left, right, top)

    captions = ""
    if labels:
        shown = demo.poses if still is None else (demo.poses[still],)
        texts = []
        for index, pose in enumerate(shown):
            if not pose.label:
                continue
            attributes = ""
            if still is None:
                values = ["1" if i == index else "0" for i in range(len(demo.poses))]
                scene.keyframes(f"l{index}", values, prop="fill-opacity")
                attributes = f' class="l{index}"' + ("" if index == 0 else ' fill-opacity="0"')
            texts.append(f"<text{attributes}>{_text(pose.label)}</text>")
        captions = (
            f'<g transform="translate({_num(MARGIN / 2)} 15)" font-family="sans-serif" '
            f'font-size="13" fill="{NEAR}">{"".join(texts)}</g>'
        )

    style = ""
    if scene.rules:
        style = (
            "<style>g{transform-box:view-box;transform-origin:0 0}"
            + "".join(scene.rules.values())
            + "@media (prefers-reduced-motion: reduce){g,text{animation:none!important}}"
            "</style>"
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}">'
        f"<title>{_text(title)}</title>{style}"
        f'<g transform="translate({_num(-left)} {_num(top)}) scale(1 -1)" '
        'stroke-linecap="round" fill="none">'
        f"{scenery}{figure}</g>{captions}</svg>"
    )
