"""Writes for progression: run the rules and store what they decided, settings, reviews.

Everything here adds rows and flushes; nothing commits and nothing saved is ever changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..domain.progression import (
    CAUTION,
    RuleSettings,
    decide_all,
    setting_values,
    settings_with,
)
from ..domain.scheduling import local_today
from ..extensions import db
from ..library.labels import needs_care
from ..locks import lock_patient
from ..models import (
    DecisionReview,
    DecisionStatus,
    ExerciseSession,
    ProgressionDecision,
    ProgressionMode,
    ProgressionRun,
    ProgressionSettings,
    ReviewAction,
    RunReplacement,
    RunTrigger,
    Side,
    User,
    VersionSource,
    now_utc,
)
from ..patient.history import decided
from ..programmes import queries as programmes
from ..programmes.operations import DoseChange, copy_with_changes, reissue
from ..programmes.queries import PrescriptionView, ProgrammeView
from ..summaries import summary_row
from . import queries
from .inputs import (
    LOOKBACK_DAYS,
    Rung,
    exercise_state,
    inputs_record,
    neighbour_slugs,
    session_results,
    usual_pain,
)
from .present import NoteFacts, as_decided_from, note_facts, target_in


class DecisionRefused(ValueError):
    """A review cannot be saved as asked; the message says why in plain words."""


class BadDose(DecisionRefused):
    """An override's dose does not fit the exercise as prescribed; ``fields``: the override
    form's fields it is about, where the page shows it."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


@dataclass(frozen=True)
class PatientRules:
    """The settings in force for a patient, resolved to what the rules use."""

    row: ProgressionSettings | None
    settings: RuleSettings
    mode: ProgressionMode
    locked: frozenset[str]
    recorded_baseline: int | None


def rules_for(patient_id: int) -> PatientRules:
    """The patient's settings in force: the newest saved, or the defaults."""
    row = queries.settings_row(patient_id)
    if row is None:
        return PatientRules(None, RuleSettings(), ProgressionMode.AUTO, frozenset(), None)
    return PatientRules(row, settings_with(row.thresholds), row.mode, frozenset(row.locked),
                        row.baseline_pain)


def usual_pain_of(patient_id: int, rules: PatientRules | None = None) -> tuple[int | None, str]:
    """The patient's usual pain and its source: the physio's figure, else the median pain
    before their first sessions (``inputs.usual_pain``)."""
    recorded = (rules or rules_for(patient_id)).recorded_baseline
    return usual_pain(recorded, queries.first_pain_before(patient_id))


def _start_date(latest: ProgrammeView, today: date, exercised_today: bool) -> date:
    """A change starts today, or tomorrow once today's session is done (so today stays done)."""
    start = today + timedelta(days=1) if exercised_today else today
    return max(start, latest.start_date)


def _switch(change_to: Rung | None, current: PrescriptionView) -> dict[str, object]:
    """Exercise fields of a dose change that moves to another rung."""
    if change_to is None:
        return {}
    if change_to.sides == "each":
        side = current.side if current.side in (Side.EACH, Side.LEFT, Side.RIGHT) else Side.EACH
    else:
        side = Side.BOTH
    return {"exercise_id": change_to.exercise_id, "exercise_version_id": change_to.version_id,
            "side": side}


