"""Found by a review of the domain rules (each failed before its fix): a flare-up pauses
every exercise, the flare-up sentence without a usual pain, and Today reading the red flags'
pauses as the calendar does."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from exercise_app.domain.adherence import DayLog, DayStatus, day_statuses
from exercise_app.domain.progression import (
    DecisionKind,
    Dose,
    DoseRanges,
    ExerciseState,
    NextExercise,
    PastDecision,
    RuleSettings,
    SessionResult,
    decide,
    decide_all,
)
from exercise_app.domain.scheduling import mask_from_days, spread_days
from exercise_app.patient.history import due_on, prescribed

K = DecisionKind
RULES = RuleSettings()
START = date(2025, 3, 3)  # a Monday

BRIDGE = ExerciseState(
    key="glute-bridge", name="Glute bridge", ladder="glute-max", dose=Dose(2, 10, 3),
    ranges=DoseRanges(sets=(2, 3), reps=(8, 15), hold_seconds=(3, 5)),
    easier=NextExercise("glute-sets", "Glute sets", Dose(1, 10, 5)),
    harder=NextExercise("banded-bridge", "Banded bridge", Dose(2, 10, 3)),
)
CLAM = ExerciseState(key="clam", name="Clam", ladder="glute-med", dose=Dose(2, 10),
                     ranges=DoseRanges(sets=(1, 3), reps=(8, 15)))


def session(day: int, *, worst: int = 2, after: int = 1, morning: int | None = 1,
            exercise: ExerciseState = BRIDGE) -> SessionResult:
    return SessionResult(
        day=START + timedelta(days=day), exercise_key=exercise.key, ladder=exercise.ladder,
        dose=exercise.dose, worst_during=worst, after=after, next_morning=morning, effort=3,
        completed=True,
    )


def past(day: int, kind: DecisionKind, key: str = "glute-bridge") -> PastDecision:
    return PastDecision(START + timedelta(days=day), key, "glute-max", kind)


def test_a_flare_up_pauses_an_exercise_last_done_before_the_pausing_session():
    """decide_all reads the flare state at each exercise's own latest session day, so a pause
    raised by today's session is invisible to an exercise last done yesterday, which then
    progresses in the very run that declares a flare-up."""
    sessions = [*(session(d, exercise=CLAM) for d in (0, 1, 3)), session(4, worst=7)]
    decisions = decide_all([BRIDGE, CLAM], sessions, 2, RULES, [past(1, K.STEP_DOWN)])
    assert decisions[0].kind is K.PAUSE_FLARE
    # "a flare-up on one pauses them all": the clam must not go up while the patient flares.
    assert decisions[1].kind is K.PAUSE_FLARE
    assert decisions[1].new_dose == CLAM.dose


def test_a_flare_without_a_usual_pain_does_not_promise_a_resume_it_cannot_give():
    """With no usual pain recorded no session can ever count as settled, yet the sentence
    tells the patient they can build up again 'after 2 more sessions with settled pain',
    and repeats it after they have done two pain-free sessions."""
    history = [past(0, K.STEP_DOWN), past(3, K.PAUSE_FLARE)]
    calm = [session(3, worst=7), session(5, worst=1, after=1), session(7, worst=1, after=1)]
    decision = decide(BRIDGE, calm, None, RULES, history)
    assert decision.kind is K.PAUSE_FLARE
    assert decision.reasons == ("flare_up", "no_baseline")
    assert "more sessions with settled pain" not in decision.sentence


MONDAY = date(2026, 3, 2)


def _three_a_week() -> SimpleNamespace:
    return SimpleNamespace(id=1, number=1, start_date=MONDAY - timedelta(days=14), prescriptions=[
        SimpleNamespace(id=11, weekdays=mask_from_days(spread_days(3)), sessions_per_week=3,
                        exercise_id=100,
                        exercise_version=SimpleNamespace(data={"ladder": {"id": "glute-max"}}))])


def test_today_asks_for_a_paused_weeks_share_as_the_calendar_does():
    """history.due_on (what Today offers, "2 of 3 done this week") ignores red-flag pauses, so
    after a pause from Monday to Wednesday Today still asks for 3 sessions while the calendar,
    adherence and the README ("a part week (... a pause) asks for its share of N") ask for 2:
    on Saturday the calendar calls the week done (a rest day) and Today still offers it."""
    versions = [_three_a_week()]
    paused = [(MONDAY, MONDAY + timedelta(days=2))]
    thursday, friday, saturday = (MONDAY + timedelta(days=n) for n in (3, 4, 5))
    week = [DayLog(thursday, frozenset({"11"})), DayLog(friday, frozenset({"11"}))]
    calendar = dict(day_statuses(prescribed(versions, paused), week, MONDAY, saturday,
                                 saturday))
    assert calendar[saturday] is DayStatus.REST  # the week's share (2) is done
    todo, progress = due_on(versions, saturday, week, paused=paused)
    assert todo == []
    assert progress == {}
