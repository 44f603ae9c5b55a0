from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.adherence import (
    DayLog,
    DayStatus,
    adherence,
    calendar_weeks,
    day_statuses,
    streak,
)
from exercise_app.domain.scheduling import (
    DayPlan,
    Prescribed,
    mask_from_days,
    monday_of,
    spread_days,
)

MONDAY = date(2025, 11, 3)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def log(n: int, done: set[str] = frozenset(), partial: set[str] = frozenset()) -> DayLog:
    return DayLog(day(n), frozenset(done), frozenset(partial))


# bridge Mon/Wed/Fri, clam Mon only: Monday has two exercises due
PLAN = [
    Prescribed("bridge", mask_from_days([MON, WED, FRI]), MONDAY),
    Prescribed("clam", mask_from_days([MON]), MONDAY),
]


def statuses(logs, today_n, first_n=0, last_n=6):
    return dict(day_statuses(PLAN, logs, day(first_n), day(last_n), day(today_n)))


def test_each_status():
    logs = [
        log(0, {"bridge", "clam"}),  # Mon: all done
        log(1, {"bridge"}),  # Tue: nothing due, but a session logged
        log(2, partial={"bridge"}),  # Wed: started only
        # Thu: rest; Fri: missed
    ]
    got = statuses(logs, today_n=7, last_n=8)
    assert got[day(0)] is DayStatus.DONE
    assert got[day(1)] is DayStatus.EXTRA
    assert got[day(2)] is DayStatus.PARTLY
    assert got[day(3)] is DayStatus.REST
    assert got[day(4)] is DayStatus.MISSED
    assert got[day(5)] is DayStatus.REST
    assert got[day(7)] is DayStatus.TODAY_PENDING  # next Monday: today, not done
    assert got[day(8)] is DayStatus.REST  # a future rest day


def test_future_prescribed_days_are_future():
    got = statuses([], today_n=0, last_n=6)
    assert got[day(2)] is DayStatus.FUTURE
    assert got[day(3)] is DayStatus.REST


def test_today_done_is_done_and_today_partly_is_pending():
    assert statuses([log(0, {"bridge", "clam"})], today_n=0)[day(0)] is DayStatus.DONE
    assert statuses([log(0, {"bridge"})], today_n=0)[day(0)] is DayStatus.TODAY_PENDING


def test_one_due_exercise_done_of_two_is_partly():
    assert statuses([log(0, {"bridge"})], today_n=1)[day(0)] is DayStatus.PARTLY


def test_logs_of_one_day_merge_and_done_beats_partial():
    logs = [log(0, {"bridge"}, {"clam"}), log(0, {"clam"})]
    assert statuses(logs, today_n=1)[day(0)] is DayStatus.DONE


def test_a_day_whose_exercises_were_all_skipped_is_missed():
    """A session logged with every exercise skipped (its reasons stay in the history) does
    no exercise: the day is missed, on a rest day it stays a rest day, and the missed days
    in a row go on counting."""
    from exercise_app.domain.adherence import missed_in_a_row

    skipped = [DayLog(day(n), frozenset()) for n in (0, 2, 4, 6)]  # Mon Wed Fri, and Sun
    got = dict(day_statuses(PLAN, skipped, day(0), day(6), day(7)))
    assert [got[day(n)] for n in (0, 2, 4, 6)] == [DayStatus.MISSED] * 3 + [DayStatus.REST]
    assert missed_in_a_row(PLAN, skipped, day(7)) == 3


def test_nothing_before_the_start_is_missed():
    got = dict(day_statuses(PLAN, [], day(-7), day(-1), day(3)))
    assert set(got.values()) == {DayStatus.REST}


