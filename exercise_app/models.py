"""Typed SQLAlchemy 2 models. Every table is created by a migration in ``migrations/``."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .domain.progression import FLARE_KINDS
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


# Programmes and sessions ----------------------------------------------------------------------

PAIN_CHECK = "BETWEEN 0 AND 10"
NOTE_MAX = 2000


class PatientPrecaution(db.Model):
    """A condition the physio recorded for a patient; unsuitable exercises are flagged."""

    __tablename__ = "patient_precautions"

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    precaution: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


def _enum(kind: type[StrEnum], length: int) -> Enum:
    return Enum(kind, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda items: [i.value for i in items])


class VersionSource(StrEnum):
    PHYSIO = "physio"  # saved in the programme editor
    RULES = "rules"  # a progression decision, applied by itself or approved by the physio
    OVERRIDE = "override"  # the physio replaced a decision's dose with their own


class ProgrammeVersion(db.Model):
    """One version of a patient's programme. Changing a programme adds a version; the highest
    number is current. Versions are never edited after they are saved."""

    __tablename__ = "programme_versions"
    __table_args__ = (UniqueConstraint("patient_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int]
    # The physio who saved it; None when the progression rules applied a decision by themselves.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[VersionSource] = mapped_column(
        _enum(VersionSource, 12), default=VersionSource.PHYSIO, server_default="physio"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    start_date: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    template_slug: Mapped[str | None] = mapped_column(String(80))
    template_stage: Mapped[int | None]

    prescriptions: Mapped[list[Prescription]] = relationship(
        order_by="Prescription.position", cascade="all, delete-orphan"
    )


class Side(StrEnum):
    BOTH = "both"  # both legs together, or no side
    EACH = "each"  # one side, then the other
    LEFT = "left"
    RIGHT = "right"


class Prescription(db.Model):
    """One exercise of a programme version, with its dose and schedule."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        CheckConstraint("sets BETWEEN 1 AND 10", name="sets_range"),
        CheckConstraint("reps IS NULL OR reps BETWEEN 1 AND 100", name="reps_range"),
        CheckConstraint(
            "hold_seconds IS NULL OR hold_seconds BETWEEN 1 AND 600", name="hold_range"
        ),
        CheckConstraint("reps IS NOT NULL OR hold_seconds IS NOT NULL", name="reps_or_hold"),
        CheckConstraint("rest_seconds BETWEEN 0 AND 600", name="rest_range"),
        CheckConstraint("weekdays BETWEEN 1 AND 127", name="weekdays_mask"),
        UniqueConstraint("programme_version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_version_id: Mapped[int] = mapped_column(
        ForeignKey("programme_versions.id"), index=True
    )
    position: Mapped[int]
    exercise_id: Mapped[int] = mapped_column(ForeignKey("library_exercises.id"))
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("library_exercise_versions.id"))
    sets: Mapped[int]
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    rest_seconds: Mapped[int]
    tempo: Mapped[str | None] = mapped_column(String(10))
    side: Mapped[Side] = mapped_column(
        Enum(Side, native_enum=False, create_constraint=True, length=8,
             values_callable=lambda sides: [s.value for s in sides])
    )
    load_note: Mapped[str] = mapped_column(String(200), default="")
    # A 7-bit mask, bit 0 = Monday: the weekdays this exercise is due.
    weekdays: Mapped[int]
    sessions_per_week: Mapped[int | None]

    exercise_version: Mapped[LibraryExerciseVersion] = relationship()


