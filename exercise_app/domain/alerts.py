"""Clinician alerts from a patient's recent signals, and the order to work through a caseload.

Rules, in one place (each threshold is a field of ``AlertSettings``, with its source):

- Any unresolved red-flag yes is CRITICAL. CRITICAL is kept for red flags only, so they always
  sort above pain alerts (Medbridge Pathways calls pain >= 7 critical; here it is HIGH).
- HIGH: pain 7 or more; pain after exercise or next morning 2 or more above baseline; the 7-day
  average of daily worst pain up 2 points (or 30% from an average of 7 or more) on the week
  before.
- LOW: pain 5 or more and 1 or more above baseline (only when no HIGH pain alert says more);
  a step-down by the progression rules; 3 or more prescribed days missed in a row; adherence
  20 or more points below the week before.
- One alert per code, carrying its most severe evidence; alerts are sorted most severe first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from exercise_app.domain.red_flags import (
    PAIN_MAX,
    PAIN_MIN,
    URGENCY_ORDER,
    Urgency,
    question,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class AlertLevel(StrEnum):
    """How soon a physio should look, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    LOW = "low"


LEVEL_ORDER = (AlertLevel.CRITICAL, AlertLevel.HIGH, AlertLevel.LOW)
LEVEL_RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}  # by stored value


class AlertCode(StrEnum):
    """What an alert is about; the declaration order breaks ties within a level."""

    RED_FLAG = "red_flag"
    PAIN_SEVERE = "pain_severe"
    PAIN_ABOVE_BASELINE = "pain_above_baseline"
    WEEKLY_PAIN_RISE = "weekly_pain_rise"
    PAIN_RISING = "pain_rising"
    EXERCISE_STOPPED = "exercise_stopped"
    STEPPED_DOWN = "stepped_down"
    SESSIONS_MISSED = "sessions_missed"
    ADHERENCE_FALLING = "adherence_falling"
    READY_FOR_NEXT = "ready_for_next"


_CODE_ORDER = {code: index for index, code in enumerate(AlertCode)}


class PainTiming(StrEnum):
    """When a pain score was given, relative to a session."""

    DURING = "during"  # the worst pain during the session
    AFTER = "after"  # straight after
    NEXT_MORNING = "next_morning"


_TIMING_PHRASES = {
    PainTiming.DURING: "Worst pain during exercise",
    PainTiming.AFTER: "Pain after exercise",
    PainTiming.NEXT_MORNING: "Next-morning pain",
}
_TIMING_ORDER = {timing: index for index, timing in enumerate(PainTiming)}


@dataclass(frozen=True)
class Alert:
    """One alert for the physio: level, code, a plain reason, and the numbers behind it."""

    level: AlertLevel
    code: AlertCode
    reason: str
    evidence: tuple[tuple[str, float], ...]  # (name, value) pairs; dict(alert.evidence) to read
    day: date | None = None  # the day of the evidence, when there is one


@dataclass(frozen=True)
class PainScore:
    """One 0-10 pain rating, on the day it was given."""

    day: date
    timing: PainTiming
    score: int

    def __post_init__(self) -> None:
        _check_pain(self.score, "a pain score")


@dataclass(frozen=True)
class RedFlagAnswer:
    """An unresolved yes to a red-flag question (see ``red_flags.QUESTIONS``)."""

    question_id: str
    urgency: Urgency
    day: date


@dataclass(frozen=True)
class ReadyForNext:
    """An exercise the progression rules keep at the top of its range because what comes next
    is the physio's choice (``why``, one of ``READY_WORDS``): the next exercise up may not
    suit the patient (flagged for one of their precautions), there is none (the hardest
    version), or it is in the programme already."""

    exercise: str  # its name
    why: str
    # The start of the programme the physio last set (the newest version not made by the
    # rules): the alert's day, so there is one alert per programme of theirs.
    programme_start: date


