"""The shape of the exercise library files (see exercises/SCHEMA.md), as pydantic models.

Each model checks what can be checked from its own file. Rules that span files (ladders,
links between exercises, programme references) live in ``loader.py``.

A model-level rule that fails raises one ``PydanticCustomError`` of type ``RULES_ERROR``
whose context carries every violation as ``(relative field, message)`` pairs, so the loader
can report each one against its own field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_serializer,
)
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

RULES_ERROR = "library_rules"

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Dose limits from exercises/SCHEMA.md ("Dose limits (checked)"), inclusive.
DOSE_LIMITS: dict[str, tuple[int, int]] = {
    "sets": (1, 5),
    "reps": (1, 30),
    "hold_seconds": (1, 120),
    "rest_seconds": (0, 180),
    "sessions_per_week": (1, 7),
}
DOSE_VARIABLES = tuple(DOSE_LIMITS)


class Family(StrEnum):
    """The four exercise families; each is a folder under exercises/."""

    HIP_MOBILITY = "hip-mobility"
    GLUTE_STRENGTH = "glute-strength"
    HIP_HINGE = "hip-hinge"
    SUPPORTING = "supporting"


class Target(StrEnum):
    """What an exercise works on."""

    HIP_FLEXION = "hip-flexion"
    HIP_EXTENSION = "hip-extension"
    HIP_INTERNAL_ROTATION = "hip-internal-rotation"
    HIP_EXTERNAL_ROTATION = "hip-external-rotation"
    HIP_ABDUCTION = "hip-abduction"
    HIP_ADDUCTION = "hip-adduction"
    GLUTE_MAX = "glute-max"
    GLUTE_MED = "glute-med"
    DEEP_ROTATORS = "deep-rotators"
    HINGE_PATTERN = "hinge-pattern"
    TRUNK_CONTROL = "trunk-control"
    BREATHING = "breathing"
    ENDURANCE = "endurance"


class Position(StrEnum):
    """The starting position of an exercise."""

    LYING_ON_BACK = "lying-on-back"
    LYING_ON_FRONT = "lying-on-front"
    SIDE_LYING = "side-lying"
    HANDS_AND_KNEES = "hands-and-knees"
    KNEELING = "kneeling"
    HALF_KNEELING = "half-kneeling"
    SITTING = "sitting"
    STANDING = "standing"


class Equipment(StrEnum):
    """Equipment a patient needs; ``none`` stands alone."""

    NONE = "none"
    BAND = "band"
    DOWEL = "dowel"
    STEP = "step"
    CHAIR = "chair"
    WEIGHT = "weight"
    WALL = "wall"
    MAT = "mat"


class Precaution(StrEnum):
    """Conditions under which an exercise needs care or should be avoided."""

    POSTERIOR_THR_EARLY = "posterior-thr-early"
    ANTERIOR_THR_EARLY = "anterior-thr-early"
    GLUTEAL_TENDINOPATHY = "gluteal-tendinopathy"
    FAI_LABRAL = "fai-labral"
    KNEE_OA_KNEELING = "knee-oa-kneeling"
    EXTENSION_SENSITIVE_BACK = "extension-sensitive-back"
    OSTEOPOROSIS = "osteoporosis"

    @property
    def label(self) -> str:
        """Return the plain-English name of the condition."""
        return PRECAUTION_LABELS[self]


PRECAUTION_LABELS: dict[Precaution, str] = {
    Precaution.POSTERIOR_THR_EARLY: "Early after a posterior-approach hip replacement",
    Precaution.ANTERIOR_THR_EARLY: "Early after an anterior-approach hip replacement",
    Precaution.GLUTEAL_TENDINOPATHY: "Gluteal tendinopathy",
    Precaution.FAI_LABRAL: "Hip impingement (FAI) or a labral tear",
    Precaution.KNEE_OA_KNEELING: "Painful knees when kneeling (knee arthritis)",
    Precaution.EXTENSION_SENSITIVE_BACK: (
        "A back that dislikes arching (stenosis, spondylolisthesis)"
    ),
    Precaution.OSTEOPOROSIS: "Osteoporosis",
}


class Sides(StrEnum):
    """Both legs together (or no side), or each side in turn."""

    BOTH = "both"
    EACH = "each"


class View(StrEnum):
    """The camera angle of a demonstration."""

    SIDE = "side"
    FRONT = "front"


class Joint(StrEnum):
    """Joints of the demonstration figure that equipment can attach to."""

    HIP = "hip"
    SHOULDER = "shoulder"
    HEAD_TOP = "head_top"
    KNEE_NEAR = "knee_near"
    KNEE_FAR = "knee_far"
    ANKLE_NEAR = "ankle_near"
    ANKLE_FAR = "ankle_far"
    TOE_NEAR = "toe_near"
    TOE_FAR = "toe_far"
    ELBOW_NEAR = "elbow_near"
    ELBOW_FAR = "elbow_far"
    WRIST_NEAR = "wrist_near"
    WRIST_FAR = "wrist_far"


Id = Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=80)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=400)]
ShortText = Annotated[StrictStr, Field(min_length=1, max_length=140)]
Number = Annotated[StrictFloat, Field(allow_inf_nan=False)]
# A segment's direction in degrees. Two turns either way is more than any pose needs, and the
# bound keeps sums of angles finite (a float near its maximum overflowed to inf).
Angle = Annotated[StrictFloat, Field(ge=-720, le=720, allow_inf_nan=False)]
# Scene coordinates in figure units; a figure is about 180 units tall.
Coordinate = Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-500, le=500)]
Point = tuple[Coordinate, Coordinate]
Range = tuple[StrictInt, StrictInt]


def _rules(violations: list[tuple[str, str]]) -> None:
    """Raise one error carrying every violation, or nothing when there are none."""
    if violations:
        summary = "; ".join(f"{field}: {message}" if field else message
                            for field, message in violations)
        raise PydanticCustomError(
            RULES_ERROR, "{summary}", {"summary": summary, "violations": tuple(violations)}
        )


def _duplicates(values: tuple[str, ...]) -> list[str]:
    """Return values that appear more than once, in first-seen order."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


