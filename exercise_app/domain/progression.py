"""Pain-guided progression: what to do next with each prescribed exercise.

The rules follow the pain-monitoring model (clinical.md, "Pain-monitoring model"; Thomee 1997,
Silbernagel 2007, NEMEX-TJR Ageberg 2010). Every threshold is a field of ``RuleSettings`` with
its source, so a physio can change it per patient. In order, for one exercise:

1. **Flare-up mode** (entered by a pause): a warning sign steps down once more; two settled
   sessions in a row resume normal progression; otherwise the dose is held.
2. **Warning signs** in the latest session at the current dose: pain above the limit during or
   after; next-morning pain up a meaningful amount on the usual (baseline; see
   ``next_morning_step_down_from``); and, when that session was not settled, the 7-day average
   up a meaningful amount on the week before, or two unsettled sessions in a row with pain
   rising. Any sign steps down one step and alerts the physio; the second step-down within
   the flare window pauses progression instead.
3. **Not enough data**: fewer than ``sessions_to_progress`` sessions at the current dose.
4. **Hold** when any session in that window had pain above the progress ceiling, next-morning
   pain above the usual, unfinished sets or high effort.
5. **Progress** one step otherwise: reps, then sets, then hold time, then the next rung up.

Run ``decide`` once the latest session's next-morning check-in is in (or before the next
session): the 24-hour response matters more than pain during exercise, and a session without
it cannot count towards progress. Warning signs are read from the latest session only, and only
when it was done at the current dose, so running ``decide`` again after a change has been
applied never steps down twice for the same session.

Each exercise is read from its own line of sessions (``_line``): its own, and those of the
rungs it moved from along its ladder, so the trend carries over a move and a move back to an
earlier rung starts a new count. Another exercise of the same ladder prescribed with it (the
hip-hinge template has wall tap-back with bodyweight good morning) has its own line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from fractions import Fraction

from .dosing import HOLD, timed, whole_minutes

PAIN_MIN, PAIN_MAX = 0, 10  # Numeric Rating Scale, whole numbers (clinical.md, "Scales")
EFFORT_MIN, EFFORT_MAX = 0, 10  # the project's own 0-10 effort scale (clinical.md, "Scales")


class SettingsConflict(ValueError):
    """Two settings that cannot go together: ``higher`` is set above ``lower``."""

    def __init__(self, higher: str, lower: str) -> None:
        super().__init__(f"{higher} cannot be above {lower}")
        self.higher, self.lower = higher, lower


@dataclass(frozen=True)
class RuleSettings:
    """The thresholds of the progression rules; every one is a default a physio can change."""

    # Green zone: worst pain during (and straight after) at or below this may progress.
    # Pain-monitoring model and clinic traffic lights 0-3 / 4-5 / 6-10 (clinical.md).
    pain_progress_max: int = 3
    # ... or at or below the patient's usual pain plus this ("<= baseline + 1", clinical.md).
    baseline_margin: int = 1
    # Above this, during or straight after, is high risk: step down and alert the physio.
    # Silbernagel 2007 (pain allowed up to 5); NEMEX-TJR (post-session pain > 5 is an adverse
    # event, Ageberg 2010). Also caps the progress ceiling, so a high baseline never lets a
    # session in the high-risk zone count towards progress.
    pain_limit: int = 5
    # Effort at or below this (0-10, project scale) is easy enough to progress; 5-7 holds
    # (clinical.md "Progress one step" / "Hold"; research notes 2.3: CR10 <= 4 or 3+ in reserve).
    effort_progress_max: int = 4
    # Sessions at the current dose, all settled, before one step up ("last 2-3 sessions or one
    # week", clinical.md). Three is about a week of strength work at 2-3 days a week (ACSM 2011).
    sessions_to_progress: int = 3
    # A meaningful rise in pain: >= 2 points, or >= 30 % from a usual pain of 7 or more
    # (Farrar 2001; Ostelo 2008; Childs 2005; clinical.md "Meaningful change"). Next-morning
    # pain falls back on the points where 30 % is out of the scale's reach
    # (``next_morning_step_down_from``).
    meaningful_rise_points: int = 2
    meaningful_rise_percent: int = 30
    percent_rule_from: int = 7
    # The weekly rule compares the last 7 days with the 7 before (clinical.md). It needs at
    # least this many sessions in each week to compare averages (project choice: one session
    # is not an average).
    week_days: int = 7
    week_min_sessions: int = 2
    # Flare-up: this many step-downs (on different days) within this many days pause
    # progression ("e.g. 2 step-downs within 14 days", the issue; clinical.md "Flare-up").
    flare_step_downs: int = 2
    flare_window_days: int = 14
    # Settled sessions in a row that end a flare-up ("e.g. two settled sessions", clinical.md).
    resume_settled_sessions: int = 2
    # One step up: reps by ~10-20 % (at least +1), sets by 1, hold time by ~20 % (clinical.md
    # "Progress one step"; research notes 2.3). 15 % turns 10 reps into 12.
    reps_step_percent: int = 15
    hold_step_percent: int = 20
    # One step down cuts volume by ~30-50 % (clinical.md "Step down"): aim for 40 % and accept
    # a single-variable cut of at least 30 %, else drop a rung.
    step_down_percent: int = 40
    step_down_min_percent: int = 30

    def __post_init__(self) -> None:
        for name in ("pain_progress_max", "pain_limit"):
            if not PAIN_MIN <= getattr(self, name) <= PAIN_MAX:
                raise ValueError(f"{name} must be a pain score from 0 to 10")
        if self.pain_progress_max > self.pain_limit:
            raise SettingsConflict("pain_progress_max", "pain_limit")
        if not EFFORT_MIN <= self.effort_progress_max <= EFFORT_MAX:
            raise ValueError("effort_progress_max must be from 0 to 10")
        positive = ("sessions_to_progress", "meaningful_rise_points", "meaningful_rise_percent",
                    "week_days", "week_min_sessions", "flare_step_downs", "flare_window_days",
                    "resume_settled_sessions", "reps_step_percent", "hold_step_percent",
                    "step_down_percent", "step_down_min_percent")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.baseline_margin < 0:
            raise ValueError("baseline_margin cannot be negative")
        if self.step_down_min_percent > self.step_down_percent:
            raise SettingsConflict("step_down_min_percent", "step_down_percent")


@dataclass(frozen=True)
class SettingInfo:
    """How a physio sees one setting: its label, the bounds a form allows, and its source."""

    name: str
    label: str
    low: int
    high: int
    source: str


SETTINGS: tuple[SettingInfo, ...] = (
    SettingInfo("pain_progress_max", "Highest pain that still allows a step up", 0, 10,
                "Pain-monitoring model: 0-3 is the green zone of the clinic traffic lights "
                "(Thomee 1997; Silbernagel 2007)."),
    SettingInfo("baseline_margin", "... or this much above the patient's usual pain", 0, 5,
                "A rise of 1 point is small (Salaffi 2004), so usual pain + 1 still counts as "
                "settled."),
    SettingInfo("pain_limit", "Pain above this steps down and alerts you", 0, 10,
                "Pain up to 5 was allowed in Silbernagel 2007; NEMEX-TJR counts pain above 5 "
                "after a session as an adverse event (Ageberg 2010)."),
    SettingInfo("effort_progress_max", "Highest effort (0-10) that still allows a step up", 0,
                10, "Easy enough to add load: about 4 out of 10, or 3 or more reps in reserve."),
    SettingInfo("sessions_to_progress", "Settled sessions at a dose before it goes up", 1, 10,
                "The last 2-3 sessions, or about a week at 2-3 days a week (ACSM 2011)."),
    SettingInfo("meaningful_rise_points", "A meaningful rise in pain (points)", 1, 5,
                "2 points or 30% is a change patients notice (Farrar 2001; Ostelo 2008; "
                "Childs 2005)."),
    SettingInfo("meaningful_rise_percent", "... or percent, from a usual pain of 7 or more", 1,
                100, "Farrar 2001: 30% is clinically important; used for high baselines."),
    SettingInfo("flare_step_downs", "Step-downs that start a flare-up pause", 1, 10,
                "Repeated step-down triggers mean a flare-up, not a bad day (project default: "
                "2)."),
    SettingInfo("flare_window_days", "... within this many days", 1, 60,
                "Project default: 14 days, two weeks of sessions."),
    SettingInfo("resume_settled_sessions", "Settled sessions in a row that end a flare-up", 1,
                10, "Resume once pain has settled, for example for two sessions."),
    SettingInfo("reps_step_percent", "One step up in reps (percent, at least 1 rep)", 1, 50,
                "One variable by about 10-20% at a time (ACSM 2011)."),
    SettingInfo("hold_step_percent", "One step up in hold time (percent)", 1, 50,
                "One variable by about 10-20% at a time (ACSM 2011)."),
    SettingInfo("step_down_percent", "One step down (percent less volume)", 1, 90,
                "A step down is one ladder rung or about 30-50% less volume."),
)


def settings_with(changes: Mapping[str, int]) -> RuleSettings:
    """Give the default settings with a physio's changes; ValueError names a bad one."""
    known = {info.name for info in SETTINGS}
    unknown = set(changes) - known
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    values = dict(changes)
    if "step_down_percent" in values:  # the minimum cut follows the chosen cut down
        values["step_down_min_percent"] = min(RuleSettings.step_down_min_percent,
                                              values["step_down_percent"])
    return replace(RuleSettings(), **values)


