"""Pain scores over time: weekly averages, an accessible inline SVG chart and its table.

The chart is a fragment for a page whose Content-Security-Policy forbids inline styles, so it
uses presentation attributes only (no ``style`` attribute, no ``<style>``, no script). Series
differ by colour *and* by marker shape and dash pattern, so colour is never the only cue. The
table from ``pain_table`` is the text alternative; put it next to the chart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple
from xml.sax.saxutils import escape

KINDS = ("before", "after", "next_morning")
KIND_LABELS = {"before": "Before", "after": "After", "next_morning": "Next morning"}
PAIN_MIN = 0  # the 0-10 numeric rating scale (NRS): 0 = no pain, 10 = worst imaginable
PAIN_MAX = 10
GRID_STEP = 2  # gridlines at 0, 2, 4, 6, 8, 10

# Canvas in viewBox units. Narrow on purpose: the SVG scales to its container, and in a card
# on a 390 px phone (about 310 px wide) the 16-unit text still renders at 11 px (14 units drew
# it at under 10). Pages can cap the width with CSS on the "pain-chart" class (the
# stylesheet, not an inline style).
WIDTH = 440
HEIGHT = 300
FONT_SIZE = 16
PLOT_LEFT = 30  # room for the 0-10 labels
PLOT_RIGHT = WIDTH - 18  # room for half a date label
PLOT_BOTTOM = HEIGHT - 30  # room for the date labels
LEGEND_TOP = 4
LEGEND_ROW = 26
LEGEND_SWATCH = 24
LEGEND_GAP = 14
CHAR_WIDTH = 0.56  # average glyph width of a sans-serif face, in ems, for laying out the legend

MAX_DATE_TICKS = 7  # about 55 units per label at 440 wide: "30 Nov" needs roughly 47
LABEL_GAP = 6  # date labels closer than this are dropped (their tick stays)
DENSE_DAYS = 92  # beyond about three months the weekly trend is drawn over the daily lines
MAX_JOIN_DAYS = 7  # values further apart than a week are not joined: the gap is information
MARKER_SIZE = 7.0  # markers shrink for dense data so a year of daily scores stays legible
MIN_MARKER_SIZE = 3.0
LINE_WIDTH = 1.6
AVERAGE_LINE_WIDTH = 4.0

# Okabe & Ito (2008) colour-blind-safe palette; each series also has its own marker shape.
COLOURS = {"before": "#0072B2", "after": "#D55E00", "next_morning": "#009E73"}
AVERAGE_COLOUR = "#7A2E00"  # a darker shade of "after", whose weekly average it draws
DASHES = {"before": None, "after": None, "next_morning": "5 3"}
BAND_COLOUR = "#E8E4F3"
GRID_COLOUR = "#D9D9D9"
AXIS_COLOUR = "#767676"  # the lightest grey with 4.5:1 contrast on white (WCAG AA)
TEXT_COLOUR = "#333333"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class PainPoint:
    """Pain scores (0-10) recorded for one day: before and after exercise, and next morning;
    and the worst during, which the table lists and the chart does not draw."""

    day: date
    before: int | None = None
    after: int | None = None
    next_morning: int | None = None
    during: int | None = None

    def __post_init__(self) -> None:
        for kind in (*KINDS, "during"):
            value = getattr(self, kind)
            if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
                raise ValueError(f"{kind} pain must be {PAIN_MIN} to {PAIN_MAX}, not {value}")

    def value(self, kind: str) -> int | None:
        """The score of one kind: "before", "after" or "next_morning"."""
        _check_kind(kind)
        value: int | None = getattr(self, kind)
        return value


class PainRow(NamedTuple):
    """One row of the table that accompanies the chart (a named tuple: a page makes one for
    every day of 13 weeks, in a fraction of a frozen dataclass's time)."""

    day: date
    before: int | None
    after: int | None
    next_morning: int | None
    during: int | None = None  # the worst during


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def short_date(day: date) -> str:
    """Format a date the short way the chart does, e.g. '3 Nov'."""
    return f"{day.day} {MONTHS[day.month - 1]}"


@lru_cache(maxsize=1024)  # a date's text never changes; a history page prints the same 13 weeks
def long_date(day: date) -> str:
    """Format a date as the table does, e.g. '3 Nov 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def weekly_averages(points: Sequence[PainPoint], kind: str) -> list[tuple[date, float]]:
    """Average one kind of score per Monday-start week; weeks without a score are left out."""
    _check_kind(kind)
    weeks: dict[int, list[int]] = {}  # the Monday's ordinal: [total, count]
    for point in points:
        value = getattr(point, kind)
        if value is not None:
            day = point.day
            monday = day.toordinal() - day.weekday()
            week = weeks.get(monday)
            if week is None:
                weeks[monday] = [value, 1]
            else:
                week[0] += value
                week[1] += 1
    return [(date.fromordinal(monday), total / count)
            for monday, (total, count) in sorted(weeks.items())]


_DAY = attrgetter("day")


def pain_table(points: Sequence[PainPoint]) -> list[PainRow]:
    """List the scores as table rows, newest first, leaving out days with no score at all."""
    return [
        PainRow(p.day, p.before, p.after, p.next_morning, p.during)
        for p in sorted(points, key=_DAY, reverse=True)
        if p.before is not None or p.after is not None or p.next_morning is not None
        or p.during is not None
    ]


# ---- drawing ---------------------------------------------------------------------------------


def _num(value: float) -> str:
    """Round a coordinate to one decimal, without trailing zeros: keeps a year under 60 KB."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits and how dates and scores map onto it."""

    first: date
    last: date
    top: float

    def x(self, day: date) -> float:
        return _x((day - self.first).days, (self.last - self.first).days)

    def y(self, value: float) -> float:
        return _y(value, self.top)


def _x(offset: int, span: int) -> float:
    """Where the day ``offset`` days after the first of ``span`` + 1 days sits."""
    if span == 0:
        return (PLOT_LEFT + PLOT_RIGHT) / 2
    return PLOT_LEFT + offset / span * (PLOT_RIGHT - PLOT_LEFT)


def _y(value: float, top: float) -> float:
    """Where a score sits, the plot starting at ``top``."""
    share = (value - PAIN_MIN) / (PAIN_MAX - PAIN_MIN)
    return PLOT_BOTTOM - share * (PLOT_BOTTOM - top)


# Coordinates as text, made once: formatting them point by point took most of a chart's time.
@lru_cache(maxsize=8)  # the same for every chart of as many days
def _x_texts(span: int) -> tuple[str, ...]:
    """Each day's x coordinate, by its offset from the first day."""
    return tuple(_num(_x(offset, span)) for offset in range(span + 1))


@lru_cache(maxsize=8)  # the same for every chart of the same legend
def _y_texts(top: float) -> dict[int, str]:
    """Each score's y coordinate."""
    return {value: _num(_y(value, top)) for value in range(PAIN_MIN, PAIN_MAX + 1)}


def _date_ticks(first: date, last: date) -> list[tuple[date, str]]:
    """Choose labelled date ticks: daily, weekly, fortnightly, then monthly steps, as fits."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    mondays = [d for d in days if d.weekday() == 0]
    month_starts = [d for d in days if d.day == 1]
    candidates: list[tuple[list[date], Callable[[date, bool], str]]] = [
        (days, _day_label),
        (mondays, _day_label),
        (mondays[::2], _day_label),
        (month_starts, _month_label),
        (month_starts[::2], _month_label),
        (month_starts[::3], _month_label),
        (month_starts[::6], _month_label),
        ([d for d in month_starts if d.month == 1], _month_label),
    ]
    for ticks, label in candidates:
        if len(ticks) <= MAX_DATE_TICKS:
            return [(day, label(day, n == 0)) for n, day in enumerate(ticks)]
    return []  # a span of over seven years: the chart is not meant for that


def _day_label(day: date, _first_tick: bool) -> str:
    return short_date(day)


def _month_label(day: date, first_tick: bool) -> str:
    """'Nov', with the year on the first tick and on every January: 'Jan 2026'."""
    month = MONTHS[day.month - 1]
    return f"{month} {day.year}" if first_tick or day.month == 1 else month


def _marker_shape(kind: str, size: float) -> str:
    half = size / 2
    colour = COLOURS[kind]
    # a white outline separates overlapping markers; thin, so small markers keep their colour
    outline = f'fill="{colour}" stroke="#ffffff" stroke-width="{_num(size / 8)}"'
    if kind == "before":
        return f'<circle cx="0" cy="0" r="{_num(half)}" {outline}/>'
    if kind == "after":
        side = size * 0.9  # a square looks bigger than a circle of the same width
        return (
            f'<rect x="{_num(-side / 2)}" y="{_num(-side / 2)}" width="{_num(side)}" '
            f'height="{_num(side)}" {outline}/>'
        )
    tip = half * 1.2  # an equilateral-looking triangle centred on the value
    return (
        f'<polygon points="0,{_num(-tip)} {_num(tip)},{_num(tip * 0.8)} '
        f'{_num(-tip)},{_num(tip * 0.8)}" {outline}/>'
    )


@lru_cache(maxsize=64)  # the same for every chart of the same dates and options
def _markers(prefix: str, size: float) -> str:
    """One <marker> per series, drawn at every vertex (each vertex is one score)."""
    box = size * 1.6 + 2
    parts = [
        f'<marker id="{prefix}-{kind}" viewBox="{_num(-box / 2)} {_num(-box / 2)} {_num(box)} '
        f'{_num(box)}" markerWidth="{_num(box)}" markerHeight="{_num(box)}" '
        f'markerUnits="userSpaceOnUse" overflow="visible">{_marker_shape(kind, size)}</marker>'
        for kind in KINDS
    ]
    return "<defs>" + "".join(parts) + "</defs>"


def _series(prefix: str, kind: str, points: Sequence[PainPoint], offsets: Sequence[int],
            xs: Sequence[str], ys: Mapping[int, str]) -> str:
    """One kind of score as lines through its points, split where consecutive scores are more
    than a week apart. ``offsets`` holds each point's day as days after the first; ``xs`` and
    ``ys`` each day's and each score's coordinate as text."""
    runs: list[list[str]] = []
    run: list[str] = []
    previous = 0
    for point, offset in zip(points, offsets, strict=True):
        value = getattr(point, kind)
        if value is None:
            continue
        if not run or offset - previous > MAX_JOIN_DAYS:
            run = []
            runs.append(run)
        run.append(f"{xs[offset]},{ys[value]}")
        previous = offset
    dash = DASHES[kind]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    marker = f"url(#{prefix}-{kind})"
    start = f'<polyline data-series="{kind}" points="'
    end = (f'" fill="none" stroke="{COLOURS[kind]}" stroke-width="{LINE_WIDTH}"{dash_attr} '
           f'stroke-linejoin="round" marker-start="{marker}" marker-mid="{marker}" '
           f'marker-end="{marker}"/>')
    return "".join(start + " ".join(run) + end for run in runs)


def _weekly_steps(frame: _Frame, points: Sequence[PainPoint], xs: Sequence[str]) -> str:
    """The weekly average of "after" as a thick step line; missing weeks break it. ``xs``
    holds each day's x coordinate as text, by its offset from the first day."""
    last = len(xs) - 1
    steps: list[list[str]] = []
    previous: date | None = None
    for monday, mean in weekly_averages(points, "after"):
        offset = (monday - frame.first).days
        y = _num(frame.y(mean))
        if previous is None or (monday - previous).days > 7:
            steps.append([])
        steps[-1] += [f"{xs[max(offset, 0)]},{y}", f"{xs[min(offset + 7, last)]},{y}"]
        previous = monday
    return "".join(
        f'<polyline data-series="weekly_after" points="{" ".join(step)}" fill="none" '
        f'stroke="{AVERAGE_COLOUR}" stroke-width="{AVERAGE_LINE_WIDTH}" stroke-opacity="0.75" '
        f'stroke-linejoin="round"/>'
        for step in steps
    )


def _text_width(text: str) -> float:
    return len(text) * FONT_SIZE * CHAR_WIDTH


@lru_cache(maxsize=64)  # the same for every chart of the same dates and options
def _legend(band: bool, band_label: str) -> tuple[str, float]:
    """Lay the legend out in rows across the top; return it and the height it takes."""
    y_mid = FONT_SIZE * 0.35
    swatches: list[tuple[str, str]] = []
    for kind in KINDS:
        dash = f' stroke-dasharray="{DASHES[kind]}"' if DASHES[kind] else ""
        swatches.append((
            KIND_LABELS[kind],
            f'<line x1="0" y1="0" x2="{LEGEND_SWATCH}" y2="0" stroke="{COLOURS[kind]}" '
            f'stroke-width="{LINE_WIDTH}"{dash}/>'
            f'<g transform="translate({LEGEND_SWATCH // 2},0)">'
            f"{_marker_shape(kind, MARKER_SIZE)}</g>",
        ))
    swatches.append((
        "Weekly average (after)",
        f'<line x1="0" y1="0" x2="{LEGEND_SWATCH}" y2="0" stroke="{AVERAGE_COLOUR}" '
        f'stroke-width="{AVERAGE_LINE_WIDTH}" stroke-opacity="0.75"/>',
    ))
    if band:
        swatches.append((
            band_label,
            f'<rect x="0" y="-6" width="{LEGEND_SWATCH}" height="12" fill="{BAND_COLOUR}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>',
        ))
    parts: list[str] = []
    x, row = 0.0, 0
    for label, swatch in swatches:
        width = LEGEND_SWATCH + 5 + _text_width(label)
        if x > 0 and x + width > WIDTH:
            x, row = 0.0, row + 1
        y = LEGEND_TOP + LEGEND_ROW * row + LEGEND_ROW / 2
        parts.append(
            f'<g transform="translate({_num(x)},{_num(y)})">{swatch}'
            f'<text x="{LEGEND_SWATCH + 5}" y="{_num(y_mid)}" font-size="{FONT_SIZE}" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text></g>'
        )
        x += width + LEGEND_GAP
    return '<g class="legend">' + "".join(parts) + "</g>", LEGEND_TOP + LEGEND_ROW * (row + 1)


@lru_cache(maxsize=64)  # the same for every chart of the same dates and options
def _axes(frame: _Frame) -> str:
    parts: list[str] = []
    for value in range(PAIN_MIN, PAIN_MAX + 1, GRID_STEP):
        y = _num(frame.y(value))
        colour = AXIS_COLOUR if value == PAIN_MIN else GRID_COLOUR
        parts.append(
            f'<line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}" stroke="{colour}" '
            f'stroke-width="1"/>'
            f'<text x="{PLOT_LEFT - 6}" y="{_num(frame.y(value) + FONT_SIZE * 0.35)}" '
            f'text-anchor="end" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">{value}</text>'
        )
    label_end = -float(LABEL_GAP)
    for day, label in _date_ticks(frame.first, frame.last):
        x = frame.x(day)
        parts.append(
            f'<line x1="{_num(x)}" y1="{PLOT_BOTTOM}" x2="{_num(x)}" y2="{PLOT_BOTTOM + 5}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        # Centre the label on its tick, nudged inside the canvas; skip it if it would overlap.
        half = _text_width(label) / 2
        centre = min(max(x, half), WIDTH - half)
        if centre - half < label_end + LABEL_GAP:
            continue
        label_end = centre + half
        parts.append(
            f'<text x="{_num(centre)}" y="{PLOT_BOTTOM + 5 + FONT_SIZE}" text-anchor="middle" '
            f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    return '<g class="axes">' + "".join(parts) + "</g>"


def _describe(points: Sequence[PainPoint], first: date, last: date, band: str) -> str:
    span = f"from {long_date(first)} to {long_date(last)}"
    if not points:
        return f"No pain scores {span}."
    latest = points[-1]
    latest_parts = [
        f"{KIND_LABELS[kind].lower()} {value}"
        for kind in KINDS
        if (value := latest.value(kind)) is not None
    ]
    count = len({point.day for point in points})  # two sessions on a day are one day
    days = "1 day" if count == 1 else f"{count} days"
    return (
        f"Pain scores from 0 (none) to 10 (worst) {span}, on {days}. "
        f"Latest, on {short_date(latest.day)}: {', '.join(latest_parts)}.{band}"
    )


def render_pain_chart(
    points: Sequence[PainPoint],
    *,
    first: date,
    last: date,
    title: str,
    band: tuple[float, float] | None = None,
    band_label: str = "Meaningful change",
    id_prefix: str = "pain-chart",
) -> str:
    """Draw pain scores from `first` to `last` as a self-contained, accessible inline SVG.

    `band` shades a range of scores (e.g. baseline plus or minus 2). `id_prefix` keeps ids
    unique when a page shows more than one chart.
    """
    if last < first:
        raise ValueError("the chart's last day is before its first")
    if not ID_PATTERN.fullmatch(id_prefix):
        raise ValueError(f"id prefix must be a plain identifier, not {id_prefix!r}")
    if band is not None and band[0] > band[1]:
        raise ValueError("a band's low end must not be above its high end")
    shown = sorted(
        [
            p
            for p in points
            if first <= p.day <= last
            and (p.before is not None or p.after is not None or p.next_morning is not None)
        ],
        key=_DAY,
    )
    legend, legend_height = _legend(band is not None, band_label)
    frame = _Frame(first=first, last=last, top=legend_height + FONT_SIZE + 16)
    marker_size = MARKER_SIZE
    span = (last - first).days
    if span:
        per_day = (PLOT_RIGHT - PLOT_LEFT) / span
        marker_size = max(MIN_MARKER_SIZE, min(MARKER_SIZE, per_day * 0.9))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="pain-chart" '
        f'font-family="{_attr(FONT_FAMILY)}" font-size="{FONT_SIZE}">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
    ]
    band_text = ""
    band_svg = ""
    if band is not None:
        low = min(max(band[0], PAIN_MIN), PAIN_MAX)
        high = min(max(band[1], PAIN_MIN), PAIN_MAX)
        band_text = f" Shaded band: {band_label.lower()}, {_num(low)} to {_num(high)}."
        band_svg = (
            f'<rect class="band" x="{PLOT_LEFT}" y="{_num(frame.y(high))}" '
            f'width="{PLOT_RIGHT - PLOT_LEFT}" height="{_num(frame.y(low) - frame.y(high))}" '
            f'fill="{BAND_COLOUR}"/>'
        )
    description = _describe(shown, first, last, band_text)
    if not points:
        description = "No pain scores yet."
    parts.append(f'<desc id="{id_prefix}-desc">{escape(description)}</desc>')
    parts.append(_markers(id_prefix, marker_size))
    parts.append(band_svg)
    parts.append(_axes(frame))
    parts.append(
        f'<text x="0" y="{_num(frame.top - 13)}" font-size="{FONT_SIZE}" '
        f'fill="{TEXT_COLOUR}">Pain (0 = none, 10 = worst)</text>'
    )
    if shown:
        xs = _x_texts(span)
        ys = _y_texts(frame.top)
        offsets = [(p.day - first).days for p in shown]
        trend = _weekly_steps(frame, shown, xs)
        dense = span > DENSE_DAYS
        parts.append("" if dense else trend)
        parts.extend(_series(id_prefix, kind, shown, offsets, xs, ys) for kind in KINDS)
        parts.append(trend if dense else "")
        parts.append(legend)
    else:
        message = "No pain scores yet" if not points else "No pain scores in these dates"
        parts.append(
            f'<text x="{_num((PLOT_LEFT + PLOT_RIGHT) / 2)}" '
            f'y="{_num((frame.top + PLOT_BOTTOM) / 2)}" text-anchor="middle" '
            f'fill="{TEXT_COLOUR}">{message}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
