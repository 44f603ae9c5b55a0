"""The patient's writes: logging a session (idempotently), correcting it, morning check-in."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.scheduling import local_time, local_today
from ..domain.sessions import (
    CORRECTION_HOURS,
    MORNING_FROM_HOUR,
    MORNING_UNTIL_HOUR,
    ExerciseResult,
    asks_morning_after,
    morning_check_in_open,
    session_outcome,
)
from ..extensions import db, insert_or_skip, read_rows
from ..locks import lock_patient
from ..models import (
    ExerciseLog,
    ExerciseSession,
    LogStatus,
    ProgrammeVersion,
    SessionOutcome,
    Side,
    SkipReason,
    StopReason,
    User,
    now_utc,
)


@dataclass(frozen=True)
class LoggedExercise:
    prescription_id: int
    status: LogStatus
    sets_done: int
    reps_done: int | None
    reps_done_other_side: int | None
    skip_reason: SkipReason | None
    stop_reason: StopReason | None


@dataclass(frozen=True)
class SessionValues:
    pain_before: int
    pain_during: int
    pain_after: int
    effort: int
    notes: str
    exercises: tuple[LoggedExercise, ...]
    started_at: datetime | None = None  # when it is a sane recent instant
    started_at_sent: str | None = None  # as the browser sent it, for the retry hash


# Reps beyond this multiple of the prescription (per side) are refused as a slip of the
# finger (100 for 10): extra reps on a good day stay well inside it.
REPS_FACTOR = 2


class LogRefused(ValueError):
    """The log cannot be stored as sent; the message says why in plain words.

    ``index`` is the position of the exercise it is about in the log, and ``field`` the
    answer of that exercise (a ``LoggedExercise`` field: ``sets_done``, ``skip_reason``...)
    when it is about one, so the page can show it by that answer; ``None`` when it is about
    the whole exercise, or the whole log.
    """

    def __init__(self, message: str, *, index: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


class ConflictingRetry(LogRefused):
    """The same client id came back with different contents."""


class ChangedElsewhere(LogRefused):
    """A correction of answers that were corrected again since it was opened."""


def payload_hash(values: SessionValues) -> str:
    """The log as sent: the start time as the browser sent it, not whether it was still recent
    enough to keep, which changes with the clock (a retry of a log started 11 h 59 min before
    was refused as "different answers" a minute later)."""
    data = asdict(values)
    del data["started_at"]
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_exercises(version: ProgrammeVersion, exercises: Sequence[LoggedExercise]) -> None:
    """Refuse ids from elsewhere, repeats, and statuses without their reason; each refusal
    names the exercise (its index in ``exercises``) and the answer it is about."""
    prescriptions = {p.id: p for p in version.prescriptions}
    seen: set[int] = set()
    for index, item in enumerate(exercises):
        refuse = functools.partial(LogRefused, index=index)
        prescription = prescriptions.get(item.prescription_id)
        if prescription is None:
            raise refuse("The log names an exercise that is not in your programme.")
        if item.prescription_id in seen:
            raise refuse("An exercise appears twice in the log.")
        seen.add(item.prescription_id)
        if item.status == LogStatus.SKIPPED and item.skip_reason is None:
            raise refuse("Say why an exercise was skipped.", field="skip_reason")
        if item.status == LogStatus.STOPPED and item.stop_reason is None:
            raise refuse("Say why an exercise was stopped.", field="stop_reason")
        if item.stop_reason is not None and item.status != LogStatus.STOPPED:
            raise refuse("A reason for stopping goes with that status only.", field="stop_reason")
        if item.skip_reason is not None and item.status != LogStatus.SKIPPED:
            raise refuse("A reason for skipping goes with that status only.", field="skip_reason")
        if item.sets_done > prescription.sets:
            raise refuse("More sets were logged than were prescribed.", field="sets_done")
        if item.status == LogStatus.DONE and item.sets_done == 0:
            raise refuse("An exercise marked done needs the number of sets done; if none "
                         "were done, mark it skipped and say why.", field="sets_done")
        # The page shows no second side, nor reps for a held exercise: these come from a
        # tampered or stale form, and are about the exercise as a whole.
        if item.reps_done_other_side is not None and prescription.side != Side.EACH:
            raise refuse("Only one-side-at-a-time exercises have a second side.")
        reps = {"reps_done": item.reps_done, "reps_done_other_side": item.reps_done_other_side}
        if prescription.reps is None and any(r is not None for r in reps.values()):
            raise refuse("Held exercises are logged in sets, not reps.")
        limit = REPS_FACTOR * (prescription.reps or 0) * prescription.sets
        for field, value in reps.items():
            if prescription.reps is not None and value is not None and value > limit:
                raise refuse(f"More than {REPS_FACTOR} times the prescribed reps were logged "
                             "for this exercise: please check the number.", field=field)


def _outcome(version: ProgrammeVersion, exercises: Sequence[LoggedExercise]) -> SessionOutcome:
    prescribed = {p.id: p.sets for p in version.prescriptions}
    return SessionOutcome(session_outcome([
        ExerciseResult(item.status.value, item.sets_done, prescribed[item.prescription_id])
        for item in exercises
    ]))


def _log_values(version: ProgrammeVersion,
                exercises: Sequence[LoggedExercise]) -> list[dict[str, object]]:
    """The exercise log rows of a session, as column values."""
    prescriptions = {p.id: p for p in version.prescriptions}
    return [
        {"prescription_id": item.prescription_id,
         "exercise_version_id": prescriptions[item.prescription_id].exercise_version_id,
         "position": prescriptions[item.prescription_id].position,
         "status": _status(item, prescriptions[item.prescription_id].sets),
         "sets_done": item.sets_done, "reps_done": item.reps_done,
         "reps_done_other_side": item.reps_done_other_side,
         "skip_reason": item.skip_reason if item.status == LogStatus.SKIPPED else None,
         "stop_reason": item.stop_reason if item.status == LogStatus.STOPPED else None}
        for item in exercises
    ]


def _status(item: LoggedExercise, prescribed_sets: int) -> LogStatus:
    """An exercise marked done with fewer sets than prescribed is partly done: so the
    calendar and adherence say, as the session's outcome and the rules already did."""
    if item.status == LogStatus.DONE and item.sets_done < prescribed_sets:
        return LogStatus.PARTIAL
    return item.status


