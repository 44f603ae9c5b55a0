"""Which days an exercise is due: weekday masks, spreading sessions, and the patient's today.

Weekdays are Python's ``date.weekday()`` numbers, 0 = Monday to 6 = Sunday. A weekly schedule
is stored as a 7-bit mask: bit ``d`` set means due on weekday ``d``.

An exercise prescribed *N days a week* (``Prescribed.per_week``) may be done on any days of
each Monday-to-Sunday week (its mask holds the spread days, ``spread_days``, as stored, but
no longer says when it is due). A part of a week asks for its share of N (``owed_in``: a
programme starting on a Thursday at 3 a week asks for 2 that week). ``DayPlan`` places each
week's sessions: on the days the patient did the exercise, and any still owed on the week's
last days, where they are missed only once the week is too short to catch up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
             "Sundays")


def schedule_text(mask: int, per_week: int | None = None) -> str:
    """When an exercise is due, in words: 'every day', 'on Mondays and Thursdays', or, for
    one done on any days of a week (``per_week``), 'any 3 days a week'."""
    days = days_from_mask(mask)
    if len(days) == DAYS_IN_WEEK:
        return "every day"
    if per_week is not None:
        return "once a week, any day" if per_week == 1 else f"any {per_week} days a week"
    names = [DAY_NAMES[day] for day in days]
    return "on " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


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
    """One prescribed exercise: its key, its weekday mask, its first and (optional) last day,
    and, for one done on any N days of a week, N (its mask then holds the spread days)."""

    key: str
    mask: int
    start: date
    end: date | None = None  # last day due, inclusive; None while it is still prescribed
    per_week: int | None = None  # None: due on the mask's weekdays
    track: str | None = None  # an any-day exercise's thread through programme versions,
    # whose parts share each week (``DayPlan``); None: the key

    def __post_init__(self) -> None:
        _check_mask(self.mask)
        if self.end is not None and self.end < self.start:
            raise ValueError("a prescription cannot end before it starts")
        if self.per_week is not None and not 1 <= self.per_week <= DAYS_IN_WEEK:
            raise ValueError(f"sessions per week must be 1 to 7, not {self.per_week}")

    @property
    def any_day(self) -> bool:
        """Whether the week's sessions may fall on any of its days (``per_week``); a week's
        every day is asked for anyway when N is 7."""
        return self.per_week is not None and self.mask != FULL_WEEK_MASK

    def covers(self, day: date) -> bool:
        """Whether ``day`` is one this prescription is in force on, due or not."""
        return self.start <= day and (self.end is None or day <= self.end)

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
                paused.append(Prescribed(p.key, p.mask, start, first - timedelta(days=1),
                                         p.per_week, p.track))
            start = max(start, last + timedelta(days=1))
        if p.end is None or start <= p.end:
            paused.append(Prescribed(p.key, p.mask, start, p.end, p.per_week, p.track))
    return paused


def monday_of(day: date) -> date:
    """The Monday that starts ``day``'s week."""
    return day - timedelta(days=day.weekday())


_NOTHING: frozenset[str] = frozenset()


def owed_in(session_days: int) -> int:
    """How many sessions part of a week asks for, from its days times each day's sessions a
    week (``sum(per_week * days)``): its share of the week, rounded half up. A whole week
    asks for N; a programme starting on Thursday at 3 a week, for 2 (12 / 7 = 1.7); one
    starting on Tuesday at once a week, for 1 (6 / 7)."""
    return (2 * session_days + DAYS_IN_WEEK) // (2 * DAYS_IN_WEEK)


