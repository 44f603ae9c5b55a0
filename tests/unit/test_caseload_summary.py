"""The caseload summary: written once per change, read for hundreds of patients (no app)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.adherence import DayLog, adherence, streak
from exercise_app.domain.scheduling import Prescribed
from exercise_app.patient.queries import SessionRow
from exercise_app.triage.caseload import (
    SPARK_DAYS,
    _trend,
    entries,
    filtered,
    lines,
    pain_figures,
    sparkline,
)
from exercise_app.triage.queries import CaseloadRow
from exercise_app.triage.signals import (
    DIGITS,
    adherence_now,
    history_figures,
    latest_pain,
    pain_series,
    recent_sessions,
    streak_and_week_now,
    summary_days,
)

TODAY = date(2026, 3, 20)


def pain_days(data: dict | None) -> list[tuple[date, int]]:
    """Reference decoder: the days with a pain score in a summary, oldest first, with the
    day's worst score (what ``pain_series`` and ``latest_pain`` read by position)."""
    if not data or "pain" not in data:
        return []
    first = date.fromisoformat(data["first"])
    return [(first + timedelta(days=n), DIGITS.index(c))
            for n, c in enumerate(data["pain"]) if c != "-"]
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


def test_history_reads_streak_and_both_adherence_figures_from_the_summary():
    logs = [DayLog(TODAY - timedelta(days=n), frozenset({"1", "2"}) if n % 4 else frozenset())
            for n in range(0, 40)]
    data = summary_days(PLAN, logs, [], TODAY, streak=streak(PLAN, logs, TODAY))
    for later in (0, 1, 3, 14):
        day = TODAY + timedelta(days=later)
        assert history_figures(data, PLAN, day) == (
            streak(PLAN, logs, day), adherence(PLAN, logs, day, 7).percent,
            adherence(PLAN, logs, day, 28).percent), later
    # Past what the counts reach, the page counts the logs instead; with nothing due, the
    # summary says so.
    assert history_figures(data, PLAN, TODAY + timedelta(days=15)) is None
    assert history_figures(summary_days([], [], [], TODAY, streak=0), [], TODAY) == (
        0, None, None)
    assert history_figures(None, PLAN, TODAY) is None


def test_a_week_with_nothing_due_yet_keeps_the_summarys_streak():
    """Mondays only, every one done, on a Monday before logging: nothing was due in the
    last seven days, and that None sent the history page to count the streak from 13 weeks
    of logs (12) rather than take the summary's (21)."""
    start, today = date(2025, 1, 6), date(2025, 6, 2)
    mondays = [Prescribed("a", 1, start)]
    logs = [DayLog(start + timedelta(weeks=n), frozenset({"a"})) for n in range(21)]
    data = summary_days(mondays, logs, [], today, streak=streak(mondays, logs, today))
    assert history_figures(data, mondays, today) == (
        21, None, adherence(mondays, logs, today, 28).percent)


def test_pain_days_keep_the_worst_of_each_day_including_next_mornings():
    data = summary_days(PLAN, [], [session(3, 4, morning=6), session(1, 2)], TODAY, streak=0)
    assert pain_days(data) == [(TODAY - timedelta(days=3), 4), (TODAY - timedelta(days=2), 6),
                               (TODAY - timedelta(days=1), 2)]


@given(pain=st.text(alphabet="-0123456789a", max_size=45), offset=st.integers(-40, 80),
       days=st.integers(1, 40))
def test_pain_series_and_latest_read_the_same_figures_as_pain_days(pain, offset, days):
    data = {"first": TODAY.isoformat(), "pain": pain}
    today = TODAY + timedelta(days=offset)
    by_day = dict(pain_days(data))
    assert pain_series(data, today, days) == [
        by_day.get(today - timedelta(days=days - 1 - n)) for n in range(days)]
    up_to_today = [score for day, score in pain_days(data) if day <= today]
    assert latest_pain(data, today) == (up_to_today[-1] if up_to_today else None)


def test_pain_series_without_a_summary_is_empty_days():
    assert pain_series(None, TODAY, 3) == [None, None, None]
    assert pain_series({"on": "x"}, TODAY, 2) == [None, None]
    assert latest_pain(None, TODAY) is None
    assert DIGITS[12] == "c"  # scores above 9 are letters (a next-morning 10 is "a")


def test_sparkline_is_numbers_only_and_empty_without_scores():
    series = [None] * SPARK_DAYS
    series[-3], series[-1] = 7, 3
    svg = sparkline(series)
    assert svg.startswith('<svg class="spark"') and 'aria-hidden="true"' in svg
    # Day 25 of 28 at 7, day 27 at 3: x from 2 to 82, y from 22 (0) to 2 (10).
    assert 'points="76.1,8.0 82.0,16.0"' in svg
    assert sparkline([None] * SPARK_DAYS) == ""
    assert 'points="2.0,22.0"' in sparkline([0] + [None] * (SPARK_DAYS - 1))


def test_trend_compares_the_last_week_with_the_week_before():
    week = [None] * 7
    assert _trend([*week, 3, None, None, None, None, None, 5]) == ""  # no week before
    assert _trend([2, *week[1:], 4, *week[1:]]) == "up"
    assert _trend([4, *week[1:], 3, 4, None, None, None, None, 2]) == "down"
    assert _trend([4, 4, *week[2:], 4, *week[1:]]) == "steady"
    assert _trend([3] + [None] * 19 + [5] + week[1:]) == ""  # older than the fortnight: not read


