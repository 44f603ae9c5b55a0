"""Writes for programmes: add and flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from ..extensions import db
from ..locks import lock_patient
from ..models import (
    LibraryExercise,
    LibraryExerciseVersion,
    PatientPrecaution,
    Prescription,
    ProgrammeVersion,
    Side,
    User,
    VersionSource,
)
from ..summaries import record_stages
from .queries import ProgrammeView, newest_number, versions


@dataclass(frozen=True)
class PrescriptionValues:
    """One exercise of a programme as the physio set it."""

    slug: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    side: Side
    tempo: str | None
    load_note: str
    weekdays: int
    sessions_per_week: int | None


class UnknownExercise(ValueError):
    """A prescription names an exercise that is not (or no longer) in the library."""


def set_precautions(patient: User, values: Sequence[str]) -> None:
    """Replace the patient's recorded precautions."""
    db.session.execute(delete(PatientPrecaution).where(PatientPrecaution.patient_id == patient.id))
    for value in sorted(set(values)):
        db.session.add(PatientPrecaution(patient_id=patient.id, precaution=value))
    db.session.flush()


class ProgrammeChanged(ValueError):
    """The programme has a newer version than the one the physio's editor started from."""


def _next_number(patient_id: int) -> int:
    return newest_number(patient_id) + 1


@dataclass(frozen=True)
class DoseChange:
    """A new dose for one prescription, and the exercise to switch to (None keeps it)."""

    sets: int
    reps: int | None
    hold_seconds: int | None
    exercise_id: int | None = None
    exercise_version_id: int | None = None
    side: Side | None = None


def copy_with_changes(
    base: ProgrammeView,
    changes: Mapping[int, DoseChange],
    *,
    start_date: date,
    created_by: User | None,
    source: VersionSource,
) -> ProgrammeVersion:
    """Save a new version that copies ``base`` exactly except the changed doses (by position).

    Unchanged exercises keep the library version they were prescribed with.
    """
    return _copy(base, changes, start_date=start_date,
                 created_by_id=created_by.id if created_by else None, source=source)


def reissue(base: ProgrammeView) -> ProgrammeVersion:
    """Save ``base``, a version scheduled ahead, again as the newest version, unchanged and
    from its own start, by whoever saved it. On any day the newest version that has started
    is in force: a version saved after ``base`` that starts sooner (the rules' change to the
    programme in force) would otherwise replace it for good, before it ever began."""
    return _copy(base, {}, start_date=base.start_date, created_by_id=base.created_by_id,
                 source=base.source)


def _copy(base: ProgrammeView, changes: Mapping[int, DoseChange], *, start_date: date,
          created_by_id: int | None, source: VersionSource) -> ProgrammeVersion:
    version = ProgrammeVersion(
        patient_id=base.patient_id, number=_next_number(base.patient_id),
        created_by_id=created_by_id, source=source,
        start_date=start_date, note=base.note, template_slug=base.template_slug,
        template_stage=base.template_stage,
    )
    for p in base.prescriptions:
        change = changes.get(p.position)
        exercise_id, exercise_version_id, side = p.exercise_id, p.exercise_version_id, p.side
        sets, reps, hold = p.sets, p.reps, p.hold_seconds
        if change is not None:
            sets, reps, hold = change.sets, change.reps, change.hold_seconds
            if change.exercise_id is not None and change.exercise_version_id is not None:
                exercise_id, exercise_version_id = change.exercise_id, change.exercise_version_id
                side = change.side or side
        version.prescriptions.append(Prescription(
            position=p.position, exercise_id=exercise_id, exercise_version_id=exercise_version_id,
            sets=sets, reps=reps, hold_seconds=hold, rest_seconds=p.rest_seconds,
            tempo=p.tempo, side=side, load_note=p.load_note, weekdays=p.weekdays,
            sessions_per_week=p.sessions_per_week,
        ))
    db.session.add(version)
    db.session.flush()
    record_stages(version.patient_id)
    return version


