"""Typed SQLAlchemy 2 models. Every table is created by a migration in ``migrations/``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def now_utc() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_session_token() -> str:
    """Return a fresh random token that identifies one generation of a user's sessions."""
    return secrets.token_urlsafe(32)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Role(StrEnum):
    PATIENT = "patient"
    PHYSIO = "physio"
    ADMIN = "admin"


EMAIL_MAX = 254
NAME_MAX = 100


class Clinic(db.Model):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class User(db.Model):
    """A person who signs in: a patient, a physio or a clinic admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("length(display_name) > 0", name="display_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    # Stored lower-cased, so the unique constraint makes e-mails unique case-insensitively.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, create_constraint=True, length=16,
             values_callable=lambda roles: [r.value for r in roles])
    )
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Flask-Login's id for this user: rotating it signs out every existing session.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    clinic: Mapped[Clinic] = relationship()

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.password_hash is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_clinician(self) -> bool:
        return self.role in (Role.PHYSIO, Role.ADMIN)

    @property
    def has_accepted(self) -> bool:
        return self.password_hash is not None


class CareRelationship(db.Model):
    """A patient's one responsible physio, in one clinic."""

    __tablename__ = "care_relationships"

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    physio_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    physio: Mapped[User] = relationship(foreign_keys=[physio_id])


class Invitation(db.Model):
    """A single-use link that lets an invited person set their password. Only a hash is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PasswordReset(db.Model):
    """A single-use password-reset link. Only a hash of the token is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()




# The exercise library -------------------------------------------------------------------------


class LibraryExercise(db.Model):
    """An exercise of the library, as currently published, found by its stable slug.

    ``data`` holds the whole validated file. Every published content is also kept in
    ``LibraryExerciseVersion`` so history shows an exercise as it was when it was done.
    """

    __tablename__ = "library_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[int]
    position: Mapped[str] = mapped_column(String(32))
    sides: Mapped[str] = mapped_column(String(8))
    ladder_slug: Mapped[str] = mapped_column(String(80), index=True)
    rung: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    tags: Mapped[list[LibraryExerciseTag]] = relationship(
        cascade="all, delete-orphan", order_by="LibraryExerciseTag.value"
    )


class LibraryExerciseVersion(db.Model):
    """One published content of an exercise; never changed once written."""

    __tablename__ = "library_exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("library_exercises.id"), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class TagKind(StrEnum):
    TARGET = "target"
    EQUIPMENT = "equipment"
    PRECAUTION = "precaution"


class LibraryExerciseTag(db.Model):
    """A target, piece of equipment or precaution of an exercise, for filtering in SQL."""

    __tablename__ = "library_exercise_tags"

    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("library_exercises.id"), primary_key=True
    )
    kind: Mapped[TagKind] = mapped_column(
        Enum(TagKind, native_enum=False, create_constraint=True, length=16,
             values_callable=lambda kinds: [k.value for k in kinds]),
        primary_key=True,
    )
    value: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class LibraryLadder(db.Model):
    __tablename__ = "library_ladders"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    family: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LibraryProgramme(db.Model):
    """A programme template: stages of exercises with their dose and criteria to move on."""

    __tablename__ = "library_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