ZONE = "Europe/London"


def _row(patient_id: int, name: str, counts: tuple[int, int, int]) -> CaseloadRow:
    return CaseloadRow(patient_id, name, f"{name.lower()}@example.org", True, True,
                       TODAY - timedelta(days=patient_id), TODAY, 50, 50, counts, None, None,
                       None, ZONE)


@given(level=st.sampled_from(["", "critical", "high", "low", "any", "none", "bogus"]),
       search=st.sampled_from(["", "ann", "ANN", "example", "zzz"]))
def test_filters_keep_exactly_the_matching_patients_neediest_first(level, search):
    rows = [_row(1, "Ann", (1, 0, 0)), _row(2, "Bob", (0, 2, 1)), _row(3, "Cat", (0, 0, 0)),
            _row(4, "Dan", (0, 0, 3)), _row(5, "Annette", (0, 1, 0))]
    everyone = entries(rows, {}, {ZONE: TODAY})
    wanted = {
        "critical": {1}, "high": {2, 5}, "low": {2, 4}, "any": {1, 2, 4, 5}, "none": {3},
    }.get(level, {1, 2, 3, 4, 5})
    if search:
        wanted &= {r.id for r in rows if search.casefold() in f"{r.name} {r.email}".casefold()}
    shown = filtered(everyone, search, level)
    assert [e.row.id for e in shown] == [e.row.id for e in everyone if e.row.id in wanted]


@given(pain=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 10)), max_size=20),
       later=st.integers(1, 20))
def test_caseload_line_is_the_same_from_stored_and_worked_out_pain_figures(pain, later):
    import json

    data = summary_days(PLAN, LOGS, [session(days_ago, score) for days_ago, score in pain],
                        TODAY, streak=0)
    written = {**data, "line": pain_figures(data, TODAY)}  # as refresh_patient stores it

    def line(summary: dict, day: date) -> tuple:
        row = _row(1, "Ann", (0, 0, 0))._replace(summary_on=TODAY,
                                                   summary_text=json.dumps(summary))
        [shown] = lines(entries([row], {} if day == TODAY else {1: summary}, {ZONE: day}),
                        {ZONE: day})
        return shown.latest_pain, shown.trend, shown.sparkline

    series = pain_series(data, TODAY, SPARK_DAYS)
    expected = (latest_pain(data, TODAY), _trend(series), sparkline(series))
    assert line(written, TODAY) == line(data, TODAY) == expected
    # Days later the stored figures are stale: worked out again for that day.
    day = TODAY + timedelta(days=later)
    series = pain_series(data, day, SPARK_DAYS)
    assert line(written, day) == (latest_pain(data, day), _trend(series), sparkline(series))


SESSIONS = st.lists(
    st.builds(lambda n, days_ago, before, during, after, morning, outcome, notes: SessionRow(
        n, TODAY - timedelta(days=days_ago), before, during, after, morning, outcome, notes),
        st.integers(1, 10_000), st.integers(0, 30), *[st.integers(0, 10)] * 3,
        st.none() | st.integers(0, 10), st.sampled_from(["completed", "partial", "stopped"]),
        st.booleans()),
    max_size=12,
).map(lambda rows: sorted(rows, key=lambda s: (s.local_date, s.id)))


@given(SESSIONS, st.integers(0, 20))
def test_today_lists_the_same_sessions_from_the_summary_as_from_the_rows(sessions, later):
    # Written on TODAY, read on any day since: nothing was logged since it was written, so
    # the sessions of the day before and the day itself are among those it was written with.
    data = summary_days(PLAN, LOGS, sessions, TODAY, streak=0)
    day = TODAY + timedelta(days=later)
    assert recent_sessions(data, day) == [s for s in sessions
                                          if s.local_date >= day - timedelta(days=1)]


def test_today_reads_the_sessions_when_the_summary_cannot_say():
    data = summary_days(PLAN, LOGS, [session(0, 3)], TODAY, streak=0)
    assert recent_sessions(data, TODAY - timedelta(days=1)) is None  # written on a later day
    assert recent_sessions(None, TODAY) is None
    assert recent_sessions({k: v for k, v in data.items() if k != "recent"}, TODAY) is None


def test_each_patient_is_read_on_their_own_day():
    """A physio in London at 23:30 on 25 Nov and a patient in Auckland, where it is already
    the 26th and they logged today: their last session is today, not "-1 days" ago."""
    from datetime import UTC, datetime

    from exercise_app.triage.caseload import stale, todays

    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    london = _row(1, "Ann", (0, 0, 0))._replace(last_session_date=date(2026, 11, 25),
                                                 summary_on=date(2026, 11, 25))
    auckland = _row(2, "Bob", (0, 0, 0))._replace(
        time_zone="Pacific/Auckland", last_session_date=date(2026, 11, 26),
        summary_on=date(2026, 11, 26))
    today_in = todays([london, auckland], now)
    assert today_in == {ZONE: date(2026, 11, 25), "Pacific/Auckland": date(2026, 11, 26)}
    assert stale([london, auckland], today_in) == {}  # both summaries are of their today
    assert {e.row.id: e.days_since for e in entries([london, auckland], {}, today_in)} == {
        1: 0, 2: 0}