class Model(BaseModel):
    """Base for library models: immutable, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DoseRanges(Model):
    """Inclusive ranges the progression may move each dose variable within."""

    sets: Range | None = None
    reps: Range | None = None
    hold_seconds: Range | None = None
    rest_seconds: Range | None = None
    sessions_per_week: Range | None = None

    def get(self, variable: str) -> Range | None:
        """Return the range for one dose variable, if any."""
        value: Range | None = getattr(self, variable)
        return value


class Dose(Model):
    """The default prescription of an exercise."""

    sets: Annotated[StrictInt, Field(ge=1, le=5)]
    reps: Annotated[StrictInt, Field(ge=1, le=30)] | None = None
    hold_seconds: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    rest_seconds: Annotated[StrictInt, Field(ge=0, le=180)]
    tempo: Annotated[StrictStr, Field(pattern=r"^\d{1,2}-\d{1,2}-\d{1,2}$")] | None = None
    sessions_per_week: Annotated[StrictInt, Field(ge=1, le=7)]
    ranges: DoseRanges = DoseRanges()

    def value(self, variable: str) -> int | None:
        """Return the default value of one dose variable (None when unused)."""
        value: int | None = getattr(self, variable)
        return value

    @_model_validator(mode="after")
    def _check_rules(self) -> Self:
        _rules(dose_violations(self))
        return self


STRETCH_HOLD = (20, 60)  # clinical.md: static stretch 30 s x 1-3 (20-60 s holds)
STRENGTH_REPS = (8, 15)  # clinical.md: strength 8-15 reps
LONG_HOLD = 10  # a rep held this long is a hold, not a strength rep (side planks: 10 s)


def kind_violations(family: Family, dose: Dose) -> list[tuple[str, str]]:
    """The typical home ranges of clinical.md for an exercise's kind, as SCHEMA.md lists them:
    a static stretch (a held hip-mobility exercise) holds 20-60 s; a strength exercise (glute
    strength or hip hinge, in reps shorter than a long hold) does 8-15 reps."""
    problems: list[tuple[str, str]] = []
    holds = dose.ranges.get("hold_seconds")
    if (family is Family.HIP_MOBILITY and dose.reps is None and holds is not None
            and (holds[0] < STRETCH_HOLD[0] or holds[1] > STRETCH_HOLD[1])):
        problems.append(("ranges.hold_seconds", f"a static stretch holds "
                         f"{STRETCH_HOLD[0]}-{STRETCH_HOLD[1]} s, not {holds[0]}-{holds[1]}"))
    reps = dose.ranges.get("reps")
    if (family in (Family.GLUTE_STRENGTH, Family.HIP_HINGE) and reps is not None
            and (dose.hold_seconds or 0) < LONG_HOLD
            and (reps[0] < STRENGTH_REPS[0] or reps[1] > STRENGTH_REPS[1])):
        problems.append(("ranges.reps", f"a strength exercise does "
                         f"{STRENGTH_REPS[0]}-{STRENGTH_REPS[1]} reps, not {reps[0]}-{reps[1]}"))
    return problems


def dose_violations(dose: Dose) -> list[tuple[str, str]]:
    """List the cross-field dose rules a dose breaks, as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if dose.reps is None and dose.hold_seconds is None:
        problems.append(("", "a dose needs reps, hold_seconds or both"))
    for variable in DOSE_VARIABLES:
        span = dose.ranges.get(variable)
        value = dose.value(variable)
        if span is None:
            if variable in ("reps", "hold_seconds") and value is not None:
                problems.append(
                    (f"ranges.{variable}", f"a range is required because the dose uses {variable}")
                )
            continue
        low, high = span
        limit_low, limit_high = DOSE_LIMITS[variable]
        if value is None:
            problems.append(
                (f"ranges.{variable}", f"the dose does not use {variable}, so it has no range")
            )
        elif low > high:
            problems.append((f"ranges.{variable}", f"low {low} is above high {high}"))
        elif low < limit_low or high > limit_high:
            problems.append(
                (
                    f"ranges.{variable}",
                    f"{low}-{high} goes outside the limits {limit_low}-{limit_high}",
                )
            )
        elif not low <= value <= high:
            problems.append((variable, f"{value} is outside the range {low}-{high}"))
    return problems


