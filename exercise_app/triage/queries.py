"""Reads for alerts, red-flag screens, notes to the patient and the caseload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, cast, func, or_, select
from sqlalchemy.orm import selectinload

from ..domain.alerts import LEVEL_ORDER, ReadyForNext
from ..domain.scheduling import local_today
from ..extensions import db, read_rows
from ..models import (
    FLARE_DECISION,
    REPLACED_DECISION,
    Alert,
    AlertAction,
    AlertStatus,
    CareRelationship,
    ExerciseSession,
    PatientMessage,
    PatientSummary,
    ProgrammeVersion,
    ProgressionDecision,
    ProgressionRun,
    Screening,
    User,
    VersionSource,
)
from ..programmes.queries import ProgrammeView, VersionsToken
from .signals import Flagged

RED_FLAG = "red_flag"


# Reads of every refresh, built once (only the parameters change).
# When the physio last resolved a red-flag alert of the patient: the yeses before it were
# dealt with then, and only a yes after it raises (or reopens) one.
_RED_FLAG_RESOLVED = (
    select(func.max(AlertAction.created_at))
    .join(Alert, Alert.id == AlertAction.alert_id)
    .where(Alert.patient_id == bindparam("patient_id"), Alert.code == RED_FLAG,
           AlertAction.status == AlertStatus.RESOLVED)
    .scalar_subquery()
)
# Each red-flag alert: when it was raised, whether the patient had logged a session on its
# day before that (the screen after a painful log), its status and when the physio last
# resolved it. The routine is paused in between (``paused_spans``). The last resolution: a
# yes the same day reopens a resolved alert (``operations._reopen_red_flag``), which pauses
# again until it is resolved once more.
RED_FLAG_PAUSES = (
    select(Alert.created_at,
           select(ExerciseSession.id).where(
               ExerciseSession.patient_id == Alert.patient_id,
               ExerciseSession.local_date == Alert.day,
               ExerciseSession.created_at <= Alert.created_at).exists(),
           Alert.status, func.max(AlertAction.created_at))
    .outerjoin(AlertAction, (AlertAction.alert_id == Alert.id)
               & (AlertAction.status == AlertStatus.RESOLVED))
    .where(Alert.patient_id == bindparam("patient_id"), Alert.code == RED_FLAG)
    .group_by(Alert.id, Alert.patient_id, Alert.day, Alert.created_at, Alert.status)
)
FLAGGED_ANSWERS = (
    select(Screening.flagged, Screening.local_date)
    .where(Screening.patient_id == bindparam("patient_id"),
           Screening.local_date >= bindparam("since"),
           or_(_RED_FLAG_RESOLVED.is_(None), Screening.created_at > _RED_FLAG_RESOLVED))
)
STEP_DOWN_DAYS = (
    select(ProgressionDecision.day).distinct().where(
        ProgressionDecision.patient_id == bindparam("patient_id"),
        FLARE_DECISION, ProgressionDecision.kind != "resume",  # the flare index: see models.py
        ProgressionDecision.day >= bindparam("since"), ~REPLACED_DECISION,
        # A step down, or a pause that changed a dose or exercise: while a flare-up pause
        # waits for pain to settle, each run holds the dose as a pause, and every such day
        # was counted as a step down.
        or_(ProgressionDecision.kind == "step_down",
            ProgressionDecision.new_exercise_slug.is_not(None),
            ProgressionDecision.new_sets != ProgressionDecision.old_sets,
            ProgressionDecision.new_reps.is_distinct_from(ProgressionDecision.old_reps),
            ProgressionDecision.new_hold_seconds.is_distinct_from(
                ProgressionDecision.old_hold_seconds)))
)


# The holds of the patient's newest progression run, with the versions it read and made.
READY_HOLDS = (
    select(ProgressionDecision.exercise_name, ProgressionDecision.reasons,
           ProgressionRun.programme_version_id, ProgressionRun.applied_version_id)
    .join(ProgressionRun, ProgressionRun.id == ProgressionDecision.run_id)
    .where(ProgressionDecision.run_id == select(func.max(ProgressionRun.id)).where(
        ProgressionRun.patient_id == bindparam("patient_id")).scalar_subquery(),
        ProgressionDecision.kind == "hold")
    .order_by(ProgressionDecision.position)
)
# A hold's reason that leaves the next step to the physio: why (``ReadyForNext.why``).
NEXT_FOR_THE_PHYSIO = {"harder_unsuitable": "unsuitable", "top_of_ladder": "hardest",
                       "harder_prescribed": "prescribed"}


def ready_for_next(patient_id: int, versions: Sequence[ProgrammeView]) -> list[ReadyForNext]:
    """The exercises the patient's newest progression run held at the top of their range for
    the physio to choose what comes next, when that run is of the programme in force: it read
    the newest version, or made it by changing another exercise (the held ones were copied
    unchanged). None once the physio has changed the programme since.

    Each carries the start of the newest version the physio made (the editor or an override),
    which the alert takes as its day: one alert per programme of theirs, however often the
    rules change the other exercises' doses."""
    newest = versions[-1]
    physio_made = next((v for v in reversed(versions) if v.source is not VersionSource.RULES),
                       versions[0])
    ready = []
    for name, reasons, read_id, made_id in read_rows(READY_HOLDS, {"patient_id": patient_id}):
        found = [NEXT_FOR_THE_PHYSIO[r] for r in reasons if r in NEXT_FOR_THE_PHYSIO]
        if found and newest.id in (read_id, made_id):
            ready.append(ReadyForNext(name, found[0], physio_made.start_date))
    return ready