def run_rules(patient: User, session: ExerciseSession, trigger: RunTrigger,
              now: datetime | None = None,
              changed_since: datetime | None = None) -> ProgressionRun | None:
    """Run the rules over the patient's programme after a log or a check-in and store it all.

    Changes apply by themselves (a new programme version), unless they raise the load of a
    locked exercise, or the physio approves progressions first; step-downs and pauses never
    wait, as they lower the load.

    ``changed_since`` when the session's answers were changed (a morning check-in put right,
    a log corrected), given when the old answers were: the rules' newest runs that read the
    old answers, if nothing happened since (``_replacing``), are made again from where the
    first of them started, and this run replaces them. A tap on 8 meant as 1 then leaves no
    step-down behind, and a log corrected after its morning check-in no step-up.
    """
    lock_patient(patient.id)
    versions = programmes.versions(patient.id)
    now = now or now_utc()
    today = local_today(now, patient.time_zone)
    # The rules read and change the programme the patient is doing (or their own change of it
    # from tomorrow), not one the physio has scheduled ahead: that one was changed instead,
    # and the one in force never moved on.
    base = decided(versions, today)
    if not base:
        return None
    ahead = versions[len(base):]
    replaced = _replacing(patient.id, session, base, changed_since) \
        if changed_since is not None else []
    if replaced:
        base = base[:next(index for index, version in enumerate(base)
                          if version.id == replaced[-1].programme_version_id) + 1]
    latest = base[-1]
    rules = rules_for(patient.id)
    baseline, baseline_source = usual_pain_of(patient.id, rules)
    rows = queries.engine_rows(patient.id, today - timedelta(days=LOOKBACK_DAYS))
    rung_map = queries.rungs(neighbour_slugs(latest.prescriptions))
    precautions = programmes.precautions(patient.id)
    states = [exercise_state(p, rung_map, precautions) for p in latest.prescriptions]
    decisions = decide_all(states, session_results(rows), baseline, rules.settings,
                           queries.past_decisions(patient.id, (r.id for r in replaced)))
    run = ProgressionRun(
        # Made at ``now``, the time the answers it read are compared with (``_replacing``).
        created_at=now, patient_id=patient.id, trigger=trigger, session_id=session.id,
        programme_version_id=latest.id, settings_id=rules.row.id if rules.row else None,
        inputs=inputs_record(rules.settings, baseline, baseline_source, rows,
                             sorted(rules.locked), rules.mode.value, now, today, precautions),
    )
    changes: dict[int, DoseChange] = {}
    decision_rows: list[dict[str, object]] = []
    notes: list[NoteFacts] = []
    for p, state, decision in zip(latest.prescriptions, states, decisions, strict=True):
        dose = decision.new_dose
        if dose == state.dose and decision.new_exercise is None:
            status = DecisionStatus.NO_CHANGE
        elif state.key in rules.locked and CAUTION[decision.kind] == 0:
            # A lock keeps the dose from going up; like approval, it never holds back a
            # step-down or a pause, which lower the load (after pain 8 the patient was told
            # "keep to it").
            status = DecisionStatus.LOCKED
        elif rules.mode is ProgressionMode.APPROVE and CAUTION[decision.kind] == 0:
            status = DecisionStatus.PENDING
        else:
            status = DecisionStatus.APPLIED
            switch = rung_map.get(decision.new_exercise) if decision.new_exercise else None
            changes[p.position] = DoseChange(dose.sets, dose.reps, dose.hold_seconds,
                                             **_switch(switch, p))  # type: ignore[arg-type]
        decision_rows.append(dict(
            patient_id=patient.id, prescription_id=p.id, position=p.position,
            exercise_slug=state.key, exercise_name=state.name, ladder_slug=state.ladder,
            day=decision.day, kind=decision.kind.value, reasons=list(decision.reasons),
            evidence=dict(decision.evidence), old_sets=state.dose.sets, old_reps=state.dose.reps,
            old_hold_seconds=state.dose.hold_seconds, new_sets=dose.sets, new_reps=dose.reps,
            new_hold_seconds=dose.hold_seconds, new_exercise_slug=decision.new_exercise,
            alert_physio=decision.alert_physio, sentence=decision.sentence, status=status,
        ))
        notes.append(NoteFacts(state.name, decision.kind.value, status.value, decision.sentence,
                               decision.alert_physio, (dose.sets, dose.reps, dose.hold_seconds),
                               None, None))
    if changes or any(r.applied_version_id is not None for r in replaced):
        # The replaced runs' changes are undone by this one's, or by the version the first
        # of them started from (saved again, as nothing is saved over).
        version = _apply(patient, latest, changes, None, VersionSource.RULES, ahead, today)
        run.applied_version_id = version.id
    db.session.add(run)
    db.session.flush()
    if replaced:
        db.session.execute(insert(RunReplacement.__table__),
                           [{"replaced_run_id": r.id, "run_id": run.id} for r in replaced])
    # One statement for all the decisions (see log_session).
    db.session.execute(insert(ProgressionDecision.__table__),
                       [{**row, "run_id": run.id} for row in decision_rows])
    summary_row(patient.id).run_notes = note_facts(notes)  # this run is now the newest
    return run


