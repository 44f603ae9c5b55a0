"""Run every trajectory in tests/unit/scenarios/*.yaml through the progression rules.

Each file gives a small ladder, a starting exercise and dose, the patient's usual pain and,
optionally, rule settings; then the sessions in order, each with the decision expected once
its next-morning check-in is in. The runner applies each decision (new dose, new exercise)
and records it in the history, as the app would.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from exercise_app.domain.progression import (
    Decision,
    DecisionKind,
    Dose,
    DoseRanges,
    ExerciseState,
    NextExercise,
    PastDecision,
    RuleSettings,
    SessionResult,
    decide,
)

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
START = date(2025, 1, 6)
EXPECTED_KEYS = {"day", "pain", "effort", "done", "expect", "reasons", "dose", "exercise",
                 "alert", "sentence"}


def _dose(values: list[int | None]) -> Dose:
    sets, reps, hold = values
    assert sets is not None
    return Dose(sets, reps, hold)


def _ranges(data: dict[str, list[int]]) -> DoseRanges:
    def pair(name: str) -> tuple[int, int] | None:
        return (data[name][0], data[name][1]) if name in data else None

    sets = pair("sets")
    assert sets is not None
    return DoseRanges(sets=sets, reps=pair("reps"), hold_seconds=pair("hold_seconds"))


def _library(data: dict[str, dict[str, Any]]) -> dict[str, ExerciseState]:
    def neighbour(key: str | None) -> NextExercise | None:
        if key is None:
            return None
        return NextExercise(key, data[key]["name"], _dose(data[key]["dose"]))

    return {
        key: ExerciseState(
            key=key, name=item["name"], ladder=item["ladder"], dose=_dose(item["dose"]),
            ranges=_ranges(item["ranges"]), easier=neighbour(item["easier"]),
            harder=neighbour(item["harder"]),
        )
        for key, item in data.items()
    }


def _check(step: dict[str, Any], decision: Decision, where: str) -> None:
    assert decision.kind == DecisionKind(step["expect"]), f"{where}: {decision}"
    if "reasons" in step:
        assert list(decision.reasons) == step["reasons"], f"{where}: {decision}"
    if "dose" in step:
        assert decision.new_dose == _dose(step["dose"]), f"{where}: {decision}"
    assert decision.new_exercise == step.get("exercise"), f"{where}: {decision}"
    assert decision.alert_physio == step.get("alert", False), f"{where}: {decision}"
    if "sentence" in step:
        assert decision.sentence == " ".join(step["sentence"].split()), where
    assert decision.sentence.endswith("."), where


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = yaml.safe_load(path.read_text())
    library = _library(scenario["exercises"])
    settings = RuleSettings(**scenario.get("settings", {}))
    baseline = scenario["baseline"]
    start = scenario["start"]
    exercise = dataclasses.replace(library[start["exercise"]], dose=_dose(start["dose"]))
    sessions: list[SessionResult] = []
    history: list[PastDecision] = []
    for number, step in enumerate(scenario["sessions"], start=1):
        assert set(step) <= EXPECTED_KEYS, f"{path.name} session {number}: unknown keys"
        worst, after, morning = step["pain"]
        sessions.append(SessionResult(
            day=START + timedelta(days=step["day"]), exercise_key=exercise.key,
            ladder=exercise.ladder, dose=exercise.dose, worst_during=worst, after=after,
            next_morning=morning, effort=step["effort"], completed=step.get("done", True),
        ))
        decision = decide(exercise, sessions, baseline, settings, history)
        _check(step, decision, f"{path.name} session {number} (day {step['day']})")
        record = decision.record()
        assert record is not None
        history.append(record)
        if decision.new_exercise is not None:
            exercise = dataclasses.replace(library[decision.new_exercise],
                                           dose=decision.new_dose)
        else:
            exercise = dataclasses.replace(exercise, dose=decision.new_dose)


def test_every_trajectory_the_issue_asks_for_is_there() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {"steady_improvement", "flare_up_and_recovery", "irregular_adherence",
            "high_baseline", "missing_morning_check_ins"} <= names