def setting_values(settings: RuleSettings) -> dict[str, int]:
    """Give every setting a physio can change, by name."""
    return {info.name: getattr(settings, info.name) for info in SETTINGS}


@dataclass(frozen=True)
class Dose:
    """Sets, reps per set and seconds held; reps or hold time (or both) are given."""

    sets: int
    reps: int | None = None
    hold_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.reps is None and self.hold_seconds is None:
            raise ValueError("a dose needs reps or a hold time")


@dataclass(frozen=True)
class DoseRanges:
    """The inclusive (low, high) range each dose variable may move within."""

    sets: tuple[int, int]
    reps: tuple[int, int] | None = None
    hold_seconds: tuple[int, int] | None = None


@dataclass(frozen=True)
class NextExercise:
    """The easier or harder exercise on the same ladder, with its default dose and ranges."""

    key: str
    name: str
    dose: Dose
    # The patient's recorded precautions this exercise is flagged for, in plain words: the
    # rules never move a patient onto it (the physio decides instead).
    clashes: tuple[str, ...] = ()
    # Its own dose ranges (the library's), which a step down onto it keeps within; None when
    # not known, and then only its default dose and the dose being done now are read.
    ranges: DoseRanges | None = None


@dataclass(frozen=True)
class ExerciseState:
    """One prescribed exercise: where it sits on its ladder and the dose being done now."""

    key: str
    name: str
    ladder: str
    dose: Dose
    ranges: DoseRanges
    easier: NextExercise | None = None
    harder: NextExercise | None = None
    plural: bool = False  # the name is plural ("Heel slides"): sentences say "they go up"
    bout: str = HOLD  # what one timed set is called ("walk"): "3 walks of 2 minutes"

    def words(self, singular: str, plural: str) -> str:
        """The words that agree with the exercise's name: ``words("it goes", "they go")``."""
        return plural if self.plural else singular