def test_adherence_window_is_the_last_days_up_to_today_only_when_done():
    logs = [
        log(0, {"bridge", "clam"}),  # 2 of 2
        log(2, partial={"bridge"}),  # 0.5 of 1
        # Fri (4): 0 of 1
    ]
    result = adherence(PLAN, logs, today=day(7), days=7)  # window Tue 4 to Sun 9 Nov
    assert (result.first, result.last) == (day(1), day(6))
    assert result.prescribed_exercises == 2
    assert result.completed_exercises == 0.5
    assert result.percent == 25
    assert (result.prescribed_days, result.days_done, result.days_partly) == (2, 0, 1)
    assert result.days_missed == 1

    # Today (Mon 10 Nov) completes the seven days once all of it is done. (It used to join
    # the seven days before it: eight in all.)
    done_today = adherence(PLAN, [*logs, log(7, {"bridge", "clam"})], today=day(7), days=7)
    assert (done_today.first, done_today.last) == (day(1), day(7))
    assert done_today.prescribed_exercises == 4
    assert done_today.completed_exercises == 2.5
    assert done_today.percent == 63  # 62.5 rounds half up
    assert done_today.days_done == 1

    # but a half-done today changes nothing
    half_today = adherence(PLAN, [*logs, log(7, {"bridge"})], today=day(7), days=7)
    assert half_today == result


def test_a_week_done_after_a_missed_day_is_all_of_the_last_seven_days():
    daily = [Prescribed("bridge", mask_from_days([MON, TUE, WED, THU, FRI, SAT, SUN]), MONDAY)]
    week = [log(n, {"bridge"}) for n in range(1, 8)]  # day 0 missed, days 1 to 7 done
    assert adherence(daily, week, today=day(7), days=7).percent == 100
    assert adherence(daily, week[:-1], today=day(7), days=7).percent == 100  # today to come
    assert adherence(daily, week[1:], today=day(7), days=7).percent == 86  # day 1 missed


def test_nothing_prescribed_has_no_percent():
    result = adherence(PLAN, [], today=day(0), days=14)
    assert result.prescribed_exercises == 0
    assert result.percent is None


def test_percent_keeps_0_and_100_for_none_and_all():
    plan = [Prescribed("walk", 127, MONDAY)]
    logs = [log(n, {"walk"}) for n in range(199)] + [log(199, partial={"walk"})]
    # 201 days up to a today still to do: the 200 days before it
    assert adherence(plan, logs, today=day(200), days=201).percent == 99  # 99.75 is not 100
    one_half = [log(0, partial={"walk"})]
    assert adherence(plan, one_half, today=day(200), days=201).percent == 1  # 0.25 is not 0


def test_adherence_needs_a_window():
    with pytest.raises(ValueError):
        adherence(PLAN, [], today=day(7), days=0)


def test_streak_counts_done_prescribed_days_and_skips_rest_days():
    logs = [
        log(0, {"bridge"}),  # Mon: partly (clam missing): ends the streak
        log(2, {"bridge"}),  # Wed
        log(3, {"clam"}),  # Thu: extra, neither breaks nor adds
        log(4, {"bridge"}),  # Fri
        log(7, {"bridge", "clam"}),  # Mon
    ]
    assert streak(PLAN, logs, today=day(7)) == 3
    assert streak(PLAN, logs, today=day(8)) == 3  # Tue is a rest day
    assert streak(PLAN, logs, today=day(9)) == 3  # Wed today, still pending
    assert streak(PLAN, logs, today=day(10)) == 0  # Wed missed
    assert streak(PLAN, logs[1:], today=day(7)) == 3  # Mon 3 Nov partly still ends it


def test_streak_with_nothing_prescribed_is_zero():
    assert streak([], [log(0, {"walk"})], today=day(3)) == 0
    assert streak(PLAN, [], today=day(-1)) == 0


def test_calendar_weeks_pad_to_whole_weeks():
    # November 2025 starts on a Saturday and ends on a Sunday
    first, last = date(2025, 11, 1), date(2025, 11, 30)
    got = calendar_weeks(day_statuses(PLAN, [], first, last, day(0)))
    assert len(got) == 5
    assert all(len(week) == 7 for week in got)
    assert got[0][:5] == [None] * 5
    assert got[0][5] == (first, DayStatus.REST)
    assert got[-1][6] is not None and got[-1][6][0] == last
    assert [cell[0] for week in got for cell in week if cell] == [
        first + timedelta(days=n) for n in range(30)
    ]