def _replacing(patient_id: int, session: ExerciseSession, base: Sequence[ProgrammeView],
               changed_since: datetime) -> list[queries.RecentRun]:
    """The runs a run made again replaces, newest first: the patient's newest runs (those
    replaced already aside) while they are of this session, read its answers as they were
    (made at or after ``changed_since``), have no review, and each read what the one before
    it made, the newest having made the programme decided. A log's run and its morning's
    when the log is corrected the morning after; the morning's alone when the check-in is
    changed (the log's read no morning answer). None when something else happened since:
    it built on them, and they stand."""
    chain: list[queries.RecentRun] = []
    made = base[-1].id
    for run in queries.recent_runs(patient_id):
        if run.replaced:
            continue
        if (run.session_id != session.id or run.reviewed or run.created_at < changed_since
                or (run.applied_version_id or run.programme_version_id) != made
                or not any(version.id == run.programme_version_id for version in base)):
            break
        chain.append(run)
        made = run.programme_version_id
    return chain


def record_run_notes(patient_id: int) -> None:
    """Copy the newest run's decisions, with their reviews, onto the patient's summary, where
    Today reads them (``PatientSummary.run_notes``): none once the physio has saved a programme
    since. Run after every review and programme save; a run records its own decisions."""
    summary_row(patient_id).run_notes = note_facts(queries.patient_run_decisions(patient_id))