def repeats(
    version: ProgrammeView,
    *,
    start_date: date,
    note: str,
    rows: Sequence[PrescriptionValues],
    exercise_versions: Mapping[str, int],
    template_slug: str | None,
    template_stage: int | None,
) -> bool:
    """Whether saving ``rows`` after ``version``, the newest, would change nothing on any day.

    The same exercises (``exercise_versions``: each slug's library version, which a save
    prescribes) in the same order with the same dose, side, tempo, rest, load note and
    schedule; the same note and template stage; and a start on or after ``version``'s, when
    it is in force already: the newest version that has started is the one in force. A start
    before it is a change (a version scheduled ahead brought forward)."""
    return (
        version.start_date <= start_date and version.note == note
        and (version.template_slug, version.template_stage) == (template_slug, template_stage)
        and [(p.exercise_version_id, p.sets, p.reps, p.hold_seconds, p.rest_seconds, p.side,
              p.tempo, p.load_note, p.weekdays, p.sessions_per_week)
             for p in version.prescriptions]
        == [(exercise_versions.get(row.slug), row.sets, row.reps, row.hold_seconds,
             row.rest_seconds, row.side, row.tempo, row.load_note, row.weekdays,
             row.sessions_per_week) for row in rows]
    )


def save_programme(
    patient: User,
    physio: User,
    *,
    start_date: date,
    note: str,
    rows: Sequence[PrescriptionValues],
    template_slug: str | None = None,
    template_stage: int | None = None,
    based_on: int | None = None,
) -> ProgrammeVersion | None:
    """Save the patient's programme as a new version; earlier versions stay as they were.

    ``based_on`` is the number of the newest version when the editor was opened (0 for none):
    if another version was saved since (by the rules, say, stepping a dose down), saving would
    silently undo it, so ``ProgrammeChanged`` is raised instead. If it is still the newest and
    the editor's save ``repeats`` it, nothing is written and None is returned: an identical
    version would add to the programme's history without changing what the patient does."""
    lock_patient(patient.id)
    if based_on is not None:
        newest = _next_number(patient.id) - 1
        if newest != based_on:
            # Who saved the versions since: the rules' change to the programme in force saves
            # a version scheduled ahead again under its own physio (``reissue``).
            by = set(db.session.scalars(select(ProgrammeVersion.created_by_id).where(
                ProgrammeVersion.patient_id == patient.id, ProgrammeVersion.number > based_on)))
            who = ("by the progression rules" if None in by
                   else "by you (sent twice?)" if by == {physio.id} else "by another physio")
            raise ProgrammeChanged(
                f"The programme changed while you were editing it: version {newest} was saved "
                f"{who} since you opened the editor. Open the editor again to start from it.")
    slugs = {row.slug for row in rows}
    exercises = {
        exercise.slug: (exercise, version_id)
        for exercise, version_id in db.session.execute(
            select(LibraryExercise, LibraryExerciseVersion.id)
            .join(LibraryExerciseVersion,
                  (LibraryExerciseVersion.exercise_id == LibraryExercise.id)
                  & (LibraryExerciseVersion.version == LibraryExercise.version))
            .where(LibraryExercise.slug.in_(slugs), LibraryExercise.retired_at.is_(None))
        )
    }
    missing = slugs - exercises.keys()
    if missing:
        raise UnknownExercise(", ".join(sorted(missing)))
    if based_on and repeats(
            versions(patient.id)[-1], start_date=start_date, note=note, rows=rows,
            exercise_versions={slug: found[1] for slug, found in exercises.items()},
            template_slug=template_slug, template_stage=template_stage):
        return None
    version = ProgrammeVersion(
        patient_id=patient.id, number=_next_number(patient.id), created_by_id=physio.id,
        start_date=start_date, note=note, template_slug=template_slug,
        template_stage=template_stage,
    )
    for position, row in enumerate(rows, start=1):
        exercise, version_id = exercises[row.slug]
        version.prescriptions.append(Prescription(
            position=position, exercise_id=exercise.id, exercise_version_id=version_id,
            sets=row.sets, reps=row.reps, hold_seconds=row.hold_seconds,
            rest_seconds=row.rest_seconds, tempo=row.tempo, side=row.side,
            load_note=row.load_note, weekdays=row.weekdays,
            sessions_per_week=row.sessions_per_week,
        ))
    db.session.add(version)
    db.session.flush()
    record_stages(version.patient_id)
    return version
