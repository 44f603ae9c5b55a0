"""Turn loaded rows into the progression rules' inputs: plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median_low
from typing import Any, NamedTuple

from ..domain.progression import (
    Dose,
    DoseRanges,
    ExerciseState,
    NextExercise,
    RuleSettings,
    SessionResult,
    setting_values,
)
from ..programmes.queries import PrescriptionView

# How far back the rules read sessions: two weeks for the weekly comparison, a flare-up window,
# and room for the sessions at the current dose when someone exercises twice a week. Bounded,
# so the work per run does not grow with a patient's history.
LOOKBACK_DAYS = 56
# Sessions whose pain before sets the usual pain when the physio has not recorded it.
BASELINE_SESSIONS = 3


@dataclass(frozen=True)
class Rung:
    """A library exercise as the rules need it when moving up or down its ladder."""

    slug: str
    name: str
    exercise_id: int
    version_id: int
    sides: str
    dose: Dose


class EngineRow(NamedTuple):
    """One exercise done (or attempted) in one session, with the session's pain scores (a
    named tuple: a run reads a couple of hundred, which build in a quarter of a frozen
    dataclass's time)."""

    session_id: int
    day: date
    slug: str
    ladder: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    pain_during: int
    pain_after: int
    next_morning: int | None
    effort: int
    status: str


def dose_of(data: Mapping[str, Any]) -> Dose:
    """The default dose of a library exercise's content."""
    dose = data["dose"]
    return Dose(dose["sets"], dose.get("reps"), dose.get("hold_seconds"))


def _pair(ranges: Mapping[str, Any], name: str) -> tuple[int, int] | None:
    value = ranges.get(name)
    return (int(value[0]), int(value[1])) if value else None


def exercise_state(p: PrescriptionView, rungs: Mapping[str, Rung]) -> ExerciseState:
    """The rules' view of one prescription: its dose, ranges and ladder neighbours."""
    data = p.exercise_version.data
    ranges = data["dose"].get("ranges", {})
    ladder = data["ladder"]

    def neighbour(link: str) -> NextExercise | None:
        slug = ladder.get(link)
        rung = rungs.get(slug) if slug else None
        return NextExercise(rung.slug, rung.name, rung.dose) if rung else None

    return ExerciseState(
        key=data["id"], name=data["name"], ladder=ladder["id"],
        dose=Dose(p.sets, p.reps, p.hold_seconds),
        ranges=DoseRanges(
            sets=_pair(ranges, "sets") or (p.sets, p.sets),
            reps=_pair(ranges, "reps"), hold_seconds=_pair(ranges, "hold_seconds"),
        ),
        easier=neighbour("easier"), harder=neighbour("harder"),
        plural=data.get("plural", False),
    )


def neighbour_slugs(prescriptions: Sequence[PrescriptionView]) -> set[str]:
    """The easier and harder exercises of every prescription, by slug."""
    slugs: set[str] = set()
    for p in prescriptions:
        ladder = p.exercise_version.data["ladder"]
        slugs.update(s for s in (ladder.get("easier"), ladder.get("harder")) if s)
    return slugs


def session_results(rows: Sequence[EngineRow]) -> list[SessionResult]:
    """What the rules read from each logged exercise; skipped exercises were not done."""
    return [
        SessionResult(
            day=row.day, exercise_key=row.slug, ladder=row.ladder,
            dose=Dose(row.sets, row.reps, row.hold_seconds), worst_during=row.pain_during,
            after=row.pain_after, next_morning=row.next_morning, effort=row.effort,
            completed=row.status == "done",
        )
        for row in rows if row.status != "skipped"
    ]


def usual_pain(recorded: int | None, first_pain_before: Sequence[int]) -> tuple[int | None, str]:
    """The patient's usual pain and where it came from: the physio, or the first sessions."""
    if recorded is not None:
        return recorded, "physio"
    if len(first_pain_before) >= BASELINE_SESSIONS:
        return median_low(first_pain_before[:BASELINE_SESSIONS]), "first_sessions"
    return None, "none"


def inputs_record(settings: RuleSettings, baseline: int | None, baseline_source: str,
                  rows: Sequence[EngineRow], locked: Sequence[str], mode: str) -> dict[str, Any]:
    """What a run read, kept with it so a decision can be explained later."""
    sessions: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = sessions.setdefault(row.session_id, {
            "id": row.session_id, "day": row.day.isoformat(), "during": row.pain_during,
            "after": row.pain_after, "next_morning": row.next_morning, "effort": row.effort,
            "exercises": [],
        })
        entry["exercises"].append([row.slug, row.status, row.sets, row.reps, row.hold_seconds])
    return {
        "baseline": baseline, "baseline_source": baseline_source, "mode": mode,
        "locked": sorted(locked), "settings": setting_values(settings),
        "sessions": sorted(sessions.values(), key=lambda s: (s["day"], s["id"])),
    }
