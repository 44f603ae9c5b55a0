"""Build the caseload page from loaded rows: who needs the physio first, and why (no queries).

Two passes: every patient gets the few numbers that sort and filter them (open alerts counted
by level, adherence, days since the last session); only the page shown gets its alerts' text,
sparkline, trend and programme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from ..domain.alerts import LEVEL_ORDER, triage_key_from_counts
from ..patient import history
from ..programmes.queries import ProgrammeView
from .queries import CaseloadRow, OpenAlert
from .signals import adherence_now, pain_days

PAGE_SIZE = 25
_RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}
SPARK_DAYS = 28


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
    alerts: list[OpenAlert]  # open and acknowledged, most severe then newest first
    account: str  # "active", "invited", "deactivated"
    latest_pain: int | None
    trend: str  # "up", "down", "steady" or "" (not enough data)
    sparkline: str  # SVG markup of numbers only
    stage: str


def stale(rows: Sequence[CaseloadRow], today: date) -> list[int]:
    """Patients whose summary was written before today: their adherence is read from the
    summary's day counts (``entries`` needs those summaries)."""
    day = today.isoformat()
    return [row.id for row in rows if row.summary_on is not None and row.summary_on != day]


def entries(rows: Sequence[CaseloadRow], older: Mapping[int, Mapping[str, Any]],
            today: date) -> list[CaseloadEntry]:
    """Every patient of the caseload, neediest first. ``older`` holds the summaries that
    ``stale`` named."""
    result = []
    for row in rows:
        if row.id in older:
            a7, a28 = adherence_now(older[row.id], today)
        else:
            a7, a28 = row.adherence_7, row.adherence_28
        days_since = (today - row.last_session_date).days if row.last_session_date else None
        key = (*triage_key_from_counts(row.alert_counts, days_since, a28), row.id)
        top = next((level.value for level, count in zip(LEVEL_ORDER, row.alert_counts,
                                                        strict=True) if count), None)
        result.append(CaseloadEntry(row, a7, a28, days_since, key, sum(row.alert_counts), top))
    return sorted(result, key=lambda e: e.key)


def matches(entry: CaseloadEntry, search: str, level: str) -> bool:
    """Whether an entry passes the page's filters."""
    row = entry.row
    if search and search.casefold() not in f"{row.name} {row.email}".casefold():
        return False
    if level in ("critical", "high", "low"):
        return bool(row.alert_counts[_RANK[level]])
    if level == "any":
        return entry.alert_count > 0
    if level == "none":
        return entry.alert_count == 0
    return True


def _trend(pain: Sequence[tuple[date, int]], today: date) -> str:
    week_ago, fortnight_ago = today - timedelta(days=7), today - timedelta(days=14)
    recent = [p for d, p in pain if d > week_ago]
    before = [p for d, p in pain if fortnight_ago < d <= week_ago]
    if not recent or not before:
        return ""
    change = sum(recent) / len(recent) - sum(before) / len(before)
    return "up" if change >= 1 else "down" if change <= -1 else "steady"


def sparkline(pain: Sequence[tuple[date, int]], today: date, days: int = SPARK_DAYS) -> str:
    """A small SVG line of the daily worst pain over four weeks (decorative: text says it).

    Built only from dates and whole numbers, so it is safe to insert as markup.
    """
    first = today - timedelta(days=days - 1)
    shown = [(d, p) for d, p in pain if first <= d <= today]
    if not shown:
        return ""
    width, height = 84, 24
    points = " ".join(
        f"{(d - first).days * (width - 4) / (days - 1) + 2:.1f},"
        f"{height - 2 - p * (height - 4) / 10:.1f}"
        for d, p in shown
    )
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true" focusable="false"><polyline fill="none" stroke="currentColor" '
        f'stroke-width="1.5" points="{points}"/></svg>'
    )


def _stage(versions: Sequence[ProgrammeView], today: date) -> str:
    version = history.effective(versions, today) or (versions[-1] if versions else None)
    if version is None:
        return "No programme"
    text = f"Version {version.number}"
    if version.template_slug:
        text += f", {version.template_slug.replace('-', ' ')} stage {version.template_stage}"
    return text


def lines(page: Sequence[CaseloadEntry], alerts: Mapping[int, list[OpenAlert]],
          summaries: Mapping[int, Mapping[str, Any]], versions: Mapping[int, list[ProgrammeView]],
          today: date) -> list[CaseloadLine]:
    """The shown page's patients with their alerts, pain sparkline, trend and programme."""
    result = []
    for entry in page:
        row = entry.row
        pain = [(d, p) for d, p in pain_days(summaries.get(row.id)) if d <= today]
        account = ("deactivated" if not row.active else "active" if row.accepted
                   else "invited")
        own = sorted(alerts.get(row.id, ()), key=lambda a: (_RANK[a.level], -a.id))
        result.append(CaseloadLine(
            entry=entry, alerts=own, account=account,
            latest_pain=pain[-1][1] if pain else None,
            trend=_trend(pain, today), sparkline=sparkline(pain, today),
            stage=_stage(versions.get(row.id, []), today),
        ))
    return result