class LadderPosition(Model):
    """Where an exercise sits on its ladder and its neighbours."""

    id: Id
    rung: Annotated[StrictInt, Field(ge=1, le=20)]
    easier: Id | None = None
    harder: Id | None = None


class Pose(Model):
    """One key pose: the pelvis position and the absolute direction of every segment."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    label: Annotated[StrictStr, Field(min_length=1, max_length=40)] | None = None
    pelvis: Point
    trunk: Angle
    head: Angle
    thigh_near: Angle
    thigh_far: Angle
    shin_near: Angle
    shin_far: Angle
    foot_near: Angle
    foot_far: Angle
    upper_arm_near: Angle
    upper_arm_far: Angle
    forearm_near: Angle
    forearm_far: Angle


class StepItem(Model):
    """A step fixed in the scene."""

    type: Literal["step"]
    x: Coordinate
    width: Annotated[StrictFloat, Field(gt=0, le=300)] = 50.0
    height: Annotated[StrictFloat, Field(gt=0, le=100)] = 20.0


class BlockItem(Model):
    """A block (or folded towel, book) fixed in the scene."""

    type: Literal["block"]
    x: Coordinate
    width: Annotated[StrictFloat, Field(gt=0, le=300)] = 30.0
    height: Annotated[StrictFloat, Field(gt=0, le=100)] = 15.0


class ChairItem(Model):
    """A chair (seat height 45); ``x`` is the back of the chair."""

    type: Literal["chair"]
    x: Coordinate
    facing: Literal["left", "right"] = "right"


class WallItem(Model):
    """A wall: a vertical line at ``x``."""

    type: Literal["wall"]
    x: Coordinate


class MatItem(Model):
    """An exercise mat on the floor under the figure."""

    type: Literal["mat"]


class DowelItem(Model):
    """A dowel held along the back."""

    type: Literal["dowel"]
    along: Literal["trunk"] = "trunk"


class WeightItem(Model):
    """A hand weight held at one or both wrists."""

    type: Literal["weight"]
    at: Literal["wrist_near", "wrist_far", "both_wrists"]


class BandItem(Model):
    """A band: a loop around both limbs, or from a joint to a fixed anchor."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["band"]
    around: Literal["knees", "thighs", "ankles"] | None = None
    from_: Joint | None = Field(default=None, alias="from")
    to: Point | None = None

    @_model_validator(mode="after")
    def _check_rules(self) -> Self:
        looped = self.around is not None
        anchored = self.from_ is not None or self.to is not None
        if looped == anchored:
            _rules([("", "a band needs either 'around', or 'from' and 'to'")])
        if anchored and (self.from_ is None or self.to is None):
            _rules([("", "an anchored band needs both 'from' and 'to'")])
        return self


EquipmentItem = Annotated[
    StepItem | BlockItem | ChairItem | WallItem | MatItem | DowelItem | WeightItem | BandItem,
    Field(discriminator="type"),
]
EQUIPMENT_ITEM_TYPES = frozenset(
    {"step", "block", "chair", "wall", "mat", "dowel", "weight", "band"}
)


