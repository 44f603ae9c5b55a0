"""Turn loaded rows into the progression rules' inputs: plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median_low
from typing import Any, NamedTuple

from ..domain.dosing import HOLD
from ..domain.progression import (
    Dose,
    DoseRanges,
    ExerciseState,
    NextExercise,
    RuleSettings,
    SessionResult,
    setting_values,
)
from ..domain.sessions import CORRECTION_HOURS
from ..library.labels import PRECAUTION_LABELS_BY_VALUE, label
from ..models import LogStatus, SkipReason, StopReason
from ..programmes.queries import PrescriptionView

# How far back the rules read sessions: two weeks for the weekly comparison, a flare-up window,
# and room for the sessions at the current dose when someone exercises twice a week. Bounded,
# so the work per run does not grow with a patient's history.
LOOKBACK_DAYS = 56
# Sessions whose pain before sets the usual pain when the physio has not recorded it.
BASELINE_SESSIONS = 3
# A session's next-morning pain is recorded, and may be changed, the morning after it; one
# more day allows for a change of time zone, after which the session can no longer get one.
MORNING_DAYS = 2
# The worst pain during an exercise stopped because "pain went above 5 out of 10": the lowest
# whole score that is above 5 (clinical.md, "Stop this exercise": pain during a set > 5). The
# session's own pain during may have been logged lower (the worst of the routine, rated after
# it); the stop is the patient's word for this exercise. At the default pain limit of 5 it
# steps the exercise down and alerts the physio; a physio who set a higher limit for the
# patient has said a 6 may be allowed, and it is read against that limit like any other score.
STOPPED_PAIN = 6


@dataclass(frozen=True)
class Rung:
    """A library exercise as the rules need it when moving up or down its ladder."""

    slug: str
    name: str
    exercise_id: int
    version_id: int
    sides: str
    dose: Dose
    precautions: frozenset[str] = frozenset()  # library.schema.Precaution values
    ranges: DoseRanges | None = None  # the library's, which a step down onto it keeps within


class EngineRow(NamedTuple):
    """One exercise done (or attempted) in one session, with the session's pain scores (a
    named tuple: a run reads a couple of hundred, which build in a quarter of a frozen
    dataclass's time).

    ``sets``, ``reps`` and ``hold_seconds`` are the dose prescribed that day; ``sets_done``,
    ``reps_done`` and ``reps_done_other_side`` what the patient logged doing, as
    ``models.ExerciseLog`` keeps it. Rows built without a log (bench data) leave those None,
    and their status alone says whether they were done."""

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
    status: str  # models.LogStatus: done, partial, skipped or stopped
    logged_at: datetime  # when the session was saved: it can be corrected for a day after
    sets_done: int | None = None
    reps_done: int | None = None  # over all sets; the first side of a one-sided exercise
    reps_done_other_side: int | None = None
    reason: str | None = None  # why it was skipped or stopped (models.SkipReason, StopReason)


def dose_of(data: Mapping[str, Any]) -> Dose:
    """The default dose of a library exercise's content."""
    dose = data["dose"]
    return Dose(dose["sets"], dose.get("reps"), dose.get("hold_seconds"))


def _pair(ranges: Mapping[str, Any], name: str) -> tuple[int, int] | None:
    value = ranges.get(name)
    return (int(value[0]), int(value[1])) if value else None


def ranges_of(dose: Mapping[str, Any], sets: int) -> DoseRanges:
    """The ranges of a library exercise's dose (its content's ``dose``), the sets held at
    ``sets`` when the library gives no range for them."""
    ranges = dose.get("ranges", {})
    return DoseRanges(sets=_pair(ranges, "sets") or (sets, sets),
                      reps=_pair(ranges, "reps"), hold_seconds=_pair(ranges, "hold_seconds"))


