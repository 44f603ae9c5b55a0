"""Reads about programmes that physio and patient pages share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    LibraryExercise,
    LibraryExerciseTag,
    PatientPrecaution,
    Prescription,
    ProgrammeVersion,
    TagKind,
)


def versions(patient_id: int) -> list[ProgrammeVersion]:
    """Every programme version of a patient, oldest first, with prescriptions (two queries)."""
    return list(db.session.scalars(
        select(ProgrammeVersion)
        .where(ProgrammeVersion.patient_id == patient_id)
        .options(selectinload(ProgrammeVersion.prescriptions)
                 .selectinload(Prescription.exercise_version))
        .order_by(ProgrammeVersion.number)
    ))


def current(patient_id: int) -> ProgrammeVersion | None:
    """The patient's current programme version with its exercises, or None."""
    return db.session.scalar(
        select(ProgrammeVersion)
        .where(ProgrammeVersion.patient_id == patient_id)
        .options(selectinload(ProgrammeVersion.prescriptions)
                 .selectinload(Prescription.exercise_version))
        .order_by(ProgrammeVersion.number.desc())
        .limit(1)
    )


def precautions(patient_id: int) -> set[str]:
    return set(db.session.scalars(
        select(PatientPrecaution.precaution).where(PatientPrecaution.patient_id == patient_id)
    ))


@dataclass(frozen=True)
class ExerciseChoice:
    slug: str
    name: str
    family: str
    precautions: frozenset[str]
    dose: dict


def exercise_choices() -> list[ExerciseChoice]:
    """Published exercises with their precaution tags and default dose (two queries)."""
    rows = db.session.execute(
        select(LibraryExercise.slug, LibraryExercise.name, LibraryExercise.family,
               LibraryExercise.data)
        .where(LibraryExercise.retired_at.is_(None))
        .order_by(LibraryExercise.family, LibraryExercise.ladder_slug, LibraryExercise.rung)
    ).all()
    tags: dict[str, set[str]] = {}
    for slug, value in db.session.execute(
        select(LibraryExercise.slug, LibraryExerciseTag.value)
        .join(LibraryExerciseTag, LibraryExerciseTag.exercise_id == LibraryExercise.id)
        .where(LibraryExerciseTag.kind == TagKind.PRECAUTION)
    ):
        tags.setdefault(slug, set()).add(value)
    return [
        ExerciseChoice(slug, name, family, frozenset(tags.get(slug, ())),
                       dict(data["dose"], sides=data["sides"]))
        for slug, name, family, data in rows
    ]
