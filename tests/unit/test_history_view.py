"""The history blocks' view: every cell is worked out before the template lays it out (no app)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from exercise_app.patient.history import (
    SESSION_LINES,
    CalendarCell,
    PainTableRow,
    SessionLine,
    build,
)
from exercise_app.patient.queries import LogRow, SessionRow

TODAY = date(2026, 3, 20)  # a Friday
EVERY_DAY = 127
VERSIONS = [SimpleNamespace(start_date=TODAY - timedelta(days=60),
                            prescriptions=[SimpleNamespace(id=1, weekdays=EVERY_DAY),
                                           SimpleNamespace(id=2, weekdays=EVERY_DAY)])]


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
    assert cells[20] == CalendarCell(20, "today-pending", "Due today")
    assert cells[19] == CalendarCell(19, "done", "Done")
    assert cells[18] == CalendarCell(18, "partly", "Partly done")
    assert cells[17] == CalendarCell(17, "missed", "Missed")
    assert all(len(week) == 7 for week in history.weeks)


def test_pain_table_rows_are_newest_first_with_empty_text_for_a_missing_score():
    history = build(VERSIONS, [session(1, 17, morning=5), session(2, 2)], [], {}, TODAY)
    assert history.table == [PainTableRow("18 Mar 2026", "3", "2", ""),
                             PainTableRow("3 Mar 2026", "3", "2", "5")]


def test_session_lines_say_what_happened_newest_first_and_stop_at_the_limit():
    sessions = [session(n, n, morning=1 if n == 1 else None, notes=n == 1)
                for n in range(1, SESSION_LINES + 6)]
    history = build(VERSIONS, sessions, [], {}, TODAY)
    assert len(history.sessions) == SESSION_LINES + 5  # all of them, for the physio's timeline
    assert len(history.session_lines) == SESSION_LINES
    assert history.session_lines[0] == SessionLine(
        1, "Thu 19 Mar", "completed, pain 3 \u2192 2, next morning 1 \u00b7 has a note")
    assert history.session_lines[1] == SessionLine(2, "Wed 18 Mar", "completed, pain 3 \u2192 2")
