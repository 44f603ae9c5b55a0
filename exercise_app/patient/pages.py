"""Page parts a patient and their physio both see: the history blocks and the CSV of logs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import Response

from ..domain.progression import RuleSettings
from ..domain.scheduling import local_time
from ..triage import queries as triage_queries
from ..triage.signals import history_figures, paused_days, streak_and_week_now
from . import history, queries


def history_view(patient_id: int, time_zone: str, versions, today, summary: dict | None,
                 baseline: int | None = None, settings: RuleSettings | None = None):
    """The history blocks for a patient, from their summary (``PatientSummary.days``, read
    with their programme versions: ``triage.queries.summary_and_versions``) and plain rows of
    the last 13 weeks (two queries).

    The streak and adherence come from the patient's summary, as on Today, so only the five
    weeks the calendar shows are read from the logs; without a summary that can say them, the
    13 weeks are read and they are counted. With the usual pain, the chart shades the band of
    change that is not yet meaningful by the patient's rule ``settings``. Days a red flag
    paused the routine are not missed (one more query).
    """
    since = today - timedelta(days=history.WINDOW_DAYS - 1)
    paused = triage_queries.paused_spans(patient_id, time_zone, today)
    figures = history_figures(summary, history.prescribed(versions, paused), today)
    logs_since = history.calendar_start(today) if figures else since
    return history.build(
        versions, queries.session_rows(patient_id, since),
        queries.log_rows_since(patient_id, logs_since), history.exercise_names(versions), today,
        baseline, figures=figures, paused=paused, settings=settings,
    )


def today_figures(patient_id: int, versions, summary, today) -> tuple[int, int | None]:
    """Today's streak and 7-day adherence: from the patient's summary, or, when there is none
    yet (or one from before streaks were kept), counted from the logs (one more query)."""
    # The red flags' pauses as the summary kept them: the days they paused are not missed.
    paused = paused_days(summary, today)
    figures = streak_and_week_now(summary, history.prescribed(versions, paused or ()), today) \
        if paused is not None else None
    if figures is None:
        since = today - timedelta(days=history.WINDOW_DAYS - 1)
        streak, week = history.streak_and_week(
            versions, queries.log_rows_since(patient_id, since), today)
        figures = streak, week.percent
    return figures


CSV_HEADER = (
    "date", "started_at", "ended_at", "pain_before", "worst_pain_during", "pain_after",
    "next_morning_pain", "effort", "session_outcome", "exercise", "exercise_status",
    "sets_done", "reps_done", "reps_done_other_side", "skip_reason", "stop_reason", "notes",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _clock(instant: datetime | None, time_zone: str) -> str | None:
    """An instant on the patient's clock, with its offset, as the date column is."""
    return None if instant is None else local_time(instant, time_zone).isoformat(
        sep=" ", timespec="seconds")


def csv_lines(rows, time_zone: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for session, log, name in rows:
        writer.writerow([csv_cell(v) for v in (
            session.local_date, _clock(session.started_at, time_zone),
            _clock(session.ended_at, time_zone), session.pain_before,
            session.pain_during, session.pain_after, session.next_morning_pain, session.effort,
            session.outcome.value, name, log.status.value if log else None,
            log.sets_done if log else None, log.reps_done if log else None,
            log.reps_done_other_side if log else None,
            log.skip_reason.value if log and log.skip_reason else None,
            log.stop_reason.value if log and log.stop_reason else None, session.notes,
        )])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def csv_response(rows, filename: str, time_zone: str) -> Response:
    """All of a patient's logs as CSV, times on the patient's clock (``time_zone``)."""
    lines = list(csv_lines(rows, time_zone))
    # A byte-order mark first: without it, Excel reads the file as the system's code page
    # and garbles accented names and notes.
    return Response("\ufeff" + "".join(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