@dataclass(frozen=True)
class PatientSignals:
    """Everything the alert rules read about one patient, as of `today`."""

    today: date
    baseline_pain: int | None  # the patient's usual pain, 0-10; None when not recorded
    pain: tuple[PainScore, ...] = ()  # the last two weeks are enough
    red_flags: tuple[RedFlagAnswer, ...] = ()
    step_downs: tuple[date, ...] = ()  # days the progression rules stepped the dose down
    # Exercises stopped by a stop rule: (day, reason), reason a ``red_flags.StopCode`` value.
    stops: tuple[tuple[date, str], ...] = ()
    missed_in_a_row: int = 0  # prescribed days with no session, counted back from yesterday
    adherence_last_7: int | None = None  # percent, from ``adherence.adherence(..., days=7)``
    adherence_previous_7: int | None = None  # percent over the 7 days before those
    # Exercises held for the physio to choose what comes next, by the newest progression run
    # of the programme in force.
    ready_for_next: tuple[ReadyForNext, ...] = ()

    def __post_init__(self) -> None:
        if self.baseline_pain is not None:
            _check_pain(self.baseline_pain, "baseline pain")
        if self.missed_in_a_row < 0:
            raise ValueError(f"missed days cannot be negative, not {self.missed_in_a_row}")
        for percent in (self.adherence_last_7, self.adherence_previous_7):
            if percent is not None and not 0 <= percent <= 100:
                raise ValueError(f"adherence must be 0 to 100 percent, not {percent}")


@dataclass(frozen=True)
class AlertSettings:
    """Alert thresholds. Each is a default a physio can change per patient or programme."""

    # The window the pain rules look at, and each half of the weekly comparison (clinical.md:
    # "7-day average ... on the week before").
    recent_days: int = 7
    # Severe pain. Medbridge Pathways alerts at >= 7 (peer practice); 7-10 is the common
    # "severe" band of the NRS (clinical-research.md section 1).
    severe_pain: int = 7
    # A meaningful rise over the patient's baseline: >= 2 points (Farrar 2001; Childs 2005;
    # Ostelo 2008), counted after exercise and next morning because the later response matters
    # more than pain during exercise (clinical.md pain-monitoring model; Pathways: +2 = high).
    baseline_rise: int = 2
    baseline_rise_timings: frozenset[PainTiming] = frozenset(
        {PainTiming.AFTER, PainTiming.NEXT_MORNING}
    )
    # 7-day average pain up >= 2 points, or >= 30% when last week's average was 7 or more
    # (clinical.md step-down rule and "Meaningful change": with baseline >= 7 use the % rule).
    weekly_rise_points: int = 2
    weekly_rise_percent: int = 30
    percent_rule_from: int = 7
    # Project rule: each week needs this many rated days, so one odd day is not a trend.
    weekly_min_rated_days: int = 2
    # A small rise at moderate pain: pain >= 5 with a 1-point rise (Medbridge Pathways = low;
    # a 1-point change is "small", Salaffi 2004).
    moderate_pain: int = 5
    moderate_rise: int = 1
    # Stop rules (clinical.md "Stop this exercise") from the last 7 days: new nerve signs
    # (pins and needles, pain spreading down the leg) are high, the others (sharp pain, pain
    # above 5) low. Project rule: nerve signs need checking sooner.
    stop_days: int = 7
    # Project rule: report step-downs (clinical.md: "step down and alert the physio") from the
    # last 7 days.
    step_down_days: int = 7
    # Project rule: 3 prescribed days in a row without a session. Peer practice alerts on
    # disengagement (Medbridge Pathways); a check-in helps when fewer than 3 sessions were done
    # in a week (Nelligan 2019; Bennell 2020).
    missed_days: int = 3
    # Project rule: 7-day adherence 20 or more percentage points below the 7 days before.
    # Up to ~50% of people stop keeping up home exercise (Argent 2018), so a fall is worth a
    # booster contact.
    adherence_drop_points: int = 20


def _check_pain(score: int, what: str) -> None:
    if not PAIN_MIN <= score <= PAIN_MAX:
        raise ValueError(f"{what} must be {PAIN_MIN} to {PAIN_MAX}, not {score}")


def _day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def _baseline(baseline: int | None) -> str:
    return "no baseline recorded" if baseline is None else f"baseline {baseline}"


def _one_decimal(value: Fraction) -> str:
    return f"{float(value):.1f}"


def _worst(scores: Iterable[PainScore]) -> PainScore | None:
    """The highest score; ties go to the latest day, then the later timing."""
    return max(scores, key=lambda s: (s.score, s.day, _TIMING_ORDER[s.timing]), default=None)