class Demo(Model):
    """The animated stick-figure demonstration of an exercise."""

    view: View = View.SIDE
    equipment: tuple[EquipmentItem, ...] = ()
    poses: Annotated[tuple[Pose, ...], Field(min_length=2, max_length=4)]

    @_model_validator(mode="after")
    def _check_rules(self) -> Self:
        names = tuple(pose.name for pose in self.poses)
        _rules([("poses", f"pose name {name!r} is used twice") for name in _duplicates(names)])
        return self


class Exercise(Model):
    """One exercise file."""

    id: Id
    version: Annotated[StrictInt, Field(ge=1)]
    name: Annotated[StrictStr, Field(min_length=1, max_length=80)]
    plural: StrictBool = False  # the name is a plural noun ("Heel slides"): "they go up"
    # What one timed set is called when it is not a hold ("walk"): "3 walks of 2 minutes".
    bout: Annotated[StrictStr, Field(pattern=r"^[a-z]{3,12}$")] | None = None
    summary: ShortText
    family: Family
    targets: Annotated[tuple[Target, ...], Field(min_length=1)]
    level: Annotated[StrictInt, Field(ge=1, le=5)]
    position: Position
    equipment: Annotated[tuple[Equipment, ...], Field(min_length=1)]
    sides: Sides
    dose: Dose
    steps: Annotated[tuple[Text, ...], Field(min_length=3, max_length=8)]
    cues: Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=5)]
    mistakes: Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=5)]
    feel: Text
    precautions: tuple[Precaution, ...] = ()
    stop_if: Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=4)]
    ladder: LadderPosition
    demo: Demo

    @_model_validator(mode="after")
    def _check_rules(self) -> Self:
        problems: list[tuple[str, str]] = []
        if Equipment.NONE in self.equipment and len(self.equipment) > 1:
            problems.append(("equipment", "'none' cannot be combined with other equipment"))
        for name, values in (
            ("targets", self.targets),
            ("equipment", self.equipment),
            ("precautions", self.precautions),
        ):
            problems.extend((name, f"{value!s} is listed twice") for value in _duplicates(values))
        for link in ("easier", "harder"):
            if getattr(self.ladder, link) == self.id:
                problems.append((f"ladder.{link}", "an exercise cannot link to itself"))
        problems.extend(kind_violations(self.family, self.dose))
        _rules(problems)
        return self

    @model_serializer(mode="wrap")
    def _leave_out_singular(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """Write ``plural`` only when true and ``bout`` only when set: leaving the defaults
        out keeps the content (and content hash) of every exercise that does not set them."""
        data: dict[str, object] = handler(self)
        if not self.plural:
            data.pop("plural", None)
        if self.bout is None:
            data.pop("bout", None)
        return data


class Ladder(Model):
    """One progression ladder from ladders.yaml."""

    id: Id
    name: Annotated[StrictStr, Field(min_length=1, max_length=80)]
    family: Family
    description: Text


class StageExercise(Model):
    """An exercise in a programme stage, with optional dose overrides."""

    exercise: Id
    sets: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    reps: Annotated[StrictInt, Field(ge=1, le=30)] | None = None
    hold_seconds: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    rest_seconds: Annotated[StrictInt, Field(ge=0, le=180)] | None = None
    sessions_per_week: Annotated[StrictInt, Field(ge=1, le=7)] | None = None

    def overrides(self) -> dict[str, int]:
        """Return the dose variables this entry overrides."""
        return {
            variable: value
            for variable in DOSE_VARIABLES
            if (value := getattr(self, variable)) is not None
        }


class Stage(Model):
    """One stage of a programme template."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=80)]
    weeks: Annotated[StrictInt, Field(ge=1, le=26)]
    exercises: Annotated[tuple[StageExercise, ...], Field(min_length=2, max_length=4)]
    move_on_when: Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=4)]

    @_model_validator(mode="after")
    def _check_rules(self) -> Self:
        ids = tuple(item.exercise for item in self.exercises)
        _rules([("exercises", f"{ex} appears twice in this stage") for ex in _duplicates(ids)])
        return self


class ProgrammeTemplate(Model):
    """A programme template from programmes/<id>.yaml."""

    id: Id
    version: Annotated[StrictInt, Field(ge=1)]
    name: Annotated[StrictStr, Field(min_length=1, max_length=80)]
    summary: Text
    for_whom: Text
    stages: Annotated[tuple[Stage, ...], Field(min_length=3, max_length=4)]
