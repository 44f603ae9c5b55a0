from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.dosing import describe_dose, estimated_seconds


def test_reps_with_a_hold():
    text = describe_dose(sets=2, reps=10, hold_seconds=3, rest_seconds=60,
                         sessions_per_week=3, each_side=False)
    assert text.work == "2 sets of 10, holding each for 3 seconds"
    assert text.rest == "rest 60 s between sets"
    assert text.frequency == "3 days a week"


def test_stretch_each_side_every_day():
    text = describe_dose(sets=1, reps=None, hold_seconds=30, rest_seconds=0,
                         sessions_per_week=7, each_side=True)
    assert text.work == "1 hold of 30 seconds on each side"
    assert text.rest == "no rest needed"
    assert text.frequency == "every day"


def test_the_rest_is_said_where_the_routine_takes_it():
    """One set on each side rests between the sides; one set on both, not at all (it was
    "rest 30 s between sets" with a single set)."""
    def rest(sets: int, each_side: bool) -> str:
        return describe_dose(sets=sets, reps=10, hold_seconds=None, rest_seconds=30,
                             sessions_per_week=7, each_side=each_side).rest
    assert rest(1, each_side=False) == "no rest needed"
    assert rest(1, each_side=True) == "rest 30 s between sides"
    assert rest(2, each_side=True) == "rest 30 s between sets and sides"
    assert rest(2, each_side=False) == "rest 30 s between sets"


def test_a_timed_set_with_its_own_word_is_said_in_minutes_where_it_can_be():
    text = describe_dose(sets=3, reps=None, hold_seconds=120, rest_seconds=60,
                         sessions_per_week=5, each_side=False, bout="walk")
    assert text.work == "3 walks of 2 minutes"
    one = describe_dose(sets=1, reps=None, hold_seconds=90, rest_seconds=0,
                        sessions_per_week=5, each_side=False, bout="walk")
    assert one.work == "1 walk of 90 seconds"
    held = describe_dose(sets=1, reps=None, hold_seconds=60, rest_seconds=0,
                         sessions_per_week=7, each_side=False)
    assert held.work == "1 hold of 60 seconds"  # holds stay in seconds, as they are timed


def test_a_dose_needs_reps_or_a_hold():
    with pytest.raises(ValueError, match="reps or a hold"):
        describe_dose(sets=1, reps=None, hold_seconds=None, rest_seconds=0,
                      sessions_per_week=1, each_side=False)


def test_duration_counts_both_sides_and_rests():
    assert estimated_seconds(sets=2, reps=10, hold_seconds=None, rest_seconds=60,
                             each_side=True) == 2 * 10 * 4 * 2 + 3 * 60  # L R L R: 3 rests
    assert estimated_seconds(sets=3, reps=None, hold_seconds=30, rest_seconds=15,
                             each_side=False) == 3 * 30 + 2 * 15


@given(sets=st.integers(1, 5), reps=st.integers(1, 30), hold=st.integers(0, 120),
       rest=st.integers(0, 180), each_side=st.booleans())
def test_more_sets_never_take_less_time(sets, reps, hold, rest, each_side):
    kwargs = {"reps": reps, "hold_seconds": hold or None, "rest_seconds": rest,
              "each_side": each_side}
    assert estimated_seconds(sets=sets + 1, **kwargs) > estimated_seconds(sets=sets, **kwargs)
