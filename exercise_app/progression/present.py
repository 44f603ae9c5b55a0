"""Words for stored decisions: what the patient reads on Today and the physio's labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from .queries import DecisionRow

KIND_LABELS = {
    "progress_dose": "Goes up",
    "move_up": "Next exercise",
    "hold": "Stays the same",
    "step_down": "Goes down",
    "pause_flare": "Paused: flare-up",
    "resume": "Building up again",
    "insufficient_data": "Not enough data yet",
}
STATUS_LABELS = {
    "applied": "Applied",
    "pending": "Waiting for your approval",
    "no_change": "No change",
    "locked": "Not applied: dose locked",
}
REVIEW_LABELS = {"approved": "Approved", "rejected": "Rejected", "overridden": "Overridden"}
REASON_LABELS = {
    "no_sessions": "no sessions yet",
    "not_enough_sessions": "not enough sessions at this dose",
    "no_baseline": "usual pain not known",
    "next_morning_missing": "next-morning pain missing",
    "pain_not_settled": "pain above the progress ceiling",
    "next_morning_above_usual": "next-morning pain above usual",
    "not_all_done": "not every set done",
    "effort_high": "effort high",
    "pain_settled": "pain settled",
    "all_done": "every set done",
    "effort_easy": "effort easy enough",
    "top_of_range": "top of the dose range",
    "top_of_ladder": "hardest exercise on the ladder",
    "harder_unsuitable": "next exercise up clashes with a precaution",
    "harder_prescribed": "next exercise up is in the programme already",
    "pain_above_limit": "pain above the limit",
    "next_morning_up": "next-morning pain up on usual",
    "weekly_average_up": "weekly average pain up",
    "holds_with_rising_pain": "unsettled sessions with rising pain",
    "flare_up": "flare-up",
    "still_settling": "pain still settling",
}


@dataclass(frozen=True)
class PatientNote:
    """One decision as the patient reads it on Today."""

    exercise: str
    label: str
    text: str
    changed: bool


def dose_text(dose: tuple[int, int | None, int | None], timed: str = " hold") -> str:
    """'2 x 10', '2 x 10, 3 s hold', '3 x 30 s hold' (``timed``: what follows a timed set's
    seconds; the patient's sentence leaves it out, as a walk is timed too)."""
    sets, reps, hold = dose
    text = f"{sets} x {reps}" if reps is not None else f"{sets} x {hold} s{timed}"
    if reps is not None and hold is not None:
        text += f", {hold} s hold"
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class NoteFacts(NamedTuple):
    """What Today's note about one decision is made from: a ``DecisionRow``'s fields that
    ``patient_notes`` reads, as stored on the patient's summary (``note_facts``)."""

    exercise_name: str
    kind: str
    status: str
    sentence: str
    alert_physio: bool
    new_dose: tuple[int, int | None, int | None]
    review_action: str | None
    review_dose: tuple[int, int | None, int | None] | None


def note_facts(rows: Sequence[DecisionRow | NoteFacts]) -> list[list[Any]]:
    """The newest run's decisions (with their reviews) as stored on the patient's summary."""
    return [[row.exercise_name, row.kind, row.status, row.sentence, row.alert_physio,
             list(row.new_dose), row.review_action,
             list(row.review_dose) if row.review_dose is not None else None] for row in rows]


def stored_facts(stored: Sequence[Sequence[Any]]) -> list[NoteFacts]:
    """Read back what ``note_facts`` stored."""
    return [NoteFacts(name, kind, status, sentence, alert_physio, tuple(new_dose),
                      review_action, tuple(review_dose) if review_dose is not None else None)
            for name, kind, status, sentence, alert_physio, new_dose, review_action, review_dose
            in stored]


def patient_text(row: DecisionRow | NoteFacts) -> str:
    """The sentence the patient sees: the rules' own, or what the physio did with it."""
    name = _lower_first(row.exercise_name)
    told = " Your physio has been told about your pain." if row.alert_physio else ""
    if row.review_action == "rejected":
        return f"Your physio has kept the dose of your {name} as it is."  # heel slides: no "its"
    if row.review_action == "overridden":
        dose = dose_text(row.review_dose or row.new_dose, timed="")
        return f"Your physio has set your {name} to {dose}."
    if row.status == "pending" and row.review_action is None:
        return (f"Your {name} may be ready for a change: your physio will check it first, so "
                "keep to your current dose for now.")
    if row.status == "locked":
        return f"Your physio has set the dose of your {name}, so keep to it.{told}"
    return row.sentence


def physio_text(row: DecisionRow) -> str:
    """A decision as the physio's pages tell it: the rules' sentence, or, once reviewed, what
    the physio did and what the patient reads now (the rules' "goes up to 14 reps" stayed
    beside a step-up the physio had rejected)."""
    if row.review_action is None:
        return row.sentence
    return (f"{REVIEW_LABELS[row.review_action]} by {row.reviewed_by}. The patient reads: "
            f"\u201c{patient_text(row)}\u201d")


def patient_notes(rows: Sequence[DecisionRow | NoteFacts]) -> list[PatientNote]:
    """The newest run's decisions for Today, changes first."""
    notes = [
        PatientNote(row.exercise_name, KIND_LABELS.get(row.kind, row.kind), patient_text(row),
                    row.status == "applied" or row.review_action in ("approved", "overridden"))
        for row in rows
    ]
    return sorted(notes, key=lambda n: not n.changed)


class Placed(Protocol):
    position: int
    exercise_slug: str
    new_exercise_slug: str | None


def target_in(decision: Placed, latest: Any) -> Any:
    """The prescription of ``latest`` (a programme version) that a decision is about, if the
    programme still has it: the same place, and the exercise it was about or moved to.
    Approving, rejecting and overriding need it; the pages offer them only where it is."""
    for p in latest.prescriptions:
        if p.position == decision.position and p.exercise_version.data["id"] in (
                decision.exercise_slug, decision.new_exercise_slug):
            return p
    return None


def as_decided_from(slug: str, old_dose: Sequence[int | None], target: Any) -> bool:
    """Whether the programme still has the exercise and dose a decision started from, which
    approving it needs (it changes that dose; a changed one is the physio's since)."""
    return (target is not None and target.exercise_version.data["id"] == slug
            and (target.sets, target.reps, target.hold_seconds) == tuple(old_dose))


def approvable(pending: Sequence[DecisionRow], versions: Sequence[Any]) -> set[int]:
    """The ids of those waiting decisions that can still be approved as they stand."""
    return {row.id for row in pending if versions and as_decided_from(
        row.exercise_slug, row.old_dose, target_in(row, versions[-1]))}


def gone_from(rows: Sequence[DecisionRow], versions: Sequence[Any]) -> set[int]:
    """The ids of those decisions whose exercise the newest programme no longer has."""
    return {row.id for row in rows if not versions or target_in(row, versions[-1]) is None}


def still_waiting(pending: Sequence[DecisionRow], versions: Sequence[Any]) -> list[DecisionRow]:
    """The decisions waiting for approval that can still be acted on: one about an exercise
    the physio has since taken out of the programme waits for nothing."""
    gone = gone_from(pending, versions)
    return [row for row in pending if row.id not in gone]


class SavedVersion(Protocol):
    id: int
    number: int
    source: str


def replaced_by(rows: Sequence[DecisionRow], versions: Sequence[SavedVersion]) -> Any:
    """The programme the physio saved after the run these decisions come from (the newest
    such), which took them off the patient's Today; None while they still stand."""
    if not rows:
        return None
    read = rows[0].run_version_id
    return next((v for v in reversed(versions) if v.source == "physio" and v.id > read), None)


def reasons_text(reasons: Sequence[str]) -> str:
    return ", ".join(REASON_LABELS.get(r, r.replace("_", " ")) for r in reasons)
