"""Reads about programmes that physio and patient pages share."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db, read_rows
from ..models import (
    ExerciseSession,
    LibraryExercise,
    LibraryExerciseTag,
    PatientPrecaution,
    Prescription,
    ProgrammeVersion,
    Side,
    TagKind,
    VersionSource,
)


@dataclass(frozen=True)
class ExerciseVersionView:
    data: dict[str, Any]


@dataclass(frozen=True)
class PrescriptionView:
    """A prescription as saved, with the exercise content it was prescribed with."""

    id: int
    position: int
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    tempo: str | None
    side: Side
    load_note: str
    weekdays: int
    sessions_per_week: int | None
    exercise_id: int
    exercise_version_id: int
    exercise_version: ExerciseVersionView


@dataclass(frozen=True)
class ProgrammeView:
    """A saved programme version. Versions never change once saved, so views are cached."""

    id: int
    patient_id: int
    number: int
    start_date: date
    source: VersionSource
    note: str
    template_slug: str | None
    template_stage: int | None
    prescriptions: tuple[PrescriptionView, ...]
    created_by_id: int | None = None  # the physio who saved it; None for the rules' own


CACHE_SIZE = 4096  # programme versions kept per worker; each is a few kilobytes


def _view(version: ProgrammeVersion) -> ProgrammeView:
    return ProgrammeView(
        id=version.id, patient_id=version.patient_id, number=version.number,
        start_date=version.start_date, source=version.source, note=version.note,
        template_slug=version.template_slug,
        template_stage=version.template_stage, created_by_id=version.created_by_id,
        prescriptions=tuple(
            PrescriptionView(
                id=p.id, position=p.position, sets=p.sets, reps=p.reps,
                hold_seconds=p.hold_seconds, rest_seconds=p.rest_seconds, tempo=p.tempo,
                side=p.side, load_note=p.load_note, weekdays=p.weekdays,
                sessions_per_week=p.sessions_per_week, exercise_id=p.exercise_id,
                exercise_version_id=p.exercise_version_id,
                exercise_version=ExerciseVersionView(p.exercise_version.data),
            )
            for p in version.prescriptions
        ),
    )


CacheKey = tuple[int, datetime]


def _cache() -> OrderedDict[CacheKey, ProgrammeView]:
    return current_app.extensions.setdefault("programme_versions", OrderedDict())


VersionsToken = tuple[int, int | None, datetime | None]
"""What identifies a patient's set of programme versions: how many there are, and the newest
one's id and creation time. Versions are only ever added, so a new one changes the count and
the newest id; the creation time catches a reused id (a restored or emptied database)."""


def _patient_cache() -> OrderedDict[int, tuple[VersionsToken, list[ProgrammeView]]]:
    return current_app.extensions.setdefault("programme_versions_by_patient", OrderedDict())


def versions(patient_id: int, token: VersionsToken | None = None) -> list[ProgrammeView]:
    """Every programme version of a patient, oldest first, with its exercises.

    One query for the keys; saved versions are immutable, so their contents come from a
    per-worker cache and are read from the database once (three more queries when new). The
    key includes the creation time, so a reused id (a restored or emptied database) misses.

    With ``token``, read from the database in this request (``PatientState.versions_token``),
    the patient's list is taken from the cache when it was cached under the same token: no
    query at all.
    """
    cache = _patient_cache()
    if token is not None:
        cached = cache.get(patient_id)
        if cached is not None and cached[0] == token:
            cache.move_to_end(patient_id)
            return list(cached[1])
    result, read_token = _read_versions(patient_id)
    cache[patient_id] = (read_token, list(result))
    cache.move_to_end(patient_id)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return result


VERSION_KEYS = (  # built once: only the patient changes
    select(ProgrammeVersion.id, ProgrammeVersion.created_at)
    .where(ProgrammeVersion.patient_id == bindparam("patient_id"))
    .order_by(ProgrammeVersion.number)
)


def _read_versions(patient_id: int) -> tuple[list[ProgrammeView], VersionsToken]:
    """The patient's versions (their contents from the per-version cache when there) and the
    token of that set (``VersionsToken``)."""
    keys: list[CacheKey] = [(id_, created_at) for id_, created_at in
                            read_rows(VERSION_KEYS, {"patient_id": patient_id})]
    cache = _cache()
    views = {key: cache[key] for key in keys if key in cache}
    missing = {key[0]: key for key in keys if key not in views}
    if missing:
        for version in db.session.scalars(
            select(ProgrammeVersion)
            .where(ProgrammeVersion.id.in_(missing))
            .options(selectinload(ProgrammeVersion.prescriptions)
                     .selectinload(Prescription.exercise_version))
        ):
            views[(version.id, version.created_at)] = _view(version)
    for key in keys:
        cache[key] = views[key]
        cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    newest = max(keys, default=(None, None))
    return [views[key] for key in keys], (len(keys), newest[0], newest[1])


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


def newest_number(patient_id: int) -> int:
    """The number of the patient's newest programme version; 0 when they have none."""
    return db.session.scalar(
        select(func.max(ProgrammeVersion.number)).where(ProgrammeVersion.patient_id == patient_id)
    ) or 0


def exercised_on(patient_id: int, day: date) -> bool:
    """Whether the patient logged a session on a day (their local date)."""
    return db.session.scalar(
        select(ExerciseSession.id).where(ExerciseSession.patient_id == patient_id,
                                         ExerciseSession.local_date == day).limit(1)
    ) is not None


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
