from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercise_app.domain.pain_chart import (
    PLOT_LEFT,
    PLOT_RIGHT,
    PainPoint,
    PainRow,
    pain_table,
    render_pain_chart,
    short_date,
    weekly_averages,
)

SVG = "{http://www.w3.org/2000/svg}"
MONDAY = date(2025, 11, 3)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def chart(points, first=MONDAY, last=None, **kwargs) -> str:
    return render_pain_chart(
        points, first=first, last=last or first + timedelta(days=27), title="Pain", **kwargs
    )


def series_vertices(root: ET.Element, kind: str) -> list[tuple[float, float]]:
    """Every vertex of a series polyline carries one marker (marker-start, -mid and -end)."""
    vertices = []
    for line in root.iter(f"{SVG}polyline"):
        if line.get("data-series") == kind:
            marker = f"url(#pain-chart-{kind})"
            assert line.get("marker-start") == line.get("marker-mid") == marker
            assert line.get("marker-end") == marker
            for pair in line.get("points", "").split():
                x, y = pair.split(",")
                vertices.append((float(x), float(y)))
    return vertices


POINTS = [
    PainPoint(day(0), before=4, after=6, next_morning=3),
    PainPoint(day(1), before=5, after=None, next_morning=None),
    PainPoint(day(2), before=3, after=5, next_morning=2),
    PainPoint(day(7), before=None, after=2, next_morning=None),
    PainPoint(day(20), before=2, after=3, next_morning=1),  # 13 days later: a gap
]


def test_weekly_averages_on_a_hand_made_example():
    assert weekly_averages(POINTS, "after") == [(day(0), 5.5), (day(7), 2.0), (day(14), 3.0)]
    assert weekly_averages(POINTS, "before") == [(day(0), 4.0), (day(14), 2.0)]
    # a Sunday belongs to the week that began the Monday before
    sunday = [PainPoint(day(6), after=8), PainPoint(day(0), after=2)]
    assert weekly_averages(sunday, "after") == [(day(0), 5.0)]
    assert weekly_averages([], "next_morning") == []
    with pytest.raises(ValueError):
        weekly_averages(POINTS, "during")


def test_scores_must_be_0_to_10():
    with pytest.raises(ValueError):
        PainPoint(MONDAY, before=11)
    with pytest.raises(ValueError):
        PainPoint(MONDAY, after=-1)


def test_pain_table_is_newest_first_and_skips_empty_days():
    rows = pain_table([*POINTS, PainPoint(day(25))])
    assert [row.day for row in rows] == [day(20), day(7), day(2), day(1), day(0)]
    assert rows[-1] == PainRow(day(0), 4, 6, 3)
    assert rows[-2] == PainRow(day(1), 5, None, None)


def test_chart_is_accessible_svg():
    root = parse(chart(POINTS))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox")
    ids = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert ids == [title.get("id"), desc.get("id")]
    assert title.text == "Pain"
    assert desc.text and "0 (none) to 10 (worst)" in desc.text


def test_chart_uses_no_styles_or_scripts():
    svg = chart(POINTS, band=(2, 6))
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert not element.tag.endswith(("style", "script", "foreignObject"))
        assert not any(name.startswith("on") for name in element.attrib)
    assert "style" not in svg


def test_one_marker_per_value():
    root = parse(chart(POINTS))
    for kind in ("before", "after", "next_morning"):
        expected = sum(getattr(p, kind) is not None for p in POINTS)
        assert len(series_vertices(root, kind)) == expected


def test_series_differ_by_more_than_colour():
    root = parse(chart(POINTS))
    markers = {m.get("id"): [child.tag for child in m] for m in root.iter(f"{SVG}marker")}
    assert markers == {
        "pain-chart-before": [f"{SVG}circle"],
        "pain-chart-after": [f"{SVG}rect"],
        "pain-chart-next_morning": [f"{SVG}polygon"],
    }
    dashed = {
        line.get("data-series")
        for line in root.iter(f"{SVG}polyline")
        if line.get("stroke-dasharray")
    }
    assert dashed == {"next_morning"}


