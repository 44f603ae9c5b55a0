"""Reads for the library pages. Each page needs a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import defer, selectinload

from ..extensions import db
from ..models import LibraryExercise, LibraryExerciseTag, LibraryLadder, LibraryProgramme, TagKind

# List pages show cards: tags (one extra query for all rows), never the large content column.
CARD_OPTIONS = (defer(LibraryExercise.data), selectinload(LibraryExercise.tags))


def _has_tag(kind: TagKind, *values: str):
    """Whether the exercise has a tag of ``kind`` with any of ``values``."""
    return exists().where(
        LibraryExerciseTag.exercise_id == LibraryExercise.id,
        LibraryExerciseTag.kind == kind,
        LibraryExerciseTag.value.in_(values),
    )


def search_exercises(criteria: dict[str, Any]) -> list[LibraryExercise]:
    """Published exercises matching every given filter, in family and ladder order."""
    query = (
        select(LibraryExercise).options(*CARD_OPTIONS)
        .where(LibraryExercise.retired_at.is_(None))
    )
    if text := criteria.get("q"):
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(LibraryExercise.name.ilike(f"%{escaped}%", escape="\\"))
    for name in ("family", "position"):
        if value := criteria.get(name):
            query = query.where(getattr(LibraryExercise, name) == value)
    if level := criteria.get("level"):
        query = query.where(LibraryExercise.level == int(level))
    if target := criteria.get("target"):
        query = query.where(_has_tag(TagKind.TARGET, target))
    if equipment := criteria.get("equipment"):
        query = query.where(_has_tag(TagKind.EQUIPMENT, equipment))
    if avoid := criteria.get("avoid"):  # unsuitable for any of them
        query = query.where(~_has_tag(TagKind.PRECAUTION, *avoid))
    query = query.order_by(
        LibraryExercise.family, LibraryExercise.ladder_slug, LibraryExercise.rung
    )
    return list(db.session.scalars(query))


def exercise_by_slug(slug: str) -> LibraryExercise | None:
    return db.session.scalar(
        select(LibraryExercise).options(selectinload(LibraryExercise.tags))
        .where(LibraryExercise.slug == slug)
    )


def ladder_with_rungs(ladder_slug: str) -> tuple[LibraryLadder | None, list[LibraryExercise]]:
    """The ladder and its published exercises, easiest first (two queries)."""
    ladder = db.session.scalar(select(LibraryLadder).where(LibraryLadder.slug == ladder_slug))
    rungs = list(db.session.scalars(
        select(LibraryExercise).options(*CARD_OPTIONS)
        .where(LibraryExercise.ladder_slug == ladder_slug, LibraryExercise.retired_at.is_(None))
        .order_by(LibraryExercise.rung)
    ))
    return ladder, rungs


def programmes() -> list[LibraryProgramme]:
    return list(db.session.scalars(
        select(LibraryProgramme).where(LibraryProgramme.retired_at.is_(None))
        .order_by(LibraryProgramme.name)
    ))


def programme_by_slug(slug: str) -> LibraryProgramme | None:
    return db.session.scalar(
        select(LibraryProgramme).where(
            LibraryProgramme.slug == slug, LibraryProgramme.retired_at.is_(None)
        )
    )


def exercises_by_slugs(slugs: set[str]) -> dict[str, LibraryExercise]:
    rows = db.session.scalars(
        select(LibraryExercise).options(selectinload(LibraryExercise.tags))
        .where(LibraryExercise.slug.in_(slugs))
    )
    return {row.slug: row for row in rows}


def names_by_slugs(slugs: set[str]) -> dict[str, str]:
    """Exercises' names by their slugs (one query; none without slugs)."""
    if not slugs:
        return {}
    rows = db.session.execute(select(LibraryExercise.slug, LibraryExercise.name)
                              .where(LibraryExercise.slug.in_(sorted(slugs))))
    return {slug: name for slug, name in rows}