def _logs(version: ProgrammeVersion, exercises: Sequence[LoggedExercise]) -> list[ExerciseLog]:
    return [ExerciseLog(**values) for values in _log_values(version, exercises)]


_SESSION_COLUMNS = (
    "patient_id", "programme_version_id", "client_id", "payload_hash", "local_date", "started_at",
    "ended_at", "pain_before", "pain_during", "pain_after", "effort", "outcome", "notes",
    "created_at", "updated_at",
)


@cache
def _insert_once(dialect: str):
    """``INSERT ... ON CONFLICT (patient_id, client_id) DO NOTHING RETURNING id`` for a
    session, built once per database kind (building it took a fifth of the log's time)."""
    return (
        insert_or_skip(ExerciseSession, dialect)
        .values({name: bindparam(name) for name in _SESSION_COLUMNS})
        .on_conflict_do_nothing(index_elements=["patient_id", "client_id"])
        .returning(ExerciseSession.id)
    )


def log_session(
    patient: User, version: ProgrammeVersion, client_id: str, values: SessionValues
) -> tuple[ExerciseSession, bool]:
    """Store a session once per client id; return it and whether it was new.

    A retry with the same id and contents returns the stored session; the same id with other
    contents is refused. The unique constraint decides, not a read first (security.md trap 8).
    """
    check_exercises(version, values.exercises)
    now = now_utc()
    digest = payload_hash(values)
    started_at = min(values.started_at, now) if values.started_at else None
    local_date = local_today(started_at or now, patient.time_zone)
    columns = dict(
        patient_id=patient.id, programme_version_id=version.id, client_id=client_id,
        payload_hash=digest, local_date=local_date, started_at=started_at,
        ended_at=now, pain_before=values.pain_before, pain_during=values.pain_during,
        pain_after=values.pain_after, effort=values.effort,
        outcome=_outcome(version, values.exercises), notes=values.notes,
        created_at=now, updated_at=now,
    )
    returned = read_rows(_insert_once(db.session.get_bind().dialect.name), columns)
    new_id = returned[0][0] if returned else None
    if new_id is None:
        existing = db.session.scalar(select(ExerciseSession).where(
            ExerciseSession.patient_id == patient.id, ExerciseSession.client_id == client_id))
        assert existing is not None
        if existing.payload_hash != digest:
            raise ConflictingRetry(
                "This session was already saved with different answers. Open it from your "
                "history to correct it."
            )
        return existing, False
    # One statement for all the exercises: the ORM sends one per pattern of empty columns,
    # a Core insert of the table one for all.
    db.session.execute(insert(ExerciseLog.__table__), [
        {**row, "session_id": new_id} for row in _log_values(version, values.exercises)])
    # The new row is exactly what was just written: it joins the session as loaded, without
    # reading it back.
    session = ExerciseSession(id=new_id, next_morning_pain=None, next_morning_at=None, **columns)
    make_transient_to_detached(session)
    db.session.add(session)
    return session, True


def can_correct(session: ExerciseSession, now: datetime | None = None) -> bool:
    return (now or now_utc()) - session.created_at < timedelta(hours=CORRECTION_HOURS)


def saved_at(session: ExerciseSession) -> datetime:
    """When a session's answers were last saved: logged, or corrected since."""
    return session.updated_at or session.created_at


def answers_saved_at(session: ExerciseSession) -> str:
    """``saved_at`` as a correction form carries it."""
    return saved_at(session).isoformat()