def paused_spans(patient_id: int, time_zone: str, today: date) -> list[tuple[date, date]]:
    """The days (first, last) the patient's routine was paused by a red flag, in their own
    days: from the day it was raised to the day before the physio resolved it, or to today
    while it is not (one query). Nothing was due on them: they are not missed. A flag raised
    after the day's session (the screen a painful log asks for) pauses from the next day:
    the day was done, and stays done."""
    return spans_until(pauses(patient_id, time_zone), today)


def pauses(patient_id: int, time_zone: str) -> list[tuple[date, date | None]]:
    """The red flags' pauses as (first day, last day), the last None while the flag is not
    resolved (``paused_spans``; one query)."""
    found: list[tuple[date, date | None]] = []
    for raised, exercised_first, status, resolved in read_rows(
            RED_FLAG_PAUSES, {"patient_id": patient_id}):
        first = local_today(raised, time_zone) + timedelta(days=1 if exercised_first else 0)
        found.append((first, None if status != AlertStatus.RESOLVED or resolved is None
                      else local_today(resolved, time_zone) - timedelta(days=1)))
    return found


def spans_until(found: Sequence[tuple[date, date | None]], until: date
                ) -> list[tuple[date, date]]:
    """The pauses as spans of days, an open one running to ``until``; empty ones left out."""
    spans = [(first, last if last is not None else until) for first, last in found]
    return [(first, last) for first, last in spans if last >= first]


def flagged_answers(patient_id: int, since: date) -> list[Flagged]:
    """Every yes in the patient's red-flag screens since a day and since the physio last
    resolved a red-flag alert."""
    rows = read_rows(FLAGGED_ANSWERS, {"patient_id": patient_id, "since": since})
    return [Flagged(question_id, day) for flagged, day in rows for question_id in flagged]


def step_down_days(patient_id: int, since: date) -> list[date]:
    """Days the progression rules lowered a dose or changed an exercise, stepping down or
    pausing for a flare-up."""
    return sorted(day for (day,) in read_rows(STEP_DOWN_DAYS,
                                              {"patient_id": patient_id, "since": since}))


@dataclass(frozen=True)
class ScreeningState:
    """What the screening rules need: the last screen, and the pain since it."""

    last_screened: date | None
    last_screened_at: datetime | None
    urgency: str | None  # the most urgent yes of the newest screen
    recent_pain: tuple[tuple[datetime, int], ...]  # newest first: (logged at, worst pain)


@dataclass(frozen=True)
class NoteView:
    """The physio's newest note to the patient, as Today shows it."""

    text: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class PatientState:
    """What the patient's pages read besides the programme and the sessions, in one query."""

    screening: ScreeningState
    blocking_alert_id: int | None  # the newest red-flag alert not yet resolved
    note: NoteView | None
    summary: dict[str, Any] | None  # PatientSummary.days (triage.signals.summary_days)
    versions_token: VersionsToken  # which programme versions the patient has now
    run_notes: list[Any] | None  # PatientSummary.run_notes (None: not recorded yet)


def _newest_version(pid):
    """The patient's newest programme version as a table to join on, and a count of their
    versions: with its id and creation time, the ``VersionsToken`` of what they have."""
    version = ProgrammeVersion.__table__.alias("version")
    newest = version, version.c.id == select(func.max(ProgrammeVersion.id)).where(
        ProgrammeVersion.patient_id == pid).scalar_subquery()
    count = (select(func.count(ProgrammeVersion.id))
             .where(ProgrammeVersion.patient_id == pid).scalar_subquery())
    return newest, (count, version.c.id, version.c.created_at)