def exercise_state(p: PrescriptionView, rungs: Mapping[str, Rung],
                   precautions: Collection[str] = ()) -> ExerciseState:
    """The rules' view of one prescription: its dose, ranges and ladder neighbours, each
    with the patient's ``precautions`` (Precaution values) it is flagged for."""
    data = p.exercise_version.data
    ladder = data["ladder"]

    def neighbour(link: str) -> NextExercise | None:
        slug = ladder.get(link)
        rung = rungs.get(slug) if slug else None
        if rung is None:
            return None
        clashes = tuple(label(PRECAUTION_LABELS_BY_VALUE, value)
                        for value in sorted(rung.precautions.intersection(precautions)))
        return NextExercise(rung.slug, rung.name, rung.dose, clashes, rung.ranges)

    return ExerciseState(
        key=data["id"], name=data["name"], ladder=ladder["id"],
        dose=Dose(p.sets, p.reps, p.hold_seconds),
        ranges=ranges_of(data["dose"], p.sets),
        easier=neighbour("easier"), harder=neighbour("harder"),
        plural=data.get("plural", False), bout=data.get("bout") or HOLD,
    )


def neighbour_slugs(prescriptions: Sequence[PrescriptionView]) -> set[str]:
    """The easier and harder exercises of every prescription, by slug."""
    slugs: set[str] = set()
    for p in prescriptions:
        ladder = p.exercise_version.data["ladder"]
        slugs.update(s for s in (ladder.get("easier"), ladder.get("harder")) if s)
    return slugs


def done_in_full(row: EngineRow) -> bool:
    """Whether the exercise was done in full: marked done, every prescribed set, and the
    prescribed reps of every set on each side logged (reps left blank are not held against
    it). The log keeps reps over all sets, one side at a time for one-sided exercises."""
    if row.status != LogStatus.DONE:
        return False
    if row.sets_done is None:  # a row built without its log: the status is all there is
        return True
    if row.sets_done < row.sets:
        return False
    wanted = row.reps * row.sets if row.reps is not None else 0
    return all(done is None or done >= wanted
               for done in (row.reps_done, row.reps_done_other_side))


def worst_pain_during(row: EngineRow) -> int:
    """The worst pain during the exercise: as the session logged it, or at least
    ``STOPPED_PAIN`` when the exercise was stopped because pain went above 5."""
    if row.status == LogStatus.STOPPED and row.reason == StopReason.PAIN_OVER_5:
        return max(row.pain_during, STOPPED_PAIN)
    return row.pain_during


# A skip for these says something about the dose; one for want of time or kit, or for being
# unwell, does not, and is no session of the exercise at all.
DOSE_SKIPS = frozenset({SkipReason.PAIN, SkipReason.TOO_HARD})


def session_results(rows: Sequence[EngineRow]) -> list[SessionResult]:
    """What the rules read from each logged exercise. An exercise stopped, partly done, done
    with fewer sets or reps than prescribed, or skipped because it hurt or was too hard is
    a session at its dose that was not completed: it holds the dose rather than counting
    towards a step up (skipped for pain, it was read as if it had never come up)."""
    return [
        SessionResult(
            day=row.day, exercise_key=row.slug, ladder=row.ladder,
            dose=Dose(row.sets, row.reps, row.hold_seconds), worst_during=worst_pain_during(row),
            after=row.pain_after, next_morning=row.next_morning, effort=row.effort,
            completed=done_in_full(row),
        )
        for row in rows if row.status != LogStatus.SKIPPED or row.reason in DOSE_SKIPS
    ]


def usual_pain(recorded: int | None, first_pain_before: Sequence[int]) -> tuple[int | None, str]:
    """The patient's usual pain and where it came from: the physio, or the first sessions."""
    if recorded is not None:
        return recorded, "physio"
    if len(first_pain_before) >= BASELINE_SESSIONS:
        return median_low(first_pain_before[:BASELINE_SESSIONS]), "first_sessions"
    return None, "none"


