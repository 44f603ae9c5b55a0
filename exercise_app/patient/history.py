"""Build what the history, Today and physio patient pages show from loaded rows (no queries)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from ..domain import adherence as rules
from ..domain.dosing import HOLD
from ..domain.pain_chart import (
    PainPoint,
    long_date,
    pain_table,
    render_pain_chart,
    weekly_averages,
)
from ..domain.progression import RuleSettings, unremarkable_band
from ..domain.scheduling import DayPlan, Prescribed, pause
from ..domain.sessions import outcome_words
from ..models import LogStatus, Prescription, ProgrammeVersion, Side, VersionSource
from .queries import LogRow, SessionRow

STATUS_TEXT = {
    "done": "Done",
    "partly": "Partly done",
    "missed": "Missed",
    "rest": "Rest day",
    "extra": "Extra session",
    "today_pending": "Due today",
    "open": "Open today",  # an any-day exercise's week is short: Today offers it
    "future": "Due",
}
NOT_STARTED = ("not-started", "Not started")  # a rest day before the first programme began
WINDOW_DAYS = 91  # history pages look back 13 weeks: long enough for trends, bounded in size
MIN_CHART_DAYS = 7  # the pain chart's shortest axis (a programme begun today draws a week)
CALENDAR_DAYS = 35  # five weeks of calendar


def replaced_from(versions: Sequence[ProgrammeVersion]) -> list[date | None]:
    """For each version (in number order), the day a later version takes over: the earliest
    start of those after it, which need not be the next by number (a version scheduled ahead,
    then one starting sooner). None for a version nothing replaces. As ``effective`` reads
    them: on any day, the newest version that has started."""
    replaced: list[date | None] = []
    soonest: date | None = None
    for version in reversed(versions):
        replaced.append(soonest)
        soonest = version.start_date if soonest is None else min(soonest, version.start_date)
    replaced.reverse()
    return replaced


def _periods(versions: Sequence[ProgrammeVersion]
             ) -> list[tuple[date, date | None, ProgrammeVersion]]:
    """(first day, last day or None, version) of each version that was ever in force."""
    periods = []
    for version, until in zip(versions, replaced_from(versions), strict=True):
        end = until - timedelta(days=1) if until else None
        if end is None or end >= version.start_date:  # else replaced before it began
            periods.append((version.start_date, end, version))
    return periods


def prescribed(versions: Sequence[ProgrammeVersion],
               paused: Sequence[tuple[date, date]] = ()) -> list[Prescribed]:
    """Every prescription with the days it applied: a version runs until a later one starts.
    Nothing is due on the ``paused`` days (``triage.queries.paused_spans``)."""
    periods = _periods(versions)
    tracks = _tracks(periods)
    return pause([Prescribed(key=str(p.id), mask=p.weekdays, start=start, end=end,
                             per_week=p.sessions_per_week, track=tracks.get(p.id))
                  for start, end, version in periods for p in version.prescriptions],
                 paused)


def _tracks(periods: Sequence[tuple[date, date | None, ProgrammeVersion]]) -> dict[int, str]:
    """Each any-day prescription's track (``scheduling.DayPlan``), by id: the exercise's
    thread through the versions in force one after another. A prescription takes on the
    track of the last version's prescription of the same exercise (a new dose), or else of
    the one exercise of its ladder that the last version had and this one has not (the
    rules' move up or down the ladder); anything else starts a track of its own. (Tracks
    were once the ladder and the row's place among its rows, which a row removed or added
    above renumbered.)"""
    tracks: dict[int, str] = {}
    previous: list[Prescription] = []
    for _start, _end, version in sorted(periods, key=lambda period: period[0]):
        current = [p for p in version.prescriptions if p.sessions_per_week]
        before = {p.exercise_id: p for p in previous}
        now = {p.exercise_id for p in current}
        gone: dict[str, list[Prescription]] = {}
        for p in previous:
            if p.exercise_id not in now:
                gone.setdefault(_ladder(p), []).append(p)
        new: dict[str, list[Prescription]] = {}
        for p in current:
            if p.exercise_id not in before:
                new.setdefault(_ladder(p), []).append(p)
        for p in current:
            if p.exercise_id in before:
                tracks[p.id] = tracks[before[p.exercise_id].id]
            elif len(gone.get(_ladder(p), ())) == 1 and len(new[_ladder(p)]) == 1:
                tracks[p.id] = tracks[gone[_ladder(p)][0].id]
            else:
                tracks[p.id] = str(p.id)
        previous = current
    return tracks


def _ladder(p: Prescription) -> str:
    return p.exercise_version.data["ladder"]["id"]


_STARTED = (LogStatus.PARTIAL, LogStatus.STOPPED)


def day_logs(logs: Sequence[LogRow],
             versions: Sequence[ProgrammeVersion] = ()) -> list[rules.DayLog]:
    """What was done each day, by prescription key.

    A log can name a prescription of a version that was no longer in force on its day (a
    routine opened before the physio's change that started that day, see
    ``version_for_log``): with ``versions``, it also counts for the same exercise in the
    version in force, or the day would stay undone although it was done."""
    done: dict[date, set[str]] = {}
    partial: dict[date, set[str]] = {}
    skipped: dict[date, set[str]] = {}  # few: only days with a skipped exercise
    for log in logs:
        day = log.local_date
        if day not in done:
            done[day] = set()
            partial[day] = set()
        if log.status == LogStatus.DONE:
            done[day].add(str(log.prescription_id))
        elif log.status in _STARTED:
            partial[day].add(str(log.prescription_id))
        else:
            skipped.setdefault(day, set()).add(str(log.prescription_id))
    if versions:
        _count_for_the_version_in_force(done, partial, skipped, versions)
    return [rules.DayLog(day=day, done=frozenset(done[day]), partial=frozenset(partial[day]))
            for day in sorted(done)]


def _count_for_the_version_in_force(done: dict[date, set[str]], partial: dict[date, set[str]],
                                    skipped: dict[date, set[str]],
                                    versions: Sequence[ProgrammeVersion]) -> None:
    """Add, to each day's keys, those of the version in force that day for the same exercise
    as a key of another version (one set difference a day; rarely anything to add).

    The routine such a day's logs came from was shown before the physio changed it: the
    version in force's exercises it did not show (one swapped for another, or added) take
    its outcome as a whole, done if it was all done and partly done otherwise. The day is
    judged by what the patient was shown, and a swap while the routine was open no longer
    left it partly done."""
    periods = sorted(_periods(versions), key=lambda period: period[0])
    starts = [start for start, _end, _version in periods]
    own: dict[int, dict[str, int]] = {}  # version id: {prescription key: exercise id}
    exercise_of: dict[str, int] = {}  # every version's prescription key: exercise id
    for day, done_keys in done.items():
        index = bisect_right(starts, day) - 1
        if index < 0 or (periods[index][1] is not None and day > periods[index][1]):
            continue  # no version in force: nothing was due that day
        version = periods[index][2]
        keys = own.get(version.id)
        if keys is None:
            keys = own[version.id] = {str(p.id): p.exercise_id for p in version.prescriptions}
        partial_keys = partial[day]
        if done_keys <= keys.keys() and partial_keys <= keys.keys():
            continue  # the day's logs all name the version in force: the usual case
        if not exercise_of:
            exercise_of = {str(p.id): p.exercise_id for v in versions for p in v.prescriptions}
        day_skipped = set(skipped.get(day, ()))
        started = bool(done_keys - keys.keys() or partial_keys - keys.keys())
        whole = not (partial_keys - keys.keys() or day_skipped - keys.keys())
        for found in (done_keys, partial_keys, day_skipped):
            for key in found - keys.keys():
                exercise = exercise_of.get(key)
                found.update(k for k, other in keys.items() if other == exercise)
        unshown = keys.keys() - done_keys - partial_keys - day_skipped
        if unshown and started:
            (done_keys if whole else partial_keys).update(unshown)


def streak_and_week(versions: Sequence[ProgrammeVersion], logs: Sequence[LogRow],
                    today: date) -> tuple[int, rules.Adherence]:
    """The streak and the last 7 days' adherence (for Today)."""
    plan = prescribed(versions)
    days = day_logs(logs, versions)
    return rules.streak(plan, days, today), rules.adherence(plan, days, today, 7)