def _state_statement():
    """One row per patient: the newest screen, the open red flag, the newest note, the two
    newest sessions' pain, the summary (with the newest run's notes) and the newest programme
    version, each joined by a correlated lookup of its id, and how many versions there are.
    Built once: the statement is the same for every request, only the patient id changes."""
    pid = bindparam("patient_id")
    screen = Screening.__table__.alias("screen")
    note = PatientMessage.__table__.alias("note")
    author = User.__table__.alias("author")
    newest, previous = (ExerciseSession.__table__.alias(n) for n in ("newest", "previous"))
    (version, on_newest), token = _newest_version(pid)

    def session_at(offset: int):
        return (select(ExerciseSession.id).where(ExerciseSession.patient_id == pid)
                .order_by(ExerciseSession.local_date.desc(), ExerciseSession.id.desc())
                .limit(1).offset(offset).scalar_subquery())

    red_flag = (select(Alert.id).where(Alert.patient_id == pid, Alert.code == RED_FLAG,
                                       Alert.status != AlertStatus.RESOLVED)
                .order_by(Alert.id.desc()).limit(1).scalar_subquery())
    joined = (
        User.__table__
        .outerjoin(screen, screen.c.id == select(func.max(Screening.id))
                   .where(Screening.patient_id == pid).scalar_subquery())
        .outerjoin(note, note.c.id == select(func.max(PatientMessage.id))
                   .where(PatientMessage.patient_id == pid).scalar_subquery())
        .outerjoin(author, author.c.id == note.c.author_id)
        .outerjoin(newest, newest.c.id == session_at(0))
        .outerjoin(previous, previous.c.id == session_at(1))
        .outerjoin(PatientSummary.__table__, PatientSummary.__table__.c.patient_id == pid)
        .outerjoin(version, on_newest)
    )
    pains = [c for s in (newest, previous)
             for c in (s.c.created_at, s.c.pain_before, s.c.pain_during, s.c.pain_after)]
    return (select(screen.c.local_date, screen.c.created_at, screen.c.urgency,
                   red_flag.label("red_flag_id"), note.c.text, author.c.display_name,
                   note.c.created_at, PatientSummary.__table__.c.days, *pains,
                   *token, PatientSummary.__table__.c.run_notes)
            .select_from(joined).where(User.__table__.c.id == pid))


STATE_STATEMENT = _state_statement()


def patient_state(patient_id: int) -> PatientState:
    """The patient's screening state, open red flag, newest note, summary and which programme
    versions they have (one query)."""
    (row,) = read_rows(STATE_STATEMENT, {"patient_id": patient_id})
    screened_on, screened_at, urgency, red_flag_id, text, author_name, noted_at, days = row[:8]
    pain = []
    for at, before, during, after in (row[8:12], row[12:16]):
        if at is not None:
            pain.append((at, max(before, during, after)))
    return PatientState(
        screening=ScreeningState(last_screened=screened_on, last_screened_at=screened_at,
                                 urgency=urgency, recent_pain=tuple(pain)),
        blocking_alert_id=red_flag_id,
        note=NoteView(text, author_name, noted_at) if text is not None else None,
        summary=days,
        versions_token=(row[16], row[17], row[18]),
        run_notes=row[19],
    )


PATIENT_ALERTS = (  # built once: only the parameters change
    select(Alert).where(Alert.patient_id == bindparam("patient_id"))
    .options(selectinload(Alert.actions).selectinload(AlertAction.by))
    .order_by((Alert.status == AlertStatus.RESOLVED), Alert.id.desc())
    .limit(bindparam("limit"))
)


def patient_alerts(patient_id: int, limit: int = 50) -> list[Alert]:
    """The patient's alerts, open first then newest, with the physio's actions."""
    return list(db.session.scalars(PATIENT_ALERTS, {"patient_id": patient_id, "limit": limit}))


def alert_for(patient_id: int, alert_id: int) -> Alert | None:
    return db.session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.patient_id == patient_id))


MESSAGES = (
    select(PatientMessage).where(PatientMessage.patient_id == bindparam("patient_id"))
    .options(selectinload(PatientMessage.author))
    .order_by(PatientMessage.id.desc()).limit(bindparam("limit"))
)


def messages(patient_id: int, limit: int = 20) -> list[PatientMessage]:
    return list(db.session.scalars(MESSAGES, {"patient_id": patient_id, "limit": limit}))


# The caseload ----------------------------------------------------------------------------


