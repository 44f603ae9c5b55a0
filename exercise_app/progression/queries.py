"""Reads for the progression rules and the pages that show their decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.orm import joinedload

from ..domain.progression import DecisionKind, PastDecision
from ..extensions import db, read_rows
from ..models import (
    FLARE_DECISION,
    PENDING_DECISION,
    REPLACED_DECISION,
    DecisionReview,
    ExerciseLog,
    ExerciseSession,
    LibraryExercise,
    LibraryExerciseVersion,
    Prescription,
    ProgrammeVersion,
    ProgressionDecision,
    ProgressionRun,
    ProgressionSettings,
    RunReplacement,
    RunTrigger,
    User,
    VersionSource,
)
from .inputs import (
    BASELINE_SESSIONS,
    EngineRow,
    Rung,
    dose_of,
    ids_to_read,
    ranges_of,
    sessions_read,
)

# Past decisions that matter to later ones (flare-ups); the newest this many are read.
HISTORY_LIMIT = 200
# Decisions listed on the physio's progression page.
PAGE_DECISIONS = 60


# The reads of every progression run, built once: only their parameters change (building a
# statement, and its cache key, took longer than SQLite took to run it).
_PATIENT = bindparam("patient_id")
SETTINGS_ROW = (
    select(ProgressionSettings).where(ProgressionSettings.patient_id == _PATIENT)
    .order_by(ProgressionSettings.id.desc()).limit(1)
)
_ENGINE_COLUMNS = (
    select(ExerciseSession.id, ExerciseSession.local_date, LibraryExercise.slug,
           LibraryExercise.ladder_slug, Prescription.sets, Prescription.reps,
           Prescription.hold_seconds, ExerciseSession.pain_during,
           ExerciseSession.pain_after, ExerciseSession.next_morning_pain,
           ExerciseSession.effort, type_coerce(ExerciseLog.status, String),
           ExerciseSession.created_at, ExerciseLog.sets_done, ExerciseLog.reps_done,
           ExerciseLog.reps_done_other_side,
           # At most one of the two is set, as the status says (patient.operations).
           type_coerce(func.coalesce(ExerciseLog.skip_reason, ExerciseLog.stop_reason), String))
    .join(ExerciseLog, ExerciseLog.session_id == ExerciseSession.id)
    .join(Prescription, Prescription.id == ExerciseLog.prescription_id)
    .join(LibraryExercise, LibraryExercise.id == Prescription.exercise_id)
    .order_by(ExerciseSession.local_date, ExerciseSession.id, ExerciseLog.position)
)
ENGINE_ROWS = _ENGINE_COLUMNS.where(ExerciseSession.patient_id == _PATIENT,
                                    ExerciseSession.local_date >= bindparam("since"))
RUN_SESSION_ROWS = _ENGINE_COLUMNS.where(
    ExerciseSession.patient_id == _PATIENT,
    ExerciseSession.id.in_(bindparam("session_ids", expanding=True)))
FIRST_PAIN_BEFORE = (
    select(ExerciseSession.pain_before).where(ExerciseSession.patient_id == _PATIENT)
    .order_by(ExerciseSession.local_date, ExerciseSession.id).limit(BASELINE_SESSIONS)
)
PAST_DECISIONS = (
    select(ProgressionDecision.day, ProgressionDecision.exercise_slug,
           ProgressionDecision.ladder_slug, ProgressionDecision.kind)
    .where(ProgressionDecision.patient_id == _PATIENT, FLARE_DECISION,  # models.py says why
           ProgressionDecision.day.is_not(None), ~REPLACED_DECISION,
           ProgressionDecision.run_id.not_in(bindparam("replacing", expanding=True)))
    .order_by(ProgressionDecision.id.desc()).limit(HISTORY_LIMIT)
)
RUNGS = (
    select(LibraryExercise.slug, LibraryExercise.name, LibraryExercise.id,
           LibraryExerciseVersion.id, LibraryExercise.sides,
           LibraryExercise.data["dose"],  # the dose alone: the demo poses are large
           LibraryExercise.data["precautions"])
    .join(LibraryExerciseVersion,
          (LibraryExerciseVersion.exercise_id == LibraryExercise.id)
          & (LibraryExerciseVersion.version == LibraryExercise.version))
    .where(LibraryExercise.slug.in_(bindparam("slugs", expanding=True)),
           LibraryExercise.retired_at.is_(None))
)


def settings_row(patient_id: int) -> ProgressionSettings | None:
    """The patient's settings in force (the newest saved), or None for the defaults."""
    return db.session.scalar(SETTINGS_ROW, {"patient_id": patient_id})


def engine_rows(patient_id: int, since: date) -> list[EngineRow]:
    """Each exercise logged since a day, with its session's pain, the dose prescribed and
    what was done of it."""
    return [EngineRow._make(row) for row in
            read_rows(ENGINE_ROWS, {"patient_id": patient_id, "since": since})]