@dataclass(frozen=True)
class Volume:
    """One exercise's totals over the last 28 days. ``reps`` counts both sides of an exercise
    done one side at a time and leaves out held exercises; ``reps_text`` says it as shown."""

    name: str
    sessions: int
    sets: int
    reps: int
    reps_text: str


def calendar_start(today: date) -> date:
    """The Monday that starts the calendar's five weeks."""
    first = today - timedelta(days=CALENDAR_DAYS - 1)
    return first - timedelta(days=first.weekday())


class CalendarCell(NamedTuple):
    """One day of the calendar as shown: its number, a class name for its status, words, and
    the full date that screen readers say in place of the number."""

    number: int
    status: str
    text: str
    full_date: str


class PainTableRow(NamedTuple):
    """One session of the pain table as shown (empty text where there is no score)."""

    day: str
    before: str
    during: str  # the worst pain during: what the rules step down on
    after: str
    next_morning: str


class SessionLine(NamedTuple):
    """One session of the list as shown: its date and what happened."""

    id: int
    day: str
    text: str


SESSION_LINES = 30  # the newest sessions listed; the CSV has them all


@dataclass(frozen=True)
class History:
    """What the history blocks show, ready to print: the template only lays it out (its
    hundreds of cells cost about half the page when each was formatted there; the cells are
    named tuples, which build in a fraction of a frozen dataclass's time)."""

    weeks: list[list[CalendarCell | None]]
    adherence_7: int | None  # percent; None when nothing was due
    adherence_28: int | None
    streak: int
    chart_svg: str
    table: list[PainTableRow]
    weekly: list[tuple[str, str]]  # (the week's Monday, mean pain after) as the chart's line
    volume: list[Volume]
    sessions: list[SessionRow]  # newest first
    session_lines: list[SessionLine]
    first: date
    last: date
    calendar_span: str = ""  # "19 October to 27 November 2026": the days the calendar shows