def _newest(scores: Iterable[PainScore]) -> PainScore | None:
    """The latest score; on one day the later timing, then the higher score."""
    return max(scores, key=lambda s: (s.day, _TIMING_ORDER[s.timing], s.score), default=None)


def _pain_alert(
    level: AlertLevel, code: AlertCode, qualifying: Sequence[PainScore], baseline: int | None
) -> Alert | None:
    """An alert for the worst of the ``qualifying`` scores, dated by the newest of them: a
    score that qualifies again after the physio acted on the alert is a new day's evidence
    (a new alert, or the open one brought up to date), where dating by the worst kept the
    old day and the unique (patient, code, day) key dropped it."""
    score, newest = _worst(qualifying), _newest(qualifying)
    if score is None or newest is None:
        return None
    evidence: list[tuple[str, float]] = [("score", score.score)]
    if baseline is not None:
        evidence.append(("baseline", baseline))
    latest = ""
    if newest.day != score.day:
        evidence.append(("latest_score", newest.score))
        latest = (f" Latest: {_TIMING_PHRASES[newest.timing].lower()} {newest.score}/10 on "
                  f"{_day(newest.day)}.")
    return Alert(
        level=level,
        code=code,
        reason=(
            f"{_TIMING_PHRASES[score.timing]} reached {score.score}/10 on {_day(score.day)} "
            f"({_baseline(baseline)}).{latest}"
        ),
        evidence=tuple(evidence),
        day=newest.day,
    )


def _red_flag_alert(answers: Sequence[RedFlagAnswer]) -> Alert | None:
    if not answers:
        return None
    ranked = sorted(
        answers,
        key=lambda a: (URGENCY_ORDER.index(a.urgency), -a.day.toordinal(), a.question_id),
    )

    def label(answer: RedFlagAnswer) -> str:
        try:
            return question(answer.question_id).label
        except KeyError:  # a retired question still alerts, under its id
            return answer.question_id

    listed = "; ".join(f"{label(a)} ({a.urgency}, {_day(a.day)})" for a in ranked)
    noun = "question" if len(ranked) == 1 else "questions"
    return Alert(
        level=AlertLevel.CRITICAL,
        code=AlertCode.RED_FLAG,
        reason=f"Answered yes to red-flag {noun}: {listed}.",
        evidence=(
            ("answers", len(ranked)),
            ("emergency", sum(a.urgency is Urgency.EMERGENCY for a in ranked)),
            ("urgent", sum(a.urgency is Urgency.URGENT for a in ranked)),
        ),
        # Dated by the newest yes: a new yes after the physio resolved the alert is a new
        # day's alert (the most urgent yes's day could be the resolved alert's, and the
        # unique key dropped the new one).
        day=max(a.day for a in ranked),
    )


def _daily_worst_average(scores: Iterable[PainScore]) -> tuple[Fraction, int] | None:
    by_day: dict[date, int] = {}
    for score in scores:
        by_day[score.day] = max(score.score, by_day.get(score.day, PAIN_MIN))
    if not by_day:
        return None
    return Fraction(sum(by_day.values()), len(by_day)), len(by_day)


def _weekly_rise_alert(
    recent: Sequence[PainScore], before: Sequence[PainScore], settings: AlertSettings
) -> Alert | None:
    now = _daily_worst_average(recent)
    then = _daily_worst_average(before)
    if now is None or then is None:
        return None
    (now_average, now_days), (then_average, then_days) = now, then
    if min(now_days, then_days) < settings.weekly_min_rated_days:
        return None
    rise = now_average - then_average
    if then_average >= settings.percent_rule_from:
        risen = rise * 100 >= settings.weekly_rise_percent * then_average
    else:
        risen = rise >= settings.weekly_rise_points
    if not risen:
        return None
    return Alert(
        level=AlertLevel.HIGH,
        code=AlertCode.WEEKLY_PAIN_RISE,
        reason=(
            f"Average daily worst pain over the last {settings.recent_days} days rose to "
            f"{_one_decimal(now_average)}/10, from {_one_decimal(then_average)}/10 the week "
            "before."
        ),
        evidence=(
            ("average", round(float(now_average), 1)),
            ("previous_average", round(float(then_average), 1)),
            ("rated_days", now_days),
            ("previous_rated_days", then_days),
        ),
    )


