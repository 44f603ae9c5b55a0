"""How well a patient kept to their plan: the status of each day, adherence, streaks, calendars.

Rules, in one place:

- A day is *prescribed* when at least one exercise is due on it (see ``scheduling.DayPlan``:
  an exercise done on any N days of a week is due on the days it was done, and any sessions
  still owed fall on its week's last days). Logs must reach back to the Monday of the first
  day asked about, or such a week is counted from that day.
- An exercise in both ``done`` and ``partial`` counts as done. Several logs for one day merge.
- Only exercises that were due count towards adherence; anything else is a welcome extra.
- Today is never *missed*: until everything due is done it is ``TODAY_PENDING``.
- Days after today are ``FUTURE`` when something is due and ``REST`` otherwise, so a calendar
  can show what is coming.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from exercise_app.domain.scheduling import DayPlan, Prescribed

PARTIAL_CREDIT = 0.5  # started but not finished counts as half: the product rule for adherence
DAYS_IN_WEEK = 7


@dataclass(frozen=True)
class DayLog:
    """What a patient logged on one day: exercises completed and exercises only started."""

    day: date
    done: frozenset[str]
    partial: frozenset[str] = frozenset()


class DayStatus(StrEnum):
    """How a day went against the plan."""

    DONE = "done"  # every due exercise done
    PARTLY = "partly"  # something logged, but not every due exercise done
    MISSED = "missed"  # a past prescribed day with nothing done or started (nothing logged,
    # or every exercise logged as skipped: the session and its reasons stay in the history)
    REST = "rest"  # nothing due and nothing done or started (past, today or future)
    EXTRA = "extra"  # nothing due, but the patient logged a session anyway
    TODAY_PENDING = "today_pending"  # today, something due, not all of it done yet
    OPEN = "open"  # today, nothing due, but an any-day exercise's week is still short: Today
    # offers it (neither counted nor missed, as a rest day)
    FUTURE = "future"  # after today, something due


@dataclass(frozen=True)
class Adherence:
    """Adherence over a window: exercise-days due and done, the percentage, and day counts."""

    first: date  # the window's first and last day (last is today, or yesterday while today
    last: date  # is not all done; a window of one day is then empty, first after last)
    prescribed_exercises: int
    completed_exercises: float  # partial exercises count as PARTIAL_CREDIT, hence a float
    percent: int | None  # None when nothing was prescribed
    prescribed_days: int
    days_done: int
    days_partly: int
    days_missed: int


def _merge_logs(logs: Sequence[DayLog]) -> dict[date, tuple[frozenset[str], frozenset[str]]]:
    """Merge logs by day into (done, partial-but-not-done)."""
    merged: dict[date, tuple[frozenset[str], frozenset[str]]] = {}
    for log in logs:
        done, partial = merged.get(log.day, (frozenset(), frozenset()))
        merged[log.day] = (done | log.done, partial | log.partial)
    return {day: (done, partial - done) for day, (done, partial) in merged.items()}


def _plan(prescriptions: Sequence[Prescribed],
          merged: dict[date, tuple[frozenset[str], frozenset[str]]],
          known_from: date | None = None) -> DayPlan:
    """What is due each day, given the merged logs (see ``scheduling.DayPlan``)."""
    if not any(p.any_day for p in prescriptions):
        return DayPlan(prescriptions)
    return DayPlan(prescriptions, {day: logged[0] for day, logged in merged.items()},
                   {day: logged[1] for day, logged in merged.items()}, known_from)


def _status(
    due: tuple[str, ...], done: frozenset[str], partial: frozenset[str], day: date, today: date
) -> DayStatus:
    logged = bool(done or partial)
    if not due:
        if day > today:
            return DayStatus.REST
        return DayStatus.EXTRA if logged else DayStatus.REST
    if day > today:
        return DayStatus.FUTURE
    if done.issuperset(due):
        return DayStatus.DONE
    if day == today:
        return DayStatus.TODAY_PENDING
    return DayStatus.PARTLY if logged else DayStatus.MISSED


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_statuses(
    prescriptions: Sequence[Prescribed],
    logs: Sequence[DayLog],
    first: date,
    last: date,
    today: date,
) -> list[tuple[date, DayStatus]]:
    """Give the status of every day from `first` to `last` inclusive, in date order."""
    merged = _merge_logs(logs)
    plan = _plan(prescriptions, merged)
    empty: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    statuses = [
        (day, _status(plan.due(day), *merged.get(day, empty), day, today))
        for day in _days(first, last)
    ]
    if not plan.fixed and first <= today <= last:
        index = (today - first).days
        if statuses[index][1] is DayStatus.REST and plan.offered(today):
            statuses[index] = (today, DayStatus.OPEN)
    return statuses


def _percent(completed: float, prescribed: int) -> int | None:
    """Round half up; 0 % and 100 % are kept for nothing done and everything done."""
    if prescribed == 0:
        return None
    if completed >= prescribed:
        return 100
    if completed <= 0:
        return 0
    rounded = math.floor(100 * completed / prescribed + 0.5)
    return min(max(rounded, 1), 99)


def adherence(
    prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date, days: int
) -> Adherence:
    """Measure adherence over the last `days` days, today included once all of it is done:
    until then it is not over, so it neither lowers the figure nor counts as missed. (Today
    used to join a window of the `days` days before it, which then held `days` + 1 days: a
    missed day a week back kept a whole week done below 100 %.)
    """
    if days < 1:
        raise ValueError("the adherence window needs at least one day")
    first = today - timedelta(days=days - 1)
    last = today if _complete(prescriptions, logs, today) else today - timedelta(days=1)
    return adherence_over(prescriptions, logs, first, last)


def _complete(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], day: date) -> bool:
    """Whether something was due on `day` and all of it was done (its status is DONE)."""
    merged = _merge_logs([log for log in logs if day - timedelta(days=day.weekday())
                          <= log.day <= day])  # its week's, which place any-day exercises
    done, partial = merged.get(day, (frozenset(), frozenset()))
    return _status(_plan(prescriptions, merged).due(day), done, partial, day,
                   day) is DayStatus.DONE


def adherence_over(
    prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], first: date, last: date
) -> Adherence:
    """Measure adherence from `first` to `last` inclusive, every day of them counted as over
    (a day with something due and nothing done or started is missed)."""
    merged = _merge_logs(logs)
    plan = _plan(prescriptions, merged)
    after = last + timedelta(days=1)
    empty: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    statuses = [(day, _status(plan.due(day), *merged.get(day, empty), day, after))
                for day in _days(first, last)]
    prescribed = 0
    completed = 0.0
    for day, _status_of_day in statuses:
        due = plan.due(day)
        done, partial = merged.get(day, (frozenset(), frozenset()))
        prescribed += len(due)
        completed += sum(
            1.0 if key in done else PARTIAL_CREDIT if key in partial else 0.0 for key in due
        )
    counts = [status for _, status in statuses]
    return Adherence(
        first=first,
        last=last,
        prescribed_exercises=prescribed,
        completed_exercises=completed,
        percent=_percent(completed, prescribed),
        prescribed_days=sum(
            status in (DayStatus.DONE, DayStatus.PARTLY, DayStatus.MISSED) for status in counts
        ),
        days_done=counts.count(DayStatus.DONE),
        days_partly=counts.count(DayStatus.PARTLY),
        days_missed=counts.count(DayStatus.MISSED),
    )


def streak(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date) -> int:
    """Count the prescribed days done in a row, back from today (or yesterday if pending).

    Rest days and extra sessions neither break the streak nor add to it; a partly done or
    missed prescribed day ends it.
    """
    return streak_run(prescriptions, logs, today)[0]


def streak_run(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date,
               floor: date | None = None) -> tuple[int, date | None, bool]:
    """The streak as ``streak`` counts it, walking back no further than `floor` (the first day
    the logs reach): (the count, the earliest day counted, and whether the walk reached
    `floor` unbroken with the plan older than it, so that the streak may go on before it)."""
    if not prescriptions:
        return 0, None, False
    earliest = min(p.start for p in prescriptions)
    if earliest > today:
        return 0, None, False
    stop = max(earliest, floor) if floor is not None else earliest
    merged = _merge_logs(logs)
    plan = _plan(prescriptions, merged, floor)
    empty: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    count, first = 0, None
    day = today
    while day >= stop:  # walk back only as far as the streak goes
        status = _status(plan.due(day), *merged.get(day, empty), day, today)
        if status is DayStatus.DONE:
            count, first = count + 1, day
        elif status in (DayStatus.PARTLY, DayStatus.MISSED):
            return count, first, False
        day -= timedelta(days=1)
    return count, first, floor is not None and earliest < floor


def streak_carried(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date,
                   floor: date, carried: tuple[date, int] | None
                   ) -> tuple[int, date | None] | None:
    """Today's streak and its first day, from the logs since `floor` and, when the streak runs
    back past `floor`, what an earlier count said of the days before it: ``carried`` = (the
    streak's first day, how many of its days fall before `floor`), from ``streak_before``.
    Days before `floor` can no longer change, so when the walk back from today reaches
    `floor` unbroken, the two runs join. None when they do not (or nothing was carried): the
    older logs must then be read. `floor` should be a Monday, so that no week's any-day
    exercises are placed from part of it.

    (The days before `floor` were once counted from the plan alone, which stopped being
    right once an any-day exercise is due where it was done; then from the count stored on
    the day it was carried from, less the days since `floor` recounted from the logs now,
    which took off a session logged after a refresh earlier the same day.)"""
    count, first, unbroken = streak_run(prescriptions, logs, today, floor)
    if not unbroken:
        return count, first
    if carried is not None and carried[0] == floor:
        # It began on `floor`: what broke it came before, on a day that can no longer
        # change. (This fell through to reading every older log, each refresh for a week.)
        return count, first
    if carried is None or not carried[0] < floor:
        return None
    return count + carried[1], carried[0]


def streak_before(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date,
                  floor: date, streak_today: tuple[int, date | None]) -> int:
    """How many days of today's streak (``streak_today``: its count and first day) fall
    before `floor`, which the logs reach back to: what ``streak_carried`` is given later."""
    count, first = streak_today
    if first is None or first >= floor:
        return 0
    return count - streak_run(prescriptions, logs, today, floor)[0]


def streak_after(prescriptions: Sequence[Prescribed], streak_on: int, on: date,
                 on_complete: bool, today: date, week: Sequence[DayLog] = ()) -> int:
    """Today's streak from the one counted on day `on`, when nothing was logged after `on`.

    Equal to ``streak`` over the same logs (a property test holds it to that), without them:
    a prescribed day after `on` and before today has nothing logged, so it is missed and the
    streak is 0; `on` itself, now past, ends the streak unless it was complete (everything
    due was done, or nothing was due). Today is pending, as in ``streak``. ``week``: the logs
    of `on`'s week up to `on`, which say where its any-day exercises still fall due.
    """
    if today <= on:
        return streak_on
    plan = _plan(prescriptions, _merge_logs(week))
    day = today - timedelta(days=1)
    while day > on:
        if plan.due(day):
            return 0
        day -= timedelta(days=1)
    return streak_on if on_complete else 0


def calendar_weeks(
    statuses: Sequence[tuple[date, DayStatus]], first_weekday: int = 0
) -> list[list[tuple[date, DayStatus] | None]]:
    """Group day statuses into seven-day weeks for a calendar, padding with None.

    Weeks start on `first_weekday` (0 = Monday). Each day sits in its weekday column; days
    missing from `statuses` (before, after, or in a gap) are None.
    """
    if not 0 <= first_weekday < DAYS_IN_WEEK:
        raise ValueError(f"first weekday must be 0 (Monday) to 6 (Sunday), not {first_weekday}")
    if not statuses:
        return []
    by_day = dict(statuses)
    first, last = min(by_day), max(by_day)
    week_start = first - timedelta(days=(first.weekday() - first_weekday) % DAYS_IN_WEEK)
    weeks: list[list[tuple[date, DayStatus] | None]] = []
    while week_start <= last:
        week: list[tuple[date, DayStatus] | None] = []
        for offset in range(DAYS_IN_WEEK):
            day = week_start + timedelta(days=offset)
            week.append((day, by_day[day]) if day in by_day else None)
        weeks.append(week)
        week_start += timedelta(days=DAYS_IN_WEEK)
    return weeks


def missed_in_a_row(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], today: date,
                    horizon: int = 35) -> int:
    """Count missed prescribed days (nothing done or started), back from yesterday until a
    day with something done or started; none once something is done or started today (the
    patient is back: the session that ended a gap raised "no session on the last 5 days").

    Rest days are passed over; at most ``horizon`` days are looked at.
    """
    if any(log.day == today and (log.done or log.partial) for log in logs):
        return 0
    yesterday = today - timedelta(days=1)
    first = today - timedelta(days=horizon)
    missed = 0
    for _day, status in reversed(day_statuses(prescriptions, logs, first, yesterday, today)):
        if status is DayStatus.MISSED:
            missed += 1
        elif status in (DayStatus.DONE, DayStatus.PARTLY, DayStatus.EXTRA):
            break
    return missed


@dataclass(frozen=True)
class DayCounts:
    """Per-day numbers from which adherence can be read without the plan or the logs.

    Kept in a summary row so a caseload of hundreds reads one row per patient: ``due`` is the
    number of exercises prescribed each day, ``half_credits`` twice the completed ones
    (partial counts half), ``all_done`` whether every due exercise was done.
    """

    first: date
    due: tuple[int, ...]
    half_credits: tuple[int, ...]
    all_done: tuple[bool, ...]

    @property
    def last(self) -> date:
        return self.first + timedelta(days=len(self.due) - 1)


def day_counts(prescriptions: Sequence[Prescribed], logs: Sequence[DayLog], first: date,
               last: date) -> DayCounts:
    """Count what was due and done each day from `first` to `last` (future days: nothing done)."""
    merged = _merge_logs(logs)
    plan = _plan(prescriptions, merged)
    due_counts: list[int] = []
    halves: list[int] = []
    complete: list[bool] = []
    for day in _days(first, last):
        due = plan.due(day)
        done, partial = merged.get(day, (frozenset(), frozenset()))
        due_counts.append(len(due))
        halves.append(sum(2 if key in done else 1 if key in partial else 0 for key in due))
        complete.append(bool(due) and done.issuperset(due))
    return DayCounts(first, tuple(due_counts), tuple(halves), tuple(complete))


def adherence_from_counts(counts: DayCounts, today: date, days: int) -> int | None:
    """The same percent as ``adherence(...).percent``, read from day counts.

    None when the window is not inside the counted days, or nothing was due.
    """
    if days < 1:
        raise ValueError("the adherence window needs at least one day")
    start = (today - timedelta(days=days - 1) - counts.first).days
    end = (today - counts.first).days
    if start < 0 or end >= len(counts.due):
        return None
    if not counts.all_done[end]:
        end -= 1  # today joins only once all of it is done
    prescribed = sum(counts.due[start:end + 1])
    completed = sum(counts.half_credits[start:end + 1]) * PARTIAL_CREDIT
    return _percent(completed, prescribed)
