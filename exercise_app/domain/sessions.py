"""Rules about a logged session that do not depend on storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PAIN_MIN, PAIN_MAX = 0, 10  # Numeric Rating Scale, whole numbers (clinical.md)
CORRECTION_HOURS = 24  # a patient can correct a log for a day; after that it is the record
# Next-morning pain is asked from this hour of the day after a session (the patient's time):
# a late session ending after midnight was otherwise "next morning" minutes later, and the
# rules read pain straight after exercise as the morning's.
MORNING_FROM_HOUR = 4
# ...and until this hour, when it closes: "how is your pain this morning?" answered in the
# evening is the day's pain, not the morning's (a score given at 22:00 was stored as
# next-morning pain, and the rules read a day's activity as the night's settling).
MORNING_UNTIL_HOUR = 14
# A routine is done in one sitting: one started on an earlier day and sent more than this
# long after is a page left open overnight, and the session belongs to the day it was sent.
SITTING_HOURS = 3


@dataclass(frozen=True)
class ExerciseResult:
    """What the patient reported for one prescribed exercise."""

    status: str  # done | partial | skipped | stopped
    sets_done: int
    prescribed_sets: int


def morning_check_in_open(session_day: date, local_now: datetime,
                          from_hour: int = MORNING_FROM_HOUR,
                          until_hour: int = MORNING_UNTIL_HOUR) -> bool:
    """Whether next-morning pain can be recorded (or changed) now for a session dated
    ``session_day``: on the day after it, from ``from_hour`` until ``until_hour`` (exclusive;
    24 is midnight) in the patient's local time."""
    return (local_now.date() == session_day + timedelta(days=1)
            and from_hour <= local_now.hour < until_hour)


def asks_morning_after(outcome: str) -> bool:
    """Whether the morning after a session asks how it feels: not after one whose every
    exercise was skipped (outcome "skipped"), as nothing was done to feel."""
    return outcome != "skipped"


def same_sitting(started: datetime, sent: datetime) -> bool:
    """Whether a routine started at ``started`` and sent at ``sent`` (the patient's wall
    clock, both) was one sitting, dated by its start: on the same day, or within
    ``SITTING_HOURS`` across midnight. Started at 22:50 and sent at 08:30 from a tab left
    open, the session was dated the day before, and a minute after exercising the patient
    was asked for the morning after it. The hours are real ones: across a change of the
    clocks, wall-clock times subtracted are an hour out (aware datetimes of one zone subtract
    as if it had none), so they are compared in UTC."""
    if started.date() == sent.date():
        return True
    if started.tzinfo is not None and sent.tzinfo is not None:
        started, sent = started.astimezone(UTC), sent.astimezone(UTC)
    return sent - started <= timedelta(hours=SITTING_HOURS)


def session_outcome(results: Sequence[ExerciseResult]) -> str:
    """'stopped' if any exercise was stopped for pain, 'completed' if all were done,
    'skipped' if every one was skipped (nothing done: the calendar calls the day missed),
    else 'partial'."""
    if any(r.status == "stopped" for r in results):
        return "stopped"
    if results and all(r.status == "done" and r.sets_done >= r.prescribed_sets
                       for r in results):
        return "completed"
    if results and all(r.status == "skipped" for r in results):
        return "skipped"
    return "partial"


# A session's outcome as a patient reads it ("You logged a session (all done)").
OUTCOME_WORDS = {
    "completed": "all done",
    "partial": "partly done",
    "stopped": "stopped early",
    "skipped": "all skipped",
}


def outcome_words(outcome: object) -> str:
    """Plain words for an outcome (``session_outcome``'s value, or the enum holding it)."""
    value = str(getattr(outcome, "value", outcome))
    return OUTCOME_WORDS.get(value, value)


EFFORT_ANCHORS = {
    0: "No effort at all",
    2: "Easy: I could do many more",
    4: "Steady: I could do a fair few more",
    6: "Hard: only a few more in me",
    8: "Very hard: one or two more at most",
    10: "Everything I had",
}
PAIN_ANCHORS = {0: "No pain", 3: "Mild", 5: "Moderate", 7: "Severe", 10: "Worst imaginable"}
