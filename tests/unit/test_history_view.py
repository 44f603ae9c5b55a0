"""The history blocks' view: every cell is worked out before the template lays it out (no app)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.models import Side
from exercise_app.patient.history import (
    SESSION_LINES,
    CalendarCell,
    PainTableRow,
    SessionLine,
    build,
    prescribed,
)
from exercise_app.patient.queries import LogRow, SessionRow

TODAY = date(2026, 3, 20)  # a Friday
EVERY_DAY = 127
DOSE = {"reps": 10, "hold_seconds": None, "side": Side.BOTH}
WEEKLY = {"sessions_per_week": None,  # on the weekdays of the mask
          "exercise_version": SimpleNamespace(data={})}  # its content: no word for a set
VERSIONS = [SimpleNamespace(id=1, start_date=TODAY - timedelta(days=60),
                            prescriptions=[SimpleNamespace(id=1, weekdays=EVERY_DAY, **WEEKLY,
                                                           exercise_id=11,
                                                           exercise_version_id=11, **DOSE),
                                           SimpleNamespace(id=2, weekdays=EVERY_DAY, **WEEKLY,
                                                           exercise_id=12,
                                                           exercise_version_id=12, **DOSE)])]


def session(n: int, days_ago: int, morning: int | None = None, notes: bool = False,
            outcome: str = "completed") -> SessionRow:
    return SessionRow(n, TODAY - timedelta(days=days_ago), 3, 4, 2, morning, outcome, notes)


def logs(n: int, days_ago: int, *statuses: str) -> list[LogRow]:
    return [LogRow(n, TODAY - timedelta(days=days_ago), key, 10 + key, status, 2, 20, None)
            for key, status in enumerate(statuses, start=1)]


def test_calendar_cells_carry_the_day_number_status_class_and_words():
    history = build(VERSIONS, [session(1, 1), session(2, 2, outcome="partial")],
                    [*logs(1, 1, "done", "done"), *logs(2, 2, "done", "partial")], {}, TODAY)
    cells = {cell.number: cell for week in history.weeks for cell in week if cell}
    assert cells[20] == CalendarCell(20, "today-pending", "Due today", "Friday 20 March")
    assert cells[19] == CalendarCell(19, "done", "Done", "Thursday 19 March")
    assert cells[18] == CalendarCell(18, "partly", "Partly done", "Wednesday 18 March")
    assert cells[17] == CalendarCell(17, "missed", "Missed", "Tuesday 17 March")
    assert all(len(week) == 7 for week in history.weeks)


def test_days_before_the_first_programme_are_not_started_and_the_span_is_said():
    """They showed as rest days; and nothing said the month the calendar is in."""
    started = [SimpleNamespace(id=1, start_date=TODAY - timedelta(days=2),
                               prescriptions=VERSIONS[0].prescriptions)]
    history = build(started, [], [], {}, TODAY)
    cells = [cell for week in history.weeks for cell in week if cell]
    assert cells[0] == CalendarCell(9, "not-started", "Not started", "Monday 9 February")
    assert {cell.text for cell in cells[:-3]} == {"Not started"}
    assert [cell.text for cell in cells[-3:]] == ["Missed", "Missed", "Due today"]
    assert history.calendar_span == "9 February to 20 March 2026"
    assert build([], [], [], {}, TODAY).weeks[0][0].text == "Not started"
    across_years = build(VERSIONS, [], [], {}, date(2026, 1, 20))
    assert across_years.calendar_span == "15 December 2025 to 20 January 2026"


def test_the_chart_band_is_the_change_that_is_not_yet_meaningful():
    """Usual pain 3: 5 is a meaningful rise (2 points), so the band is 2 to 4, not 1 to 5."""
    chart = build(VERSIONS, [session(1, 1)], [], {}, TODAY, baseline=3).chart_svg
    assert "usual pain 3, give or take 1: not yet a meaningful change, 2 to 4." in chart
    from exercise_app.domain.progression import RuleSettings

    chart = build(VERSIONS, [session(1, 1)], [], {}, TODAY, baseline=3,
                  settings=RuleSettings(meaningful_rise_points=4)).chart_svg
    assert "usual pain 3, give or take 3: not yet a meaningful change, 0 to 6." in chart


def test_volume_says_reps_of_both_sides_and_the_holds_of_a_held_exercise():
    """A clam done 2 x 12 each side, and knee to chest held 30 s each side: the clam's reps
    are both sides' and said so; knee to chest showed 0 reps."""
    clam = SimpleNamespace(id=1, weekdays=EVERY_DAY, exercise_id=11, exercise_version_id=11,
                           **WEEKLY, reps=12, hold_seconds=None, side=Side.EACH)
    hold = SimpleNamespace(id=2, weekdays=EVERY_DAY, exercise_id=12, exercise_version_id=12,
                           **WEEKLY, reps=None, hold_seconds=30, side=Side.EACH)
    plank = SimpleNamespace(id=3, weekdays=EVERY_DAY, exercise_id=13, exercise_version_id=13,
                            **WEEKLY, reps=None, hold_seconds=10, side=Side.BOTH)
    versions = [SimpleNamespace(id=1, start_date=TODAY - timedelta(days=60),
                                prescriptions=[clam, hold, plank])]
    rows = [row for n in range(9) for row in (
        LogRow(n, TODAY - timedelta(days=n), 1, 11, "done", 2, 24, 24),
        LogRow(n, TODAY - timedelta(days=n), 2, 12, "done", 1, None, None),
        LogRow(n, TODAY - timedelta(days=n), 3, 13, "partial", 0, None, None))]
    history = build(versions, [], rows, {11: "Clam", 12: "Knee to chest", 13: "Plank"}, TODAY)
    assert [(v.name, v.sessions, v.sets, v.reps, v.reps_text) for v in history.volume] == [
        ("Clam", 9, 18, 432, "432 (both sides)"),
        ("Knee to chest", 9, 9, 0, "9 holds, 4.5 min (each side)"),
        ("Plank", 9, 0, 0, "\u2013"),
    ]


