"""Library pages for physios and patients: search, exercise pages, demonstrations, templates."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import login_required

from ..models import LibraryExercise
from ..pages import id_urls
from . import present, queries
from .figure import render_demo_svg
from .forms import LibraryFilterForm
from .labels import FAMILY_LABELS
from .schema import Demo

bp = Blueprint("library", __name__, url_prefix="/library")

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # the figure's own CSS, no script


def _exercise_or_404(slug: str) -> LibraryExercise:
    row = queries.exercise_by_slug(slug)
    if row is None:
        abort(404)
    return row


@bp.get("/")
@login_required
def index():
    form = LibraryFilterForm(request.args)
    if not form.validate():
        return render_template("library/index.html", form=form, cards=[], total=None), 400
    rows = queries.search_exercises(form.criteria())
    cards = [present.card(row) for row in rows]
    slugs = [c.slug for c in cards]
    return render_template(
        "library/index.html", form=form, cards=cards, total=len(cards),
        urls={"page": id_urls("library.exercise", "slug", slugs),
              "thumb": id_urls("library.demo", "slug", slugs, frame=0)},
    )


@bp.get("/exercises/<slug>")
@login_required
def exercise(slug: str):
    row = _exercise_or_404(slug)
    ladder, rungs = queries.ladder_with_rungs(row.ladder_slug)
    position = next((i for i, r in enumerate(rungs) if r.slug == row.slug), None)
    easier = rungs[position - 1] if position else None
    harder = rungs[position + 1] if position is not None and position + 1 < len(rungs) else None
    return render_template(
        "library/exercise.html", exercise=present.detail(row), ladder=ladder,
        rungs=[present.card(r) for r in rungs], easier=easier, harder=harder,
    )


@lru_cache(maxsize=1024)
def _svg(content_hash: str, data_json: str, title: str, frame: int | None) -> str:
    demo = Demo.model_validate_json(data_json)
    return render_demo_svg(demo, title=title, animate=frame is None, frame=frame)


@bp.get("/exercises/<slug>/demo.svg")
@login_required
def demo(slug: str):
    row = _exercise_or_404(slug)
    poses = len(row.data["demo"]["poses"])
    frame = request.args.get("frame", type=int)
    if "frame" in request.args and (frame is None or not 0 <= frame < poses):
        abort(400, f"frame must be a whole number from 0 to {poses - 1}")
    svg = _svg(row.content_hash, json.dumps(row.data["demo"]), f"{row.name}: demonstration",
               frame)
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.set_etag(f"{row.content_hash}-{frame}")
    return response.make_conditional(request)


@bp.get("/gallery")
@login_required
def gallery():
    rows = queries.search_exercises({})
    return render_template("library/gallery.html", cards=[present.card(r) for r in rows])


@bp.get("/programmes")
@login_required
def programmes():
    return render_template("library/programmes.html", programmes=queries.programmes())


@bp.get("/programmes/<slug>")
@login_required
def programme(slug: str):
    row = queries.programme_by_slug(slug)
    if row is None:
        abort(404)
    slugs = {item["exercise"] for stage in row.data["stages"] for item in stage["exercises"]}
    exercises = queries.exercises_by_slugs(slugs)
    stages = []
    for stage in row.data["stages"]:
        items = []
        for item in stage["exercises"]:
            ex = exercises[item["exercise"]]
            overrides = {k: item.get(k) for k in
                         ("sets", "reps", "hold_seconds", "rest_seconds", "sessions_per_week")}
            items.append((present.card(ex), present.dose_text(
                ex.data["dose"], ex.data["sides"] == "each", ex.data.get("bout"),
                **overrides)))
        stages.append((stage, items))
    return render_template("library/programme.html", programme=row, stages=stages,
                           family_labels=FAMILY_LABELS)
