"""Load a validated library into the database: idempotent, by stable id, never breaking history.

Published content is append-only: a changed exercise gets a new version row and the old one
stays, so sessions logged against it still show what was done. Exercises that left the files
are retired, not deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    LibraryExercise,
    LibraryExerciseTag,
    LibraryExerciseVersion,
    LibraryLadder,
    LibraryProgramme,
    TagKind,
    now_utc,
)
from .loader import Library, LibraryError, Problem
from .schema import Exercise


class _Retirable(Protocol):
    retired_at: datetime | None


@dataclass
class SyncReport:
    """What a sync did, by kind of object."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        """Return a one-line summary such as 'created 3, updated 1, retired 0, unchanged 60'."""
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"retired {len(self.retired)}, unchanged {self.unchanged}"
        )


def _set_tags(row: LibraryExercise, exercise: Exercise) -> None:
    """Make the row's tags match the exercise, keeping the rows that stay."""
    wanted = (
        {(TagKind.TARGET, str(t)) for t in exercise.targets}
        | {(TagKind.EQUIPMENT, str(e)) for e in exercise.equipment}
        | {(TagKind.PRECAUTION, str(p)) for p in exercise.precautions}
    )
    row.tags = [tag for tag in row.tags if (tag.kind, tag.value) in wanted]
    have = {(tag.kind, tag.value) for tag in row.tags}
    for kind, value in sorted(wanted - have):
        row.tags.append(LibraryExerciseTag(kind=kind, value=value))


def _retire(rows: Mapping[str, _Retirable], kept: Collection[str], kind: str,
            report: SyncReport, now: datetime) -> None:
    """Retire (never delete) what left the files, so history keeps pointing at it."""
    for slug, row in sorted(rows.items()):
        if slug not in kept and row.retired_at is None:
            row.retired_at = now
            report.retired.append(f"{kind} {slug}")


def _apply(row: LibraryExercise, exercise: Exercise, digest: str, now: datetime) -> None:
    row.version = exercise.version
    row.content_hash = digest
    row.name = exercise.name
    row.summary = exercise.summary
    row.family = str(exercise.family)
    row.level = exercise.level
    row.position = str(exercise.position)
    row.sides = str(exercise.sides)
    row.ladder_slug = exercise.ladder.id
    row.rung = exercise.ladder.rung
    row.data = exercise.model_dump(mode="json", by_alias=True)
    row.retired_at = None
    row.updated_at = now
    _set_tags(row, exercise)


def _sync_exercises(session: Session, library: Library, report: SyncReport, now: datetime) -> None:
    rows = {row.slug: row for row in session.scalars(select(LibraryExercise))}
    problems = []
    for slug, exercise in sorted(library.exercises.items()):
        digest = library.exercise_hashes[slug]
        row = rows.get(slug)
        if row is None:
            row = LibraryExercise(slug=slug, tags=[])
            _apply(row, exercise, digest, now)
            session.add(row)
            report.created.append(f"exercise {slug}")
        elif row.content_hash != digest or row.retired_at is not None:
            if row.content_hash != digest and exercise.version <= row.version:
                problems.append(Problem(
                    f"{exercise.family}/{slug}.yaml", "version",
                    f"the content changed but version is still {exercise.version}; "
                    f"publish it as version {row.version + 1} or higher",
                ))
                continue
            _apply(row, exercise, digest, now)
            report.updated.append(f"exercise {slug}")
        else:
            report.unchanged += 1
            continue
        session.flush()
        known = session.scalar(select(LibraryExerciseVersion.id).where(
            LibraryExerciseVersion.exercise_id == row.id,
            LibraryExerciseVersion.version == exercise.version,
        ))
        if known is None:
            session.add(LibraryExerciseVersion(
                exercise_id=row.id, version=exercise.version, content_hash=digest,
                data=row.data, created_at=now,
            ))
    if problems:
        raise LibraryError(problems)
    _retire(rows, library.exercises.keys(), "exercise", report, now)


def _sync_ladders(session: Session, library: Library, report: SyncReport, now: datetime) -> None:
    rows = {row.slug: row for row in session.scalars(select(LibraryLadder))}
    for slug, ladder in sorted(library.ladders.items()):
        row = rows.get(slug)
        values = (ladder.name, str(ladder.family), ladder.description)
        if row is None:
            session.add(LibraryLadder(slug=slug, name=values[0], family=values[1],
                                      description=values[2]))
            report.created.append(f"ladder {slug}")
        elif (row.name, row.family, row.description) != values or row.retired_at is not None:
            row.name, row.family, row.description = values
            row.retired_at = None
            report.updated.append(f"ladder {slug}")
        else:
            report.unchanged += 1
    _retire(rows, library.ladders.keys(), "ladder", report, now)


def _sync_programmes(
    session: Session, library: Library, report: SyncReport, now: datetime
) -> None:
    rows = {row.slug: row for row in session.scalars(select(LibraryProgramme))}
    for slug, programme in sorted(library.programmes.items()):
        digest = library.programme_hashes[slug]
        row = rows.get(slug)
        data = programme.model_dump(mode="json", by_alias=True)
        if row is None:
            session.add(LibraryProgramme(
                slug=slug, version=programme.version, content_hash=digest,
                name=programme.name, data=data, updated_at=now,
            ))
            report.created.append(f"programme {slug}")
        elif row.content_hash != digest or row.retired_at is not None:
            row.version, row.content_hash, row.name, row.data = (
                programme.version, digest, programme.name, data,
            )
            row.retired_at = None
            row.updated_at = now
            report.updated.append(f"programme {slug}")
        else:
            report.unchanged += 1
    _retire(rows, library.programmes.keys(), "programme", report, now)


def sync_library(session: Session, library: Library) -> SyncReport:
    """Bring the database in line with ``library``; add and flush, never commit."""
    report = SyncReport()
    now = now_utc()
    _sync_ladders(session, library, report, now)
    _sync_exercises(session, library, report, now)
    _sync_programmes(session, library, report, now)
    session.flush()
    return report
