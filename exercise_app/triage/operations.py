"""Writes for safety and triage: refresh a patient's alerts and summary, red-flag screens,
the physio's actions on alerts, and notes to the patient. Add and flush; never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from ..domain import adherence as rules
from ..domain.alerts import Alert as AlertFinding
from ..domain.alerts import AlertCode, compute_alerts, open_alert_digest
from ..domain.red_flags import Occasion, ScreeningResult, screen
from ..domain.scheduling import local_today, monday_of
from ..extensions import db, insert_or_skip
from ..locks import lock_patient
from ..models import (
    Alert,
    AlertAction,
    AlertStatus,
    PatientMessage,
    PatientSummary,
    Screening,
    ScreeningOccasion,
    StopReason,
    User,
    now_utc,
)
from ..patient import history
from ..patient import queries as patient_queries
from ..programmes import queries as programmes
from ..progression.operations import record_run_notes, usual_pain_of
from ..summaries import summary_row
from . import queries
from .caseload import pain_figures
from .signals import (
    AHEAD_DAYS,
    SIGNAL_DAYS,
    SUMMARY_DAYS,
    signals,
    summary_days,
)


class AlertActionRefused(ValueError):
    """An alert cannot move to the asked state; the message says why."""


def baseline_for(patient_id: int) -> int | None:
    """The patient's usual pain: the physio's figure, else from their first sessions."""
    return usual_pain_of(patient_id)[0]


def store_alerts(patient_id: int, findings: list[AlertFinding], today: date,
                 known: Sequence[queries.OpenAlert]) -> list[tuple[int, str, str]]:
    """Store the findings against the patient's open and acknowledged alerts (``known``) and
    return every alert then open or acknowledged, as (id, level, reason).

    A finding of a kind with an open alert brings that alert up to date when its evidence is
    newer (the physio reads the latest, and it is not repeated). One of a kind the physio
    has acknowledged is a new alert only when its evidence is newer than the acknowledged
    one's: acknowledging says "seen", not "mute this kind". Otherwise a finding is a new
    alert, unless one of its kind and day exists (even resolved: a resolved alert is not
    raised again for the same evidence; the unique key decides, not a read first). A red
    flag is the exception: its yeses are those since the physio last resolved one, so a
    red-flag finding is always a new yes, and it reopens a resolved alert of its day."""
    now = now_utc()
    by_code: dict[str, list[queries.OpenAlert]] = {}
    for alert in known:
        by_code.setdefault(alert.code, []).append(alert)
    current = {alert.id: (alert.id, alert.level, alert.reason) for alert in known}
    rows: list[dict[str, Any]] = []
    for finding in findings:
        values = {"level": finding.level.value, "reason": finding.reason,
                  "evidence": dict(finding.evidence)}
        same = by_code.get(finding.code.value, [])
        opened = [alert for alert in same if alert.status is AlertStatus.OPEN]
        if opened:
            alert = opened[0]
            if finding.day is not None and alert.day is not None and finding.day > alert.day \
                    and _move_alert(alert, finding.day, values):
                current[alert.id] = (alert.id, values["level"], values["reason"])
            continue
        if same and (finding.day is None or any(finding.day <= alert.day for alert in same
                                                if alert.day is not None)):
            continue  # acknowledged, and nothing newer than what the physio saw
        day = finding.day or today
        if finding.code is AlertCode.RED_FLAG:
            reopened = _reopen_red_flag(patient_id, day, values)
            if reopened is not None:
                current[reopened] = (reopened, values["level"], values["reason"])
                continue
        rows.append({"patient_id": patient_id, "code": finding.code.value, "day": day,
                     "status": AlertStatus.OPEN.value, "created_at": now, **values})
    if rows:
        stored = db.session.execute(insert_or_skip(Alert).values(rows).on_conflict_do_nothing(
            index_elements=["patient_id", "code", "day"]).returning(Alert.id, Alert.level,
                                                                     Alert.reason))
        current.update((id_, (id_, level, reason)) for id_, level, reason in stored)
    return list(current.values())


def _move_alert(alert: queries.OpenAlert, day: date, values: Mapping[str, Any]) -> bool:
    """Bring an open alert up to newer evidence of its kind, unless an alert of that kind
    already holds the new day (the unique key): False then, and the alert is left as it was."""
    taken = select(Alert.id).where(Alert.patient_id == alert.patient_id,
                                   Alert.code == alert.code, Alert.day == day).exists()
    moved = db.session.execute(
        update(Alert).where(Alert.id == alert.id, ~taken).values(day=day, **values)
        .execution_options(synchronize_session=False))
    return moved.rowcount == 1


def _reopen_red_flag(patient_id: int, day: date, values: Mapping[str, Any]) -> int | None:
    """Reopen the patient's resolved red-flag alert of ``day`` for a yes given after it was
    resolved (a screen taken again the same day): the id, or None if there is none."""
    return db.session.execute(
        update(Alert).where(Alert.patient_id == patient_id, Alert.code == AlertCode.RED_FLAG,
                            Alert.day == day, Alert.status == AlertStatus.RESOLVED)
        .values(status=AlertStatus.OPEN, **values).returning(Alert.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()


LOOK_UP = "look up"  # refresh_patient's baseline when the caller has not just read it


def refresh_patient(patient: User, now: datetime | None = None,
                    baseline: int | str | None = LOOK_UP) -> frozenset[str]:
    """Recompute the patient's alerts and caseload summary from their recent rows, and
    return the codes of the alerts their rows raise now (``withdraw_alerts`` reads them).

    Run after every write that changes what they show: a log, a correction, a check-in, a
    screen, a programme change, a progression run. Bounded reads, whatever the history.
    Pass ``baseline`` when a progression run in the same request has just read it.
    Takes the patient's lock first: a physio's refresh (saving settings) and the patient's
    (a log) at once wrote the summary each from what it read, the last one losing the other's.
    """
    lock_patient(patient.id)
    today = local_today(now or now_utc(), patient.time_zone)
    # From a Monday: an exercise done on any days of a week is placed by its whole week.
    since = monday_of(today - timedelta(days=max(SUMMARY_DAYS, SIGNAL_DAYS) + 7))
    sessions = patient_queries.session_rows(patient.id, since)
    # The streak carries on the summary's count from before the days it read (``_streak``).
    base = _streak_base(summary_row(patient.id).days, since)
    log_rows = patient_queries.log_rows_since(patient.id, min(since, base[0]) if base else since)
    versions = programmes.versions(patient.id)
    all_logs = history.day_logs(log_rows, versions)
    day_logs = [entry for entry in all_logs if entry.day >= since]
    # An open flag pauses every day until it is resolved (which writes the summary again),
    # those the summary counts ahead included.
    pauses = queries.pauses(patient.id, patient.time_zone)
    plan = history.prescribed(versions, queries.spans_until(
        pauses, today + timedelta(days=AHEAD_DAYS)))
    if baseline == LOOK_UP:  # a progression run in this request already read it
        baseline = baseline_for(patient.id)
    assert not isinstance(baseline, str)
    findings = compute_alerts(signals(
        today=today, baseline=baseline, sessions=sessions,
        flagged=queries.flagged_answers(patient.id, today - timedelta(days=SIGNAL_DAYS)),
        step_downs=queries.step_down_days(patient.id, today - timedelta(days=7)),
        stops=[(log.local_date, StopReason(log.stop_reason)) for log in log_rows
               if log.stop_reason is not None and log.local_date >= today - timedelta(days=7)],
        plan=plan, day_logs=day_logs,
        ready_for_next=queries.ready_for_next(patient.id, versions) if versions else (),
    ))
    open_alerts = store_alerts(patient.id, findings, today,
                               queries.open_alerts_for([patient.id]).get(patient.id, []))
    if any(finding.code is AlertCode.RED_FLAG for finding in findings):
        # A red flag raised just now pauses from today: the pause is read from its alert,
        # which did not exist when the plan was made (one more query, after a yes only).
        latest = queries.pauses(patient.id, patient.time_zone)
        if latest != pauses:
            pauses = latest
            plan = history.prescribed(versions, queries.spans_until(
                pauses, today + timedelta(days=AHEAD_DAYS)))
    summary = summary_row(patient.id)
    if summary.run_notes is None:  # not recorded yet (a new summary, or one from before)
        record_run_notes(patient.id)
    summary.last_session_date = max((s.local_date for s in sessions), default=None) \
        or summary.last_session_date
    summary.baseline_pain = baseline
    streak, streak_from, before = _streak(patient.id, versions, plan, all_logs, today, since,
                                          base)
    days = summary_days(plan, day_logs, sessions, today, streak=streak, streak_from=streak_from)
    days["streak_base"] = [since.isoformat(), before]
    days["paused"] = [[first.isoformat(), last.isoformat() if last else None]
                      for first, last in pauses]
    days["line"] = pain_figures(days, today)
    summary.days = days
    summary.summary_on = today
    summary.adherence_7, summary.adherence_28 = summary.days["a7"], summary.days["a28"]
    _count_open_alerts(summary, open_alerts)
    db.session.flush()
    return frozenset(finding.code.value for finding in findings)


def withdraw_alerts(patient: User, since: datetime, found: Collection[str],
                    note: str) -> int:
    """Resolve the patient's open alerts raised since ``since`` that their rows no longer
    raise (``found``: what ``refresh_patient`` found just now), as the patient's own doing,
    with ``note`` saying what they changed: an answer they put right (a morning check-in, a
    corrected log) raised them, and the physio should not act on it. They stay in the
    history, resolved. Acknowledged alerts (the physio is on it) and red flags stay as they
    are. The number resolved."""
    withdrawn = list(db.session.scalars(select(Alert).where(
        Alert.patient_id == patient.id, Alert.status == AlertStatus.OPEN,
        Alert.created_at >= since, Alert.code != AlertCode.RED_FLAG.value,
        Alert.code.not_in(sorted(found)))))
    for alert in withdrawn:
        alert.status = AlertStatus.RESOLVED
        db.session.add(AlertAction(alert_id=alert.id, status=AlertStatus.RESOLVED, note=note,
                                   by_id=patient.id))
    if withdrawn:
        recount_alerts(patient.id)
    return len(withdrawn)


BASE_SLACK_DAYS = 14  # how far before ``since`` a refresh reads to join the last one's base


def _streak_base(previous: Mapping[str, Any] | None, since: date
                 ) -> tuple[date, date, int] | None:
    """What the last refresh kept of its streak for this one (``rules.streak_carried``): the
    day its logs began, the streak's first day and how many of its days came before. None
    when there is none to join: no streak that began before it, a summary from before
    these were kept, or one so old that joining it would read more than a fortnight more."""
    if not previous or not previous.get("streak_base") or not previous.get("streak_from"):
        return None
    day, before = previous["streak_base"]
    floor = date.fromisoformat(day)
    if not since - timedelta(days=BASE_SLACK_DAYS) <= floor <= since:
        return None
    return floor, date.fromisoformat(previous["streak_from"]), before


def _streak(patient_id: int, versions, plan, logs, today, since: date,
            base: tuple[date, date, int] | None) -> tuple[int, date | None, int]:
    """Today's streak, its first day and how many of its days fall before ``since``, from
    the logs since ``since`` (a Monday five to six weeks back: those the refresh reads
    anyway) or since the last refresh's ``base`` (its own ``since``, read with them), and
    what that refresh kept of the days before (``rules.streak_carried``). Only when those
    cannot say are the older logs read, once. (A streak of more than 13 weeks once stopped
    at 91, the first day read; then 13 weeks of logs were read for every refresh.)"""
    floor = base[0] if base else since
    found = rules.streak_carried(plan, logs, today, floor, base[1:] if base else None)
    if found is None:
        earliest = min(p.start for p in plan)  # the walk reached `floor` with the plan older
        logs = history.day_logs(patient_queries.log_rows_since(patient_id, earliest), versions)
        count, first, _ = rules.streak_run(plan, logs, today)
        found = count, first
    return *found, rules.streak_before(plan, logs, today, since, found)


def recount_alerts(patient_id: int) -> None:
    """Bring the caseload's alert counts for the patient up to date with their alerts."""
    _count_open_alerts(summary_row(patient_id))