@dataclass(frozen=True)
class SessionResult:
    """What the patient reported for one exercise in one session."""

    day: date
    exercise_key: str
    ladder: str
    dose: Dose  # the dose actually prescribed that day
    worst_during: int
    after: int
    next_morning: int | None  # None until (or unless) the morning check-in is done
    effort: int
    completed: bool  # every prescribed set and rep done

    def __post_init__(self) -> None:
        for name in ("worst_during", "after", "next_morning"):
            value = getattr(self, name)
            if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
                raise ValueError(f"{name} must be a pain score from 0 to 10")
        if not EFFORT_MIN <= self.effort <= EFFORT_MAX:
            raise ValueError("effort must be from 0 to 10")


class DecisionKind(StrEnum):
    """What happens to an exercise next."""

    PROGRESS_DOSE = "progress_dose"  # one dose variable goes up one step
    MOVE_UP = "move_up"  # the next exercise up the ladder, at its default dose
    HOLD = "hold"  # repeat the same dose
    STEP_DOWN = "step_down"  # less volume or one rung down; the physio is alerted
    PAUSE_FLARE = "pause_flare"  # flare-up: no progression until pain settles
    RESUME = "resume"  # the flare-up is over: normal progression again from here
    INSUFFICIENT_DATA = "insufficient_data"  # not enough information to change anything

# The past decisions a flare-up is read from (``_flare_state``): the caller passes these.
FLARE_KINDS = (DecisionKind.STEP_DOWN, DecisionKind.PAUSE_FLARE, DecisionKind.RESUME)

# How cautious each kind is, for comparing decisions (progress < hold < step down < pause).
CAUTION = {
    DecisionKind.PROGRESS_DOSE: 0,
    DecisionKind.MOVE_UP: 0,
    DecisionKind.HOLD: 1,
    DecisionKind.RESUME: 1,
    DecisionKind.INSUFFICIENT_DATA: 1,
    DecisionKind.STEP_DOWN: 2,
    DecisionKind.PAUSE_FLARE: 3,
}


@dataclass(frozen=True)
class PastDecision:
    """A decision already made, as far as later decisions need it."""

    day: date
    exercise_key: str
    ladder: str
    kind: DecisionKind


@dataclass(frozen=True)
class Decision:
    """What to do next with one exercise, why, the numbers behind it, and the patient's sentence."""

    exercise_key: str
    ladder: str
    day: date | None  # the day of the latest session the decision read
    kind: DecisionKind
    reasons: tuple[str, ...]
    evidence: Mapping[str, int | float]
    new_dose: Dose
    new_exercise: str | None  # the exercise to switch to, or None to keep this one
    alert_physio: bool
    sentence: str

    def record(self) -> PastDecision | None:
        """Give the entry to keep in the history, or None when there was no session to read."""
        if self.day is None:
            return None
        return PastDecision(self.day, self.exercise_key, self.ladder, self.kind)


def _round_percent(value: int, percent: int) -> int:
    """`percent` % of `value`, rounded half up, in whole numbers."""
    return (value * percent + 50) // 100


def progress_ceiling(baseline: int | None, settings: RuleSettings) -> int:
    """Give the highest pain during or after a session that still counts towards progress."""
    ceiling = settings.pain_progress_max
    if baseline is not None:
        ceiling = max(ceiling, baseline + settings.baseline_margin)
    return min(ceiling, settings.pain_limit)


def is_meaningful_rise(reference: Fraction | int, value: Fraction | int,
                       settings: RuleSettings) -> bool:
    """Say whether pain rose by a meaningful amount: points, or percent from a high start."""
    rise = Fraction(value) - Fraction(reference)
    if reference >= settings.percent_rule_from:
        return rise * 100 >= Fraction(reference) * settings.meaningful_rise_percent
    return rise >= settings.meaningful_rise_points