def test_pain_table_rows_are_newest_first_with_empty_text_for_a_missing_score():
    """Each session's scores, worst pain during included: the score the rules step down on
    and the alerts average, which neither the chart nor its table showed."""
    history = build(VERSIONS, [session(1, 17, morning=5), session(2, 2)], [], {}, TODAY)
    assert history.table == [PainTableRow("18 Mar 2026", "3", "4", "2", ""),
                             PainTableRow("3 Mar 2026", "3", "4", "2", "5")]


def test_sessions_given_in_any_order_are_listed_newest_first():
    """Sorted once, oldest first for the chart, and read backwards for the lists."""
    sessions = [session(3, 2), session(1, 5), session(4, 2, morning=1), session(2, 5)]
    history = build(VERSIONS, sessions, [], {}, TODAY)
    assert [s.id for s in history.sessions] == [4, 3, 2, 1]
    assert [line.id for line in history.session_lines] == [4, 3, 2, 1]
    assert [row.day for row in history.table] == ["18 Mar 2026"] * 2 + ["15 Mar 2026"] * 2


PLAIN = re.compile(r"[A-Za-z0-9 .-]*")  # what markup could not hide in


def test_the_cells_printed_unescaped_are_only_dates_numbers_and_fixed_words():
    """_history.html prints the calendar, the pain table and the weekly averages with
    autoescape off (hundreds of cells a page): whatever the logs say, every status and score
    shows, and nothing in those cells could be markup."""
    sessions = [session(n, n, morning=n % 4 or None, notes=True, outcome='<b>"x"</b>')
                for n in range(0, 91, 2)]
    rows = [*logs(1, 1, "done", "done"), *logs(2, 2, "done", "partial"),
            *logs(3, 3, "skipped", "stopped"), *logs(4, 5, "done", "done")]
    history = build(VERSIONS, sessions, rows, {11: "<script>"}, TODAY, baseline=4,
                    paused=[(TODAY - timedelta(days=12), TODAY - timedelta(days=9))])
    cells = [cell for week in history.weeks for cell in week if cell]
    assert {cell.status for cell in cells} >= {"done", "partly", "missed", "today-pending",
                                               "paused"}
    assert all(type(cell.number) is int for cell in cells)
    texts = [text for cell in cells for text in (cell.status, cell.text, cell.full_date)]
    texts += [text for row in history.table for text in row]
    texts += [text for week in history.weekly for text in week]
    assert len(history.table) == 46 and history.weekly
    assert all(PLAIN.fullmatch(text) for text in texts)