@dataclass(frozen=True)
class RecentRun:
    """One of the patient's newest progression runs, as ``run_rules`` weighs making it
    again."""

    id: int
    session_id: int
    trigger: RunTrigger
    programme_version_id: int  # the version it read
    applied_version_id: int | None  # the version it made, if it changed anything
    reviewed: bool  # the physio has answered one of its decisions
    created_at: datetime
    replaced: bool  # a run made again since stands in its place


RECENT_RUNS_READ = 8  # a session's runs made again and again within its day, and others'
RECENT_RUNS = (
    select(ProgressionRun.id, ProgressionRun.session_id, ProgressionRun.trigger,
           ProgressionRun.programme_version_id, ProgressionRun.applied_version_id,
           select(DecisionReview.id)
           .join(ProgressionDecision, ProgressionDecision.id == DecisionReview.decision_id)
           .where(ProgressionDecision.run_id == ProgressionRun.id).exists(),
           ProgressionRun.created_at,
           select(RunReplacement.run_id)
           .where(RunReplacement.replaced_run_id == ProgressionRun.id).exists())
    .where(ProgressionRun.patient_id == _PATIENT)
    .order_by(ProgressionRun.id.desc()).limit(RECENT_RUNS_READ)
)


def recent_runs(patient_id: int) -> list[RecentRun]:
    """The patient's newest progression runs, newest first (one query)."""
    return [RecentRun(*row) for row in read_rows(RECENT_RUNS, {"patient_id": patient_id})]


def runs_by_id(ids: Iterable[int]) -> dict[int, ProgressionRun]:
    """Progression runs by id (one query)."""
    return {run.id: run for run in db.session.scalars(
        select(ProgressionRun).where(ProgressionRun.id.in_(sorted(ids))))}


def run_sessions(run: ProgressionRun) -> list[dict[str, Any]]:
    """Every session a run read, whole (``inputs.sessions_read``): one query at most."""
    ids = ids_to_read(run.inputs)
    stored = [EngineRow._make(row) for row in read_rows(
        RUN_SESSION_ROWS, {"patient_id": run.patient_id, "session_ids": ids})] if ids else []
    return sessions_read(run.inputs, stored)


def first_pain_before(patient_id: int) -> list[int]:
    """Pain before the patient's first few sessions, oldest first."""
    return [pain for (pain,) in read_rows(FIRST_PAIN_BEFORE, {"patient_id": patient_id})]


def past_decisions(patient_id: int, replacing: Iterable[int] = ()) -> list[PastDecision]:
    """The step-downs, pauses and resumes the rules made for this patient, newest few; none
    of a run replaced (``replacing``: those a run being made now replaces)."""
    return [PastDecision(day, slug, ladder, DecisionKind(kind)) for day, slug, ladder, kind
            in read_rows(PAST_DECISIONS, {"patient_id": patient_id,
                                          "replacing": sorted(replacing) or [0]})]


