"""Scenario tests: pain trajectories as data files with the decisions expected after each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from exercise_app.domain.progression import DecisionKind
from exercise_app.domain.scenarios import Step, dose, run

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def _check(step: Step, where: str) -> None:
    spec: dict[str, Any] = dict(step.spec)
    decision = step.decision
    assert decision.kind == DecisionKind(spec["expect"]), f"{where}: {decision}"
    if "reasons" in spec:
        assert list(decision.reasons) == spec["reasons"], f"{where}: {decision}"
    if "dose" in spec:
        assert decision.new_dose == dose(spec["dose"]), f"{where}: {decision}"
    assert decision.new_exercise == spec.get("exercise"), f"{where}: {decision}"
    assert decision.alert_physio == spec.get("alert", False), f"{where}: {decision}"
    if "sentence" in spec:
        assert decision.sentence == " ".join(spec["sentence"].split()), where
    assert decision.sentence.endswith("."), where


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    for step in run(yaml.safe_load(path.read_text())):
        _check(step, f"{path.name} session {step.number} (day {step.spec['day']})")


def test_every_trajectory_the_issue_asks_for_is_there() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {"steady_improvement", "flare_up_and_recovery", "irregular_adherence",
            "high_baseline", "missing_morning_check_ins"} <= names


def test_unknown_keys_are_refused() -> None:
    scenario = yaml.safe_load(SCENARIOS[0].read_text())
    scenario["sessions"][0]["colour"] = "red"
    with pytest.raises(ValueError, match="unknown keys"):
        run(scenario)