def test_session_lines_say_what_happened_newest_first_and_stop_at_the_limit():
    sessions = [session(n, n, morning=1 if n == 1 else None, notes=n == 1)
                for n in range(1, SESSION_LINES + 6)]
    history = build(VERSIONS, sessions, [], {}, TODAY)
    assert len(history.sessions) == SESSION_LINES + 5  # all of them, for the physio's timeline
    assert len(history.session_lines) == SESSION_LINES
    assert history.session_lines[0] == SessionLine(
        1, "Thu 19 Mar", "all done, pain 3 before, 2 after, next morning 1 \u00b7 has a note")
    assert history.session_lines[1] == SessionLine(
        2, "Wed 18 Mar", "all done, pain 3 before, 2 after")


@given(st.lists(st.integers(-20, 20), min_size=1, max_size=6), st.integers(-25, 25))
def test_the_plan_has_each_day_the_version_in_force_that_day(starts, offset):
    """``prescribed`` (the plan that adherence, the calendar and Today's due list read) and
    ``effective`` (the version a day's routine shows) agree on every day, whatever order the
    versions were scheduled in: a version scheduled ahead, then one starting sooner, left the
    first one due alongside the newest."""
    from exercise_app.domain.scheduling import DayPlan
    from exercise_app.patient.history import effective, prescribed

    versions = [SimpleNamespace(start_date=TODAY + timedelta(days=start),
                                prescriptions=[SimpleNamespace(id=n, weekdays=EVERY_DAY, **WEEKLY)])
                for n, start in enumerate(starts, start=1)]
    day = TODAY + timedelta(days=offset)
    in_force = effective(versions, day)
    assert DayPlan(prescribed(versions)).due(day) == (
        (str(in_force.prescriptions[0].id),) if in_force else ())


def _version(n: int, start_offset: int, *ids: int) -> SimpleNamespace:
    return SimpleNamespace(id=n, start_date=TODAY + timedelta(days=start_offset), prescriptions=[
        SimpleNamespace(id=i, weekdays=EVERY_DAY, **WEEKLY, exercise_id=100 + i % 10) for i in ids])


def test_a_log_may_name_any_version_in_force_since_yesterday():
    from exercise_app.patient.history import version_for_log

    # v2 started today and was replaced again today by v3; v4 is scheduled for next week.
    versions = [_version(1, -30, 11, 12), _version(2, 0, 21, 22), _version(3, 0, 31, 32),
                _version(4, 7, 41, 42)]
    assert version_for_log(versions, TODAY, {21, 22}).id == 2  # open while v2 was current
    assert version_for_log(versions, TODAY, {11}).id == 1  # opened yesterday
    assert version_for_log(versions, TODAY, {31, 32}).id == 3
    assert version_for_log(versions, TODAY, {41}) is None  # not started
    assert version_for_log(versions, TODAY, {11, 21}) is None  # two versions mixed
    older = [_version(1, -30, 11), _version(2, -2, 21)]  # v1 replaced two days ago
    assert version_for_log(older, TODAY, {11}) is None
    assert version_for_log(older, TODAY, {21}).id == 2


