"""The physio's timeline of a patient: events on the patient's own days (no app)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from exercise_app.patient.queries import SessionRow
from exercise_app.triage.timeline import build


def test_events_fall_on_the_patients_day_after_the_session_that_caused_them():
    """A patient 14 hours ahead of UTC logs on their 27 Nov at 10:00 (26 Nov 20:00 UTC): the
    alert and decision it caused were dated 26 Nov in UTC, under the session."""
    logged = datetime(2026, 11, 26, 20, 5, tzinfo=UTC)
    session = SessionRow(1, date(2026, 11, 27), 2, 8, 7, None, "completed", False)
    alert = SimpleNamespace(created_at=logged.replace(second=1), level="high",
                            reason="Pain reached 8/10.")
    decision = SimpleNamespace(created_at=logged, kind="step_down", exercise_name="Clam",
                               sentence="Your clam goes down.", status="applied",
                               review_action=None, replaced=False)
    earlier = SimpleNamespace(created_at=datetime(2026, 11, 25, 9, tzinfo=UTC), level="low",
                              reason="Sessions missed.")
    events = build(sessions=[session], decisions=[decision], alerts=[alert, earlier],
                   versions=[], messages=[], time_zone="Pacific/Kiritimati")
    assert [(e.kind, e.day) for e in events] == [
        ("alert", date(2026, 11, 27)), ("decision", date(2026, 11, 27)),
        ("session", date(2026, 11, 27)), ("alert", date(2026, 11, 25))]


def test_a_decision_made_again_is_shown_undone():
    """A step-down whose run was made again (the patient changed the answer it read) stays in
    the story, marked undone: it read as a step-down in force."""
    at = datetime(2026, 11, 27, 8, tzinfo=UTC)
    undone = SimpleNamespace(created_at=at, kind="step_down", exercise_name="Clam",
                             sentence="Your clam goes down.", status="applied",
                             review_action=None, replaced=True)
    (event,) = build(sessions=[], decisions=[undone], alerts=[], versions=[], messages=[],
                     time_zone="Europe/London")
    assert event.title.endswith("Clam (undone)")
    assert event.text == ("Your clam goes down. Undone: the patient changed the answers it "
                          "read, and the rules decided again from where they were before it.")