def _same_answers(session: ExerciseSession, version: ProgrammeVersion,
                  values: SessionValues) -> bool:
    """Whether the session's stored answers are ``values``."""
    columns = ("prescription_id", "status", "sets_done", "reps_done", "reps_done_other_side",
               "skip_reason", "stop_reason")
    stored = [{name: getattr(log, name) for name in columns} for log in session.logs]
    sent = [{name: row[name] for name in columns}
            for row in _log_values(version, values.exercises)]
    return ((session.pain_before, session.pain_during, session.pain_after, session.effort,
             session.notes) == (values.pain_before, values.pain_during, values.pain_after,
                                values.effort, values.notes) and stored == sent)


def correct_session(session: ExerciseSession, version: ProgrammeVersion,
                    values: SessionValues, opened_with: str | None) -> datetime | None:
    """Replace a session's answers while it may still be corrected.

    The patient is locked and the session read again first: a correction sent twice at once
    (a double tap on Save) replaces the answers one after the other, not both from the same
    read (on PostgreSQL the second put its rows beside the first's and failed).

    ``opened_with``: when the answers the correction was opened with were saved
    (``answers_saved_at``). Answers saved since (another tab, another device) are not
    overwritten unseen: refused, unless they are already what is sent (the first of a
    double tap saved it), which is no change. Returns when the answers it replaced had been
    saved (``saved_at``), or None when nothing changed."""
    lock_patient(session.patient_id)
    db.session.refresh(session)
    if not can_correct(session):
        raise LogRefused("Logs can be corrected for 24 hours; this one is now read-only.")
    if opened_with != answers_saved_at(session):
        if _same_answers(session, version, values):
            return None
        raise ChangedElsewhere(
            "This log was corrected in another tab or on another device after you opened it "
            "here, so these changes are not saved (they are still below to copy). Open the "
            "log again to see it as it is now, and correct that.")
    check_exercises(version, values.exercises)
    replaced = saved_at(session)
    session.pain_before, session.pain_during = values.pain_before, values.pain_during
    session.pain_after, session.effort = values.pain_after, values.effort
    session.notes = values.notes
    session.outcome = _outcome(version, values.exercises)
    session.updated_at = now_utc()
    session.logs.clear()
    db.session.flush()
    for log in _logs(version, values.exercises):
        session.logs.append(log)
    db.session.flush()
    return replaced


def record_morning_pain(patient: User, session: ExerciseSession, pain: int,
                        from_hour: int = MORNING_FROM_HOUR,
                        until_hour: int = MORNING_UNTIL_HOUR) -> bool:
    """Record next-morning pain for the session done the day before, and for any other
    session of that day still without it: there is one morning after a day, however many
    sessions it had. A session whose every exercise was skipped has none (nothing was done
    to feel), and is left out.

    While the check-in is open that morning (``from_hour`` until ``until_hour``), another
    answer replaces the one given, in every session it was recorded for: a tap on 8 meant
    as 1 is put right before it stands. After that it is read-only. False when the answer
    is the one already recorded (a double tap or a retry), which changes nothing.
    """
    if not asks_morning_after(session.outcome):
        raise LogRefused("Every exercise of that session was skipped, so there is no "
                         "morning-after pain to record for it.")
    previous = session.next_morning_pain
    if previous == pain:
        return False
    now = now_utc()
    local_now = local_time(now, patient.time_zone)
    if not morning_check_in_open(session.local_date, local_now, from_hour, until_hour):
        if local_now.date() != session.local_date + timedelta(days=1):
            raise LogRefused("The morning check-in is for the day after a session.")
        if local_now.hour < from_hour:
            raise LogRefused(f"The morning check-in opens at {from_hour:02d}:00, once you "
                             "have slept: please come back then.")
        raise LogRefused(f"The morning check-in closes at {until_hour:02d}:00, and it is "
                         "past that now: this morning's answer can no longer be given or "
                         "changed.")
    # A first answer fills the day's empty scores; a change replaces the answer it was
    # shown with, so a tap that got in first is not overwritten unseen.
    same_day = (ExerciseSession.patient_id == patient.id,
                ExerciseSession.local_date == session.local_date,
                ExerciseSession.outcome != SessionOutcome.SKIPPED)  # asks_morning_after
    written = db.session.execute(
        update(ExerciseSession)
        .where(*same_day, ExerciseSession.next_morning_pain.is_(None) if previous is None
               else ExerciseSession.next_morning_pain == previous)
        .values(next_morning_pain=pain, next_morning_at=now)
        .execution_options(synchronize_session=False))
    if written.rowcount == 0:
        # Another tap recorded the day's pain between our read and this write (PostgreSQL
        # runs both at once: this UPDATE waits for the other, then finds its answer).
        recorded = db.session.scalar(select(ExerciseSession.next_morning_pain).where(
            ExerciseSession.id == session.id))
        if recorded == pain:
            return False
        raise LogRefused(f"This morning's pain is already recorded, as {recorded} out of 10, "
                         "by another tap. To change it, choose \u201cChange it\u201d on "
                         "Today.")
    # The rows are written: the loaded object says so too, without a second UPDATE of it.
    set_committed_value(session, "next_morning_pain", pain)
    set_committed_value(session, "next_morning_at", now)
    return True
