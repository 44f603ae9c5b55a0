"""Which programme version the caseload names, from the short list kept on the summary."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.stages import in_force, kept, stage, stage_text

START = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=60)


@st.composite
def stage_lists(draw):
    """Versions numbered 1.. in order, each starting on any day (a later version may start
    before an earlier one, as a physio can replace a programme that has not begun)."""
    starts = draw(st.lists(days, max_size=8))
    return [stage(n, START + timedelta(days=d), None, None) for n, d in enumerate(starts, 1)]


def reference(stages, day):
    """As the patient's pages pick a version (``patient.history.effective``), and the newest
    when none has started yet."""
    started = [s for s in stages if date.fromisoformat(s[1]) <= day]
    if started:
        return started[-1]
    return stages[-1] if stages else None


@given(stage_lists(), days)
def test_in_force_is_the_newest_started_else_the_newest(stages, offset):
    assert in_force(stages, START + timedelta(days=offset)) == reference(
        stages, START + timedelta(days=offset))


@given(stage_lists(), days, days)
def test_keeping_drops_only_stages_that_can_no_longer_be_in_force(stages, since, later):
    short = kept(stages, START + timedelta(days=since))
    assert short == stages[len(stages) - len(short):]  # a tail: the newest are all kept
    for offset in range(since, since + later + 1):
        day = START + timedelta(days=offset)
        assert in_force(short, day) == reference(stages, day)


def test_keeping_examples():
    one, two, three = (stage(1, date(2026, 1, 1), None, None),
                       stage(2, date(2026, 1, 10), None, None),
                       stage(3, date(2026, 1, 5), None, None))
    assert kept([one, two, three], date(2026, 1, 7)) == [three]  # 3 replaced 2 before it began
    assert kept([one, two], date(2026, 1, 7)) == [one, two]  # 2 is still to come
    assert kept([two], date(2026, 1, 7)) == [two]  # none started: all kept
    assert kept([], date(2026, 1, 7)) == []


def test_stage_text_names_the_version_and_template_stage():
    assert stage_text(None) == "No programme"
    assert stage_text(stage(4, date(2026, 1, 1), None, None)) == "Version 4"
    assert stage_text(stage(2, date(2026, 1, 1), "hip-and-back-starter", 3)) == (
        "Version 2, hip and back starter stage 3")
