"""One time-ordered story of a patient for the physio: sessions, decisions, alerts, programme
changes and notes (built from rows already loaded; no queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from ..domain.scheduling import local_today
from ..domain.sessions import outcome_words
from ..models import Alert, PatientMessage
from ..patient.queries import SessionRow
from ..programmes.queries import ProgrammeView
from ..progression.present import KIND_LABELS, physio_text
from ..progression.queries import DecisionRow

LIMIT = 40
UNDONE = ("Undone: the patient changed the answers it read, and the rules decided again "
          "from where they were before it.")
SOURCE_WORDS = {"physio": "saved by the physio", "rules": "from a progression decision",
                "override": "the physio's override"}


# Within a day: the programme that starts it, then the session, then what followed from it
# (decisions, alerts, notes) in the order they were made.
_RANK = {"programme": 0, "session": 1}


@dataclass(frozen=True)
class Event:
    day: date  # the patient's calendar day
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
          messages: Sequence[PatientMessage], time_zone: str,
          limit: int = LIMIT) -> list[Event]:
    """The newest events, newest first, each on the patient's day (``time_zone``), as their
    sessions are: on UTC days, the alerts and decisions a session caused could fall on the
    day before it, listed as if they came first."""

    def day(at: datetime) -> date:
        return local_today(at, time_zone)

    events = [
        Event(s.local_date, _noon(s.local_date), "session", "Session",
              f"{outcome_words(s.outcome).capitalize()}; pain {s.pain_before} before, worst "
              f"{s.pain_during}, {s.pain_after} after"
              + (f", {s.next_morning_pain} next morning" if s.next_morning_pain is not None
                 else ""),
              session_id=s.id)
        for s in sessions
    ]
    events += [
        Event(day(d.created_at), d.created_at, "decision",
              f"{KIND_LABELS.get(d.kind, d.kind)}: {d.exercise_name}"
              + (" (undone)" if d.replaced else ""),
              physio_text(d) + (f" {UNDONE}" if d.replaced else ""))
        for d in decisions if d.status != "no_change" or d.review_action
    ]
    events += [
        Event(day(a.created_at), a.created_at, "alert", f"Alert ({a.level})", a.reason,
              level=a.level)
        for a in alerts
    ]
    events += [
        Event(v.start_date, _noon(v.start_date), "programme", f"Programme version {v.number}",
              f"Starts {v.start_date:%-d %B}, {SOURCE_WORDS.get(v.source.value, v.source.value)}")
        for v in versions
    ]
    events += [
        Event(day(m.created_at), m.created_at, "note", "Note to the patient",
              f"From {m.author.display_name}")
        for m in messages
    ]
    return sorted(events, key=lambda e: (e.day, _RANK.get(e.kind, 2), e.order),
                  reverse=True)[:limit]