def _pain_alerts(signals: PatientSignals, settings: AlertSettings) -> list[Alert]:
    today, baseline = signals.today, signals.baseline_pain
    start = today - timedelta(days=settings.recent_days - 1)
    before_start = start - timedelta(days=settings.recent_days)
    recent = [s for s in signals.pain if start <= s.day <= today]
    before = [s for s in signals.pain if before_start <= s.day < start]

    found: list[Alert | None] = [_pain_alert(
        AlertLevel.HIGH, AlertCode.PAIN_SEVERE,
        [s for s in recent if s.score >= settings.severe_pain], baseline)]
    if baseline is not None:
        found.append(_pain_alert(
            AlertLevel.HIGH, AlertCode.PAIN_ABOVE_BASELINE,
            [s for s in recent if s.timing in settings.baseline_rise_timings
             and s.score - baseline >= settings.baseline_rise], baseline))
    found.append(_weekly_rise_alert(recent, before, settings))
    alerts = [alert for alert in found if alert is not None]
    if baseline is not None and not alerts:
        creeping = _pain_alert(
            AlertLevel.LOW, AlertCode.PAIN_RISING,
            [s for s in recent if s.score >= settings.moderate_pain
             and s.score - baseline >= settings.moderate_rise], baseline)
        if creeping is not None:
            alerts.append(creeping)
    return alerts


def _step_down_alert(signals: PatientSignals, settings: AlertSettings) -> Alert | None:
    start = signals.today - timedelta(days=settings.step_down_days - 1)
    recent = sorted(day for day in signals.step_downs if start <= day <= signals.today)
    if not recent:
        return None
    times = "once" if len(recent) == 1 else f"{len(recent)} times"
    return Alert(
        level=AlertLevel.LOW,
        code=AlertCode.STEPPED_DOWN,
        reason=(
            f"The progression rules stepped the dose down {times} in the last "
            f"{settings.step_down_days} days (latest {_day(recent[-1])})."
        ),
        evidence=(("step_downs", len(recent)),),
        day=recent[-1],
    )


NERVE_STOPS = frozenset({"new_pins_and_needles", "spreading_leg_pain"})
STOP_WORDS = {
    "new_pins_and_needles": "new pins and needles or numbness",
    "spreading_leg_pain": "pain spreading down the leg",
    "sharp_pain": "sharp, catching or giving-way pain",
    "pain_too_high": "pain above 5 during a set",
    "pain_rising": "pain rising with each rep",
}


def _stop_alert(signals: PatientSignals, settings: AlertSettings) -> Alert | None:
    start = signals.today - timedelta(days=settings.stop_days - 1)
    recent = sorted((day, reason) for day, reason in signals.stops
                    if start <= day <= signals.today)
    if not recent:
        return None
    nerve = [r for r in recent if r[1] in NERVE_STOPS]
    shown = nerve or recent
    latest_day, latest_reason = shown[-1]
    times = "once" if len(recent) == 1 else f"{len(recent)} times"
    return Alert(
        level=AlertLevel.HIGH if nerve else AlertLevel.LOW,
        code=AlertCode.EXERCISE_STOPPED,
        reason=(
            f"An exercise was stopped {times} in the last {settings.stop_days} days, latest "
            f"for {STOP_WORDS.get(latest_reason, latest_reason)} ({_day(latest_day)})."
        ),
        evidence=(("stops", len(recent)), ("nerve_signs", len(nerve))),
        day=latest_day,
    )


def _missed_alert(signals: PatientSignals, settings: AlertSettings) -> Alert | None:
    missed = signals.missed_in_a_row
    if missed < settings.missed_days:
        return None
    return Alert(
        level=AlertLevel.LOW,
        code=AlertCode.SESSIONS_MISSED,
        reason=f"No session on the last {missed} prescribed days.",
        evidence=(("missed_in_a_row", missed),),
    )


def _adherence_alert(signals: PatientSignals, settings: AlertSettings) -> Alert | None:
    now, then = signals.adherence_last_7, signals.adherence_previous_7
    if now is None or then is None or then - now < settings.adherence_drop_points:
        return None
    return Alert(
        level=AlertLevel.LOW,
        code=AlertCode.ADHERENCE_FALLING,
        reason=f"Adherence fell to {now}% over the last 7 days, from {then}% the week before.",
        evidence=(("adherence_last_7", now), ("adherence_previous_7", then)),
    )