def test_calendar_weeks_can_start_on_sunday():
    first, last = date(2025, 11, 1), date(2025, 11, 30)
    got = calendar_weeks(day_statuses(PLAN, [], first, last, day(0)), first_weekday=SUN)
    assert got[0][:6] == [None] * 6
    assert got[0][6] is not None and got[0][6][0] == first
    assert got[-1][0] is not None and got[-1][0][0] == last
    assert got[-1][1:] == [None] * 6
    assert calendar_weeks([]) == []
    with pytest.raises(ValueError):
        calendar_weeks([], first_weekday=7)


# ---- properties ----------------------------------------------------------------------------

KEYS = ["bridge", "clam", "walk"]
START = date(2025, 1, 6)

def _any_days(key: str, n: int, start: date, end: date | None = None) -> Prescribed:
    """An exercise done on any ``n`` days of a week (its mask: the spread days)."""
    return Prescribed(key, mask_from_days(spread_days(n)), start, end, per_week=n)


prescriptions = st.lists(
    st.one_of(
        st.builds(
            Prescribed,
            key=st.sampled_from(KEYS),
            mask=st.integers(1, 127),
            start=st.dates(START, START + timedelta(days=20)),
        ),
        st.builds(_any_days, key=st.sampled_from(KEYS), n=st.integers(1, 7),
                  start=st.dates(START, START + timedelta(days=20))),
    ),
    max_size=3,
)
day_logs = st.lists(
    st.builds(
        DayLog,
        day=st.dates(START, START + timedelta(days=40)),
        done=st.frozensets(st.sampled_from(KEYS)),
        partial=st.frozensets(st.sampled_from(KEYS)),
    ),
    max_size=30,
)
todays = st.dates(START, START + timedelta(days=40))


@given(prescriptions, day_logs, todays, st.integers(1, 40))
def test_percent_is_within_0_and_100(plan, logs, today, days):
    result = adherence(plan, logs, today, days)
    assert result.percent is None or 0 <= result.percent <= 100
    assert (result.percent is None) == (result.prescribed_exercises == 0)
    assert 0 <= result.completed_exercises <= result.prescribed_exercises


def _due_with(plan, logs):
    """What is due each day, given the logs (an any-day exercise falls where it was done)."""
    done: dict[date, frozenset[str]] = {}
    partial: dict[date, frozenset[str]] = {}
    for entry in logs:
        done[entry.day] = done.get(entry.day, frozenset()) | entry.done
        partial[entry.day] = partial.get(entry.day, frozenset()) | entry.partial
    return DayPlan(plan, done, {d: keys - done[d] for d, keys in partial.items()}).due