# Looked up, not worked out, for each of the page's hundreds of cells.
SCORE_TEXT: dict[int | None, str] = {None: "", **{n: str(n) for n in range(11)}}  # 0-10
CELL_TEXT = {status: (status.value.replace("_", "-"), STATUS_TEXT[status.value])
             for status in rules.DayStatus}  # a status's class name and words
_DAY_AND_ID = attrgetter("local_date", "id")


def _cell(entry: tuple[date, rules.DayStatus] | None,
          paused: Sequence[tuple[date, date]] = (),
          started: date | None = None) -> CalendarCell | None:
    """A calendar day as shown; a rest day before ``started`` (the first programme's first
    day; None: no programme yet) is not started rather than rest."""
    if entry is None:
        return None
    day, status = entry
    if status is rules.DayStatus.REST:
        if paused and any(first <= day <= last for first, last in paused):
            return CalendarCell(day.day, "paused", "Paused", _full_date(day))
        if started is None or day < started:
            return CalendarCell(day.day, *NOT_STARTED, _full_date(day))
    return CalendarCell(day.day, *CELL_TEXT[status], _full_date(day))


@lru_cache(maxsize=1024)
def _full_date(day: date) -> str:
    return day.strftime("%A %-d %B")


def _span(first: date, last: date) -> str:
    """The days from ``first`` to ``last`` in words, the year said once where it can be."""
    start = first.strftime("%-d %B") if first.year == last.year else _long_day(first)
    return f"{start} to {_long_day(last)}"


def _long_day(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _minutes(seconds: int) -> str:
    """A total hold time: seconds up to two minutes, then minutes to one decimal."""
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds / 60:.1f}".removesuffix(".0") + " min"


class _Totals:
    """One exercise's volume as it is counted (``Volume`` once shown)."""

    def __init__(self) -> None:
        self.sessions = self.sets = self.reps = self.holds = self.held_seconds = 0
        self.repeated = self.both_sides = self.held_each_side = False
        self.bout = HOLD  # what one timed set is called ("walk")

    def add(self, log: LogRow, prescription: Prescription | None) -> None:
        self.sessions += 1
        self.sets += log.sets_done
        if prescription is not None and prescription.reps is None and prescription.hold_seconds:
            self.holds += log.sets_done  # a held exercise: one hold a set
            self.held_seconds += log.sets_done * prescription.hold_seconds
            self.held_each_side |= prescription.side is Side.EACH
            self.bout = prescription.exercise_version.data.get("bout") or HOLD
            return
        self.repeated = True
        self.reps += (log.reps_done or 0) + (log.reps_done_other_side or 0)
        self.both_sides |= log.reps_done_other_side is not None or (
            prescription is not None and prescription.side is Side.EACH)

    def shown(self, name: str) -> Volume:
        """The Reps column: reps, said to be both sides' where an exercise is done one side
        at a time; holds and their time for an exercise held rather than repeated."""
        parts = []
        if self.repeated:
            parts.append(f"{self.reps} (both sides)" if self.both_sides and self.reps
                         else str(self.reps))
        if self.holds:
            each = " (each side)" if self.held_each_side else ""
            holds = f"1 {self.bout}" if self.holds == 1 else f"{self.holds} {self.bout}s"
            parts.append(f"{holds}, {_minutes(self.held_seconds)}{each}")
        return Volume(name, self.sessions, self.sets, self.reps,
                      "; ".join(parts) or "\u2013")