class SessionOutcome(StrEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    STOPPED = "stopped"
    SKIPPED = "skipped"  # every exercise skipped (migration 0011)


class ExerciseSession(db.Model):
    """A routine the patient did (or started) on one day, with pain scores."""

    __tablename__ = "exercise_sessions"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        CheckConstraint(f"pain_before {PAIN_CHECK}", name="pain_before_range"),
        CheckConstraint(f"pain_during {PAIN_CHECK}", name="pain_during_range"),
        CheckConstraint(f"pain_after {PAIN_CHECK}", name="pain_after_range"),
        CheckConstraint(f"effort {PAIN_CHECK}", name="effort_range"),
        CheckConstraint(
            f"next_morning_pain IS NULL OR next_morning_pain {PAIN_CHECK}",
            name="next_morning_pain_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    programme_version_id: Mapped[int] = mapped_column(ForeignKey("programme_versions.id"))
    client_id: Mapped[str] = mapped_column(String(36))
    payload_hash: Mapped[str] = mapped_column(String(64))
    local_date: Mapped[date]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pain_before: Mapped[int]
    pain_during: Mapped[int]  # the worst during the session
    pain_after: Mapped[int]
    effort: Mapped[int]
    outcome: Mapped[SessionOutcome] = mapped_column(
        Enum(SessionOutcome, native_enum=False, create_constraint=True, length=12,
             values_callable=lambda items: [i.value for i in items])
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    next_morning_pain: Mapped[int | None]
    next_morning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    logs: Mapped[list[ExerciseLog]] = relationship(
        order_by="ExerciseLog.position", cascade="all, delete-orphan"
    )


Index("ix_exercise_sessions_patient_day", ExerciseSession.patient_id, ExerciseSession.local_date)


class LogStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    STOPPED = "stopped"  # "stop: this hurts"


class SkipReason(StrEnum):
    PAIN = "pain"
    NO_TIME = "no-time"
    TOO_HARD = "too-hard"
    NO_EQUIPMENT = "no-equipment"
    UNWELL = "unwell"
    OTHER = "other"


class StopReason(StrEnum):
    PAIN_OVER_5 = "pain-over-5"
    PAIN_RISING = "pain-rising"  # rising rep by rep (clinical.md, "Stop this exercise")
    SHARP = "sharp-or-giving-way"
    PINS_AND_NEEDLES = "pins-and-needles"
    SPREADING = "spreading-leg-pain"
    OTHER = "other"


class ExerciseLog(db.Model):
    """What was done of one prescribed exercise in a session."""

    __tablename__ = "exercise_logs"
    __table_args__ = (
        UniqueConstraint("session_id", "prescription_id"),
        CheckConstraint("sets_done BETWEEN 0 AND 10", name="sets_done_range"),
        CheckConstraint("reps_done IS NULL OR reps_done BETWEEN 0 AND 1000",
                        name="reps_done_range"),
        CheckConstraint("reps_done_other_side IS NULL OR reps_done_other_side BETWEEN 0 AND 1000",
                        name="reps_other_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exercise_sessions.id"), index=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("library_exercise_versions.id"))
    position: Mapped[int]
    status: Mapped[LogStatus] = mapped_column(_enum(LogStatus, 10))
    sets_done: Mapped[int]
    # Total reps over all sets; for one-side-then-the-other exercises, the left side here
    # and the right side in reps_done_other_side.
    reps_done: Mapped[int | None]
    reps_done_other_side: Mapped[int | None]
    skip_reason: Mapped[SkipReason | None] = mapped_column(_enum(SkipReason, 16))
    stop_reason: Mapped[StopReason | None] = mapped_column(_enum(StopReason, 24))


# ---------------------------------------------------------------------------------------------
# Progression: settings per patient, runs of the rules, their decisions and the physio's reviews.
# Settings, runs, decisions and reviews are only ever added, never edited: together they are
# the audit trail of how a programme moved and who decided.


class ProgressionMode(StrEnum):
    AUTO = "auto"  # decisions apply by themselves (the default)
    APPROVE = "approve"  # progressions wait for the physio; step-downs still apply at once


class ProgressionSettings(db.Model):
    """One saved set of a patient's progression settings; the newest row is in force."""

    __tablename__ = "progression_settings"
    __table_args__ = (
        CheckConstraint(f"baseline_pain IS NULL OR baseline_pain {PAIN_CHECK}",
                        name="baseline_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mode: Mapped[ProgressionMode] = mapped_column(_enum(ProgressionMode, 8))
    baseline_pain: Mapped[int | None]
    thresholds: Mapped[dict[str, int]] = mapped_column(JSON)  # only the changed ones
    locked: Mapped[list[str]] = mapped_column(JSON)  # exercise slugs whose dose is fixed
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class RunTrigger(StrEnum):
    SESSION = "session"  # a session was logged or corrected
    MORNING = "morning"  # next-morning pain was recorded


class ProgressionRun(db.Model):
    """One run of the rules over a patient's programme, with the inputs it read."""

    __tablename__ = "progression_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    trigger: Mapped[RunTrigger] = mapped_column(_enum(RunTrigger, 8))
    session_id: Mapped[int] = mapped_column(ForeignKey("exercise_sessions.id"))
    programme_version_id: Mapped[int] = mapped_column(ForeignKey("programme_versions.id"))
    settings_id: Mapped[int | None] = mapped_column(ForeignKey("progression_settings.id"))
    # What the rules read: baseline and where it came from, every threshold, the sessions.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The version the run's changes were saved as, when it changed anything by itself.
    applied_version_id: Mapped[int | None] = mapped_column(ForeignKey("programme_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    decisions: Mapped[list[ProgressionDecision]] = relationship(
        order_by="ProgressionDecision.position", back_populates="run",
        foreign_keys="ProgressionDecision.run_id",
    )


Index("ix_progression_runs_patient", ProgressionRun.patient_id, ProgressionRun.id)


class RunReplacement(db.Model):
    """A run made instead of an earlier one: the answers that run read were changed (a
    morning check-in put right, a log corrected) before anything else happened, so the rules
    decided again from where it started, and its decisions no longer count. A correction made
    after the morning check-in replaces both the log's run and the morning's."""

    __tablename__ = "progression_run_replacements"

    # Each run is replaced at most once; the key serves the "is this run replaced" probes.
    replaced_run_id: Mapped[int] = mapped_column(ForeignKey("progression_runs.id"),
                                                 primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("progression_runs.id"), index=True)


class DecisionStatus(StrEnum):
    APPLIED = "applied"  # saved into a new programme version by itself
    PENDING = "pending"  # waits for the physio (approval mode)
    NO_CHANGE = "no_change"  # hold, not enough data, resume: nothing to apply
    LOCKED = "locked"  # the physio fixed this exercise's dose, so it was not applied


class ProgressionDecision(db.Model):
    """What the rules decided for one prescribed exercise in one run."""

    __tablename__ = "progression_decisions"
    __table_args__ = (
        UniqueConstraint("run_id", "prescription_id"),
        CheckConstraint("new_sets BETWEEN 1 AND 10", name="new_sets_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("progression_runs.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    position: Mapped[int]
    exercise_slug: Mapped[str] = mapped_column(String(80))
    exercise_name: Mapped[str] = mapped_column(String(80))
    ladder_slug: Mapped[str] = mapped_column(String(80))
    day: Mapped[date | None]  # the day of the latest session the rules read
    kind: Mapped[str] = mapped_column(String(20))  # domain.progression.DecisionKind
    reasons: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    old_sets: Mapped[int]
    old_reps: Mapped[int | None]
    old_hold_seconds: Mapped[int | None]
    new_sets: Mapped[int]
    new_reps: Mapped[int | None]
    new_hold_seconds: Mapped[int | None]
    new_exercise_slug: Mapped[str | None] = mapped_column(String(80))
    alert_physio: Mapped[bool]
    sentence: Mapped[str] = mapped_column(Text)
    status: Mapped[DecisionStatus] = mapped_column(_enum(DecisionStatus, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    run: Mapped[ProgressionRun] = relationship(back_populates="decisions")
    review: Mapped[DecisionReview | None] = relationship(back_populates="decision")


Index("ix_progression_decisions_patient", ProgressionDecision.patient_id, ProgressionDecision.id)
# The decisions later runs read back (flare-ups: domain.progression's step_down, pause_flare
# and resume), a few among the thousands a year of logging leaves. Their reads state this term,
# whose kinds reach the SQL as literals, never as bound values: only then can SQLite (which
# matches the term itself) and PostgreSQL's generic plans use the partial index below, instead
# of walking the patient's whole history of decisions.
FLARE_DECISION_KINDS = tuple(kind.value for kind in FLARE_KINDS)
FLARE_DECISION = ProgressionDecision.kind.in_(bindparam(
    "flare_kinds", list(FLARE_DECISION_KINDS), expanding=True, literal_execute=True))
Index("ix_progression_decisions_flare", ProgressionDecision.patient_id, ProgressionDecision.id,
      sqlite_where=FLARE_DECISION, postgresql_where=FLARE_DECISION)
# A decision of a run made again (``RunReplacement``): it no longer counts. Looked up by the
# replacements' primary key, one probe per decision read.
REPLACED_DECISION = select(RunReplacement.replaced_run_id).where(
    RunReplacement.replaced_run_id == ProgressionDecision.run_id).exists()
# Likewise the decisions waiting for the physio's approval (none, for most patients).
PENDING_DECISION = ProgressionDecision.status == bindparam(
    "pending_status", DecisionStatus.PENDING, literal_execute=True)
Index("ix_progression_decisions_pending", ProgressionDecision.patient_id, ProgressionDecision.id,
      sqlite_where=PENDING_DECISION, postgresql_where=PENDING_DECISION)


class ReviewAction(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    OVERRIDDEN = "overridden"


class DecisionReview(db.Model):
    """A physio's answer to one decision: approve, reject, or replace its dose. One each."""

    __tablename__ = "decision_reviews"
    __table_args__ = (
        CheckConstraint("sets IS NULL OR sets BETWEEN 1 AND 10", name="sets_range"),
        CheckConstraint("reps IS NULL OR reps BETWEEN 1 AND 100", name="reps_range"),
        CheckConstraint("hold_seconds IS NULL OR hold_seconds BETWEEN 1 AND 600",
                        name="hold_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("progression_decisions.id"), unique=True)
    action: Mapped[ReviewAction] = mapped_column(_enum(ReviewAction, 10))
    note: Mapped[str] = mapped_column(Text, default="")
    sets: Mapped[int | None]  # the physio's dose, for an override
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    programme_version_id: Mapped[int | None] = mapped_column(ForeignKey("programme_versions.id"))
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    decision: Mapped[ProgressionDecision] = relationship(back_populates="review")
    reviewed_by: Mapped[User] = relationship(foreign_keys=[reviewed_by_id])


# ---------------------------------------------------------------------------------------------
# Safety and triage: red-flag screens, alerts with the physio's actions, notes to the patient,
# a per-patient summary for the caseload page, and the audit log of physio and admin access.


class ScreeningOccasion(StrEnum):
    ONBOARDING = "onboarding"
    WEEKLY = "weekly"
    PAIN_JUMP = "pain_jump"


class Screening(db.Model):
    """A patient's answers to one red-flag screen (never edited)."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occasion: Mapped[ScreeningOccasion] = mapped_column(_enum(ScreeningOccasion, 12))
    answers: Mapped[dict[str, bool]] = mapped_column(JSON)
    flagged: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[str | None] = mapped_column(String(16))  # domain.red_flags.Urgency
    local_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


Index("ix_screenings_patient", Screening.patient_id, Screening.id)


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # seen, still being dealt with
    RESOLVED = "resolved"  # dealt with; stays in the history


class Alert(db.Model):
    """Something a physio should look at, from the alert rules; one per (patient, code, day)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("patient_id", "code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    level: Mapped[str] = mapped_column(String(10))  # domain.alerts.AlertLevel
    code: Mapped[str] = mapped_column(String(24))  # domain.alerts.AlertCode
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    day: Mapped[date]  # the day of the evidence (the day it was raised when there is none)
    status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus, 12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    actions: Mapped[list[AlertAction]] = relationship(order_by="AlertAction.id")


Index("ix_alerts_patient_status", Alert.patient_id, Alert.status)


class AlertAction(db.Model):
    """A physio acknowledging or resolving an alert, with their note."""

    __tablename__ = "alert_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus, 12))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    by: Mapped[User] = relationship()


class PatientMessage(db.Model):
    """A short note from the physio that the patient reads on Today."""

    __tablename__ = "patient_messages"
    __table_args__ = (CheckConstraint("length(text) > 0", name="text_not_empty"),
                      UniqueConstraint("patient_id", "client_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The id of the form the note was sent from: one sent twice (a double click, a retry) is
    # stored once. Notes from before it was kept have none.
    client_id: Mapped[str | None] = mapped_column(String(36))

    author: Mapped[User] = relationship(foreign_keys=[author_id])


Index("ix_patient_messages_patient", PatientMessage.patient_id, PatientMessage.id)


class PatientSummary(db.Model):
    """What the caseload page needs about a patient, kept up to date on every write, so the
    page reads one row per patient whatever the length of their history."""

    __tablename__ = "patient_summaries"

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_session_date: Mapped[date | None]
    baseline_pain: Mapped[int | None]
    # Exercises due and done per day (29 days back to 14 ahead) and the day's worst pain, one
    # character a day, plus the adherence of the day it was written: triage.signals.summary_days
    days: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Copied out of ``days`` and the alerts, so that the caseload sorts hundreds of patients on
    # plain columns: the patient's day the summary was written and its adherence then, and the
    # open (or acknowledged) alerts by level, recounted whenever an alert is raised or acted on.
    summary_on: Mapped[date | None]
    adherence_7: Mapped[int | None]
    adherence_28: Mapped[int | None]
    open_critical: Mapped[int] = mapped_column(default=0, server_default="0")
    open_high: Mapped[int] = mapped_column(default=0, server_default="0")
    open_low: Mapped[int] = mapped_column(default=0, server_default="0")
    # What the caseload shows of the patient besides: their most urgent open alerts, as
    # [id, level, reason] (domain.alerts.open_alert_digest, written with the counts), and the
    # programme versions that can still be in force (domain.stages, written with every new
    # version: summaries.record_stages).
    open_alerts: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    programme_stages: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                        server_default="[]")
    # The newest progression run's decisions as Today tells the patient about them, with the
    # physio's reviews (progression.present.note_facts): written by every run and every review
    # (progression.operations), and by the refresh when still None (not recorded yet).
    run_notes: Mapped[list[Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class AuditAction(StrEnum):
    READ = "read"
    CHANGE = "change"


class AuditEvent(db.Model):
    """One physio or admin access to a patient's record: who, what, when (never note text)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, 8))
    what: Mapped[str] = mapped_column(String(80))  # the endpoint, e.g. progression.override
    object_id: Mapped[int | None]
    status: Mapped[int]  # the HTTP status the request ended with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    patient: Mapped[User | None] = relationship(foreign_keys=[patient_id])


Index("ix_audit_events_clinic", AuditEvent.clinic_id, AuditEvent.id)


class QueuedMail(db.Model):
    """An e-mail that must reach someone (a critical alert's), queued in the same transaction
    as what it tells of and sent straight after; one the mail server refused waits and is
    tried again (``domain.mail_retry``) by ``flask mail send-pending``. It names no patient,
    as the message does not: the clinic is kept to show its admins what is still waiting."""

    __tablename__ = "queued_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # When a sender may next try it: now when queued; after a failure, the wait; while a
    # sender has it, the end of its claim (``domain.mail_retry.CLAIM``).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)  # failed ones
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_queued_mails_waiting", QueuedMail.sent_at, QueuedMail.next_attempt_at)
Index("ix_queued_mails_clinic", QueuedMail.clinic_id, QueuedMail.sent_at)


APPEND_ONLY = (ProgressionSettings, ProgressionRun, ProgressionDecision, DecisionReview, Screening,
               AlertAction, PatientMessage, AuditEvent)


@event.listens_for(Session, "before_flush")
def _refuse_rewriting_the_audit_trail(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse to change or delete a saved progression record: they are an audit trail."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, APPEND_ONLY) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AuditTrailError(f"{type(obj).__name__} rows are never changed once saved")


class AuditTrailError(RuntimeError):
    """Code tried to rewrite a record of the audit trail."""