@given(prescriptions, day_logs, todays, st.integers(1, 40), day_logs)
def test_doing_more_never_lowers_adherence(plan, logs, today, days, more):
    """Over any window for exercises on fixed weekdays; over whole weeks, with nothing logged
    after them, for those done on any days of a week (a session done before a window that
    cuts a week can take the place of one done in it)."""
    if any(p.any_day for p in plan):
        today = today + timedelta(days=(7 - today.weekday()) % 7)  # a Monday
        days = 7 * -(-days // 7) + 1  # whole weeks before it, and today (not yet done)
        logs = [e for e in logs if e.day < today]
        more = [e for e in more if e.day < today]
    before = adherence(plan, logs, today, days)
    after = adherence(plan, logs + more, today, days)
    assert after.completed_exercises >= before.completed_exercises
    if before.percent is not None:
        assert after.percent is not None and after.percent >= before.percent


@given(prescriptions, day_logs, todays, st.integers(1, 40))
def test_the_window_is_the_last_days_with_today_only_once_done(plan, logs, today, days):
    result = adherence(plan, logs, today, days)
    due = set(_due_with(plan, logs)(today))
    done = {key for log in logs if log.day == today for key in log.done}
    assert result.first == today - timedelta(days=days - 1)
    assert result.last == (today if due and due <= done else today - timedelta(days=1))


@given(prescriptions, day_logs, todays)
def test_streak_is_at_most_the_prescribed_days(plan, logs, today):
    due = _due_with(plan, logs)
    prescribed = sum(bool(due(START + timedelta(days=n))) for n in range((today - START).days + 1))
    assert 0 <= streak(plan, logs, today) <= prescribed


@given(prescriptions, day_logs, todays)
def test_a_day_with_nothing_prescribed_is_never_missed(plan, logs, today):
    last = START + timedelta(days=45)
    due = _due_with(plan, logs)
    for each_day, status in day_statuses(plan, logs, START, last, today):
        if not due(each_day):  # open: today, with an any-day exercise still on offer
            assert status in (DayStatus.REST, DayStatus.EXTRA, DayStatus.OPEN)
            assert status is not DayStatus.OPEN or each_day == today
        if status is DayStatus.MISSED:
            assert each_day < today


def test_missed_in_a_row_counts_back_from_yesterday_over_rest_days():
    from exercise_app.domain.adherence import missed_in_a_row

    plan = [Prescribed("bridge", mask_from_days([MON, WED, FRI]), MONDAY)]
    logs = [DayLog(MONDAY, frozenset({"bridge"}))]
    # Monday done; Wednesday and Friday missed; today is the next Monday.
    assert missed_in_a_row(plan, logs, MONDAY + timedelta(days=7)) == 2
    assert missed_in_a_row(plan, logs, MONDAY + timedelta(days=3)) == 1  # Wednesday
    assert missed_in_a_row(plan, logs, MONDAY + timedelta(days=1)) == 0
    partly = [*logs, DayLog(MONDAY + timedelta(days=4), frozenset(), frozenset({"bridge"}))]
    assert missed_in_a_row(plan, partly, MONDAY + timedelta(days=7)) == 0


@st.composite
def plans_and_logs(draw):
    keys = ["a", "b", "c"]
    plan = []
    for key in keys[:draw(st.integers(1, 3))]:
        start = day(draw(st.integers(0, 20)))
        end = draw(st.one_of(st.none(), st.just(day(draw(st.integers(21, 60))))))
        per_week = draw(st.one_of(st.none(), st.integers(1, 6)))
        plan.append(Prescribed(key, draw(st.integers(1, 127)), start, end) if per_week is None
                    else _any_days(key, per_week, start, end))
    logs = [DayLog(day(draw(st.integers(0, 60))), frozenset(draw(st.sets(st.sampled_from(keys)))),
                   frozenset(draw(st.sets(st.sampled_from(keys)))))
            for _ in range(draw(st.integers(0, 40)))]
    return plan, logs


@given(plans_and_logs(), st.integers(30, 60), st.sampled_from([7, 28]))
def test_adherence_from_counts_matches_adherence(plan_logs, today_n, days):
    from exercise_app.domain.adherence import adherence_from_counts, day_counts

    plan, logs = plan_logs
    today = day(today_n)
    # Counted on `today`, from the logs there are then: none later (a week's sessions done
    # later would raise what an any-day exercise's week asks for).
    logs = [entry for entry in logs if entry.day <= today]
    counts = day_counts(plan, logs, day(0), day(70))
    assert adherence_from_counts(counts, today, days) == adherence(plan, logs, today, days).percent


def test_adherence_from_counts_outside_the_counted_days_is_unknown():
    from exercise_app.domain.adherence import adherence_from_counts, day_counts

    counts = day_counts(PLAN, [], day(10), day(20))
    assert adherence_from_counts(counts, day(15), 7) is None  # the window starts on day 8
    assert adherence_from_counts(counts, day(21), 7) is None
    assert adherence_from_counts(counts, day(20), 7) == 0


@given(plans_and_logs(), st.integers(0, 60), st.integers(0, 30))
def test_streak_after_a_stored_day_matches_streak(plan_logs, on_n, later):
    """Today's streak read from the one stored on a day with nothing logged since is the
    streak counted from the logs."""
    from exercise_app.domain.adherence import day_counts, streak_after

    plan, logs = plan_logs
    on = day(on_n)
    logs = [entry for entry in logs if entry.day <= on]  # nothing is logged after `on`
    week = [entry for entry in logs if entry.day >= monday_of(on)]
    counts = day_counts(plan, week, on, on)
    complete = counts.due[0] == 0 or counts.all_done[0]
    today = on + timedelta(days=later)
    assert streak_after(plan, streak(plan, logs, on), on, complete, today, week) == streak(
        plan, logs, today)


@st.composite
def plans_and_kept_logs(draw):
    """A plan, and every exercise done every day but a few: long streaks."""
    plan, _logs = draw(plans_and_logs())
    missed = draw(st.sets(st.integers(0, 60), max_size=3))
    logs = [DayLog(day(n), frozenset({"a", "b", "c"})) for n in range(61) if n not in missed]
    return plan, logs


@given(st.one_of(plans_and_logs(), plans_and_kept_logs()), st.integers(0, 60),
       st.integers(0, 20), st.integers(7, 20), st.booleans())
def test_a_streak_carried_from_a_summary_is_the_streak(plan_logs, on_n, later, window,
                                                       logged_after):
    """The streak from the logs since `floor` and what a count on an earlier day kept of the
    days before it (from the logs it had then) is the streak counted from every log, whenever
    it can say: also when the day's own session was logged after that count (a refresh for
    a morning check-in, then the session: the session was taken off once)."""
    from exercise_app.domain.adherence import streak_before, streak_carried, streak_run

    plan, logs = plan_logs
    on = day(on_n)
    today = on + timedelta(days=later)
    floor = monday_of(on - timedelta(days=window))  # as the refresh on `on` read from
    then = [e for e in logs if e.day < on or (e.day == on and not logged_after)]
    count_on, first_on, _ = streak_run(plan, then, on)
    kept = streak_before(plan, then, on, floor, (count_on, first_on))
    found = streak_carried(plan, [e for e in logs if e.day >= floor], today, floor,
                           (first_on, kept) if first_on else None)
    whole = streak_run(plan, logs, today)
    if found is not None:
        assert found == whole[:2]
    if min(p.start for p in plan) >= floor:  # nothing before `floor` to carry
        assert found is not None


def test_a_streak_carries_on_past_the_logs_read():
    from exercise_app.domain.adherence import streak_carried

    daily = [Prescribed("bridge", 127, MONDAY)]
    logs = [log(n, {"bridge"}) for n in range(56)]  # day 0 to today, day 55
    recent = [e for e in logs if e.day >= day(45)]
    assert streak_carried(daily, recent, day(55), day(45), (day(0), 45)) == (56, day(0))
    # A streak that began after the logs read, or none: the older logs are needed.
    assert streak_carried(daily, recent, day(55), day(45), (day(46), 0)) is None
    assert streak_carried(daily, recent, day(55), day(45), None) is None
    # A break inside the logs read settles it without them.
    broken = [e for e in recent if e.day != day(50)]
    assert streak_carried(daily, broken, day(55), day(45), None) == (5, day(51))


def test_streak_after_counts_the_stored_day_as_past():
    from exercise_app.domain.adherence import streak_after

    plan = [Prescribed("bridge", mask_from_days([MON, WED, FRI]), MONDAY)]
    # Monday done; stored on Wednesday before the session: the streak then was 1.
    assert streak_after(plan, 1, day(2), False, day(2)) == 1
    # Thursday (nothing due): Wednesday is now missed and ends the streak.
    assert streak_after(plan, 1, day(2), False, day(3)) == 0
    # Had Wednesday been done (stored streak 2), Thursday keeps it ...
    assert streak_after(plan, 2, day(2), True, day(3)) == 2
    # ... and Friday is pending today, but Saturday sees Friday missed.
    assert streak_after(plan, 2, day(2), True, day(4)) == 2
    assert streak_after(plan, 2, day(2), True, day(5)) == 0


def test_nothing_is_missed_in_a_row_once_something_is_done_today():
    """The session that ends a gap does not raise "no session on the last N days" itself."""
    from exercise_app.domain.adherence import missed_in_a_row

    plan = [Prescribed("a", mask_from_days([MON, TUE, WED, THU, FRI, SAT, SUN]), MONDAY)]
    assert missed_in_a_row(plan, [], day(5)) == 5
    assert missed_in_a_row(plan, [log(5, partial={"a"})], day(5)) == 0
    assert missed_in_a_row(plan, [log(5, done={"a"})], day(5)) == 0
    assert missed_in_a_row(plan, [log(5)], day(5)) == 5  # every exercise skipped
