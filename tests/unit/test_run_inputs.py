"""A progression run's record of what it read: sessions that may still change are copied
whole, read-only ones named by id, and the two always add back up to every session read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.progression import (
    DecisionKind,
    Dose,
    DoseRanges,
    ExerciseState,
    RuleSettings,
    decide,
)
from exercise_app.progression.inputs import (
    EngineRow,
    ids_to_read,
    inputs_record,
    may_still_change,
    session_entries,
    session_results,
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
    # Past correcting, yesterday's session may still have its morning answer changed today.
    assert may_still_change(row(1, 1, logged_hours_ago=24), NOW, TODAY)
    assert not may_still_change(row(1, 3, logged_hours_ago=24), NOW, TODAY)
    # No next-morning pain yet: it can come the day after (a day's margin for time zones).
    assert may_still_change(row(1, 2, logged_hours_ago=50, morning=None), NOW, TODAY)
    assert not may_still_change(row(1, 3, logged_hours_ago=80, morning=None), NOW, TODAY)
    # Its next-morning pain given, it may still be changed that morning.
    assert may_still_change(row(1, 2, logged_hours_ago=50, morning=1), NOW, TODAY)
    assert not may_still_change(row(1, 3, logged_hours_ago=80, morning=1), NOW, TODAY)


def test_read_only_sessions_are_named_by_id_and_the_rest_kept_whole():
    rows = [row(7, 20), row(7, 20, slug="bridge", status="skipped"), row(8, 3),
            row(9, 0, logged_hours_ago=1, morning=None)]
    kept = record(rows)
    assert kept["session_ids"] == [7, 8, 9]
    assert kept["sessions"] == [{
        "id": 9, "day": "2026-11-26", "during": 4, "after": 3, "next_morning": None,
        "effort": 5, "exercises": [["clam", "done", 2, 10, None]],
        "logged": [[None, None, None, None]]}]
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


# What the rules read from each logged exercise ------------------------------------------------

BRIDGE = ExerciseState("glute-bridge", "Glute bridge", "glute-max", Dose(2, 10, 3),
                       DoseRanges(sets=(2, 3), reps=(8, 15), hold_seconds=(3, 5)))


def bridge(session_id: int, day: int, status: str = "done", *, during: int = 2,
           after: int = 1, morning: int | None = 1, **logged) -> EngineRow:
    """The bridge (2 x 10, 3-second holds) in a session ``day`` days into the fortnight."""
    return EngineRow(session_id, TODAY - timedelta(days=14 - day), "glute-bridge", "glute-max",
                     2, 10, 3, during, after, morning, 3, status, NOW, **logged)


def test_a_skipped_exercise_is_a_session_not_done_and_blocks_a_step_up():
    # Done easy on days 0, 2 and 4; skipped as too painful to start on days 1 and 3.
    rows = [bridge(1, 0), bridge(2, 1, "skipped", during=7, after=7, morning=6, reason="pain"),
            bridge(3, 2), bridge(4, 3, "skipped", during=7, after=6, morning=5,
                                 reason="too-hard"), bridge(5, 4)]
    results = session_results(rows)
    assert [r.completed for r in results] == [True, False, True, False, True]
    decision = decide(BRIDGE, results, 2, RuleSettings())
    assert decision.kind is not DecisionKind.PROGRESS_DOSE
    assert "your pain stayed at 2 or below" not in decision.sentence


@pytest.mark.parametrize("reason", ["no-time", "no-equipment", "unwell", "other"])
def test_a_skip_that_says_nothing_about_the_dose_is_no_session_of_it(reason):
    """Skipped for want of time or kit: not a session at this dose, neither done nor not."""
    rows = [bridge(1, 0), bridge(2, 1, "skipped", reason=reason), bridge(3, 2)]
    assert [r.day for r in session_results(rows)] == [rows[0].day, rows[2].day]


@pytest.mark.parametrize(("status", "logged", "completed"), [
    ("done", {"sets_done": 2, "reps_done": 20}, True),
    ("done", {"sets_done": 2, "reps_done": None}, True),  # reps not given: the sets decide
    ("done", {"sets_done": 1, "reps_done": 10}, False),
    ("done", {"sets_done": 2, "reps_done": 14}, False),
    ("done", {"sets_done": 2, "reps_done": 20, "reps_done_other_side": 12}, False),
    ("done", {"sets_done": 2, "reps_done": 20, "reps_done_other_side": 20}, True),
    ("done", {}, True),  # a row built without the log (bench data): its status decides
    ("partial", {"sets_done": 2, "reps_done": 20}, False),
    ("stopped", {"sets_done": 2, "reps_done": 20, "reason": "other"}, False),
])
def test_an_exercise_counts_as_done_only_with_every_prescribed_set_and_rep(status, logged,
                                                                           completed):
    [result] = session_results([bridge(1, 0, status, **logged)])
    assert result.completed is completed


def test_done_with_one_set_of_two_three_times_does_not_step_up():
    rows = [bridge(n, 2 * n, sets_done=1, reps_done=10) for n in range(3)]
    decision = decide(BRIDGE, session_results(rows), 2, RuleSettings())
    assert decision.kind is DecisionKind.HOLD and decision.reasons == ("not_all_done",)


def test_a_stop_for_pain_above_5_is_pain_above_the_limit_whatever_the_session_says():
    rows = [bridge(1, 0, sets_done=2, reps_done=20), bridge(2, 2, sets_done=2, reps_done=20),
            bridge(3, 4, "stopped", during=4, after=3, morning=None, sets_done=1,
                   reps_done=10, reason="pain-over-5")]
    results = session_results(rows)
    assert (results[-1].worst_during, results[-1].after, results[-1].completed) == (6, 3, False)
    decision = decide(BRIDGE, results, 2, RuleSettings())
    assert decision.kind is DecisionKind.STEP_DOWN and decision.alert_physio
    assert decision.reasons == ("pain_above_limit",)
    # Pain logged higher than the stop says is kept as it was.
    [worse] = session_results([bridge(4, 5, "stopped", during=8, reason="pain-over-5")])
    assert worse.worst_during == 8


@pytest.mark.parametrize("reason", ["sharp-or-giving-way", "pins-and-needles",
                                    "spreading-leg-pain", "other"])
def test_a_stop_for_another_reason_is_not_done_at_the_pain_logged(reason):
    [result] = session_results([bridge(1, 0, "stopped", during=4, sets_done=1, reason=reason)])
    assert (result.worst_during, result.completed) == (4, False)


def test_the_record_keeps_what_was_done_and_why_beside_each_exercise():
    rows = [row(9, 0, logged_hours_ago=1, morning=None),
            row(9, 0, logged_hours_ago=1, morning=None, slug="bridge", status="skipped")
            ._replace(sets_done=0, reason="pain")]
    [entry] = record(rows)["sessions"]
    assert entry["exercises"] == [["clam", "done", 2, 10, None], ["bridge", "skipped", 2, 10, None]]
    assert entry["logged"] == [[None, None, None, None], [0, None, None, "pain"]]


def test_a_record_stored_before_the_logged_work_is_still_read():
    # Stored before "logged" was kept: its own copies lack it; its other sessions are built
    # from the stored rows as now.
    stored = [row(7, 20, status="skipped")._replace(sets_done=0, reason="no-time")]
    old = {"baseline": 2, "session_ids": [7, 9], "sessions": [{
        "id": 9, "day": "2026-11-26", "during": 4, "after": 3, "next_morning": None,
        "effort": 5, "exercises": [["clam", "done", 2, 10, None]]}]}
    assert ids_to_read(old) == [7]
    read = sessions_read(old, stored)
    assert [entry["id"] for entry in read] == [7, 9]
    assert read[0]["exercises"] == [["clam", "skipped", 2, 10, None]]
    assert read[0]["logged"] == [[0, None, None, "no-time"]]
    assert "logged" not in read[1]