def _count_open_alerts(summary: PatientSummary,
                       alerts: list[tuple[int, str, str]] | None = None) -> None:
    """Copy the patient's open alerts, counted by level, and the most urgent of them onto
    their summary: the caseload sorts by the counts and shows the rest. Run after every change
    to an alert's existence or status. ``alerts`` as (id, level, reason) when the caller knows
    them all (the refresh: those it read and those it stored); else they are read."""
    if alerts is None:
        db.session.flush()
        alerts = [(alert.id, alert.level, alert.reason) for alert in
                  queries.open_alerts_for([summary.patient_id]).get(summary.patient_id, ())]
    counts, summary.open_alerts = open_alert_digest(alerts)
    summary.open_critical, summary.open_high, summary.open_low = counts
    summary.updated_at = now_utc()


def record_screening(patient: User, occasion: Occasion,
                     answers: Mapping[str, bool]) -> ScreeningResult:
    """Store a red-flag screen; a yes raises a critical alert at once (ValueError if partial)."""
    result = screen(answers, occasion)
    db.session.add(Screening(
        patient_id=patient.id, occasion=ScreeningOccasion(occasion.value),
        answers=dict(answers), flagged=list(result.flagged),
        urgency=result.urgency.value if result.urgency else None,
        local_date=local_today(now_utc(), patient.time_zone),
    ))
    db.session.flush()
    if result.flagged:
        refresh_patient(patient)
    return result