@lru_cache(maxsize=1024)  # a date's words never change; strftime cost more than the rest
def _weekday_date(day: date) -> str:
    return day.strftime("%a %-d %b")


def session_line(s: SessionRow) -> SessionLine:
    text = f"{outcome_words(s.outcome)}, pain {s.pain_before} before, {s.pain_after} after"
    if s.next_morning_pain is not None:
        text += f", next morning {s.next_morning_pain}"
    if s.has_notes:
        text += " \u00b7 has a note"
    return SessionLine(s.id, _weekday_date(s.local_date), text)


def build(versions: Sequence[ProgrammeVersion], sessions: Sequence[SessionRow],
          log_rows: Sequence[LogRow], names: dict[int, str], today: date,
          baseline: int | None = None,
          figures: tuple[int, int | None, int | None] | None = None,
          paused: Sequence[tuple[date, date]] = (),
          settings: RuleSettings | None = None) -> History:
    """Everything the history views show, from the programme versions and recent sessions.

    ``figures`` (streak, 7-day and 28-day adherence) when the summary gave them; else they are
    counted from ``log_rows``, which must then reach back ``WINDOW_DAYS``. Otherwise the logs
    need only reach back to ``calendar_start``. Nothing is due on the ``paused`` days. With
    the usual pain (``baseline``), the chart shades the scores that are not yet a meaningful
    change from it by the patient's rule ``settings`` (the defaults when None).
    """
    plan = prescribed(versions, paused)
    logs = day_logs(log_rows, versions)
    statuses = rules.day_statuses(plan, logs, calendar_start(today), today, today)
    if figures is None:
        figures = (rules.streak(plan, logs, today), rules.adherence(plan, logs, today, 7).percent,
                   rules.adherence(plan, logs, today, 28).percent)
    oldest_first = sorted(sessions, key=_DAY_AND_ID)
    points = [PainPoint(s.local_date, s.pain_before, s.pain_after, s.next_morning_pain,
                        s.pain_during) for s in oldest_first]
    # The chart starts where the record does (the first programme's start, or an earlier
    # score), within the 13 weeks: ten days of scores drawn on a 13-week axis were a sliver
    # a few pixels wide at its right-hand edge.
    began = min([v.start_date for v in versions] + [p.day for p in points], default=today)
    first = max(today - timedelta(days=WINDOW_DAYS - 1),
                min(began, today - timedelta(days=MIN_CHART_DAYS - 1)))
    band = (unremarkable_band(baseline, settings or RuleSettings())
            if baseline is not None else None)
    chart = render_pain_chart(points, first=first, last=today,
                              title="Pain before and after sessions, and the next morning",
                              band=band, band_label=_band_label(baseline, band))
    window_28 = today - timedelta(days=27)
    # By exercise, not by its library version: a programme saved again after a library update
    # names the new version, and the exercise was shown twice. Named as last prescribed.
    exercise_of: dict[int, int] = {}
    name_of: dict[int, str] = {}
    prescription_of: dict[int, Prescription] = {}
    for v in versions:
        for p in v.prescriptions:
            exercise_of[p.exercise_version_id] = p.exercise_id
            name_of[p.exercise_id] = names.get(p.exercise_version_id, "Exercise")
            prescription_of[p.id] = p
    volume: dict[int, _Totals] = {}
    for log in log_rows:
        if log.local_date < window_28 or log.status == LogStatus.SKIPPED:
            continue
        key = exercise_of.get(log.exercise_version_id, -log.exercise_version_id)
        totals = volume.get(key)
        if totals is None:
            totals = volume[key] = _Totals()
        totals.add(log, prescription_of.get(log.prescription_id))
    started = min((v.start_date for v in versions), default=None)
    newest_first = oldest_first[::-1]  # each (day, id) is one session's: no ties to keep
    return History(
        weeks=[[_cell(entry, paused, started) for entry in week]
               for week in rules.calendar_weeks(statuses)],
        adherence_7=figures[1],
        adherence_28=figures[2],
        streak=figures[0],
        chart_svg=chart,
        table=[PainTableRow(long_date(day), SCORE_TEXT[before], SCORE_TEXT[during],
                            SCORE_TEXT[after], SCORE_TEXT[next_morning])
               for day, before, after, next_morning, during in pain_table(points)],
        weekly=[(long_date(monday), f"{mean:.1f}")
                for monday, mean in weekly_averages(points, "after")],
        volume=sorted((v.shown(name_of.get(k) or names.get(-k, "Exercise"))
                       for k, v in volume.items()),
                      key=lambda v: v.name),
        sessions=newest_first,
        session_lines=[session_line(s) for s in newest_first[:SESSION_LINES]],
        first=first,
        last=today,
        calendar_span=_span(statuses[0][0], statuses[-1][0]) if statuses else "",
    )


