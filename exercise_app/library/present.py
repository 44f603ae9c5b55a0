"""Turn stored library rows into plain values the templates show (no queries, no logic there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.dosing import HOLD, DoseText, describe_dose, estimated_seconds
from .labels import (
    EQUIPMENT_LABELS,
    FAMILY_LABELS,
    POSITION_LABELS,
    PRECAUTION_LABELS_BY_VALUE,
    TARGET_LABELS,
    label,
)


@dataclass(frozen=True)
class ExerciseCard:
    slug: str
    name: str
    summary: str
    family: str
    level: int
    position: str
    equipment: tuple[str, ...]
    precautions: tuple[str, ...]
    retired: bool


@dataclass(frozen=True)
class ExerciseDetail:
    card: ExerciseCard
    targets: tuple[str, ...]
    sides: str
    dose: DoseText
    tempo: str | None
    minutes: int
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]
    feel: str
    stop_if: tuple[str, ...]
    pose_names: tuple[str, ...]
    version: int


def card(row: Any) -> ExerciseCard:
    """A summary of an exercise from its columns and tags (its content column stays unloaded)."""
    tags: dict[str, list[str]] = {"equipment": [], "precaution": []}
    for tag in row.tags:
        tags.setdefault(str(tag.kind), []).append(tag.value)
    return ExerciseCard(
        slug=row.slug,
        name=row.name,
        summary=row.summary,
        family=label(FAMILY_LABELS, row.family),
        level=row.level,
        position=label(POSITION_LABELS, row.position),
        equipment=tuple(label(EQUIPMENT_LABELS, e) for e in tags["equipment"]),
        precautions=tuple(label(PRECAUTION_LABELS_BY_VALUE, p) for p in tags["precaution"]),
        retired=row.retired_at is not None,
    )


def dose_text(dose: dict[str, Any], each_side: bool, bout: str | None = None,
              **overrides: int) -> DoseText:
    """A library dose in words, with a template's ``overrides``; ``bout``: the exercise's
    word for a timed set, where it has one."""
    values = {**dose, **{k: v for k, v in overrides.items() if v is not None}}
    return describe_dose(
        sets=values["sets"], reps=values.get("reps"), hold_seconds=values.get("hold_seconds"),
        rest_seconds=values["rest_seconds"], sessions_per_week=values["sessions_per_week"],
        each_side=each_side, bout=bout or HOLD,
    )


def detail(row: Any) -> ExerciseDetail:
    data = row.data
    dose = data["dose"]
    each_side = data["sides"] == "each"
    tempo = tuple(int(part) for part in dose["tempo"].split("-")) if dose.get("tempo") else None
    seconds = estimated_seconds(
        sets=dose["sets"], reps=dose.get("reps"), hold_seconds=dose.get("hold_seconds"),
        rest_seconds=dose["rest_seconds"], each_side=each_side,
        tempo=tempo,  # type: ignore[arg-type]
    )
    return ExerciseDetail(
        card=card(row),
        targets=tuple(label(TARGET_LABELS, t) for t in data["targets"]),
        sides="One side at a time, then the other" if each_side else "Both sides together",
        dose=dose_text(dose, each_side, data.get("bout")),
        tempo=(
            f"{tempo[0]} s up, {tempo[1]} s pause, {tempo[2]} s down" if tempo else None
        ),
        minutes=max(1, round(seconds / 60)),
        steps=tuple(data["steps"]),
        cues=tuple(data["cues"]),
        mistakes=tuple(data["mistakes"]),
        feel=data["feel"],
        stop_if=tuple(data["stop_if"]),
        pose_names=tuple(p.get("label") or p["name"] for p in data["demo"]["poses"]),
        version=row.version,
    )
