"""Rules about a logged session (domain.sessions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.sessions import (
    MORNING_FROM_HOUR,
    asks_morning_after,
    morning_check_in_open,
)

DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_the_check_in_opens_at_four_the_next_morning():
    assert MORNING_FROM_HOUR == 4
    after = DAY + timedelta(days=1)
    assert not morning_check_in_open(DAY, at(after, 0, 21))  # a late session just ended
    assert not morning_check_in_open(DAY, at(after, 3, 59))
    assert morning_check_in_open(DAY, at(after, 4, 0))
    assert morning_check_in_open(DAY, at(after, 13, 59))
    assert not morning_check_in_open(DAY, at(after, 14, 0))  # test_checkin_window.py


def test_never_on_the_day_itself_or_two_days_on():
    assert not morning_check_in_open(DAY, at(DAY, 23))
    assert not morning_check_in_open(DAY, at(DAY + timedelta(days=2), 9))


@given(st.integers(0, 3), st.integers(0, 23), st.integers(0, 23))
def test_open_exactly_on_the_next_day_from_the_hour(offset, hour, from_hour):
    now = at(DAY + timedelta(days=offset), hour)
    assert morning_check_in_open(DAY, now, from_hour, 24) == (offset == 1 and hour >= from_hour)


def test_a_routine_is_one_sitting_across_midnight_but_not_overnight():
    from datetime import datetime

    from exercise_app.domain.sessions import SITTING_HOURS, same_sitting

    evening = datetime(2026, 3, 5, 23, 40)
    assert same_sitting(datetime(2026, 3, 5, 8), datetime(2026, 3, 5, 22))  # one day
    assert same_sitting(evening, datetime(2026, 3, 6, 0, 5))  # a late session
    assert same_sitting(evening, evening + timedelta(hours=SITTING_HOURS))
    assert not same_sitting(evening, evening + timedelta(hours=SITTING_HOURS, minutes=1))
    assert not same_sitting(datetime(2026, 3, 5, 22, 50), datetime(2026, 3, 6, 8, 30))


def test_a_session_with_every_exercise_skipped_is_skipped_not_partial():
    """All skipped read "partial" on the session and its list, while the calendar called the
    day missed; one skipped of several is still partial."""
    from exercise_app.domain.sessions import ExerciseResult, session_outcome

    skipped = ExerciseResult("skipped", 0, 2)
    assert session_outcome([skipped, ExerciseResult("skipped", 0, 3)]) == "skipped"
    assert session_outcome([skipped, ExerciseResult("done", 2, 2)]) == "partial"
    assert session_outcome([skipped, ExerciseResult("stopped", 1, 2)]) == "stopped"
    assert session_outcome([ExerciseResult("done", 2, 2)]) == "completed"
    assert session_outcome([]) == "partial"


def test_the_morning_after_asks_unless_every_exercise_was_skipped():
    assert [asks_morning_after(o) for o in ("completed", "partial", "stopped", "skipped")] == [
        True, True, True, False]