def _band_label(baseline: int | None, band: tuple[int, int] | None) -> str:
    """The chart's words for the band of scores that are not yet a meaningful change."""
    if baseline is None or band is None:
        return ""
    margin = band[1] - baseline
    if margin == 0:
        return f"Usual pain {baseline}"
    return f"Usual pain {baseline}, give or take {margin}: not yet a meaningful change"


def effective(versions: Sequence[ProgrammeVersion], day: date) -> ProgrammeVersion | None:
    """The version in force on ``day``: the newest one that has started."""
    started = [v for v in versions if v.start_date <= day]
    return started[-1] if started else None


def decided(versions: Sequence[ProgrammeVersion], day: date) -> list[ProgrammeVersion]:
    """The versions up to the one progression decisions are about and change (the last of
    them): the newest, unless the physio saved it to start after ``day``. The versions left
    out are the physio's plan for later, which a decision must not change; the rules' own
    change starting tomorrow (after today's session) is kept, so that a second run or a
    review the same day builds on it."""
    for index in range(len(versions) - 1, -1, -1):
        version = versions[index]
        if not (version.source is VersionSource.PHYSIO and version.start_date > day):
            return list(versions[:index + 1])
    return []


def upcoming(versions: Sequence[ProgrammeVersion], day: date) -> ProgrammeVersion | None:
    """The next version to come into force after ``day``: of those that will be in force
    (one replaced before it begins never is), the one that starts soonest. Not simply the
    newest: with two scheduled ahead, the newest starts last."""
    later = [(start, version) for start, _end, version in _periods(versions) if start > day]
    return min(later, key=lambda found: found[0])[1] if later else None


def version_for_log(versions: Sequence[ProgrammeVersion], today: date,
                    prescription_ids: set[int]) -> ProgrammeVersion | None:
    """The version a log's exercises come from, if it was the one in force at some time since
    yesterday: it has started, and nothing replaced it before yesterday. A routine opened
    before the physio saved a change starting today (even one replaced again the same day),
    or before midnight, still logs against what it showed; anything older, not yet started,
    or another patient's is refused."""
    yesterday = today - timedelta(days=1)
    for version, until in zip(versions, replaced_from(versions), strict=True):
        if (version.start_date <= today and (until is None or until >= yesterday)
                and prescription_ids <= {p.id for p in version.prescriptions}):
            return version
    return None


def due_on(versions: Sequence[ProgrammeVersion], day: date,
           week: Sequence[rules.DayLog] = (), paused: Sequence[tuple[date, date]] = ()
           ) -> tuple[list, dict[int, tuple[int, int]]]:
    """The prescriptions to do on ``day``, in programme order, and, for those done on any
    days of a week, how many days of its week they were done and are asked for (by id).

    ``week``: what was done from the Monday of ``day``'s week (``day_logs``). An exercise on
    fixed weekdays is to do on them; one done on any N days of a week whenever its week is
    still short, and on the days it was done. A week that red flags ``paused`` in part asks
    for its share of N, as the calendar and adherence count it."""
    done = {log.day: log.done for log in week}
    started = {log.day: log.partial for log in week}
    plan = DayPlan(prescribed(versions, paused), done, started)
    keys = set(plan.due(day))
    progress = plan.week_progress(day)
    keys.update(key for key, (count, owed) in progress.items() if count < owed)
    return ([p for v in versions for p in v.prescriptions if str(p.id) in keys],
            {int(key): counts for key, counts in progress.items() if key in keys})


def exercise_names(versions: Sequence[ProgrammeVersion]) -> dict[int, str]:
    """Exercise names by library version id, as they were when prescribed."""
    return {p.exercise_version_id: p.exercise_version.data["name"]
            for v in versions for p in v.prescriptions}