def test_a_log_of_the_version_replaced_that_day_counts_for_the_same_exercises():
    """A routine opened before the physio's change that started today is logged against the
    version it showed; the day is done, not left pending, when the same exercises were."""
    from exercise_app.domain.adherence import DayStatus, day_statuses
    from exercise_app.patient.history import day_logs, prescribed

    # Same exercises (ids 11, 12 and 21, 22 share exercise 101, 102), new prescription rows.
    versions = [_version(1, -30, 11, 12), _version(2, 0, 21, 22)]
    logged = logs(1, 0, "done", "done")  # prescription ids 1 and 2: remap to v1's
    logged = [row._replace(prescription_id=pid)
              for row, pid in zip(logged, (11, 12), strict=True)]
    plan = prescribed(versions)
    assert day_statuses(plan, day_logs(logged, versions), TODAY, TODAY, TODAY) == [
        (TODAY, DayStatus.DONE)]
    assert day_statuses(plan, day_logs(logged), TODAY, TODAY, TODAY) == [
        (TODAY, DayStatus.TODAY_PENDING)]  # as it was: v1's ids never cover v2's plan
    # Yesterday's log of v1 is still v1's own, whatever v2 does.
    before = [row._replace(local_date=TODAY - timedelta(days=1)) for row in logged]
    assert day_statuses(plan, day_logs(before, versions), TODAY - timedelta(days=1),
                        TODAY - timedelta(days=1), TODAY) == [
        (TODAY - timedelta(days=1), DayStatus.DONE)]


def test_a_routine_shown_before_an_exercise_was_swapped_is_judged_as_it_was_shown():
    """The physio swapped one exercise (v2 starts today) while the patient's routine of v1 was
    open: every exercise it showed was done, so the day is done. Before, v2's new exercise
    stayed undone and the day "partly done", which cost the streak. Had the routine been
    partly done, or an exercise skipped, the day is partly done."""
    from exercise_app.domain.adherence import DayStatus, day_statuses
    from exercise_app.patient.history import day_logs, prescribed

    # v1: exercises 101, 102 (ids 11, 12); v2 keeps 102 (id 22) and swaps 101 for 103 (id 23).
    versions = [_version(1, -30, 11, 12), _version(2, 0, 23, 22)]
    plan = prescribed(versions)

    def logged(*statuses: str) -> list[LogRow]:
        return [row._replace(prescription_id=pid) for row, pid in
                zip(logs(1, 0, *statuses), (11, 12), strict=True)]

    def seen_tomorrow(rows: list[LogRow]) -> DayStatus:
        ((_, status),) = day_statuses(plan, day_logs(rows, versions), TODAY, TODAY,
                                      TODAY + timedelta(days=1))
        return status

    assert seen_tomorrow(logged("done", "done")) is DayStatus.DONE
    assert seen_tomorrow(logged("done", "partial")) is DayStatus.PARTLY
    assert seen_tomorrow(logged("skipped", "done")) is DayStatus.PARTLY
    assert seen_tomorrow(logged("skipped", "skipped")) is DayStatus.MISSED  # as ever
    # A log of v2's own exercises is judged by them alone, as ever.
    own = [row._replace(prescription_id=pid)
           for row, pid in zip(logs(1, 0, "done"), (22,), strict=True)]
    assert seen_tomorrow(own) is DayStatus.PARTLY


def test_volume_is_by_exercise_across_its_library_versions():
    """A programme saved again after a library update names the exercise's new version: its
    volume stays one row, under the name it was last prescribed with."""
    before = SimpleNamespace(id=1, start_date=TODAY - timedelta(days=20), prescriptions=[
        SimpleNamespace(id=1, weekdays=EVERY_DAY, **WEEKLY, exercise_id=11, exercise_version_id=110,
                        **DOSE)])
    after = SimpleNamespace(id=2, start_date=TODAY - timedelta(days=10), prescriptions=[
        SimpleNamespace(id=2, weekdays=EVERY_DAY, **WEEKLY, exercise_id=11, exercise_version_id=111,
                        **DOSE)])
    rows = [LogRow(1, TODAY - timedelta(days=12), 1, 110, "done", 2, 20, None),
            LogRow(2, TODAY - timedelta(days=2), 2, 111, "done", 3, 30, None),
            LogRow(3, TODAY - timedelta(days=1), 2, 111, "skipped", 0, None, None)]
    history = build([before, after], [], rows, {110: "Bridge", 111: "Glute bridge"}, TODAY)
    assert [(v.name, v.sessions, v.sets, v.reps, v.reps_text) for v in history.volume] == [
        ("Glute bridge", 2, 5, 50, "50")]


