"""An exercise prescribed N days a week, on any days: where its sessions fall due, and what
adherence, streaks and missed days make of a week done on other days than the spread ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.adherence import (
    DayLog,
    DayStatus,
    adherence,
    day_statuses,
    missed_in_a_row,
    streak,
)
from exercise_app.domain.scheduling import (
    DayPlan,
    Prescribed,
    mask_from_days,
    monday_of,
    schedule_text,
    spread_days,
)

MONDAY = date(2026, 3, 2)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def any_days(n: int, start: date = MONDAY, key: str = "bridge") -> Prescribed:
    return Prescribed(key, mask_from_days(spread_days(n)), start, per_week=n)


def done(*days: int, key: str = "bridge") -> list[DayLog]:
    return [DayLog(day(n), frozenset({key})) for n in days]


def placed(plan: list[Prescribed], logs: list[DayLog], first: int, last: int) -> list[int]:
    merged = {entry.day: entry.done for entry in logs}
    started = {entry.day: entry.partial for entry in logs}
    days_plan = DayPlan(plan, merged, started)
    return [n for n in range(first, last + 1) if days_plan.due(day(n))]


def test_three_days_a_week_done_tuesday_thursday_saturday_is_a_whole_week():
    """The spread days are Monday, Wednesday and Friday; done on the other three, the week is
    done, nothing is missed and nothing is extra."""
    plan = [any_days(3)]
    logs = done(1, 3, 5)
    statuses = dict(day_statuses(plan, logs, day(0), day(6), day(7)))
    assert [n for n in range(7) if statuses[day(n)] is DayStatus.DONE] == [1, 3, 5]
    assert {statuses[day(n)] for n in (0, 2, 4, 6)} == {DayStatus.REST}
    assert adherence(plan, logs, day(6), 7).percent == 100
    assert streak(plan, logs, day(6)) == 3


def test_sessions_still_owed_fall_on_the_weeks_last_days():
    """Nothing done by Wednesday: the three sessions are due Friday to Sunday, so no day is
    missed while the week can still be made up."""
    plan = [any_days(3)]
    assert placed(plan, [], 0, 6) == [4, 5, 6]
    statuses = dict(day_statuses(plan, [], day(0), day(6), day(3)))
    assert DayStatus.MISSED not in statuses.values()
    assert [n for n in range(7) if statuses[day(n)] is DayStatus.FUTURE] == [4, 5, 6]
    # On Saturday with nothing done, one session can no longer be fitted in: Friday is missed.
    statuses = dict(day_statuses(plan, [], day(0), day(6), day(5)))
    assert [statuses[day(n)] for n in (4, 5, 6)] == [
        DayStatus.MISSED, DayStatus.TODAY_PENDING, DayStatus.FUTURE]
    # Done on Monday, the other two still fit on Saturday and Sunday.
    statuses = dict(day_statuses(plan, done(0), day(0), day(6), day(5)))
    assert [statuses[day(n)] for n in (0, 4, 5, 6)] == [
        DayStatus.DONE, DayStatus.REST, DayStatus.TODAY_PENDING, DayStatus.FUTURE]


def test_a_week_done_short_misses_its_last_days():
    plan = [any_days(3)]
    logs = done(1)
    statuses = dict(day_statuses(plan, logs, day(0), day(6), day(7)))
    assert [n for n in range(7) if statuses[day(n)] is DayStatus.MISSED] == [5, 6]
    result = adherence(plan, logs, day(6) + timedelta(days=1), 7)  # the week, Mon to Sun
    assert (result.prescribed_exercises, result.completed_exercises) == (3, 1.0)
    assert missed_in_a_row(plan, logs, day(7)) == 2


def test_a_fourth_session_is_an_extra_and_started_days_count_after_done_ones():
    plan = [any_days(3)]
    logs = [*done(0, 1, 2, 3)]
    statuses = dict(day_statuses(plan, logs, day(0), day(6), day(7)))
    assert [statuses[day(n)] for n in range(4)] == [DayStatus.DONE] * 3 + [DayStatus.EXTRA]
    # Started on Monday, done on Tuesday, Wednesday and Thursday: the done days count.
    logs = [DayLog(day(0), frozenset(), frozenset({"bridge"})), *done(1, 2, 3)]
    assert placed(plan, logs, 0, 6) == [1, 2, 3]
    # Started on Monday and done on Tuesday only: Monday counts half, one session is owed.
    logs = [DayLog(day(0), frozenset(), frozenset({"bridge"})), *done(1)]
    assert placed(plan, logs, 0, 6) == [0, 1, 6]


def test_a_part_week_asks_for_its_share_of_the_week():
    """A programme starting on Thursday at 3 a week asks, that week, for 2 sessions (3 x 4 /
    7 = 1.7) on any of Thursday to Sunday. (It asked for the spread days from Thursday on:
    Friday's one; and once a week from Tuesday, or 3 a week from Saturday, asked for none.)"""
    plan = [any_days(3, start=day(3))]
    assert placed(plan, [], 0, 6) == [5, 6]
    assert placed(plan, done(3), 0, 6) == [3, 6]
    assert DayPlan(plan).week_progress(day(3)) == {"bridge": (0, 2)}
    assert DayPlan(plan, {day(3): frozenset({"bridge"})}).week_progress(day(4)) == {
        "bridge": (1, 2)}
    assert DayPlan(plan).week_progress(day(2)) == {}  # not prescribed yet
    assert placed([any_days(1, start=day(1))], [], 0, 6) == [6]
    assert placed([any_days(3, start=day(5))], [], 0, 6) == [6]
    assert placed([any_days(3, start=day(6))], [], 0, 6) == []  # 3 / 7: rounds to none


@pytest.mark.parametrize(("session_days", "owed"), [
    (0, 0), (3, 0), (4, 1), (6, 1), (7, 1), (12, 2), (21, 3), (35, 5), (49, 7)])
def test_owed_in_is_the_weeks_share_rounded_half_up(session_days, owed):
    from exercise_app.domain.scheduling import owed_in

    assert owed_in(session_days) == owed


def test_seven_days_a_week_is_every_day():
    plan = [any_days(7)]
    assert not plan[0].any_day
    assert placed(plan, [], 0, 6) == list(range(7))


def test_fixed_weekdays_are_unchanged_beside_any_day_exercises():
    plan = [Prescribed("clam", mask_from_days([0]), MONDAY), any_days(2)]
    days_plan = DayPlan(plan, {day(1): frozenset({"bridge"})})
    assert days_plan.due(day(0)) == ("clam",)
    assert days_plan.due(day(1)) == ("bridge",)
    assert days_plan.due(day(6)) == ("bridge",)  # the second session, still owed


def test_a_prescription_checks_its_sessions_a_week():
    with pytest.raises(ValueError, match="1 to 7"):
        Prescribed("bridge", 1, MONDAY, per_week=8)


def test_schedule_text_says_when_in_words():
    assert schedule_text(127) == "every day"
    assert schedule_text(127, 7) == "every day"
    assert schedule_text(mask_from_days([0, 3])) == "on Mondays and Thursdays"
    assert schedule_text(mask_from_days([0, 2, 4])) == "on Mondays, Wednesdays and Fridays"
    assert schedule_text(mask_from_days([6])) == "on Sundays"
    assert schedule_text(mask_from_days(spread_days(3)), 3) == "any 3 days a week"
    assert schedule_text(mask_from_days(spread_days(1)), 1) == "once a week, any day"


# Property tests: whatever was done, each week part asks for as many days as its spread days.

weeks_logs = st.lists(st.builds(
    DayLog, day=st.dates(MONDAY, MONDAY + timedelta(days=27)),
    done=st.frozensets(st.just("bridge")), partial=st.frozensets(st.just("bridge"))),
    max_size=20)


@given(st.integers(1, 6), st.integers(0, 20), weeks_logs)
def test_each_week_asks_for_its_share_and_counts_done_days_first(n, start_n, logs):
    plan = [any_days(n, start=day(start_n))]
    merged: dict[date, set[str]] = {}
    started: dict[date, set[str]] = {}
    for entry in logs:
        merged.setdefault(entry.day, set()).update(entry.done)
        started.setdefault(entry.day, set()).update(entry.partial)
    days_plan = DayPlan(plan, {d: frozenset(k) for d, k in merged.items()},
                        {d: frozenset(k) for d, k in started.items()})
    for week in range(4):
        days = [day(7 * week + i) for i in range(7) if day(7 * week + i) >= day(start_n)]
        due = [d for d in days if days_plan.due(d)]
        done_days = [d for d in days if "bridge" in merged.get(d, ())]
        share = round(n * len(days) / 7)  # n x days / 7 is never a half: no tie to break
        asked = max(share, min(len(done_days), n))  # a part week done in full counts in full
        assert len(due) == asked
        # as many done days as it asks for are due; never a day both not done and not last
        assert len(set(due) & set(done_days)) == min(asked, len(done_days))
        assert all(monday_of(d) == day(7 * week) for d in due)


@given(st.integers(1, 6), weeks_logs, st.integers(7, 27), weeks_logs)
def test_doing_more_never_lowers_a_whole_weeks_adherence(n, logs, today_n, more):
    """Over whole weeks (Monday to the Sunday before today), more done never counts less."""
    plan = [any_days(n), Prescribed("clam", mask_from_days([0, 3]), MONDAY)]
    today = day(today_n)
    days = (monday_of(today) - MONDAY).days
    if days == 0:
        return
    window_end = monday_of(today) - timedelta(days=1)
    earlier = [e for e in logs if e.day <= window_end]
    later = [e for e in more if e.day <= window_end]
    before = adherence(plan, earlier, window_end + timedelta(days=1), days + 1)
    after = adherence(plan, earlier + later, window_end + timedelta(days=1), days + 1)
    assert after.completed_exercises >= before.completed_exercises


def test_a_new_version_mid_week_takes_the_weeks_sessions_on():
    """Done Monday and Tuesday, then a new version (new prescription, same exercise) from
    Wednesday, done Thursday: the week's three sessions are done. Each version was owed its
    own part's spread days, so Tuesday was an extra and Sunday missed; and on Wednesday,
    Today said 0 of 2 done after two sessions (found by a review)."""
    mask = mask_from_days(spread_days(3))
    plan = [Prescribed("old", mask, day(-7), end=day(1), per_week=3, track="bridge#1"),
            Prescribed("new", mask, day(2), per_week=3, track="bridge#1")]
    logs = [DayLog(day(0), frozenset({"old"})), DayLog(day(1), frozenset({"old"})),
            DayLog(day(3), frozenset({"new"}))]
    statuses = dict(day_statuses(plan, logs, day(0), day(6), day(7)))
    assert [n for n in range(7) if statuses[day(n)] is DayStatus.DONE] == [0, 1, 3]
    assert DayStatus.MISSED not in statuses.values()
    assert adherence(plan, logs, day(7), 7).percent == 100
    wednesday = DayPlan(plan, {entry.day: entry.done for entry in logs[:2]})
    assert wednesday.week_progress(day(2)) == {"new": (2, 3)}
    assert wednesday.due(day(6)) == ("new",)  # the third, still owed, on the new version


def test_a_pause_mid_week_shares_the_week_between_its_parts():
    """Paused Wednesday to Friday: Monday, Tuesday and the weekend are left, four days,
    which ask for 2 of the 3 sessions; done on Saturday, one is still owed on Sunday."""
    from exercise_app.domain.scheduling import pause

    plan = pause([any_days(3)], [(day(2), day(4))])
    assert len(plan) == 2
    assert placed(plan, done(0, 5), 0, 6) == [0, 5]
    assert placed(plan, done(5), 0, 6) == [5, 6]
    assert placed(plan, [], 0, 6) == [5, 6]


def test_todays_week_figure_is_none_when_nothing_was_due_not_a_recount_without_logs():
    """Once a week, done last Monday; on Tuesday the last 7 days had nothing due, so the
    summary's figure is None. Today took None for 'cannot say' and recounted without the
    logs, which put last week's session on its Sunday, missed: 0 % (found by a review)."""
    from exercise_app.triage import signals

    monday = MONDAY + timedelta(days=14)
    plan = [any_days(1)]
    logs = [DayLog(monday - timedelta(days=7), frozenset({"bridge"}))]
    today = monday + timedelta(days=1)
    data = signals.summary_days(plan, logs, [], today, streak(plan, logs, today))
    assert adherence(plan, logs, today, 7).percent is None
    assert signals.streak_and_week_now(data, plan, today) == (1, None)
    # Past the days the summary counts ahead, the plan alone says it: nothing done since.
    later = today + timedelta(days=30)
    assert signals.streak_and_week_now(data, plan, later) == (
        0, adherence(plan, logs, later, 7).percent)


def test_a_pause_later_in_the_week_keeps_the_sessions_done_before_it():
    """Done Monday, Tuesday and Wednesday at 3 a week, then a red flag from Saturday: the
    week's share fell to 2 and Wednesday became an extra (found by a review)."""
    from exercise_app.domain.scheduling import pause

    plan = pause([any_days(3)], [(day(5), day(6))])
    logs = done(0, 1, 2)
    statuses = dict(day_statuses(plan, logs, day(0), day(6), day(7)))
    assert [statuses[day(n)] for n in range(3)] == [DayStatus.DONE] * 3
    assert streak(plan, logs, day(7)) == 3


def test_today_is_open_while_an_any_day_week_is_short():
    """Monday, nothing done of 3 a week: nothing falls due today, but Today offers it, and
    the calendar said 'Rest day'. It says the day is open; once the week is done, rest."""
    plan = [any_days(3)]
    assert dict(day_statuses(plan, [], day(0), day(6), day(0)))[day(0)] is DayStatus.OPEN
    week_done = done(0, 1, 2)
    assert dict(day_statuses(plan, week_done, day(0), day(6), day(3)))[day(3)] is (
        DayStatus.REST)
    # Only today: a past day not done, the week since made up, is a rest day.
    assert dict(day_statuses(plan, done(2), day(0), day(6), day(2)))[day(0)] is DayStatus.REST