def test_values_more_than_a_week_apart_are_not_joined():
    root = parse(chart(POINTS))
    runs = [
        line for line in root.iter(f"{SVG}polyline") if line.get("data-series") == "before"
    ]
    assert len(runs) == 2  # days 0-2, then day 20


def test_gridlines_band_and_weekly_average():
    root = parse(chart(POINTS, band=(4, 8)))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    for value in ("0", "2", "4", "6", "8", "10"):
        assert value in labels
    assert "3 Nov" in labels and "10 Nov" in labels
    assert "Meaningful change" in labels
    band = root.find(f".//{SVG}rect[@class='band']")
    assert band is not None
    steps = [
        line for line in root.iter(f"{SVG}polyline") if line.get("data-series") == "weekly_after"
    ]
    assert len(steps) == 1  # three weeks in a row
    assert len(steps[0].get("points", "").split()) == 6  # two ends per week


def test_empty_chart_says_so():
    root = parse(chart([]))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "No pain scores yet" in texts
    assert not [line for line in root.iter(f"{SVG}polyline") if line.get("data-series")]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "No pain scores yet."


def test_scores_outside_the_dates_are_not_drawn():
    root = parse(chart(POINTS, first=day(40), last=day(60)))
    assert "No pain scores in these dates" in [t.text for t in root.iter(f"{SVG}text")]


def test_a_single_point():
    root = parse(chart([PainPoint(day(3), before=5, after=7)]))
    assert len(series_vertices(root, "before")) == 1
    assert len(series_vertices(root, "after")) == 1
    assert series_vertices(root, "next_morning") == []


def test_a_single_day_chart():
    root = parse(chart([PainPoint(MONDAY, after=4)], last=MONDAY))
    (x, _y), = series_vertices(root, "after")
    assert 0 < x < 440


def test_vertices_sit_at_their_day_and_score():
    """Each day's and each score's coordinate is worked out once for all the points (and kept
    for charts of as many days): charts of other spans, drawn in turn, still put every score
    at its day, one score's vertices at one height."""
    for span in (27, 13, 27, 90, 0):
        root = parse(chart(POINTS, first=day(1), last=day(1 + span)))
        width = PLOT_RIGHT - PLOT_LEFT
        expected = [PLOT_LEFT + n / span * width if span else (PLOT_LEFT + PLOT_RIGHT) / 2
                    for n in (0, 1, 6, 19) if n <= span]  # days 1, 2, 7 and 20 have scores
        drawn = series_vertices(root, "before") + series_vertices(root, "after")
        assert sorted({x for x, _y in drawn}) == pytest.approx(expected, abs=0.05)
        heights: dict[int, set[float]] = {}
        for kind in ("before", "after", "next_morning"):
            scores = [getattr(p, kind) for p in POINTS
                      if day(1) <= p.day <= day(1 + span) and getattr(p, kind) is not None]
            for score, (_x, y) in zip(scores, series_vertices(root, kind), strict=True):
                heights.setdefault(score, set()).add(y)
        assert all(len(ys) == 1 for ys in heights.values())
        by_score = [min(heights[score]) for score in sorted(heights)]
        assert by_score == sorted(by_score, reverse=True)  # the higher the score, the higher up


def test_weekly_steps_stop_at_the_first_and_last_day():
    """A week that began before the first day, or ends after the last, is drawn to the edge."""
    root = parse(chart(POINTS, first=day(2), last=day(20)))
    (step,) = [line for line in root.iter(f"{SVG}polyline")
               if line.get("data-series") == "weekly_after"]
    xs = [float(pair.split(",")[0]) for pair in step.get("points", "").split()]
    assert len(xs) == 6  # three weeks, two ends each
    assert xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT
    assert xs[1] == xs[2] and xs[3] == xs[4]  # a week ends where the next begins


