"""Review: dates, time zones and day boundaries in the pure domain rules.

Each test here fails on the code as reviewed and says what the patient sees wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime

from exercise_app.domain.scheduling import local_time
from exercise_app.domain.sessions import SITTING_HOURS, same_sitting


def test_a_routine_across_the_spring_forward_night_is_one_sitting():
    """A patient in London starts their routine at 23:00 on Saturday 28 March 2026 and sends
    it 2 h 45 min later, at 02:45 BST on Sunday (the clocks went forward at 01:00). That is
    one sitting by the rule (within SITTING_HOURS = 3 hours across midnight), so the session
    belongs to Saturday. ``same_sitting`` subtracts the two wall-clock times (both carry the
    same ZoneInfo, so Python ignores the offsets) and sees 3 h 45 min: the start time is
    dropped, the session is dated Sunday, Saturday shows as missed on the calendar, and the
    morning check-in for it comes a day late."""
    started = local_time(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "Europe/London")
    sent = local_time(datetime(2026, 3, 29, 1, 45, tzinfo=UTC), "Europe/London")
    assert (sent.astimezone(UTC) - started.astimezone(UTC)).total_seconds() < \
        SITTING_HOURS * 3600  # 2 h 45 min of real time
    assert same_sitting(started, sent)


def test_a_page_left_open_across_the_autumn_night_is_not_one_sitting():
    """The other way round: started at 23:30 BST on Saturday 24 October 2026 and sent at
    01:45 GMT on Sunday, 3 h 15 min later (the clocks went back at 02:00). That is longer
    than a sitting, so the session belongs to Sunday, the day it was sent; the wall clocks
    say 2 h 15 min, and it is dated Saturday instead."""
    started = local_time(datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "Europe/London")
    sent = local_time(datetime(2026, 10, 25, 1, 45, tzinfo=UTC), "Europe/London")
    assert (sent.astimezone(UTC) - started.astimezone(UTC)).total_seconds() > \
        SITTING_HOURS * 3600  # 3 h 15 min of real time
    assert not same_sitting(started, sent)