def act_on_alert(alert: Alert, physio: User, status: AlertStatus, note: str) -> AlertAction:
    """Acknowledge or resolve an alert, with a note; resolved alerts stay in the history.

    The patient's lock is taken first and the alert's status read again under it: two answers
    at once (a double tap, two tabs) both passed the check on the status they had read, and
    an acknowledge sent with a resolve reopened the resolved alert. The lock also keeps the
    order every writer of a patient's rows takes (patient, summary, alerts): the physio's
    answer and the patient's changed morning answer deadlocked on the alert and the summary.
    """
    if status is AlertStatus.OPEN:
        raise AlertActionRefused("An alert can be acknowledged or resolved.")
    lock_patient(alert.patient_id)
    db.session.refresh(alert, ["status"])
    if alert.status is AlertStatus.RESOLVED:
        raise AlertActionRefused("This alert is already resolved.")
    if status is alert.status:
        raise AlertActionRefused("This alert is already acknowledged.")
    if status is AlertStatus.RESOLVED and not note.strip():
        raise AlertActionRefused("Say how the alert was resolved.")
    alert.status = status
    action = AlertAction(alert_id=alert.id, status=status, note=note.strip(), by_id=physio.id)
    db.session.add(action)
    db.session.flush()
    if status is AlertStatus.RESOLVED and alert.code == AlertCode.RED_FLAG.value:
        # The pause ends: the summary's paused days, streak and adherence move on with it.
        patient = db.session.get(User, alert.patient_id)
        assert patient is not None
        refresh_patient(patient)
    else:
        recount_alerts(alert.patient_id)
    db.session.flush()
    return action


