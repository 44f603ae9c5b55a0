"""Reads for alerts, red-flag screens, notes to the patient and the caseload."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Alert,
    AlertAction,
    AlertStatus,
    CareRelationship,
    ExerciseLog,
    ExerciseSession,
    PatientMessage,
    PatientSummary,
    ProgressionDecision,
    Screening,
    StopReason,
    User,
)
from .signals import Flagged

OPEN = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
RED_FLAG = "red_flag"


def flagged_answers(patient_id: int, since: date) -> list[Flagged]:
    """Every yes in the patient's red-flag screens since a day."""
    rows = db.session.execute(
        select(Screening.flagged, Screening.local_date)
        .where(Screening.patient_id == patient_id, Screening.local_date >= since)
    )
    return [Flagged(question_id, day) for flagged, day in rows for question_id in flagged]


def step_down_days(patient_id: int, since: date) -> list[date]:
    """Days the progression rules stepped a dose down or paused for a flare-up."""
    return sorted(set(db.session.scalars(
        select(ProgressionDecision.day).where(
            ProgressionDecision.patient_id == patient_id,
            ProgressionDecision.kind.in_(["step_down", "pause_flare"]),
            ProgressionDecision.day >= since)
    )))


def stops(patient_id: int, since: date) -> list[tuple[date, StopReason]]:
    """Exercises stopped in the routine since a day, with the reason given."""
    rows = db.session.execute(
        select(ExerciseSession.local_date, ExerciseLog.stop_reason)
        .join(ExerciseLog, ExerciseLog.session_id == ExerciseSession.id)
        .where(ExerciseSession.patient_id == patient_id, ExerciseSession.local_date >= since,
               ExerciseLog.stop_reason.is_not(None))
    )
    return [(day, reason) for day, reason in rows]


def blocking_red_flag(patient_id: int) -> Alert | None:
    """The patient's newest red-flag alert that the physio has not resolved, if any."""
    return db.session.scalar(
        select(Alert).where(Alert.patient_id == patient_id, Alert.code == RED_FLAG,
                            Alert.status.in_(OPEN))
        .order_by(Alert.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class ScreeningState:
    """What the screening rules need: the last screen, and the pain since it."""

    last_screened: date | None
    last_screened_at: datetime | None
    urgency: str | None  # the most urgent yes of the newest screen
    flagged: tuple[str, ...]
    recent_pain: tuple[tuple[datetime, int], ...]  # newest first: (logged at, worst pain)


def screening_state(patient_id: int) -> ScreeningState:
    """The newest screen and the two newest sessions' worst pain (two queries)."""
    last = db.session.execute(
        select(Screening.local_date, Screening.created_at, Screening.urgency, Screening.flagged)
        .where(Screening.patient_id == patient_id).order_by(Screening.id.desc()).limit(1)
    ).first()
    pains = db.session.execute(
        select(ExerciseSession.created_at, ExerciseSession.pain_before,
               ExerciseSession.pain_during, ExerciseSession.pain_after)
        .where(ExerciseSession.patient_id == patient_id)
        .order_by(ExerciseSession.local_date.desc(), ExerciseSession.id.desc()).limit(2)
    ).all()
    return ScreeningState(
        last_screened=last[0] if last else None, last_screened_at=last[1] if last else None,
        urgency=last[2] if last else None, flagged=tuple(last[3]) if last else (),
        recent_pain=tuple((at, max(b, d, a)) for at, b, d, a in pains),
    )


def patient_alerts(patient_id: int, limit: int = 50) -> list[Alert]:
    """The patient's alerts, open first then newest, with the physio's actions."""
    return list(db.session.scalars(
        select(Alert).where(Alert.patient_id == patient_id)
        .options(selectinload(Alert.actions).selectinload(AlertAction.by))
        .order_by((Alert.status == AlertStatus.RESOLVED), Alert.id.desc()).limit(limit)
    ))


def alert_for(patient_id: int, alert_id: int) -> Alert | None:
    return db.session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.patient_id == patient_id))


def latest_message(patient_id: int) -> PatientMessage | None:
    return db.session.scalar(
        select(PatientMessage).where(PatientMessage.patient_id == patient_id)
        .options(joinedload(PatientMessage.author))
        .order_by(PatientMessage.id.desc()).limit(1))


def messages(patient_id: int, limit: int = 20) -> list[PatientMessage]:
    return list(db.session.scalars(
        select(PatientMessage).where(PatientMessage.patient_id == patient_id)
        .options(selectinload(PatientMessage.author))
        .order_by(PatientMessage.id.desc()).limit(limit)))


# The caseload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    """One patient of a physio with their summary's columns (None before the first one)."""

    id: int
    name: str
    email: str
    active: bool
    accepted: bool
    last_session_date: date | None
    days: dict[str, Any] | None


def caseload_rows(physio: User) -> list[CaseloadRow]:
    """The physio's patients with their summaries (one query, plain rows)."""
    rows = db.session.execute(
        select(User.id, User.display_name, User.email, User.active,
               User.password_hash.is_not(None), PatientSummary.last_session_date,
               PatientSummary.days)
        .join(CareRelationship, CareRelationship.patient_id == User.id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == User.id)
        .where(CareRelationship.physio_id == physio.id,
               CareRelationship.clinic_id == physio.clinic_id)
    )
    return [CaseloadRow(*row) for row in rows]


class OpenAlert(NamedTuple):
    """An open or acknowledged alert as the caseload shows it."""

    id: int
    patient_id: int
    level: str
    reason: str


def open_alerts_for(patient_ids: Iterable[int]) -> dict[int, list[OpenAlert]]:
    """Open and acknowledged alerts by patient, newest first (one query, plain rows)."""
    result: dict[int, list[OpenAlert]] = {}
    ids = list(patient_ids)
    if not ids:
        return result
    for row in db.session.execute(
        select(Alert.id, Alert.patient_id, Alert.level, Alert.reason)
        .where(Alert.patient_id.in_(ids), Alert.status.in_(OPEN))
        .order_by(Alert.id.desc())
    ):
        result.setdefault(row.patient_id, []).append(OpenAlert(*row))
    return result


def physio_of(patient_id: int) -> User | None:
    """The patient's physio, if they have one."""
    return db.session.scalar(
        select(User).join(CareRelationship, CareRelationship.physio_id == User.id)
        .where(CareRelationship.patient_id == patient_id))


def open_codes(patient_id: int) -> set[str]:
    """The kinds of alert the patient has open or acknowledged."""
    return set(db.session.scalars(
        select(Alert.code).where(Alert.patient_id == patient_id, Alert.status.in_(OPEN))))
