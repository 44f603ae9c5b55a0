"""One time-ordered story of a patient for the physio: sessions, decisions, alerts, programme
changes and notes (built from rows already loaded; no queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from ..models import Alert, PatientMessage
from ..patient.queries import SessionRow
from ..programmes.queries import ProgrammeView
from ..progression.present import KIND_LABELS
from ..progression.queries import DecisionRow

LIMIT = 40
SOURCE_WORDS = {"physio": "saved by the physio", "rules": "from a progression decision",
                "override": "the physio's override"}


@dataclass(frozen=True)
class Event:
    day: date
    order: datetime
    kind: str  # session, decision, alert, programme, note
    title: str
    text: str
    level: str | None = None
    session_id: int | None = None


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def build(*, sessions: Sequence[SessionRow], decisions: Sequence[DecisionRow],
          alerts: Sequence[Alert], versions: Sequence[ProgrammeView],
          messages: Sequence[PatientMessage], limit: int = LIMIT) -> list[Event]:
    """The newest events, newest first."""
    events = [
        Event(s.local_date, _noon(s.local_date), "session", "Session",
              f"{s.outcome.capitalize()}; pain {s.pain_before} before, worst {s.pain_during}, "
              f"{s.pain_after} after"
              + (f", {s.next_morning_pain} next morning" if s.next_morning_pain is not None
                 else ""),
              session_id=s.id)
        for s in sessions
    ]
    events += [
        Event(d.created_at.date(), d.created_at, "decision",
              f"{KIND_LABELS.get(d.kind, d.kind)}: {d.exercise_name}", d.sentence)
        for d in decisions if d.status != "no_change" or d.review_action
    ]
    events += [
        Event(a.created_at.date(), a.created_at, "alert", f"Alert ({a.level})", a.reason,
              level=a.level)
        for a in alerts
    ]
    events += [
        Event(v.start_date, _noon(v.start_date), "programme", f"Programme version {v.number}",
              f"Starts {v.start_date:%-d %B}, {SOURCE_WORDS.get(v.source.value, v.source.value)}")
        for v in versions
    ]
    events += [
        Event(m.created_at.date(), m.created_at, "note", "Note to the patient",
              f"From {m.author.display_name}")
        for m in messages
    ]
    return sorted(events, key=lambda e: (e.day, e.order), reverse=True)[:limit]
