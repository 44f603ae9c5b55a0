"""Turn a patient's recent rows into the alert rules' inputs and the caseload summary.

Plain values in, plain values out; the queries live in ``queries.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain import adherence as rules
from ..domain.alerts import PainScore, PainTiming, PatientSignals, ReadyForNext, RedFlagAnswer
from ..domain.red_flags import Urgency, question
from ..domain.scheduling import Prescribed, monday_of
from ..models import StopReason
from ..patient.queries import SessionRow

SUMMARY_DAYS = 29  # days counted back for the caseload: a 28-day adherence window and today
AHEAD_DAYS = 14  # days counted ahead, so a summary stays readable for two weeks unchanged
SIGNAL_DAYS = 28  # what the alert rules read: two weeks of pain, with room

# The routine's stop reasons, as the safety rules name them ("other" raises nothing).
STOP_CODES = {
    StopReason.PAIN_OVER_5: "pain_too_high",
    StopReason.PAIN_RISING: "pain_rising",
    StopReason.SHARP: "sharp_pain",
    StopReason.PINS_AND_NEEDLES: "new_pins_and_needles",
    StopReason.SPREADING: "spreading_leg_pain",
}


@dataclass(frozen=True)
class Flagged:
    """A yes in a red-flag screen."""

    question_id: str
    day: date


def pain_scores(sessions: Sequence[SessionRow]) -> list[PainScore]:
    """Every pain score of the sessions: worst during, after, and the next morning."""
    scores: list[PainScore] = []
    for s in sessions:
        scores.append(PainScore(s.local_date, PainTiming.DURING, s.pain_during))
        scores.append(PainScore(s.local_date, PainTiming.AFTER, s.pain_after))
        if s.next_morning_pain is not None:
            scores.append(PainScore(s.local_date + timedelta(days=1), PainTiming.NEXT_MORNING,
                                    s.next_morning_pain))
    return scores


def _urgency(question_id: str) -> Urgency:
    try:
        return question(question_id).urgency
    except KeyError:  # a retired question still counts, as the most careful level
        return Urgency.EMERGENCY


def signals(*, today: date, baseline: int | None, sessions: Sequence[SessionRow],
            flagged: Sequence[Flagged], step_downs: Sequence[date],
            stops: Sequence[tuple[date, StopReason]], plan: Sequence[Prescribed],
            day_logs: Sequence[rules.DayLog],
            ready_for_next: Sequence[ReadyForNext] = ()) -> PatientSignals:
    """What the alert rules read about one patient today."""
    last_7 = rules.adherence(plan, day_logs, today, 7)
    previous_7 = rules.adherence_over(plan, day_logs, today - timedelta(days=13),
                                      today - timedelta(days=7))
    return PatientSignals(
        today=today, baseline_pain=baseline,
        pain=tuple(s for s in pain_scores(sessions) if s.day <= today),
        red_flags=tuple(RedFlagAnswer(f.question_id, _urgency(f.question_id), f.day)
                        for f in flagged),
        step_downs=tuple(step_downs),
        stops=tuple((day, STOP_CODES[reason]) for day, reason in stops if reason in STOP_CODES),
        missed_in_a_row=rules.missed_in_a_row(plan, day_logs, today),
        adherence_last_7=last_7.percent, adherence_previous_7=previous_7.percent,
        ready_for_next=tuple(ready_for_next),
    )


DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"  # one character a day: counts up to 35


def _encode(values: Sequence[int | None]) -> str:
    return "".join("-" if v is None else DIGITS[min(v, len(DIGITS) - 1)] for v in values)


def _decode(text: str) -> tuple[int, ...]:
    return tuple(0 if c == "-" else DIGITS.index(c) for c in text)


def summary_days(plan: Sequence[Prescribed], logs: Sequence[rules.DayLog],
                 sessions: Sequence[SessionRow], today: date, streak: int,
                 streak_from: date | None = None) -> dict[str, Any]:
    """What the caseload and Today read about a patient's days, one character a day.

    Exercises due and done (as ``adherence.DayCounts``) from 29 days back to two weeks ahead,
    so adherence stays readable for a fortnight without a new write; the day's worst pain for
    the days counted back; today's adherence, which holds until midnight; today's streak,
    from which later days' streaks follow (``adherence.streak_after``); and the sessions of
    yesterday and today, which Today lists (``recent_sessions``); and what was done each day
    of today's week, which says where an exercise done on any days of a week still falls due
    (``week_logs``).
    """
    counts = rules.day_counts(plan, logs, today - timedelta(days=SUMMARY_DAYS),
                              today + timedelta(days=AHEAD_DAYS))
    worst: dict[date, int] = {}
    for score in pain_scores(sessions):
        worst[score.day] = max(score.score, worst.get(score.day, 0))
    back = [counts.first + timedelta(days=n) for n in range(SUMMARY_DAYS + 1)]
    yesterday = today - timedelta(days=1)
    return {
        "on": today.isoformat(), "first": counts.first.isoformat(),
        "a7": rules.adherence_from_counts(counts, today, 7),
        "a28": rules.adherence_from_counts(counts, today, 28),
        "due": _encode(counts.due), "half": _encode(counts.half_credits),
        "done": "".join("1" if d else "0" for d in counts.all_done),
        "pain": _encode([worst.get(day) for day in back]),
        "streak": streak,
        # its first day, from which the next summary carries it on without older logs
        "streak_from": streak_from.isoformat() if streak_from else None,
        "recent": [[s.id, s.local_date.isoformat(), *s[2:]] for s in sessions
                   if s.local_date >= yesterday],
        "week": [[log.day.isoformat(), sorted(log.done), sorted(log.partial)] for log in logs
                 if monday_of(today) <= log.day <= today],
    }


def paused_days(data: Mapping[str, Any] | None, today: date) -> list[tuple[date, date]] | None:
    """The days a red flag paused the routine (``queries.paused_spans``), from a summary: one
    still open when it was written runs on to today (its resolution writes the summary
    again). None when the summary cannot say."""
    if not data or "paused" not in data or today < date.fromisoformat(data["on"]):
        return None
    spans = [(date.fromisoformat(first), date.fromisoformat(last) if last else today)
             for first, last in data["paused"]]
    return [(first, last) for first, last in spans if last >= first]


def week_logs(data: Mapping[str, Any] | None, today: date) -> list[rules.DayLog] | None:
    """What was done each day of today's week, from a summary: nothing has been logged since
    it was written (or it would have been written again), so a summary from an earlier week
    says nothing was. None when it cannot say (missing, from before it kept them, or written
    on a later day)."""
    if not data or "week" not in data or today < date.fromisoformat(data["on"]):
        return None
    if monday_of(date.fromisoformat(data["on"])) != monday_of(today):
        return []
    return [rules.DayLog(date.fromisoformat(day), frozenset(done), frozenset(partial))
            for day, done, partial in data["week"]]


def recent_sessions(data: Mapping[str, Any] | None, today: date) -> list[SessionRow] | None:
    """The sessions of yesterday and today, oldest first, from a summary: nothing has been
    logged or changed since it was written, or it would have been written again. None when
    the summary cannot say (missing, from before it kept them, or written on a later day)."""
    if not data or "recent" not in data or today < date.fromisoformat(data["on"]):
        return None
    since = (today - timedelta(days=1)).isoformat()
    return [SessionRow(row[0], date.fromisoformat(row[1]), *row[2:7], bool(row[7]))
            for row in data["recent"] if row[1] >= since]


def adherence_now(data: Mapping[str, Any] | None, today: date) -> tuple[int | None, int | None]:
    """(7-day, 28-day) adherence today from a summary: stored when it was written today,
    else read from its day counts (None when too old or missing)."""
    if not data or "first" not in data:
        return None, None
    if data.get("on") == today.isoformat():
        return data.get("a7"), data.get("a28")
    counts = rules.DayCounts(date.fromisoformat(data["first"]), _decode(data["due"]),
                             _decode(data["half"]), tuple(c == "1" for c in data["done"]))
    return (rules.adherence_from_counts(counts, today, 7),
            rules.adherence_from_counts(counts, today, 28))


def _streak_now(data: Mapping[str, Any] | None, plan: Sequence[Prescribed],
                today: date) -> int | None:
    """The streak today from a summary and the plan, or None when the summary cannot say
    (missing, from before streaks were kept, or written on a later day)."""
    if not data or "streak" not in data:
        return None
    on = date.fromisoformat(data["on"])
    if today < on:
        return None
    week = week_logs(data, on)
    if week is None:  # a summary from before it kept its week
        if any(p.any_day for p in plan):
            return None
        week = []
    index = (on - date.fromisoformat(data["first"])).days
    on_complete = data["due"][index] == "0" or data["done"][index] == "1"
    return rules.streak_after(plan, data["streak"], on, on_complete, today, week)


def streak_and_week_now(data: Mapping[str, Any] | None, plan: Sequence[Prescribed],
                        today: date) -> tuple[int, int | None] | None:
    """(streak, 7-day adherence) today from a summary and the plan: nothing has been logged
    since the summary was written, or it would have been written again. None when the summary
    cannot say (missing, from before streaks were kept, or written on a later day)."""
    streak = _streak_now(data, plan, today)
    if streak is None:
        return None
    week, _month = adherence_now(data, today)
    if week is None and not _counts_reach(data, today, 7):
        # Past the days counted ahead: the window's weeks all begin after the summary's, and
        # nothing was logged since, so the plan says it all. (None from counts that reach is
        # nothing due, which the plan alone could say otherwise: without the logs, an
        # exercise done on any day of a week falls on its last days, and is missed.)
        week = rules.adherence(plan, [], today, 7).percent
    return streak, week


_SCORE = {c: n for n, c in enumerate(DIGITS)}


def pain_series(data: Mapping[str, Any] | None, today: date, days: int) -> list[int | None]:
    """The worst pain of each of the ``days`` days up to today, oldest first (None: no score).
    Read by position: the caseload reads it for a page of patients on every visit."""
    pain = data.get("pain", "") if data and "first" in data else ""
    end = (today - date.fromisoformat(data["first"])).days + 1 if pain else 0  # past today
    start = end - days
    window = pain[max(start, 0):max(end, 0)]
    before = min(max(-start, 0), days)
    window = "-" * before + window + "-" * (days - before - len(window))
    return [_SCORE.get(c) for c in window]


def latest_pain(data: Mapping[str, Any] | None, today: date) -> int | None:
    """The worst pain of the newest day with a score, up to today."""
    if not data or "pain" not in data:
        return None
    end = (today - date.fromisoformat(data["first"])).days + 1
    scored = data["pain"][:max(end, 0)].rstrip("-")
    return _SCORE[scored[-1]] if scored else None


def history_figures(data: Mapping[str, Any] | None, plan: Sequence[Prescribed],
                    today: date) -> tuple[int, int | None, int | None] | None:
    """(streak, 7-day, 28-day adherence) today from a summary, as ``streak_and_week_now``;
    None when the summary cannot say them all (then the history page reads the logs)."""
    streak = _streak_now(data, plan, today)
    if streak is None:
        return None
    if not _counts_reach(data, today, 28):  # then the page counts from the logs
        return None
    week, month = adherence_now(data, today)  # None now only where nothing was due
    return streak, week, month


def _counts_reach(data: Mapping[str, Any], today: date, days: int) -> bool:
    """Whether a summary's day counts cover the last ``days`` days up to today. (A figure of
    None is also what nothing due gives: taken as "cannot say", it sent the history page to
    count its streak from 13 weeks of logs, short of the summary's.)"""
    first = date.fromisoformat(data["first"])
    return first <= today - timedelta(days=days - 1) and (
        today - first).days < len(data["due"])