class CaseloadRow(NamedTuple):
    """One patient of a physio: what sorts and filters them (None before the first summary).
    A named tuple: hundreds are made per page, and one builds in a quarter of the time of a
    frozen dataclass (0.36 against 1.57 microseconds here)."""

    id: int
    name: str
    email: str
    active: bool
    accepted: bool
    last_session_date: date | None
    summary_on: date | None  # the patient's day the summary was written
    adherence_7: int | None  # as of that day
    adherence_28: int | None
    alert_counts: tuple[int, int, int]  # open alerts: critical, high, low
    # As stored, JSON, decoded only for the patients shown: the summary's days, the most
    # urgent open alerts and the programme stages (None without a summary)
    summary_text: str | None
    alerts_text: str | None
    stages_text: str | None
    time_zone: str  # the patient's: their today is the day their figures are read for


_PHYSIO, _CLINIC = bindparam("physio_id"), bindparam("clinic_id")
_OPEN_COUNTS = tuple(getattr(PatientSummary, f"open_{level.value}") for level in LEVEL_ORDER)
CASELOAD_ROWS = (  # built once: only the physio changes
    select(User.id, User.display_name, User.email, User.active,
           User.password_hash.is_not(None), PatientSummary.last_session_date,
           PatientSummary.summary_on, PatientSummary.adherence_7, PatientSummary.adherence_28,
           *(func.coalesce(count, 0) for count in _OPEN_COUNTS),
           # as text: the driver would decode every row
           *(cast(column, Text) for column in (PatientSummary.days, PatientSummary.open_alerts,
                                               PatientSummary.programme_stages)),
           User.time_zone)
    .join(CareRelationship, CareRelationship.patient_id == User.id)
    .outerjoin(PatientSummary, PatientSummary.patient_id == User.id)
    .where(CareRelationship.physio_id == _PHYSIO, CareRelationship.clinic_id == _CLINIC)
)


def caseload_rows(physio: User) -> list[CaseloadRow]:
    """The physio's patients with their summaries' figures and open-alert counts (one query
    of plain columns: no alert or programme is read, and each summary comes as text, decoded
    only for the patients shown and those whose summary is from an earlier day)."""
    rows = read_rows(CASELOAD_ROWS, {"physio_id": physio.id, "clinic_id": physio.clinic_id})
    return [CaseloadRow(*row[:9], (row[9], row[10], row[11]), *row[12:]) for row in rows]


def _summary_statement():
    """The patient's summary and which programme versions they have (one row)."""
    pid = bindparam("patient_id")
    (version, on_newest), token = _newest_version(pid)
    return (select(PatientSummary.__table__.c.days, *token)
            .select_from(User.__table__
                         .outerjoin(PatientSummary.__table__,
                                    PatientSummary.__table__.c.patient_id == pid)
                         .outerjoin(version, on_newest))
            .where(User.__table__.c.id == pid))


SUMMARY_AND_VERSIONS = _summary_statement()


def summary_and_versions(patient_id: int) -> tuple[dict[str, Any] | None, VersionsToken]:
    """The patient's summary (``PatientSummary.days``, None before the first) and the token of
    their programme versions (one query)."""
    (row,) = read_rows(SUMMARY_AND_VERSIONS, {"patient_id": patient_id})
    return row[0], (row[1], row[2], row[3])


class OpenAlert(NamedTuple):
    """An open or acknowledged alert as the caseload shows it."""

    id: int
    patient_id: int
    level: str
    reason: str
    code: str = ""  # domain.alerts.AlertCode
    day: date | None = None
    status: AlertStatus = AlertStatus.OPEN


OPEN_ALERTS = (
    select(Alert.id, Alert.patient_id, Alert.level, Alert.reason, Alert.code, Alert.day,
           Alert.status)
    .where(Alert.patient_id.in_(bindparam("patient_ids", expanding=True)),
           Alert.status != AlertStatus.RESOLVED)
    .order_by(Alert.id.desc())
)


def open_alerts_for(patient_ids: list[int]) -> dict[int, list[OpenAlert]]:
    """Open and acknowledged alerts of some patients, by patient, newest first (one query)."""
    result: dict[int, list[OpenAlert]] = {}
    if not patient_ids:
        return result
    for row in read_rows(OPEN_ALERTS, {"patient_ids": patient_ids}):
        result.setdefault(row[1], []).append(OpenAlert(*row))
    return result


def physio_of(patient_id: int) -> User | None:
    """The patient's physio, if they have one who can sign in: active, and joined (a
    deactivated one reads nothing, and one who has not set a password yet cannot act on
    what they are told)."""
    return db.session.scalar(
        select(User).join(CareRelationship, CareRelationship.physio_id == User.id)
        .where(CareRelationship.patient_id == patient_id, User.active,
               User.password_hash.is_not(None)))
