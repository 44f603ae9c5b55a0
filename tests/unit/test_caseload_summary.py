"""The caseload summary: written once per change, read for hundreds of patients (no app)."""

from __future__ import annotations

from datetime import date, timedelta

from exercise_app.domain.adherence import DayLog, adherence, streak
from exercise_app.domain.scheduling import Prescribed
from exercise_app.patient.queries import SessionRow
from exercise_app.triage.caseload import sparkline
from exercise_app.triage.signals import (
    adherence_now,
    pain_days,
    streak_and_week_now,
    summary_days,
)

TODAY = date(2026, 3, 20)
PLAN = [Prescribed("1", 127, TODAY - timedelta(days=40)),
        Prescribed("2", 0b0010101, TODAY - timedelta(days=40))]
LOGS = [DayLog(TODAY - timedelta(days=n), frozenset({"1", "2"}) if n % 3 else frozenset({"1"}))
        for n in range(1, 30, 2)]


def session(days_ago: int, during: int, morning: int | None = None) -> SessionRow:
    return SessionRow(days_ago, TODAY - timedelta(days=days_ago), 2, during, 1, morning,
                      "completed", False)


def test_written_today_the_stored_adherence_is_read():
    data = summary_days(PLAN, LOGS, [], TODAY, streak=0)
    assert adherence_now(data, TODAY) == (adherence(PLAN, LOGS, TODAY, 7).percent,
                                          adherence(PLAN, LOGS, TODAY, 28).percent)


def test_days_later_adherence_is_read_from_the_counts():
    data = summary_days(PLAN, LOGS, [], TODAY, streak=0)
    for later in (1, 5, 14):
        day = TODAY + timedelta(days=later)
        assert adherence_now(data, day) == (adherence(PLAN, LOGS, day, 7).percent,
                                            adherence(PLAN, LOGS, day, 28).percent)
    assert adherence_now(data, TODAY + timedelta(days=15)) == (None, None)  # too old
    assert adherence_now(None, TODAY) == (None, None)


def test_today_reads_the_streak_and_week_from_the_summary_on_any_later_day():
    # Logged every day but the last two weeks: a streak that a missed day ends.
    logs = [DayLog(TODAY - timedelta(days=n), frozenset({"1", "2"})) for n in range(0, 40)]
    data = summary_days(PLAN, logs, [], TODAY, streak=streak(PLAN, logs, TODAY))
    for later in (0, 1, 2, 10, 14, 15, 40):
        day = TODAY + timedelta(days=later)
        assert streak_and_week_now(data, PLAN, day) == (
            streak(PLAN, logs, day), adherence(PLAN, logs, day, 7).percent), later
    # Without a stored streak, or written on a later day, the page reads the logs instead.
    assert streak_and_week_now({k: v for k, v in data.items() if k != "streak"}, PLAN,
                               TODAY) is None
    assert streak_and_week_now(data, PLAN, TODAY - timedelta(days=1)) is None
    assert streak_and_week_now(None, PLAN, TODAY) is None


def test_pain_days_keep_the_worst_of_each_day_including_next_mornings():
    data = summary_days(PLAN, [], [session(3, 4, morning=6), session(1, 2)], TODAY, streak=0)
    assert pain_days(data) == [(TODAY - timedelta(days=3), 4), (TODAY - timedelta(days=2), 6),
                               (TODAY - timedelta(days=1), 2)]


def test_sparkline_is_numbers_only_and_empty_without_scores():
    svg = sparkline([(TODAY - timedelta(days=2), 7), (TODAY, 3)], TODAY)
    assert svg.startswith('<svg class="spark"') and 'aria-hidden="true"' in svg
    assert sparkline([], TODAY) == ""