def test_the_upcoming_version_is_the_soonest_to_come_into_force():
    """Two versions scheduled ahead: the first to start is the one coming, not the newest
    (Today said the programme started two weeks later than it did)."""
    from exercise_app.patient.history import upcoming

    def version(n: int, days: int) -> SimpleNamespace:
        return SimpleNamespace(id=n, number=n, start_date=TODAY + timedelta(days=days),
                               prescriptions=[])

    now, first, second = version(1, -10), version(2, 6), version(3, 20)
    assert upcoming([now, first, second], TODAY) is first
    assert upcoming([first, second], TODAY) is first
    assert upcoming([now], TODAY) is None
    # A version scheduled ahead, then one starting sooner: the first never comes into force.
    assert upcoming([now, second, first], TODAY) is first
    assert upcoming([now, version(2, 0)], TODAY) is None  # started today: in force, not coming


def _any_day_version(number: int, start: date, rows) -> SimpleNamespace:
    """A version of any-day exercises: rows of (prescription id, exercise id, ladder, N)."""
    from exercise_app.domain.scheduling import mask_from_days, spread_days

    return SimpleNamespace(id=number, number=number, start_date=start, prescriptions=[
        SimpleNamespace(id=pid, weekdays=mask_from_days(spread_days(n)), sessions_per_week=n,
                        exercise_id=exercise,
                        exercise_version=SimpleNamespace(data={"ladder": {"id": ladder}}))
        for pid, exercise, ladder, n in rows])


def _week_progress(versions, done: dict[int, set[str]], day_n: int) -> dict:
    from exercise_app.domain.scheduling import DayPlan

    monday = date(2026, 3, 2)
    plan = prescribed(versions)
    logged = {monday + timedelta(days=n): frozenset(keys) for n, keys in done.items()}
    return DayPlan(plan, logged).week_progress(monday + timedelta(days=day_n))


def test_a_row_removed_or_added_keeps_each_exercises_week():
    """Two rows on one ladder (single-leg bridge, hip thrust), 3 a week; the hip thrust done
    Monday and Tuesday. Removing the bridge on Wednesday left the hip thrust 0 of 3; adding a
    glute bridge above a hip thrust gave the bridge the hip thrust's sessions. Tracks were the
    ladder and the row's place on it (found by a review); now the exercise's thread."""
    monday = date(2026, 3, 2)
    both = _any_day_version(1, monday - timedelta(days=14),
                            [(11, 200, "glute-max", 3), (12, 100, "glute-max", 3)])
    thrust_only = _any_day_version(2, monday + timedelta(days=2), [(22, 100, "glute-max", 3)])
    assert _week_progress([both, thrust_only], {0: {"12"}, 1: {"12"}}, 2) == {"22": (2, 3)}
    thrust = _any_day_version(1, monday - timedelta(days=14), [(11, 100, "glute-max", 3)])
    added = _any_day_version(2, monday + timedelta(days=2),
                             [(21, 300, "glute-max", 3), (22, 100, "glute-max", 3)])
    assert _week_progress([thrust, added], {0: {"11"}, 1: {"11"}, 3: {"21", "22"}}, 3) == {
        "21": (1, 2), "22": (3, 3)}


def test_a_move_up_the_ladder_mid_week_keeps_the_week():
    """The rules' move to the next exercise up the ladder (a new exercise, the old one gone)
    takes the week on, as a new dose does."""
    monday = date(2026, 3, 2)
    bridge = _any_day_version(1, monday - timedelta(days=14), [(11, 100, "glute-max", 3)])
    thrust = _any_day_version(2, monday + timedelta(days=2), [(21, 200, "glute-max", 3)])
    assert _week_progress([bridge, thrust], {0: {"11"}, 1: {"11"}}, 2) == {"21": (2, 3)}