def test_text_is_escaped():
    svg = chart(POINTS, band=(1, 3), band_label='<b>"&', id_prefix="p2")
    root = parse(svg)
    assert root.get("aria-labelledby") == "p2-title p2-desc"
    assert '<b>"&' in [t.text for t in root.iter(f"{SVG}text")]
    title_svg = render_pain_chart([], first=MONDAY, last=day(3), title="Tom & <Jerry>")
    title = parse(title_svg).find(f"{SVG}title")
    assert title is not None and title.text == "Tom & <Jerry>"


def test_bad_arguments():
    with pytest.raises(ValueError):
        chart(POINTS, first=day(3), last=day(2))
    with pytest.raises(ValueError):
        chart(POINTS, id_prefix='x" onload="alert(1)')
    with pytest.raises(ValueError):
        chart(POINTS, band=(6, 2))


def test_a_year_of_daily_scores_stays_small():
    first = date(2024, 11, 1)
    points = [
        PainPoint(first + timedelta(days=n), before=n % 11, after=(n * 7) % 11,
                  next_morning=(n * 3) % 11)
        for n in range(400)
    ]
    svg = render_pain_chart(points, first=first, last=first + timedelta(days=399),
                            title="A year", band=(2.5, 6.5))
    assert len(svg.encode()) < 60_000
    root = parse(svg)
    assert len(series_vertices(root, "after")) == 400
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Nov 2024" in labels  # monthly ticks once the span is long


def test_short_date():
    assert short_date(date(2025, 11, 3)) == "3 Nov"


# ---- every coordinate inside the viewBox ---------------------------------------------------

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def coordinates(root: ET.Element) -> list[tuple[float, float]]:
    """All drawn points in user space, following translate() on groups, skipping <marker>s."""
    found: list[tuple[float, float]] = []

    def walk(element: ET.Element, dx: float, dy: float) -> None:
        if element.tag in (f"{SVG}marker", f"{SVG}defs"):
            return
        transform = element.get("transform")
        if transform:
            tx, ty = (float(v) for v in NUMBER.findall(transform))
            dx, dy = dx + tx, dy + ty
        a = element.attrib
        for xs, ys in (("x", "y"), ("x1", "y1"), ("x2", "y2"), ("cx", "cy")):
            if xs in a and ys in a:
                found.append((float(a[xs]) + dx, float(a[ys]) + dy))
        if element.tag == f"{SVG}rect":
            found.append((float(a["x"]) + float(a["width"]) + dx,
                          float(a["y"]) + float(a["height"]) + dy))
        if "points" in a:
            for pair in a["points"].split():
                x, y = pair.split(",")
                found.append((float(x) + dx, float(y) + dy))
        for child in element:
            walk(child, dx, dy)

    walk(root, 0.0, 0.0)
    return found


scores = st.none() | st.integers(0, 10)


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 500), max_size=60),
    values=st.lists(st.tuples(scores, scores, scores), min_size=60, max_size=60),
    span=st.integers(0, 500),
    band=st.none() | st.tuples(st.floats(-3, 13), st.floats(0, 5)),
)
def test_any_scores_render_inside_the_view_box(offsets, values, span, band):
    points = [
        PainPoint(MONDAY + timedelta(days=n), *triple)
        for n, triple in zip(offsets, values, strict=False)
    ]
    svg = render_pain_chart(points, first=MONDAY, last=MONDAY + timedelta(days=span),
                            title="Pain", band=band and (band[0], band[0] + band[1]))
    root = parse(svg)
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "").split())
    for x, y in coordinates(root):
        assert 0 <= x <= width and 0 <= y <= height, (x, y)


def test_the_description_counts_days_not_sessions():
    """Two sessions on one day were described as scores "on 2 days"."""
    day = date(2026, 11, 26)
    svg = render_pain_chart([PainPoint(day, 3, 2), PainPoint(day, 4, 3)],
                            first=day - timedelta(days=6), last=day, title="Pain")
    assert "on 1 day." in svg and "on 2 days" not in svg