def next_morning_step_down_from(baseline: int, settings: RuleSettings) -> int:
    """Give the lowest next-morning pain that steps down from this usual pain (over 10: none).

    clinical.md steps down when "next-morning pain >= 2 above baseline", and with a baseline
    of 7 or more uses the 30 % rule for a meaningful change. The 30 % rule applies where the
    0-10 scale can reach it (from 7 it needs 10); from 8 it would need 10.4 or more, which no
    score can reach, so the 2-point rule applies there instead (8 -> 10), as alerts.py also
    counts 2 points above baseline. From 9 neither can be reached: a 1-point rise is small
    (Salaffi 2004), and pain above ``pain_limit`` during or after still steps down.
    """
    points = baseline + settings.meaningful_rise_points
    if baseline < settings.percent_rule_from:
        return points
    percent = -(-baseline * (100 + settings.meaningful_rise_percent) // 100)  # rounded up
    return percent if percent <= PAIN_MAX else points


def unremarkable_band(baseline: int, settings: RuleSettings) -> tuple[int, int]:
    """Give the scores (low, high) around a usual pain that are not yet a meaningful change.

    The top is the highest next-morning pain that does not step down
    (``next_morning_step_down_from``, so it follows the physio's points and percent), and
    the band reaches as far below the usual pain as above it; both ends stay on the 0-10
    scale. With a usual pain of 10, no rise can be shown: the band is that score alone.
    """
    high = min(max(next_morning_step_down_from(baseline, settings) - 1, PAIN_MIN), PAIN_MAX)
    return max(PAIN_MIN, baseline - (high - baseline)), high


def next_dose(exercise: ExerciseState, settings: RuleSettings) -> Dose | None:
    """Give the dose one step up within the ranges (reps, then sets, then hold), or None."""
    dose, ranges = exercise.dose, exercise.ranges
    if dose.reps is not None and ranges.reps is not None and dose.reps < ranges.reps[1]:
        step = max(1, _round_percent(dose.reps, settings.reps_step_percent))
        return replace(dose, reps=min(dose.reps + step, ranges.reps[1]))
    if dose.sets < ranges.sets[1]:
        return replace(dose, sets=dose.sets + 1)
    if (dose.hold_seconds is not None and ranges.hold_seconds is not None
            and dose.hold_seconds < ranges.hold_seconds[1]):
        step = max(1, _round_percent(dose.hold_seconds, settings.hold_step_percent))
        return replace(dose, hold_seconds=min(dose.hold_seconds + step, ranges.hold_seconds[1]))
    return None


def _cut(value: int, low: int, settings: RuleSettings) -> int:
    return max(low, value - max(1, _round_percent(value, settings.step_down_percent)))


def step_down(exercise: ExerciseState, settings: RuleSettings) -> tuple[Dose, str | None]:
    """Give the dose (and exercise, if it changes) one step down.

    Cut one variable by ``step_down_percent`` (sets first, then reps, then hold) when that
    removes at least ``step_down_min_percent`` of the volume within the range; otherwise drop
    to the easier rung (``_easier_dose``); with no easier rung (or one the patient's
    precautions rule out), take the biggest cut there is, or keep the dose when it is already
    the lowest.
    """
    dose, ranges = exercise.dose, exercise.ranges
    candidates: list[tuple[Fraction, Dose]] = []
    if dose.sets > ranges.sets[0]:
        candidates.append((Fraction(100, dose.sets), replace(dose, sets=dose.sets - 1)))
    if dose.reps is not None and ranges.reps is not None and dose.reps > ranges.reps[0]:
        reps = _cut(dose.reps, ranges.reps[0], settings)
        candidates.append((Fraction(100 * (dose.reps - reps), dose.reps),
                           replace(dose, reps=reps)))
    if (dose.hold_seconds is not None and ranges.hold_seconds is not None
            and dose.hold_seconds > ranges.hold_seconds[0]):
        hold = _cut(dose.hold_seconds, ranges.hold_seconds[0], settings)
        candidates.append((Fraction(100 * (dose.hold_seconds - hold), dose.hold_seconds),
                           replace(dose, hold_seconds=hold)))
    for percent, candidate in candidates:
        if percent >= settings.step_down_min_percent:
            return candidate, None
    if exercise.easier is not None and not exercise.easier.clashes:
        return _easier_dose(dose, exercise.easier), exercise.easier.key
    if candidates:
        return max(candidates, key=lambda pair: pair[0])[1], None
    return dose, None


def _same_shape(one: Dose, other: Dose) -> bool:
    """Whether both doses are reps only, reps with a hold, or a hold only."""
    return ((one.reps is None, one.hold_seconds is None)
            == (other.reps is None, other.hold_seconds is None))


def _easier_dose(current: Dose, easier: NextExercise) -> Dose:
    """Give the dose to start the easier rung at: its own dose, no more than now of the same.

    A number is capped at today's only where it counts the same thing on both rungs: sets
    always; reps and hold time only when both doses have the same shape (3 side-plank holds
    of 10 s are not 3 steps of a lateral walk; a 2-second pause in a rock-back is not a
    30-second stretch). The result stays within the rung's own ranges when they are known:
    its range's low end is the least it is done with, even when that is more than today's.
    """
    own = easier.dose
    same = _same_shape(current, own)

    def start(name: str, value: int, now: int | None) -> int:
        if now is not None:
            value = min(value, now)
        pair: tuple[int, int] | None = (getattr(easier.ranges, name)
                                        if easier.ranges is not None else None)
        return value if pair is None else max(pair[0], min(value, pair[1]))

    return Dose(
        sets=start("sets", own.sets, current.sets),
        reps=None if own.reps is None else start("reps", own.reps,
                                                 current.reps if same else None),
        hold_seconds=None if own.hold_seconds is None else start(
            "hold_seconds", own.hold_seconds, current.hold_seconds if same else None),
    )


# ---------------------------------------------------------------------------------------------
# Reading the sessions


@dataclass(frozen=True)
class _Context:
    exercise: ExerciseState
    baseline: int | None
    settings: RuleSettings
    ceiling: int
    line: tuple[SessionResult, ...]  # this exercise's line of sessions (``_line``), oldest first
    window: tuple[SessionResult, ...]  # trailing run at the current exercise and dose
    day: date
    harder_prescribed: bool = False  # the next exercise up is in the programme already


def _line(exercise: ExerciseState, sessions: Iterable[SessionResult],
          alongside: Collection[str]) -> tuple[SessionResult, ...]:
    """Give this exercise's sessions and those of the rungs it came from, oldest first.

    Another exercise's sessions on the same ladder are that exercise's own when it is
    prescribed alongside this one (``alongside``) or was ever done on a day this one was too
    (a rung this one came from was not: the rules start a move on a day the rung before was
    not done, and the line never has two rungs on one day).
    """
    on_ladder = [s for s in sessions if s.ladder == exercise.ladder]
    own_days = {s.day for s in on_ladder if s.exercise_key == exercise.key}
    others = set(alongside) | {s.exercise_key for s in on_ladder if s.day in own_days}
    others.discard(exercise.key)
    return tuple(sorted((s for s in on_ladder if s.exercise_key not in others),
                        key=lambda s: s.day))


def _pain_unsettled(session: SessionResult, ctx: _Context) -> bool:
    """Pain above the progress ceiling, or next-morning pain above the usual."""
    if max(session.worst_during, session.after) > ctx.ceiling:
        return True
    return (ctx.baseline is not None and session.next_morning is not None
            and session.next_morning > ctx.baseline)


def _settled(session: SessionResult, ctx: _Context) -> bool:
    """Pain within the ceiling and a next-morning score back at or below the usual."""
    return (ctx.baseline is not None and session.next_morning is not None
            and not _pain_unsettled(session, ctx))


def _average(sessions: Iterable[SessionResult]) -> Fraction:
    scores = [s.worst_during for s in sessions]
    return Fraction(sum(scores), len(scores))


def _warning_signs(ctx: _Context) -> tuple[list[str], dict[str, int | float]]:
    """Find the step-down triggers in the latest session at the current dose."""
    reasons: list[str] = []
    evidence: dict[str, int | float] = {}
    if not ctx.window or ctx.window[-1] is not ctx.line[-1]:
        return reasons, evidence
    latest, settings = ctx.window[-1], ctx.settings
    if max(latest.worst_during, latest.after) > settings.pain_limit:
        reasons.append("pain_above_limit")
        evidence.update(worst_during=latest.worst_during, after=latest.after,
                        pain_limit=settings.pain_limit)
    if (ctx.baseline is not None and latest.next_morning is not None
            and latest.next_morning >= next_morning_step_down_from(ctx.baseline, settings)):
        reasons.append("next_morning_up")
        evidence.update(next_morning=latest.next_morning, baseline=ctx.baseline)
    if not _pain_unsettled(latest, ctx):
        return reasons, evidence
    this_week = [s for s in ctx.line if (ctx.day - s.day).days < settings.week_days]
    week_before = [s for s in ctx.line
                   if settings.week_days <= (ctx.day - s.day).days < 2 * settings.week_days]
    if min(len(this_week), len(week_before)) >= settings.week_min_sessions:
        now, before = _average(this_week), _average(week_before)
        if is_meaningful_rise(before, now, settings):
            reasons.append("weekly_average_up")
            evidence.update(week_average=round(float(now), 1),
                            previous_week_average=round(float(before), 1))
    if len(ctx.line) >= 2:
        previous = ctx.line[-2]
        if _pain_unsettled(previous, ctx) and latest.worst_during > previous.worst_during:
            reasons.append("holds_with_rising_pain")
            evidence.update(previous_worst_during=previous.worst_during,
                            latest_worst_during=latest.worst_during)
    return reasons, evidence


def _current_window(exercise: ExerciseState, line: Sequence[SessionResult],
                    since: date | None) -> tuple[SessionResult, ...]:
    """Give the trailing run of the line at this exercise and dose, after ``since``."""
    window: list[SessionResult] = []
    for session in reversed(line):
        if (session.exercise_key != exercise.key or session.dose != exercise.dose
                or (since is not None and session.day <= since)):
            break
        window.append(session)
    return tuple(reversed(window))


def _flare_state(history: Sequence[PastDecision], day: date, settings: RuleSettings,
                 as_of: date | None = None) -> tuple[date | None, date | None, int]:
    """Give (flare start or None, last resume or None, step-down days in the flare window)
    for an exercise last done on ``day``, in a run reading sessions up to ``as_of`` (``day``
    when None).

    A flare-up is the patient's, not one exercise's: a pause on any exercise starts it, and
    the step-down count reads every exercise's history (each day once). The pauses and
    resumes are read up to the run's day: a flare-up that another exercise's session started
    after this one was last done pauses this one too.
    """
    past = sorted((h for h in history if h.day <= max(day, as_of or day)),
                  key=lambda h: h.day)
    resumed = max((h.day for h in past if h.kind is DecisionKind.RESUME), default=None)
    since = [h for h in past if resumed is None or h.day > resumed]
    flare_start = min((h.day for h in since if h.kind is DecisionKind.PAUSE_FLARE), default=None)
    step_down_days = {
        h.day for h in since
        if h.kind in (DecisionKind.STEP_DOWN, DecisionKind.PAUSE_FLARE) and h.day < day
        and (day - h.day).days <= settings.flare_window_days
    }
    return flare_start, resumed, len(step_down_days)


# ---------------------------------------------------------------------------------------------
# Sentences: one plain sentence each, in the project's own words


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(count: int | None, word: str) -> str:
    """'1 set', '2 sets': the word agrees with the number."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _dose_words(dose: Dose, bout: str = HOLD) -> str:
    """'2 sets of 10', '2 sets of 10 with 3-second holds', '1 hold of 30 seconds', or for a
    timed exercise whose sets are called ``bout``, '3 walks of 2 minutes'."""
    if dose.reps is None:
        return f"{_count(dose.sets, bout)} of {timed(dose.hold_seconds or 0, bout)}"
    if dose.hold_seconds is None:
        return f"{_count(dose.sets, 'set')} of {dose.reps}"
    return f"{_count(dose.sets, 'set')} of {dose.reps} with {dose.hold_seconds}-second holds"


def _sessions(count: int) -> str:
    return _count(count, "session")


def _more_sessions(count: int) -> str:
    return f"{count} more {'session' if count == 1 else 'sessions'}"


def _warning_words(reasons: Sequence[str], evidence: Mapping[str, int | float]) -> str:
    first = reasons[0]
    if first == "pain_above_limit":
        worst = max(evidence["worst_during"], evidence["after"])
        return f"your pain reached {worst}, above the limit of {evidence['pain_limit']}"
    if first == "next_morning_up":
        return (f"your pain the next morning was {evidence['next_morning']}, "
                f"well above your usual {evidence['baseline']}")
    if first == "weekly_average_up":
        return (f"your average pain this week rose to {evidence['week_average']} "
                f"from {evidence['previous_week_average']} the week before")
    return (f"your pain rose from {evidence['previous_worst_during']} to "
            f"{evidence['latest_worst_during']} over two sessions that had not settled")


def _change_words(exercise: ExerciseState, dose: Dose, new_exercise: str | None) -> str:
    name = _lower_first(exercise.name)
    if new_exercise is not None and exercise.easier is not None:
        return (f"switch from {name} to the gentler {_lower_first(exercise.easier.name)} "
                f"({_dose_words(dose)})")
    if dose == exercise.dose:
        return (f"keep your {name} at {exercise.words('its', 'their')} lightest, "
                f"{_dose_words(dose, exercise.bout)},")
    return (f"your {name} {exercise.words('goes', 'go')} down to "
            f"{_dose_words(dose, exercise.bout)}")


def _progress_words(window: Sequence[SessionResult]) -> str:
    worst = max(max(s.worst_during, s.after) for s in window)
    start = f"in your last {_sessions(len(window))}"
    if worst == 0:
        return f"{start} you had no pain and the exercise felt easy enough"
    return (f"{start} your pain stayed at {worst} or below, it had settled by the next morning"
            ", and the exercise felt easy enough")


def _up_words(old: Dose, new: Dose, bout: str = HOLD) -> str:
    """What goes up: '12 reps', '3 sets', '40-second holds'; an exercise whose timed sets
    have their own word says it: '4 walks', '72-second walks'."""
    if new.reps != old.reps:
        return _count(new.reps, "rep")
    if new.sets != old.sets:  # said as the dose says them: '3 sets of 10', '2 holds of 30 s'
        return _count(new.sets, "set" if new.reps is not None else bout)
    seconds = new.hold_seconds or 0
    minutes = whole_minutes(seconds, bout)
    return f"{seconds}-second {bout}s" if minutes is None else f"{minutes}-minute {bout}s"


def _hold_words(reasons: Sequence[str], evidence: Mapping[str, int | float]) -> str:
    first = reasons[0]
    if first == "pain_not_settled":
        return (f"your pain reached {evidence['highest_pain']}, and it needs to stay at "
                f"{evidence['progress_ceiling']} or below before this goes up")
    if first == "next_morning_above_usual":
        return (f"your pain the next morning was {evidence['highest_next_morning']}, "
                f"above your usual {evidence['baseline']}")
    if first == "not_all_done":
        return "not every set was finished in your recent sessions"
    return f"it still felt hard, at {evidence['highest_effort']} out of 10 for effort"


# ---------------------------------------------------------------------------------------------
# The decision


def _decision(ctx: _Context | None, exercise: ExerciseState, kind: DecisionKind,
              reasons: Sequence[str], evidence: Mapping[str, int | float], sentence: str,
              *, dose: Dose | None = None, new_exercise: str | None = None,
              alert: bool = False) -> Decision:
    return Decision(
        exercise_key=exercise.key, ladder=exercise.ladder,
        day=ctx.day if ctx is not None else None, kind=kind, reasons=tuple(reasons),
        evidence=dict(evidence), new_dose=dose if dose is not None else exercise.dose,
        new_exercise=new_exercise, alert_physio=alert, sentence=sentence,
    )


def _in_flare(ctx: _Context, flare_start: date, reasons: list[str],
              evidence: dict[str, int | float]) -> Decision:
    exercise, settings = ctx.exercise, ctx.settings
    name = _lower_first(exercise.name)
    if reasons:
        dose, new_exercise = step_down(exercise, settings)
        change = _capitalise(_change_words(exercise, dose, new_exercise))
        sentence = (f"{change} until your pain settles: {_warning_words(reasons, evidence)}, "
                    "so your physio has been told.")
        return _decision(ctx, exercise, DecisionKind.PAUSE_FLARE, ["flare_up", *reasons],
                         evidence, sentence, dose=dose, new_exercise=new_exercise, alert=True)
    settled = 0
    for session in reversed([s for s in ctx.line if s.day > flare_start]):
        if not _settled(session, ctx):
            break
        settled += 1
    evidence = {"settled_sessions": settled, "needed": settings.resume_settled_sessions}
    if settled >= settings.resume_settled_sessions:
        sentence = (f"Your {name} can start building up again: your pain has stayed settled "
                    f"for your last {_sessions(settled)}.")
        return _decision(ctx, exercise, DecisionKind.RESUME, ["pain_settled"], evidence,
                         sentence)
    dose_words = _dose_words(exercise.dose, exercise.bout)
    if ctx.baseline is None:
        # No session counts as settled without the usual pain to measure it against.
        sentence = (f"Keep your {name} at {dose_words} while your pain settles: your physio "
                    "needs to record your usual pain level before "
                    f"{exercise.words('it', 'they')} can start building up again.")
        return _decision(ctx, exercise, DecisionKind.PAUSE_FLARE, ["flare_up", "no_baseline"],
                         evidence, sentence)
    more = settings.resume_settled_sessions - settled
    sentence = (f"Keep your {name} at {dose_words} while your pain settles: "
                f"{exercise.words('it', 'they')} can start building up again after "
                f"{_more_sessions(more)} with settled pain.")
    return _decision(ctx, exercise, DecisionKind.PAUSE_FLARE, ["flare_up", "still_settling"],
                     evidence, sentence)


def decide(exercise: ExerciseState, sessions: Sequence[SessionResult], baseline: int | None,
           settings: RuleSettings, history: Sequence[PastDecision] = (), *,
           alongside: Collection[str] = (), as_of: date | None = None) -> Decision:
    """Decide what to do next with one exercise from its recent sessions.

    `sessions` may include other exercises; only this exercise's line is read (``_line``).
    `history` is the patient's past decisions on every exercise (for flare-ups).
    `baseline` is the patient's usual pain (0-10), or None if not recorded yet.
    `alongside` names the other exercises prescribed now (``decide_all`` passes them).
    `as_of` is the day of the latest session of any exercise the run read (``decide_all``
    passes it): a flare-up is read as of that day.
    """
    name = _lower_first(exercise.name)
    line = _line(exercise, sessions, alongside)
    # A move onto an exercise the programme already has would prescribe it twice (the
    # hip-hinge template has wall tap-back and, the next step up, bodyweight good morning):
    # a step down cuts this one's dose instead, and at the top the physio chooses.
    prescribed = set(alongside) - {exercise.key}
    if exercise.easier is not None and exercise.easier.key in prescribed:
        exercise = replace(exercise, easier=None)
    if not line:
        sentence = (f"Do your {name} as prescribed: after "
                    f"{_sessions(settings.sessions_to_progress)} at this dose we can tell "
                    "whether to change it.")
        return _decision(None, exercise, DecisionKind.INSUFFICIENT_DATA, ["no_sessions"],
                         {"sessions": 0, "needed": settings.sessions_to_progress}, sentence)
    day = line[-1].day
    flare_start, resumed, step_down_days = _flare_state(history, day, settings, as_of)
    ctx = _Context(
        exercise=exercise, baseline=baseline, settings=settings,
        ceiling=progress_ceiling(baseline, settings), line=line,
        window=_current_window(exercise, line, resumed), day=day,
        harder_prescribed=exercise.harder is not None and exercise.harder.key in prescribed,
    )
    reasons, evidence = _warning_signs(ctx)
    if flare_start is not None:
        return _in_flare(ctx, flare_start, reasons, evidence)
    if reasons:
        dose, new_exercise = step_down(exercise, settings)
        change = _change_words(exercise, dose, new_exercise)
        why = _warning_words(reasons, evidence)
        if step_down_days + 1 >= settings.flare_step_downs:
            evidence = {**evidence, "step_downs": step_down_days + 1,
                        "flare_window_days": settings.flare_window_days}
            sentence = (f"{_capitalise(change)} until your pain settles: {why}, another "
                        f"setback within {settings.flare_window_days} days, so your physio "
                        "has been told.")
            return _decision(ctx, exercise, DecisionKind.PAUSE_FLARE, ["flare_up", *reasons],
                             evidence, sentence, dose=dose, new_exercise=new_exercise,
                             alert=True)
        sentence = f"{_capitalise(change)} for now: {why}, so your physio has been told."
        return _decision(ctx, exercise, DecisionKind.STEP_DOWN, reasons, evidence, sentence,
                         dose=dose, new_exercise=new_exercise, alert=True)
    return _steady(ctx)


def _steady(ctx: _Context) -> Decision:
    """Decide between not enough data, hold and progress, with no warning sign."""
    exercise, settings, window = ctx.exercise, ctx.settings, ctx.window
    name = _lower_first(exercise.name)
    dose_words = _dose_words(exercise.dose, exercise.bout)
    needed = settings.sessions_to_progress
    if len(window) < needed:
        more = needed - len(window)
        sentence = (f"Keep your {name} at {dose_words} for now: after {_more_sessions(more)} "
                    "at this dose we can tell whether it is time to change it.")
        return _decision(ctx, exercise, DecisionKind.INSUFFICIENT_DATA, ["not_enough_sessions"],
                         {"sessions": len(window), "needed": needed}, sentence)
    recent = window[-needed:]
    highest_pain = max(max(s.worst_during, s.after) for s in recent)
    mornings = [s.next_morning for s in recent if s.next_morning is not None]
    highest_effort = max(s.effort for s in recent)
    evidence: dict[str, int | float] = {
        "sessions": len(recent), "highest_pain": highest_pain,
        "progress_ceiling": ctx.ceiling, "highest_effort": highest_effort,
        "effort_progress_max": settings.effort_progress_max,
        "missing_next_mornings": len(recent) - len(mornings),
    }
    if ctx.baseline is not None:
        evidence["baseline"] = ctx.baseline
    if mornings:
        evidence["highest_next_morning"] = max(mornings)
    reasons: list[str] = []
    if highest_pain > ctx.ceiling:
        reasons.append("pain_not_settled")
    if ctx.baseline is not None and mornings and max(mornings) > ctx.baseline:
        reasons.append("next_morning_above_usual")
    if not all(s.completed for s in recent):
        reasons.append("not_all_done")
    if highest_effort > settings.effort_progress_max:
        reasons.append("effort_high")
    if reasons:
        sentence = f"Keep your {name} at {dose_words} for now: {_hold_words(reasons, evidence)}."
        return _decision(ctx, exercise, DecisionKind.HOLD, reasons, evidence, sentence)
    if ctx.baseline is None:
        sentence = (f"Keep your {name} at {dose_words} for now: your physio needs to record "
                    f"your usual pain level before {exercise.words('it', 'they')} can go up.")
        return _decision(ctx, exercise, DecisionKind.INSUFFICIENT_DATA, ["no_baseline"],
                         evidence, sentence)
    if len(mornings) < len(recent):
        # A missed check-in cannot be given later: ask for a run of them from now on.
        in_a_row = f"{_sessions(needed)} in a row" if needed > 1 else _sessions(needed)
        sentence = (f"Keep your {name} at {dose_words} for now: {exercise.words('it', 'they')} "
                    f"can go up once you have given your next-morning pain for {in_a_row}.")
        return _decision(ctx, exercise, DecisionKind.INSUFFICIENT_DATA,
                         ["next_morning_missing"], evidence, sentence)
    why = _progress_words(recent)
    settled = ["pain_settled", "all_done", "effort_easy"]
    new = next_dose(exercise, settings)
    if new is not None:
        sentence = (f"Your {name} {exercise.words('goes', 'go')} up to "
                    f"{_up_words(exercise.dose, new, exercise.bout)}: {why}.")
        return _decision(ctx, exercise, DecisionKind.PROGRESS_DOSE, settled, evidence, sentence,
                         dose=new)
    harder = exercise.harder
    if harder is not None and ctx.harder_prescribed:
        sentence = (f"Keep your {name} at {dose_words}: {exercise.words('it is', 'they are')} "
                    f"at the top of {exercise.words('its', 'their')} range, and the next step, "
                    f"{_lower_first(harder.name)}, is in your programme already, so your "
                    "physio will choose what comes next.")
        return _decision(ctx, exercise, DecisionKind.HOLD, [*settled, "harder_prescribed"],
                         evidence, sentence)
    if harder is not None and harder.clashes:
        sentence = (f"Keep your {name} at {dose_words}: {exercise.words('it is', 'they are')} "
                    f"at the top of {exercise.words('its', 'their')} range, and the next step, "
                    f"{_lower_first(harder.name)}, may not suit you "
                    f"({'; '.join(_lower_first(c) for c in harder.clashes)}), so your physio "
                    "will choose what comes next.")
        return _decision(ctx, exercise, DecisionKind.HOLD, [*settled, "harder_unsuitable"],
                         evidence, sentence)
    if harder is not None:
        sentence = (f"You move on from {name} to {_lower_first(harder.name)} "
                    f"({_dose_words(harder.dose)}): {why}.")
        return _decision(ctx, exercise, DecisionKind.MOVE_UP, [*settled, "top_of_range"],
                         evidence, sentence, dose=harder.dose, new_exercise=harder.key)
    sentence = (f"Keep your {name} at {dose_words}: {exercise.words('it is', 'they are')} at "
                f"the top of {exercise.words('its', 'their')} range and the hardest version, so "
                "your physio will choose what comes next.")
    return _decision(ctx, exercise, DecisionKind.HOLD, [*settled, "top_of_ladder"], evidence,
                     sentence)


def decide_all(exercises: Sequence[ExerciseState], sessions: Sequence[SessionResult],
               baseline: int | None, settings: RuleSettings,
               history: Sequence[PastDecision] = ()) -> tuple[Decision, ...]:
    """Decide for every exercise in a prescription; a flare-up on one pauses them all."""
    keys = [e.key for e in exercises]
    as_of = max((s.day for s in sessions), default=None)
    decisions = [decide(e, sessions, baseline, settings, history, alongside=keys, as_of=as_of)
                 for e in exercises]
    pauses = [d.record() for d in decisions if d.kind is DecisionKind.PAUSE_FLARE]
    if not pauses:
        return tuple(decisions)
    paused_history = [*history, *(p for p in pauses if p is not None)]
    return tuple(
        d if d.kind is DecisionKind.PAUSE_FLARE
        else decide(e, sessions, baseline, settings, paused_history, alongside=keys,
                    as_of=as_of)
        for e, d in zip(exercises, decisions, strict=True)
    )

