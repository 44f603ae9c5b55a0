"""Plain-English labels for the library's controlled vocabularies, for pages and filters."""

from __future__ import annotations

from collections.abc import Iterable

from .schema import PRECAUTION_LABELS, Equipment, Family, Position, Target

FAMILY_LABELS: dict[str, str] = {
    Family.HIP_MOBILITY: "Hip mobility",
    Family.GLUTE_STRENGTH: "Glute and deep-hip strength",
    Family.HIP_HINGE: "Hip hinge",
    Family.SUPPORTING: "Supporting",
}
TARGET_LABELS: dict[str, str] = {
    Target.HIP_FLEXION: "Hip flexion (bending)",
    Target.HIP_EXTENSION: "Hip extension (straightening)",
    Target.HIP_INTERNAL_ROTATION: "Hip inward rotation",
    Target.HIP_EXTERNAL_ROTATION: "Hip outward rotation",
    Target.HIP_ABDUCTION: "Hip abduction (out to the side)",
    Target.HIP_ADDUCTION: "Hip adduction (in towards the middle)",
    Target.GLUTE_MAX: "Gluteus maximus",
    Target.GLUTE_MED: "Gluteus medius",
    Target.DEEP_ROTATORS: "Deep hip rotators",
    Target.HINGE_PATTERN: "Hip-hinge pattern",
    Target.TRUNK_CONTROL: "Trunk control",
    Target.BREATHING: "Breathing",
    Target.ENDURANCE: "Endurance",
}
POSITION_LABELS: dict[str, str] = {
    Position.LYING_ON_BACK: "Lying on your back",
    Position.LYING_ON_FRONT: "Lying on your front",
    Position.SIDE_LYING: "Lying on your side",
    Position.HANDS_AND_KNEES: "On hands and knees",
    Position.KNEELING: "Kneeling",
    Position.HALF_KNEELING: "Half-kneeling",
    Position.SITTING: "Sitting",
    Position.STANDING: "Standing",
}
EQUIPMENT_LABELS: dict[str, str] = {
    Equipment.NONE: "No equipment",
    Equipment.BAND: "Resistance band",
    Equipment.DOWEL: "Dowel or broom handle",
    Equipment.STEP: "Step",
    Equipment.CHAIR: "Chair",
    Equipment.WEIGHT: "Weight",
    Equipment.WALL: "Wall",
    Equipment.MAT: "Mat",
}
PRECAUTION_LABELS_BY_VALUE: dict[str, str] = {
    str(key): value for key, value in PRECAUTION_LABELS.items()
}
LEVEL_LABELS: dict[int, str] = {
    1: "1 - gentlest", 2: "2 - easy", 3: "3 - moderate", 4: "4 - hard", 5: "5 - hardest"
}


def label(vocabulary: dict[str, str], value: str) -> str:
    """Return the label of ``value``, or the value itself when it is unknown."""
    return vocabulary.get(value, value.replace("-", " ").capitalize())


def needs_care(name: str, exercise_precautions: Iterable[str],
               patient_precautions: Iterable[str]) -> str | None:
    """"<name> needs care with <precautions>" when an exercise is flagged for any of a
    patient's recorded precautions (Precaution values), else None."""
    clash = sorted(set(exercise_precautions).intersection(patient_precautions))
    if not clash:
        return None
    return f"{name} needs care with " + "; ".join(
        label(PRECAUTION_LABELS_BY_VALUE, c).lower() for c in clash)
