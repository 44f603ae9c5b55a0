"""A progression run's record of what it read: sessions that may still change are copied
whole, read-only ones named by id, and the two always add back up to every session read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.progression import RuleSettings
from exercise_app.progression.inputs import (
    EngineRow,
    ids_to_read,
    inputs_record,
    may_still_change,
    session_entries,
    sessions_read,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


def row(session_id: int, days_ago: int, *, logged_hours_ago: float | None = None,
        morning: int | None = 2, slug: str = "clam", status: str = "done") -> EngineRow:
    hours = days_ago * 24 + 6 if logged_hours_ago is None else logged_hours_ago
    return EngineRow(session_id, TODAY - timedelta(days=days_ago), slug, "clam", 2, 10, None,
                     4, 3, morning, 5, status, NOW - timedelta(hours=hours))


def record(rows):
    return inputs_record(RuleSettings(), 2, "physio", rows, [], "auto", NOW, TODAY)


def test_a_session_may_change_while_it_can_be_corrected_or_still_get_its_morning():
    assert may_still_change(row(1, 0, logged_hours_ago=2), NOW, TODAY)  # correctable
    assert may_still_change(row(1, 1, logged_hours_ago=23.9), NOW, TODAY)
    assert not may_still_change(row(1, 1, logged_hours_ago=24), NOW, TODAY)
    # No next-morning pain yet: it can come the day after (a day's margin for time zones).
    assert may_still_change(row(1, 2, logged_hours_ago=50, morning=None), NOW, TODAY)
    assert not may_still_change(row(1, 3, logged_hours_ago=80, morning=None), NOW, TODAY)
    assert not may_still_change(row(1, 2, logged_hours_ago=50, morning=1), NOW, TODAY)


def test_read_only_sessions_are_named_by_id_and_the_rest_kept_whole():
    rows = [row(7, 20), row(7, 20, slug="bridge", status="skipped"), row(8, 3),
            row(9, 0, logged_hours_ago=1, morning=None)]
    kept = record(rows)
    assert kept["session_ids"] == [7, 8, 9]
    assert kept["sessions"] == [{
        "id": 9, "day": "2026-11-26", "during": 4, "after": 3, "next_morning": None,
        "effort": 5, "exercises": [["clam", "done", 2, 10, None]]}]
    assert ids_to_read(kept) == [7, 8]
    assert sessions_read(kept, rows[:3]) == session_entries(rows)
    assert sessions_read(kept, rows[2:3]) == session_entries(rows[2:])  # 7 deleted since


def test_a_record_from_before_session_ids_keeps_every_session():
    old = {"baseline": 2, "sessions": [{"id": 1, "day": "2026-01-01"}]}
    assert ids_to_read(old) == [] and sessions_read(old, []) == old["sessions"]


sessions = st.lists(st.tuples(
    st.integers(0, 60),  # days ago
    st.one_of(st.none(), st.floats(0, 2000)),  # hours since it was logged (None: that evening)
    st.one_of(st.none(), st.integers(0, 10)),  # next-morning pain
    st.lists(st.sampled_from(["clam", "bridge", "hinge"]), min_size=1, max_size=3, unique=True),
), max_size=25)


@given(sessions)
def test_the_record_and_the_stored_rows_always_give_back_every_session_read(specs):
    rows = sorted(
        (row(n + 1, days, logged_hours_ago=hours, morning=morning, slug=slug)
         for n, (days, hours, morning, slugs) in enumerate(specs) for slug in slugs),
        key=lambda r: (r.day, r.session_id))
    kept = json.loads(json.dumps(record(rows)))  # as the database gives it back
    whole = session_entries(rows)
    assert kept["session_ids"] == [entry["id"] for entry in whole]
    changing = {r.session_id for r in rows if may_still_change(r, NOW, TODAY)}
    assert {entry["id"] for entry in kept["sessions"]} == changing
    named = set(ids_to_read(kept))
    assert named == {entry["id"] for entry in whole} - changing
    assert sessions_read(kept, [r for r in rows if r.session_id in named]) == whole