def may_still_change(row: EngineRow, now: datetime, today: date) -> bool:
    """Whether the session's answers may still change after ``now`` (the patient's ``today``):
    it can be corrected for ``CORRECTION_HOURS`` after it was saved, and be given its
    next-morning pain the day after it, or have it changed until the check-in closes
    (``patient.operations.record_morning_pain``). Past both, a session is read-only for good."""
    return (now - row.logged_at < timedelta(hours=CORRECTION_HOURS)
            or row.day >= today - timedelta(days=MORNING_DAYS))


def session_entries(rows: Sequence[EngineRow]) -> list[dict[str, Any]]:
    """Each session among ``rows`` as a run's record keeps it, oldest first.

    ``exercises`` holds each exercise's [slug, status, sets, reps, hold] as prescribed, and
    ``logged``, beside it in the same order, [sets done, reps done, reps done on the other
    side, reason skipped or stopped]. Records stored before ``logged`` was kept lack it: read
    it with ``entry.get("logged")``. It is a list of its own so that readers of the
    five-item ``exercises`` keep working."""
    sessions: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = sessions.setdefault(row.session_id, {
            "id": row.session_id, "day": row.day.isoformat(), "during": row.pain_during,
            "after": row.pain_after, "next_morning": row.next_morning, "effort": row.effort,
            "exercises": [], "logged": [],
        })
        entry["exercises"].append([row.slug, row.status, row.sets, row.reps, row.hold_seconds])
        entry["logged"].append([row.sets_done, row.reps_done, row.reps_done_other_side,
                                row.reason])
    return sorted(sessions.values(), key=lambda s: (s["day"], s["id"]))


def inputs_record(settings: RuleSettings, baseline: int | None, baseline_source: str,
                  rows: Sequence[EngineRow], locked: Sequence[str], mode: str,
                  now: datetime, today: date,
                  precautions: Collection[str] = ()) -> dict[str, Any]:
    """What a run read, kept with it so a decision can be explained later: the settings, the
    usual pain, the patient's precautions, and every session read, by id (``session_ids``,
    oldest first).

    Only the sessions whose answers may still change (``may_still_change``) are copied whole
    into ``sessions``: the others are read-only, so their stored rows are what the run read
    (``sessions_read`` puts the two back together). A year of daily runs copied every session
    of the last eight weeks each time: 9 KB a run, 5 MB a patient-year."""
    firsts: dict[int, EngineRow] = {}  # each session's first row: its day, pains and times
    for row in rows:
        firsts.setdefault(row.session_id, row)
    read = sorted(firsts.values(), key=lambda row: (row.day, row.session_id))
    changing = {row.session_id for row in read if may_still_change(row, now, today)}
    return {
        "baseline": baseline, "baseline_source": baseline_source, "mode": mode,
        "locked": sorted(locked), "settings": setting_values(settings),
        "precautions": sorted(precautions),
        "session_ids": [row.session_id for row in read],
        "sessions": session_entries([row for row in rows if row.session_id in changing]),
    }


def ids_to_read(record: Mapping[str, Any]) -> list[int]:
    """The sessions a run's record names only by id: their stored rows complete it."""
    kept = {entry["id"] for entry in record["sessions"]}
    return [session_id for session_id in record.get("session_ids", ()) if session_id not in kept]


def sessions_read(record: Mapping[str, Any], stored: Sequence[EngineRow]) -> list[dict[str, Any]]:
    """Every session a run read, whole and oldest first: the record's own copies, and the
    sessions it names by id built from ``stored``, their rows as stored now (read-only since,
    so as the run read them). A record from before ``session_ids`` kept every session whole.
    A session deleted since (with its patient's data) is left out."""
    if "session_ids" not in record:
        return list(record["sessions"])
    found = {entry["id"]: entry for entry in session_entries(stored)}
    found.update((entry["id"], entry) for entry in record["sessions"])
    return [found[session_id] for session_id in record["session_ids"] if session_id in found]
