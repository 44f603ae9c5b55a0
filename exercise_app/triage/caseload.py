"""Build the caseload page from loaded rows: who needs the physio first, and why (no queries).

Two passes: every patient gets the few numbers that sort and filter them (open alerts counted
by level, adherence, days since the last session); only the page shown gets its alerts' text,
sparkline, trend and programme.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any, NamedTuple

from ..domain.alerts import LEVEL_ORDER, LEVEL_RANK, triage_key_from_counts
from ..domain.scheduling import daily_job_late, local_today
from ..domain.stages import in_force, stage_text
from .queries import CaseloadRow, OpenAlert
from .signals import adherence_now, latest_pain, pain_series

PAGE_SIZE = 25
SPARK_DAYS = 28
_FILTER_LEVELS = ("critical", "high", "low", "any", "none")  # what ``matches`` filters on


class CaseloadEntry(NamedTuple):
    """What sorts and filters one patient (a named tuple: one is made per patient per page)."""

    row: CaseloadRow
    adherence_7: int | None
    adherence_28: int | None
    days_since: int | None
    key: tuple[int, ...]
    alert_count: int
    top_level: str | None  # the most severe open alert's level


@dataclass(frozen=True)
class CaseloadLine:
    """One patient as the page shows them."""

    entry: CaseloadEntry
    alerts: list[OpenAlert]  # the most urgent open and acknowledged (domain.alerts)
    account: str  # "active", "invited", "deactivated"
    latest_pain: int | None
    trend: str  # "up", "down", "steady" or "" (not enough data)
    sparkline: str  # SVG markup of numbers only
    stage: str


def todays(rows: Sequence[CaseloadRow], now: datetime) -> dict[str, date]:
    """Today in each of the patients' time zones: each patient's figures are read for their
    own day (with the physio's, a patient ahead of them had logged "-1 days" ago)."""
    return {zone: local_today(now, zone) for zone in {row.time_zone for row in rows}}


def stale(rows: Sequence[CaseloadRow],
          today_in: Mapping[str, date]) -> dict[int, dict[str, Any]]:
    """The summaries written before the patient's today (``todays``), decoded: their
    adherence is read from their day counts (``entries`` needs them)."""
    return {row.id: json.loads(row.summary_text) for row in rows
            if row.summary_on is not None and row.summary_on != today_in[row.time_zone]
            and row.summary_text}


def summaries_late(rows: Sequence[CaseloadRow], today_in: Mapping[str, date]) -> date | None:
    """The oldest summary of an active patient when it says the daily job has stopped
    (``domain.scheduling.daily_job_late``), else None."""
    late = [row.summary_on for row in rows if row.active and row.summary_on is not None
            and daily_job_late(row.summary_on, today_in[row.time_zone])]
    return min(late, default=None)


def entries(rows: Sequence[CaseloadRow], older: Mapping[int, Mapping[str, Any]],
            today_in: Mapping[str, date]) -> list[CaseloadEntry]:
    """Every patient of the caseload, neediest first. ``older`` holds the summaries that
    ``stale`` named."""
    result = []
    levels = [level.value for level in LEVEL_ORDER]
    for row in rows:
        today = today_in[row.time_zone]
        if row.id in older:
            a7, a28 = adherence_now(older[row.id], today)
        else:
            a7, a28 = row.adherence_7, row.adherence_28
        last = row.last_session_date
        # Never in the future: a patient who moved west of the zone they logged in has a
        # last session dated after their today ("-1 days ago").
        days_since = max(0, (today - last).days) if last else None
        counts = row.alert_counts
        key = (*triage_key_from_counts(counts, days_since, a28), row.id)
        top = levels[key[0]] if key[0] < len(levels) else None  # the key starts with its rank
        result.append(CaseloadEntry(row, a7, a28, days_since, key, sum(counts), top))
    result.sort(key=attrgetter("key"))
    return result


def filtered(entries_: Sequence[CaseloadEntry], search: str,
             level: str) -> Sequence[CaseloadEntry]:
    """The entries that pass the page's filters (all of them, unfiltered, when none is set)."""
    if not search and level not in _FILTER_LEVELS:
        return entries_
    return [entry for entry in entries_ if matches(entry, search, level)]


def matches(entry: CaseloadEntry, search: str, level: str) -> bool:
    """Whether an entry passes the page's filters."""
    row = entry.row
    if search and search.casefold() not in f"{row.name} {row.email}".casefold():
        return False
    if level in ("critical", "high", "low"):
        return bool(row.alert_counts[LEVEL_RANK[level]])
    if level == "any":
        return entry.alert_count > 0
    if level == "none":
        return entry.alert_count == 0
    return True


def _trend(series: Sequence[int | None]) -> str:
    """Whether the last week's pain is a point or more above or below the week before's
    (``series``: the last 14 days or more, oldest first)."""
    recent = [p for p in series[-7:] if p is not None]
    before = [p for p in series[-14:-7] if p is not None]
    if not recent or not before:
        return ""
    change = sum(recent) / len(recent) - sum(before) / len(before)
    return "up" if change >= 1 else "down" if change <= -1 else "steady"


_SPARK_WIDTH, _SPARK_HEIGHT = 84, 24
# Each point's coordinates as text, by day and by score: formatting floats for every point of
# every row took most of the caseload's own time.
_SPARK_X = [f"{n * (_SPARK_WIDTH - 4) / (SPARK_DAYS - 1) + 2:.1f}" for n in range(SPARK_DAYS)]
_SPARK_Y = [f"{_SPARK_HEIGHT - 2 - p * (_SPARK_HEIGHT - 4) / 10:.1f}" for p in range(36)]


def sparkline(series: Sequence[int | None]) -> str:
    """A small SVG line of the daily worst pain over four weeks (decorative: text says it).
    ``series``: the last ``SPARK_DAYS`` days' scores, oldest first.

    Built only from dates and whole numbers, so it is safe to insert as markup.
    """
    return _spark_svg(_spark_points(series))


def _spark_points(series: Sequence[int | None]) -> str:
    return " ".join(f"{_SPARK_X[n]},{_SPARK_Y[p]}"
                    for n, p in enumerate(series[-SPARK_DAYS:]) if p is not None)


def _spark_svg(points: str) -> str:
    if not points:
        return ""
    return (
        f'<svg class="spark" viewBox="0 0 {_SPARK_WIDTH} {_SPARK_HEIGHT}" '
        f'width="{_SPARK_WIDTH}" height="{_SPARK_HEIGHT}" '
        f'aria-hidden="true" focusable="false"><polyline fill="none" stroke="currentColor" '
        f'stroke-width="1.5" points="{points}"/></svg>'
    )


def pain_figures(summary: Mapping[str, Any] | None, today: date) -> list[Any]:
    """What the caseload's pain cell shows of a summary on ``today``: [latest pain, trend,
    sparkline points]. Stored in the summary for the day it is written (``"line"``), as its
    adherence is, so a page of fresh summaries reads them instead of working them out."""
    series = pain_series(summary, today, SPARK_DAYS)
    return [latest_pain(summary, today), _trend(series), _spark_points(series)]


def lines(page: Sequence[CaseloadEntry], today_in: Mapping[str, date],
          older: Mapping[int, Mapping[str, Any]] | None = None) -> list[CaseloadLine]:
    """The shown page's patients with their alerts, pain sparkline, trend and programme, all
    from their summaries (a patient without one has no alert, score or programme). ``older``:
    the summaries ``stale`` already decoded, not decoded again."""
    result = []
    for entry in page:
        row = entry.row
        today = today_in[row.time_zone]
        summary = (older or {}).get(row.id) or (
            json.loads(row.summary_text) if row.summary_text else None)
        stored = summary.get("line") if summary and row.summary_on == today else None
        latest, trend, points = stored or pain_figures(summary, today)
        account = ("deactivated" if not row.active else "active" if row.accepted
                   else "invited")
        shown = json.loads(row.alerts_text) if row.alerts_text else ()
        result.append(CaseloadLine(
            entry=entry, alerts=[OpenAlert(id_, row.id, level, reason)
                                 for id_, level, reason in shown],
            account=account, latest_pain=latest, trend=trend, sparkline=_spark_svg(points),
            stage=stage_text(in_force(json.loads(row.stages_text) if row.stages_text else (),
                                      today)),
        ))
    return result