def rungs(slugs: Iterable[str]) -> dict[str, Rung]:
    """Published library exercises by slug, at their current version (one query)."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    return {slug: Rung(slug, name, exercise_id, version_id, sides, dose_of({"dose": dose}),
                       frozenset(precautions or ()), ranges_of(dose, dose["sets"]))
            for slug, name, exercise_id, version_id, sides, dose, precautions
            in read_rows(RUNGS, {"slugs": wanted})}


@dataclass(frozen=True)
class DecisionRow:
    """A stored decision with its physio review, as the pages show it."""

    id: int
    run_id: int
    created_at: datetime
    trigger: str
    position: int
    exercise_slug: str
    exercise_name: str
    day: date | None
    kind: str
    reasons: list[str]
    evidence: dict[str, Any]
    old_dose: tuple[int, int | None, int | None]
    new_dose: tuple[int, int | None, int | None]
    new_exercise_slug: str | None
    alert_physio: bool
    sentence: str
    status: str
    review_action: str | None
    review_dose: tuple[int, int | None, int | None] | None
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    run_version_id: int  # the programme version its run read
    replaced: bool = False  # its run was made again (the answers it read were changed)


_D = ProgressionDecision
# The decision's own columns, in the order ``_decision_rows`` reads them.
_DECISION_COLUMNS = (
    _D.id, _D.run_id, _D.created_at, _D.position, _D.exercise_slug, _D.exercise_name, _D.day,
    _D.kind, _D.reasons, _D.evidence, _D.old_sets, _D.old_reps, _D.old_hold_seconds,
    _D.new_sets, _D.new_reps, _D.new_hold_seconds, _D.new_exercise_slug, _D.alert_physio,
    _D.sentence, _D.status,
)


def _with_reviews(statement):
    return (
        statement.add_columns(
            ProgressionRun.trigger, DecisionReview.action, DecisionReview.sets,
            DecisionReview.reps, DecisionReview.hold_seconds, DecisionReview.note,
            User.display_name, DecisionReview.created_at, ProgressionRun.programme_version_id,
            REPLACED_DECISION,
        )
        .join(ProgressionRun, ProgressionRun.id == ProgressionDecision.run_id)
        .outerjoin(DecisionReview, DecisionReview.decision_id == ProgressionDecision.id)
        .outerjoin(User, User.id == DecisionReview.reviewed_by_id)
    )


# Built once (the same for every request; only the parameters change).
_PATIENT = bindparam("patient_id")
LATEST_RUN_DECISIONS = _with_reviews(
    select(*_DECISION_COLUMNS)
    .where(ProgressionDecision.run_id == select(func.max(ProgressionRun.id))
           .where(ProgressionRun.patient_id == _PATIENT).scalar_subquery())
    .order_by(ProgressionDecision.position)
)
# The same, for the patient: a decision only while no programme the physio saved since has
# replaced the one the run read (its words, "your physio will check it first", say, would be
# stale), unless the physio reviewed it after saving that programme.
PATIENT_RUN_DECISIONS = LATEST_RUN_DECISIONS.where(~(
    select(ProgrammeVersion.id).where(
        ProgrammeVersion.patient_id == _PATIENT,
        ProgrammeVersion.source == VersionSource.PHYSIO,
        ProgrammeVersion.id > ProgressionRun.programme_version_id,
        DecisionReview.created_at.is_(None)
        | (DecisionReview.created_at < ProgrammeVersion.created_at))
    .exists()))
RECENT_DECISIONS = _with_reviews(
    select(*_DECISION_COLUMNS).where(ProgressionDecision.patient_id == _PATIENT)
    .order_by(ProgressionDecision.id.desc()).limit(bindparam("limit"))
)
PENDING_DECISIONS = _with_reviews(
    select(*_DECISION_COLUMNS).where(ProgressionDecision.patient_id == _PATIENT,
                                     PENDING_DECISION,  # its index: see models.py
                                     ~REPLACED_DECISION)
    .order_by(ProgressionDecision.id.desc()).limit(PAGE_DECISIONS)
)


def _decision_rows(statement, **params: Any) -> list[DecisionRow]:
    """Plain rows, not ORM objects: these are read on every Today page."""
    result = []
    for (id_, run_id, created_at, position, slug, name, day, kind, reasons, evidence,
         old_sets, old_reps, old_hold, new_sets, new_reps, new_hold, new_slug, alert_physio,
         sentence, status, trigger, action, sets, reps, hold, note, reviewer,
         reviewed_at, run_version_id, replaced) in read_rows(statement, params):
        result.append(DecisionRow(
            id=id_, run_id=run_id, created_at=created_at, trigger=trigger.value,
            position=position, exercise_slug=slug, exercise_name=name,
            day=day, kind=kind, reasons=list(reasons), evidence=dict(evidence),
            old_dose=(old_sets, old_reps, old_hold),
            new_dose=(new_sets, new_reps, new_hold),
            new_exercise_slug=new_slug, alert_physio=alert_physio,
            sentence=sentence, status=status.value,
            review_action=action.value if action else None,
            review_dose=(sets, reps, hold) if sets is not None else None, review_note=note,
            reviewed_by=reviewer, reviewed_at=reviewed_at, run_version_id=run_version_id,
            replaced=bool(replaced),
        ))
    return result


def latest_run_decisions(patient_id: int) -> list[DecisionRow]:
    """The decisions of the patient's newest run, in programme order (one query)."""
    return _decision_rows(LATEST_RUN_DECISIONS, patient_id=patient_id)


def patient_run_decisions(patient_id: int) -> list[DecisionRow]:
    """What the patient is told of: the newest run's decisions, less those a programme the
    physio saved since that run has replaced and they have not reviewed since (one query)."""
    return _decision_rows(PATIENT_RUN_DECISIONS, patient_id=patient_id)


def recent_decisions(patient_id: int, limit: int = PAGE_DECISIONS) -> list[DecisionRow]:
    """The patient's newest decisions, newest first (one query)."""
    return _decision_rows(RECENT_DECISIONS, patient_id=patient_id, limit=limit)


def pending_decisions(patient_id: int) -> list[DecisionRow]:
    """Decisions waiting for the physio with no review yet, newest first (one query)."""
    return [row for row in _decision_rows(PENDING_DECISIONS, patient_id=patient_id)
            if row.review_action is None]


def settings_history(patient_id: int, limit: int = 20) -> list[ProgressionSettings]:
    """The patient's saved settings, newest first, with who saved them."""
    return list(db.session.scalars(
        select(ProgressionSettings).where(ProgressionSettings.patient_id == patient_id)
        .options(joinedload(ProgressionSettings.created_by))
        .order_by(ProgressionSettings.id.desc()).limit(limit)
    ))


def decision_for(patient_id: int, decision_id: int) -> ProgressionDecision | None:
    """One of this patient's decisions (foreign and missing alike are None)."""
    return db.session.scalar(
        select(ProgressionDecision).where(ProgressionDecision.id == decision_id,
                                          ProgressionDecision.patient_id == patient_id)
    )


def patient_for_cli(identifier: str) -> User | None:
    """A patient by id or e-mail, for ``flask progression explain``."""
    column = User.id if identifier.isdigit() else User.email
    value: Any = int(identifier) if identifier.isdigit() else identifier.lower()
    return db.session.scalar(select(User).where(column == value))
