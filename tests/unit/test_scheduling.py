from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.scheduling import (
    FULL_WEEK_MASK,
    DayPlan,
    Prescribed,
    days_from_mask,
    due_days,
    is_due,
    local_today,
    mask_from_days,
    spread_days,
)

MONDAY = date(2025, 11, 3)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def test_mask_round_trips_weekdays():
    mask = mask_from_days([MON, WED, FRI])
    assert mask == 0b0010101
    assert days_from_mask(mask) == (MON, WED, FRI)
    assert days_from_mask(127) == tuple(range(7))


@pytest.mark.parametrize("days", [[], [7], [-1], [MON, 9]])
def test_mask_needs_real_weekdays(days):
    with pytest.raises(ValueError):
        mask_from_days(days)


@pytest.mark.parametrize("mask", [0, 128, -1])
def test_mask_must_be_one_to_127(mask):
    with pytest.raises(ValueError):
        days_from_mask(mask)


@pytest.mark.parametrize(
    ("sessions", "days"),
    [
        (1, (MON,)),
        (2, (MON, THU)),
        (3, (MON, WED, FRI)),
        (4, (MON, TUE, THU, FRI)),
        (5, (MON, TUE, WED, THU, FRI)),
        (6, (MON, TUE, WED, THU, FRI, SAT)),
        (7, (MON, TUE, WED, THU, FRI, SAT, SUN)),
    ],
)
def test_spread_days_is_fixed(sessions, days):
    assert spread_days(sessions) == days


@pytest.mark.parametrize("sessions", [0, 8])
def test_spread_days_needs_one_to_seven(sessions):
    with pytest.raises(ValueError):
        spread_days(sessions)


@pytest.mark.parametrize("sessions", [1, 2, 3])
def test_up_to_three_sessions_always_have_a_rest_day_between(sessions):
    days = spread_days(sessions)
    assert all(b - a >= 2 for a, b in itertools.pairwise(days))
    assert days[0] + 7 - days[-1] >= 2 or sessions == 1  # across the weekend too


def test_is_due_respects_weekday_and_start():
    mask = mask_from_days([MON, THU])
    assert is_due(mask, MONDAY, MONDAY)
    assert not is_due(mask, MONDAY + timedelta(days=1), MONDAY)
    assert is_due(mask, MONDAY + timedelta(days=3), MONDAY)
    assert not is_due(mask, MONDAY, MONDAY + timedelta(days=1))


def test_due_days_lists_days_in_range_from_start():
    mask = mask_from_days([MON, WED, FRI])
    start = MONDAY + timedelta(days=2)  # Wednesday
    got = due_days(mask, start, MONDAY, MONDAY + timedelta(days=13))
    assert got == [MONDAY + timedelta(days=n) for n in (2, 4, 7, 9, 11)]
    assert due_days(mask, start, MONDAY + timedelta(days=5), MONDAY + timedelta(days=4)) == []


@given(
    mask=st.integers(1, 127),
    start=st.dates(date(2024, 1, 1), date(2026, 1, 1)),
    first=st.dates(date(2024, 1, 1), date(2026, 1, 1)),
    length=st.integers(0, 40),
)
def test_due_days_agrees_with_is_due(mask, start, first, length):
    last = first + timedelta(days=length)
    days = [first + timedelta(days=n) for n in range(length + 1)]
    assert due_days(mask, start, first, last) == [d for d in days if is_due(mask, d, start)]


def test_local_today_uses_the_patients_zone():
    late_utc = datetime(2025, 11, 3, 23, 30, tzinfo=UTC)
    assert local_today(late_utc, "Europe/London") == date(2025, 11, 3)
    assert local_today(late_utc, "Australia/Sydney") == date(2025, 11, 4)
    assert local_today(late_utc, "America/Los_Angeles") == date(2025, 11, 3)
    early_utc = datetime(2025, 11, 4, 3, 0, tzinfo=UTC)
    assert local_today(early_utc, "America/New_York") == date(2025, 11, 3)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Europe"])
def test_local_today_rejects_unknown_zones(zone):
    with pytest.raises(ValueError, match="time zone"):
        local_today(datetime(2025, 11, 3, tzinfo=UTC), zone)


def test_local_today_needs_an_aware_datetime():
    with pytest.raises(ValueError, match="aware"):
        local_today(datetime(2025, 11, 3, 12), "Europe/London")


def test_day_plan_lists_due_keys_in_order():
    plan = [
        Prescribed("bridge", mask_from_days([MON, WED, FRI]), MONDAY),
        Prescribed("clam", mask_from_days([MON]), MONDAY + timedelta(days=7)),
        Prescribed("walk", 127, MONDAY),
        Prescribed("bridge", mask_from_days([MON]), MONDAY),  # duplicate key, listed once
    ]
    assert DayPlan(plan).due(MONDAY) == ("bridge", "walk")
    assert DayPlan(plan).due(MONDAY + timedelta(days=1)) == ("walk",)
    assert DayPlan(plan).due(MONDAY + timedelta(days=7)) == ("bridge", "clam", "walk")
    assert DayPlan(plan).due(MONDAY - timedelta(days=1)) == ()


def test_an_ended_prescription_is_no_longer_due():
    item = Prescribed("bridge", 127, MONDAY, end=MONDAY + timedelta(days=2))
    assert DayPlan([item]).due(MONDAY + timedelta(days=2)) == ("bridge",)
    assert DayPlan([item]).due(MONDAY + timedelta(days=3)) == ()
    with pytest.raises(ValueError):
        Prescribed("bridge", 127, MONDAY, end=MONDAY - timedelta(days=1))


def test_prescribed_checks_its_mask():
    with pytest.raises(ValueError):
        Prescribed("bridge", 0, MONDAY)


_DAY0 = date(2026, 3, 2)
_days = st.integers(0, 60).map(lambda n: _DAY0 + timedelta(days=n))


@st.composite
def _prescribed(draw) -> Prescribed:
    start = draw(_days)
    end = draw(st.none() | st.integers(0, 40).map(lambda n: start + timedelta(days=n)))
    return Prescribed(draw(st.sampled_from("ab")), draw(st.integers(1, 127)), start, end)


@st.composite
def _span(draw) -> tuple[date, date]:
    first = draw(_days)
    return first, first + timedelta(days=draw(st.integers(0, 15)))


@given(st.lists(_prescribed(), max_size=4), st.lists(_span(), max_size=3))
def test_a_paused_day_has_nothing_due_and_every_other_day_its_own_plan(plan, spans):
    from exercise_app.domain.scheduling import pause

    paused = pause(plan, spans)
    for n in range(-2, 80):
        day = _DAY0 + timedelta(days=n)
        inside = any(first <= day <= last for first, last in spans)
        assert DayPlan(paused).due(day) == (() if inside else DayPlan(plan).due(day))


def test_a_pause_cuts_a_prescription_into_the_days_around_it():
    from exercise_app.domain.scheduling import pause

    daily = Prescribed("1", FULL_WEEK_MASK, date(2026, 3, 2))
    assert pause([daily], [(date(2026, 3, 5), date(2026, 3, 7))]) == [
        Prescribed("1", FULL_WEEK_MASK, date(2026, 3, 2), date(2026, 3, 4)),
        Prescribed("1", FULL_WEEK_MASK, date(2026, 3, 8))]
    assert pause([daily], []) == [daily]