def resolve_ready_for_next(patient: User, physio: User) -> None:
    """A programme the physio saves is their choice of what comes next: it resolves the
    patient's "next step for you to choose" alerts still open, with a note saying so."""
    for alert in db.session.scalars(select(Alert).where(
            Alert.patient_id == patient.id, Alert.code == AlertCode.READY_FOR_NEXT.value,
            Alert.status != AlertStatus.RESOLVED)):
        act_on_alert(alert, physio, AlertStatus.RESOLVED,
                     "Resolved by saving a new programme for the patient.")


class NoteAlreadySent(Exception):
    """The form the note came from already sent another note."""


def post_message(patient: User, physio: User, text: str, client_id: str) -> bool:
    """Leave a short note the patient reads on Today, once per form it was sent from
    (``client_id``); return whether it is new. The same note sent again (a double click, a
    retry) is the one stored; other words from the same form (sent, then the Back button)
    are refused, as the physio may not know the first went. The unique constraint decides,
    not a read first (security.md trap 8)."""
    text = text.strip()
    stored = db.session.execute(
        insert_or_skip(PatientMessage)
        .values(patient_id=patient.id, author_id=physio.id, text=text, client_id=client_id,
                created_at=now_utc())
        .on_conflict_do_nothing(index_elements=["patient_id", "client_id"])
        .returning(PatientMessage.id)).scalar()
    if stored is not None:
        return True
    earlier = db.session.scalar(select(PatientMessage.text).where(
        PatientMessage.patient_id == patient.id, PatientMessage.client_id == client_id))
    if earlier != text:
        raise NoteAlreadySent("This page already sent a note with other words, and it is "
                              "saved (see “Latest” below). Yours is still in the box: send "
                              "it to add it as another note.")
    return False