READY_WORDS = {"unsuitable": "the next exercise up may not suit them",
               "hardest": "already the hardest version",
               "prescribed": "the next exercise up is in the programme already"}


def _ready_alert(signals: PatientSignals, _settings: AlertSettings) -> Alert | None:
    """The patient told "your physio will choose what comes next" needs their physio to
    choose: one alert per programme the physio set (its start is the alert's day, so
    resolving it without a change does not bring it back each day, nor does the rules'
    change to another exercise; the physio's next programme can)."""
    ready = signals.ready_for_next
    if not ready:
        return None
    parts = "; ".join(f"{r.exercise} ({READY_WORDS[r.why]})" for r in ready)
    return Alert(
        level=AlertLevel.LOW,
        code=AlertCode.READY_FOR_NEXT,
        reason=f"At the top of the range, with the next step for you to choose: {parts}.",
        evidence=(("exercises", len(ready)),),
        day=max(r.programme_start for r in ready),
    )


def severity_key(alert: Alert) -> tuple[int, int]:
    """Sort key for alerts: most severe level first, then the code's fixed order."""
    return LEVEL_ORDER.index(alert.level), _CODE_ORDER[alert.code]


def compute_alerts(
    inputs: PatientSignals, settings: AlertSettings = AlertSettings()
) -> list[Alert]:
    """List a patient's alerts, most severe first, at most one per code."""
    rules: list[Callable[[PatientSignals, AlertSettings], Alert | None]] = [
        _stop_alert,
        _step_down_alert,
        _missed_alert,
        _adherence_alert,
        _ready_alert,
    ]
    alerts = _pain_alerts(inputs, settings)
    red_flag = _red_flag_alert(inputs.red_flags)
    if red_flag is not None:
        alerts.append(red_flag)
    for rule in rules:
        alert = rule(inputs, settings)
        if alert is not None:
            alerts.append(alert)
    return sorted(alerts, key=severity_key)


def triage_key(
    alerts: Sequence[Alert], days_since_last_session: int | None, adherence_28: int | None
) -> tuple[int, ...]:
    """Sort key for a caseload, neediest first: by alert level and count, then adherence.

    Then the longest since a session (None = never). Patients with no 28-day adherence figure
    (nothing was due) come after those with one. Equal keys are equal need: add the patient id
    to the key for a fully stable order.
    """
    counts = tuple(sum(a.level == level for a in alerts) for level in LEVEL_ORDER)
    return triage_key_from_counts(counts, days_since_last_session, adherence_28)


def triage_key_from_counts(
    counts: Sequence[int], days_since_last_session: int | None, adherence_28: int | None
) -> tuple[int, ...]:
    """``triage_key`` from the number of open alerts at each level (``LEVEL_ORDER``), as a
    database can count them."""
    top = len(LEVEL_ORDER)  # a loop, not a generator: the caseload calls this per patient
    for rank, count in enumerate(counts):
        if count:
            top = rank
            break
    return (
        top,
        *[-count for count in counts],
        adherence_28 is None,
        adherence_28 if adherence_28 is not None else 0,
        days_since_last_session is not None,
        -(days_since_last_session or 0),
    )


SHOWN_OPEN_ALERTS = 3  # the caseload lists this many of a patient's open alerts


def open_alert_digest(
    alerts: Iterable[tuple[int, str, str]], shown: int = SHOWN_OPEN_ALERTS
) -> tuple[tuple[int, ...], list[list[int | str]]]:
    """A patient's open alerts, given as (id, level, reason), counted by level
    (``LEVEL_ORDER``) and the ``shown`` most severe as [id, level, reason], the newest first
    within a level: what the caseload keeps so that its page reads no alert."""
    counts = [0] * len(LEVEL_ORDER)
    ordered = sorted(alerts, key=lambda alert: (LEVEL_RANK[alert[1]], -alert[0]))
    for _id, level, _reason in ordered:
        counts[LEVEL_RANK[level]] += 1
    return tuple(counts), [[id_, level, reason] for id_, level, reason in ordered[:shown]]
