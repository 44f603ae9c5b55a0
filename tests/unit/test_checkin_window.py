"""The morning check-in's window (domain.sessions.morning_check_in_open): the day after a
session, from MORNING_FROM_HOUR until MORNING_UNTIL_HOUR on the patient's clock. It was open
until midnight, and a score given at 22:00 was stored as the next morning's pain."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.config import Defaults
from exercise_app.domain.sessions import (
    MORNING_FROM_HOUR,
    MORNING_UNTIL_HOUR,
    morning_check_in_open,
)

DAY = date(2026, 3, 10)
AFTER = DAY + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_open_from_four_until_two_in_the_afternoon_by_default():
    assert (MORNING_FROM_HOUR, MORNING_UNTIL_HOUR) == (4, 14)
    assert not morning_check_in_open(DAY, at(AFTER, 3, 59))
    assert morning_check_in_open(DAY, at(AFTER, 4, 0))
    assert morning_check_in_open(DAY, at(AFTER, 13, 59))
    assert not morning_check_in_open(DAY, at(AFTER, 14, 0))
    assert not morning_check_in_open(DAY, at(AFTER, 22, 0))  # the evening is not the morning
    assert not morning_check_in_open(DAY, at(AFTER, 23, 59))


def test_the_configured_hours_are_the_domain_defaults():
    assert Defaults.MORNING_CHECK_IN_FROM_HOUR == MORNING_FROM_HOUR
    assert Defaults.MORNING_CHECK_IN_UNTIL_HOUR == MORNING_UNTIL_HOUR
    assert 0 <= MORNING_FROM_HOUR < MORNING_UNTIL_HOUR <= 24


def test_until_24_keeps_it_open_until_midnight():
    assert morning_check_in_open(DAY, at(AFTER, 23, 59), 0, 24)
    assert not morning_check_in_open(DAY, at(AFTER + timedelta(days=1), 0, 0), 0, 24)


def test_an_aware_local_time_is_read_on_its_own_clock():
    """The window is on the patient's wall clock, whatever the offset (a DST morning)."""
    london = ZoneInfo("Europe/London")
    spring = date(2026, 3, 28)  # clocks go forward at 01:00 on the 29th
    assert morning_check_in_open(spring, datetime(2026, 3, 29, 4, 0, tzinfo=london))
    assert morning_check_in_open(spring, datetime(2026, 3, 29, 13, 59, tzinfo=london))
    assert not morning_check_in_open(spring, datetime(2026, 3, 29, 14, 0, tzinfo=london))


# (from_hour, until_hour): the check-in opens at a whole hour and closes at a later one.
hours = st.integers(0, 23).flatmap(
    lambda start: st.tuples(st.just(start), st.integers(start + 1, 24)))


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(-3, 3),
       st.times(), hours)
def test_open_exactly_on_the_next_local_day_between_the_two_hours(day, offset, clock, window):
    """Open on the next day from ``from_hour`` (inclusive) to ``until_hour`` (exclusive), and
    at no other time: not the day itself, not two days on, not before or after the hours."""
    from_hour, until_hour = window
    now = datetime.combine(day + timedelta(days=offset), clock)
    expected = offset == 1 and time(from_hour) <= clock and (
        until_hour == 24 or clock < time(until_hour))
    assert morning_check_in_open(day, now, from_hour, until_hour) == expected


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), hours)
def test_the_open_minutes_are_one_stretch_of_the_next_morning(day, window):
    """Walking the next day minute by minute, the check-in opens once and closes once."""
    from_hour, until_hour = window
    start = datetime.combine(day + timedelta(days=1), time(0))
    states = [morning_check_in_open(day, start + timedelta(minutes=m), from_hour, until_hour)
              for m in range(0, 24 * 60, 15)]
    opened = states.index(True)
    assert opened == from_hour * 4
    assert all(states[opened:until_hour * 4]) and not any(states[until_hour * 4:])
    assert not any(states[:opened])