class DayPlan:
    """What is due each day, given what was done: an exercise on fixed weekdays is due on
    them; one done on any N days of a week (``Prescribed.any_day``) is due, in each week, on
    its share of N for the days of the week it is prescribed for (``owed_in``; or as many as
    were done, up to N, where that is more: a part week done in full), placed on the
    days it was done (days done before days only started, earlier days first) and any still
    owed on those days' last. Done more often, the later days are extras. The prescriptions
    of one ``track`` (the same exercise in successive programme versions, or one cut by a
    pause) share their week: a new version on Wednesday takes the week's sessions on from
    Monday's and Tuesday's.

    ``done`` and ``started`` map days to the keys done and only started on them, and must
    hold every day of each week asked about from ``known_from`` on: days before it are
    taken as unknown, so a week is counted from ``known_from`` as if the exercise began then.
    """

    def __init__(self, prescriptions: Sequence[Prescribed],
                 done: Mapping[date, frozenset[str]] | None = None,
                 started: Mapping[date, frozenset[str]] | None = None,
                 known_from: date | None = None) -> None:
        self.prescriptions = list(prescriptions)
        self.fixed = not any(p.any_day for p in self.prescriptions)
        self._done = done or {}
        self._started = started or {}
        self._known_from = known_from
        self._weeks: dict[date, dict[int, frozenset[date]]] = {}
        self._tracks: dict[str, list[int]] = {}
        for index, p in enumerate(self.prescriptions):
            if p.any_day:
                self._tracks.setdefault(p.track or p.key, []).append(index)

    def due(self, day: date) -> tuple[str, ...]:
        """The keys due on ``day``, in prescription order, each once."""
        if self.fixed:
            return tuple(dict.fromkeys(p.key for p in self.prescriptions if p.is_due(day)))
        placed = None
        keys: dict[str, None] = {}
        for index, p in enumerate(self.prescriptions):
            if not p.any_day:
                if p.is_due(day):
                    keys[p.key] = None
                continue
            if placed is None:
                placed = self.week(monday_of(day))
            if day in placed.get(index, ()):
                keys[p.key] = None
        return tuple(keys)

    def week(self, monday: date) -> dict[int, frozenset[date]]:
        """The days each any-day prescription (by its index) is due in the week from
        ``monday``."""
        placed = self._weeks.get(monday)
        if placed is None:
            placed = {}
            for indexes in self._tracks.values():
                days_of, chosen = self._place(indexes, monday)
                for index in indexes:
                    placed[index] = frozenset(chosen.intersection(days_of[index]))
            self._weeks[monday] = placed
        return placed

    def _days(self, p: Prescribed, monday: date) -> list[date]:
        """The days of the week from ``monday`` that ``p`` is prescribed for (and known)."""
        first = max(monday, p.start)
        if self._known_from is not None:
            first = max(first, self._known_from)
        last = monday + timedelta(days=DAYS_IN_WEEK - 1)
        if p.end is not None:
            last = min(last, p.end)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def _track_week(self, indexes: Sequence[int], monday: date
                    ) -> tuple[dict[int, list[date]], list[date], list[date], list[date], int]:
        """A track's week: each prescription's days, all their days in order, the days done
        and the days only started (by any of its keys), and how many days it asks for."""
        days_of = {index: self._days(self.prescriptions[index], monday) for index in indexes}
        days = sorted({day for found in days_of.values() for day in found})
        keys = {self.prescriptions[index].key for index in indexes}
        done = [day for day in days if keys & self._done.get(day, _NOTHING)]
        started = [day for day in days if not keys & self._done.get(day, _NOTHING)
                   and keys & self._started.get(day, _NOTHING)]
        # Its share of the week, but never fewer than the sessions done, up to N: a pause
        # from Saturday must not turn Wednesday's session into an extra.
        owed = max(owed_in(sum((self.prescriptions[index].per_week or DAYS_IN_WEEK)
                               * len(days_of[index]) for index in indexes)),
                   min(len(done), max(self.prescriptions[index].per_week or DAYS_IN_WEEK
                                      for index in indexes)))
        return days_of, days, done, started, owed

    def _place(self, indexes: Sequence[int], monday: date
               ) -> tuple[dict[int, list[date]], set[date]]:
        days_of, days, done, started, owed = self._track_week(indexes, monday)
        chosen = set((done + started)[:owed])
        for day in reversed(days):
            if len(chosen) >= owed:
                break
            chosen.add(day)
        return days_of, chosen

    def offered(self, day: date) -> bool:
        """Whether an any-day exercise in force on ``day`` is still short of its week's
        sessions (so Today offers it, though none falls due that day)."""
        return any(count < owed for count, owed in self.week_progress(day).values())

    def week_progress(self, day: date) -> dict[str, tuple[int, int]]:
        """For each any-day exercise prescribed on ``day``: (days done so far in its week,
        days its week asks for), by the key prescribed that day."""
        progress: dict[str, tuple[int, int]] = {}
        for indexes in self._tracks.values():
            today = [index for index in indexes if self.prescriptions[index].covers(day)]
            if not today:
                continue
            _days_of, _days, done, _started, owed = self._track_week(indexes, monday_of(day))
            progress[self.prescriptions[today[0]].key] = (min(len(done), owed), owed)
        return progress


# The daily job (``flask summaries rebuild``) writes every patient's summary each day. One
# older than this many days (time zones a day apart, a job run late in the day) means it is
# not running: no alert is raised for missed days, and adherence reads "-" after two weeks.
DAILY_JOB_GRACE_DAYS = 2


def daily_job_late(oldest_summary: date | None, today: date) -> bool:
    """Whether a summary written on ``oldest_summary`` says the daily job has stopped."""
    return oldest_summary is not None and (today - oldest_summary).days > DAILY_JOB_GRACE_DAYS
