"""Which days an exercise is due: weekday masks, spreading sessions, and the patient's today.

Weekdays are Python's ``date.weekday()`` numbers, 0 = Monday to 6 = Sunday. A weekly schedule
is stored as a 7-bit mask: bit ``d`` set means due on weekday ``d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS_IN_WEEK = 7
FULL_WEEK_MASK = (1 << DAYS_IN_WEEK) - 1  # 127: due every day

# Evenly spread weekdays for N sessions a week, Monday first, so that rest days fall between
# sessions where possible (the usual 48 h recovery between strength sessions). Fixed rather
# than computed so the plan a clinician sees never shifts.
SPREAD_DAYS: dict[int, tuple[int, ...]] = {
    1: (0,),  # Mon
    2: (0, 3),  # Mon, Thu
    3: (0, 2, 4),  # Mon, Wed, Fri
    4: (0, 1, 3, 4),  # Mon, Tue, Thu, Fri
    5: (0, 1, 2, 3, 4),  # Mon-Fri
    6: (0, 1, 2, 3, 4, 5),  # Mon-Sat
    7: (0, 1, 2, 3, 4, 5, 6),  # every day
}


def mask_from_days(days: Iterable[int]) -> int:
    """Turn weekday numbers (0 = Monday) into a schedule mask; at least one day is needed."""
    mask = 0
    for day in days:
        if not 0 <= day < DAYS_IN_WEEK:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {day}")
        mask |= 1 << day
    if mask == 0:
        raise ValueError("a schedule needs at least one day")
    return mask


def _check_mask(mask: int) -> None:
    if not 1 <= mask <= FULL_WEEK_MASK:
        raise ValueError(f"schedule mask must be 1 to {FULL_WEEK_MASK}, not {mask}")


def days_from_mask(mask: int) -> tuple[int, ...]:
    """List the weekdays (0 = Monday) a schedule mask is due on, in week order."""
    _check_mask(mask)
    return tuple(day for day in range(DAYS_IN_WEEK) if mask & (1 << day))


def spread_days(sessions_per_week: int) -> tuple[int, ...]:
    """Choose the weekdays for N sessions a week, spread so rest days fall between them."""
    if sessions_per_week not in SPREAD_DAYS:
        raise ValueError(f"sessions per week must be 1 to 7, not {sessions_per_week}")
    return SPREAD_DAYS[sessions_per_week]


def is_due(mask: int, day: date, start: date) -> bool:
    """Whether a schedule that began on `start` is due on `day` (never before it starts)."""
    _check_mask(mask)
    return day >= start and bool(mask & (1 << day.weekday()))


def due_days(mask: int, start: date, first: date, last: date) -> list[date]:
    """List the days from `first` to `last` (inclusive) on which a schedule is due."""
    _check_mask(mask)
    day = max(first, start)
    days: list[date] = []
    while day <= last:
        if mask & (1 << day.weekday()):
            days.append(day)
        day += timedelta(days=1)
    return days


def local_today(now_utc: datetime, time_zone: str) -> date:
    """Give the patient's calendar date for an aware instant in an IANA time zone."""
    return local_time(now_utc, time_zone).date()


def local_time(now_utc: datetime, time_zone: str) -> datetime:
    """Give the patient's wall-clock time for an aware instant in an IANA time zone."""
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone: {time_zone!r}") from error
    return now_utc.astimezone(zone)


@dataclass(frozen=True)
class Prescribed:
    """One prescribed exercise: its key, its weekday mask, its first and (optional) last day."""

    key: str
    mask: int
    start: date
    end: date | None = None  # last day due, inclusive; None while it is still prescribed

    def __post_init__(self) -> None:
        _check_mask(self.mask)
        if self.end is not None and self.end < self.start:
            raise ValueError("a prescription cannot end before it starts")

    def is_due(self, day: date) -> bool:
        """Whether this exercise is due on a day."""
        if self.end is not None and day > self.end:
            return False
        # The mask was checked when this was made; this runs for every day of every history.
        return day >= self.start and bool(self.mask & (1 << day.weekday()))


def pause(prescriptions: Sequence[Prescribed],
          spans: Sequence[tuple[date, date]]) -> list[Prescribed]:
    """The prescriptions with nothing due on the days of ``spans`` (first, last, inclusive):
    days the patient was told to stop exercising (a red flag, until their physio resolved
    it) are not missed. Each prescription is cut into the parts outside the spans; a part
    keeps its key, so a day's plan is unchanged on every other day."""
    if not spans:
        return list(prescriptions)
    ordered = sorted(spans)
    paused: list[Prescribed] = []
    for p in prescriptions:
        start = p.start
        for first, last in ordered:
            if last < start or (p.end is not None and first > p.end):
                continue
            if first > start:
                paused.append(Prescribed(p.key, p.mask, start, first - timedelta(days=1)))
            start = max(start, last + timedelta(days=1))
        if p.end is None or start <= p.end:
            paused.append(Prescribed(p.key, p.mask, start, p.end))
    return paused


def day_plan(prescriptions: Sequence[Prescribed], day: date) -> tuple[str, ...]:
    """List the keys of the exercises due on a day, in prescription order, each key once."""
    return tuple(dict.fromkeys(p.key for p in prescriptions if p.is_due(day)))
