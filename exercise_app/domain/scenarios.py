"""Run a progression scenario (a pain trajectory written as data) through the rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .progression import (
    Decision,
    Dose,
    DoseRanges,
    ExerciseState,
    NextExercise,
    PastDecision,
    RuleSettings,
    SessionResult,
    decide,
)

START = date(2025, 1, 6)  # scenario days count from this Monday
STEP_KEYS = frozenset({"day", "pain", "effort", "done", "expect", "reasons", "dose", "exercise",
                       "alert", "sentence"})


@dataclass(frozen=True)
class Step:
    """One session of a scenario and the decision the rules made after it."""

    number: int
    spec: Mapping[str, Any]
    session: SessionResult
    decision: Decision


def dose(values: list[int | None]) -> Dose:
    """A dose from ``[sets, reps, hold_seconds]``."""
    sets, reps, hold = values
    if sets is None:
        raise ValueError("a dose needs sets")
    return Dose(sets, reps, hold)


def _ranges(data: Mapping[str, list[int]]) -> DoseRanges:
    def pair(name: str) -> tuple[int, int] | None:
        return (data[name][0], data[name][1]) if name in data else None

    sets = pair("sets")
    if sets is None:
        raise ValueError("ranges need sets")
    return DoseRanges(sets=sets, reps=pair("reps"), hold_seconds=pair("hold_seconds"))


def library(data: Mapping[str, Mapping[str, Any]]) -> dict[str, ExerciseState]:
    """The scenario's exercises as rule inputs."""
    def neighbour(key: str | None) -> NextExercise | None:
        if key is None:
            return None
        return NextExercise(key, data[key]["name"], dose(data[key]["dose"]))

    return {
        key: ExerciseState(
            key=key, name=item["name"], ladder=item["ladder"], dose=dose(item["dose"]),
            ranges=_ranges(item["ranges"]), easier=neighbour(item["easier"]),
            harder=neighbour(item["harder"]),
        )
        for key, item in data.items()
    }


def run(scenario: Mapping[str, Any]) -> list[Step]:
    """Feed the sessions one by one, applying each decision as the app would."""
    exercises = library(scenario["exercises"])
    settings = RuleSettings(**scenario.get("settings", {}))
    baseline = scenario["baseline"]
    start = scenario["start"]
    exercise = dataclasses.replace(exercises[start["exercise"]], dose=dose(start["dose"]))
    sessions: list[SessionResult] = []
    history: list[PastDecision] = []
    steps: list[Step] = []
    for number, spec in enumerate(scenario["sessions"], start=1):
        unknown = set(spec) - STEP_KEYS
        if unknown:
            raise ValueError(f"session {number}: unknown keys {sorted(unknown)}")
        worst, after, morning = spec["pain"]
        session = SessionResult(
            day=START + timedelta(days=spec["day"]), exercise_key=exercise.key,
            ladder=exercise.ladder, dose=exercise.dose, worst_during=worst, after=after,
            next_morning=morning, effort=spec["effort"], completed=spec.get("done", True),
        )
        sessions.append(session)
        decision = decide(exercise, sessions, baseline, settings, history)
        steps.append(Step(number, spec, session, decision))
        record = decision.record()
        if record is not None:
            history.append(record)
        if decision.new_exercise is not None:
            exercise = dataclasses.replace(exercises[decision.new_exercise],
                                           dose=decision.new_dose)
        else:
            exercise = dataclasses.replace(exercise, dose=decision.new_dose)
    return steps