def save_settings(patient: User, physio: User, *, mode: ProgressionMode,
                  baseline_pain: int | None, values: Mapping[str, int],
                  locked: Sequence[str]) -> ProgressionSettings:
    """Save the patient's settings as a new row; ValueError says which value is wrong."""
    defaults = setting_values(RuleSettings())
    changed = {name: value for name, value in values.items() if defaults.get(name) != value}
    settings_with(changed)  # refuses a combination the rules cannot use
    row = ProgressionSettings(
        patient_id=patient.id, mode=mode, baseline_pain=baseline_pain, thresholds=changed,
        locked=sorted(set(locked)), created_by_id=physio.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _target(decision: ProgressionDecision, latest: ProgrammeView) -> PrescriptionView:
    target = target_in(decision, latest)
    if target is None:
        raise DecisionRefused("The programme has changed since this decision, so it no longer "
                              "applies. Edit the programme instead.")
    return target


def _review(decision: ProgressionDecision, physio: User, action: ReviewAction, note: str,
            version_id: int | None = None, dose: tuple[int, int | None, int | None] | None = None
            ) -> DecisionReview:
    sets, reps, hold = dose if dose else (None, None, None)
    review = DecisionReview(decision_id=decision.id, action=action, note=note, sets=sets,
                            reps=reps, hold_seconds=hold, programme_version_id=version_id,
                            reviewed_by_id=physio.id)
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError:
        raise DecisionRefused("This decision has already been reviewed.") from None
    record_run_notes(decision.patient_id)
    return review


def _in_force(patient: User) -> tuple[ProgrammeView, list[ProgrammeView]]:
    """The programme decisions are about and reviews change (``history.decided``, as
    ``run_rules`` reads it), and the physio's versions scheduled after it."""
    versions = programmes.versions(patient.id)
    base = decided(versions, local_today(now_utc(), patient.time_zone))
    if not base:
        raise DecisionRefused("This patient's programme has not started yet.")
    return base[-1], list(versions[len(base):])


def _check_still_open(decision: ProgressionDecision) -> None:
    """Refuse a review of a decision already reviewed, or of a run made again since."""
    if db.session.scalar(select(DecisionReview.id)
                         .where(DecisionReview.decision_id == decision.id)) is not None:
        raise DecisionRefused("This decision has already been reviewed.")
    if db.session.get(RunReplacement, decision.run_id) is not None:
        raise DecisionRefused("The rules decided again after the patient changed the answers "
                              "this decision read: review the newer decision instead.")


def approve(patient: User, decision: ProgressionDecision, physio: User) -> DecisionReview:
    """Apply a decision that waited for approval, as a new programme version."""
    lock_patient(patient.id)
    _check_still_open(decision)
    if decision.status is not DecisionStatus.PENDING:
        raise DecisionRefused("Only a decision waiting for approval can be approved.")
    latest, ahead = _in_force(patient)
    target = _target(decision, latest)
    if not as_decided_from(decision.exercise_slug, (
            decision.old_sets, decision.old_reps, decision.old_hold_seconds), target):
        raise DecisionRefused("The dose has changed since this decision, so it no longer "
                              "applies.")
    switch = None
    if decision.new_exercise_slug:
        switch = queries.rungs([decision.new_exercise_slug]).get(decision.new_exercise_slug)
        if switch is None:
            raise DecisionRefused("The exercise this decision moves to is no longer in the "
                                  "library.")
        clash = needs_care(switch.name, switch.precautions, programmes.precautions(patient.id))
        if clash:
            raise DecisionRefused(f"{clash}, recorded for this patient since this decision. "
                                  "Edit the programme instead.")
    change = DoseChange(decision.new_sets, decision.new_reps, decision.new_hold_seconds,
                        **_switch(switch, target))  # type: ignore[arg-type]
    version = _apply(patient, latest, {target.position: change}, physio, VersionSource.RULES,
                     ahead)
    for twin in _same_proposals(decision):
        # The same change proposed by another run while this one waited is answered with it:
        # left waiting, it could only be rejected (the dose had moved), and the patient was
        # then told their physio had kept the dose that had just gone up.
        _review(twin, physio, ReviewAction.APPROVED,
                "Approved with the same change decided before it.", version.id)
    return _review(decision, physio, ReviewAction.APPROVED, "", version.id)


def _same_proposals(decision: ProgressionDecision) -> list[ProgressionDecision]:
    """The patient's other decisions waiting for approval, unreviewed and not made again,
    that propose the very change ``decision`` does to the same exercise."""
    d = ProgressionDecision
    return list(db.session.scalars(select(d).where(
        d.patient_id == decision.patient_id, d.id != decision.id,
        d.status == DecisionStatus.PENDING, d.exercise_slug == decision.exercise_slug,
        d.old_sets == decision.old_sets, d.old_reps.is_not_distinct_from(decision.old_reps),
        d.old_hold_seconds.is_not_distinct_from(decision.old_hold_seconds),
        d.new_sets == decision.new_sets, d.new_reps.is_not_distinct_from(decision.new_reps),
        d.new_hold_seconds.is_not_distinct_from(decision.new_hold_seconds),
        d.new_exercise_slug.is_not_distinct_from(decision.new_exercise_slug),
        ~select(DecisionReview.id).where(DecisionReview.decision_id == d.id).exists(),
        ~select(RunReplacement.replaced_run_id)
        .where(RunReplacement.replaced_run_id == d.run_id).exists(),
    ).order_by(d.id)))


def reject(patient: User, decision: ProgressionDecision, physio: User,
           note: str) -> DecisionReview:
    """Keep the dose as it is instead of a decision that waited for approval."""
    lock_patient(patient.id)
    _check_still_open(decision)
    if decision.status is not DecisionStatus.PENDING:
        raise DecisionRefused("Only a decision waiting for approval can be rejected; "
                              "override it instead.")
    _target(decision, _in_force(patient)[0])  # keeping one no longer prescribed means nothing
    return _review(decision, physio, ReviewAction.REJECTED, note)


def override(patient: User, decision: ProgressionDecision, physio: User, *, sets: int,
             reps: int | None, hold_seconds: int | None, note: str) -> DecisionReview:
    """Replace a decision's dose with the physio's own, with a note saying why."""
    lock_patient(patient.id)
    _check_still_open(decision)
    if not note.strip():
        raise BadDose("Say why you are overriding this decision.", ("note",))
    latest, ahead = _in_force(patient)
    target = _target(decision, latest)
    wrong = tuple(name for name, now, given in (("reps", target.reps, reps),
                                                ("hold_seconds", target.hold_seconds,
                                                 hold_seconds))
                  if (now is None) != (given is None))
    if wrong:
        raise BadDose("Give the same parts of the dose as the exercise has now (reps, hold "
                      "time or both).", wrong)
    change = DoseChange(sets, reps, hold_seconds)
    version = _apply(patient, latest, {target.position: change}, physio, VersionSource.OVERRIDE,
                     ahead)
    return _review(decision, physio, ReviewAction.OVERRIDDEN, note.strip(), version.id,
                   (sets, reps, hold_seconds))


def _apply(patient: User, latest: ProgrammeView, changes: Mapping[int, DoseChange],
           by: User | None, source: VersionSource, ahead: Sequence[ProgrammeView] = (),
           today: date | None = None):
    """Save the changes to the programme decisions are about as a new version (by the physio
    who reviewed them, or None for the rules), and the physio's versions scheduled after it
    again, so that they still take over on their own days."""
    today = today or local_today(now_utc(), patient.time_zone)
    start = _start_date(latest, today, programmes.exercised_on(patient.id, today))
    version = copy_with_changes(latest, changes, start_date=start, created_by=by, source=source)
    for scheduled in ahead:
        reissue(scheduled)
    return version
