"""A handout longer than a page keeps each exercise whole on one page: its name, dose, steps,
cues and stop rules are never split by a page break (the PDF here; the printed page in
tests/browser/test_handout_print.py)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

from exercise_app.models import Side
from exercise_app.programmes.operations import PrescriptionValues
from tests.factories import assign

EXERCISES = 10  # about three A4 pages


def long_programme(loaded_library) -> tuple[list[PrescriptionValues], list[str]]:
    """The library's first ``EXERCISES`` exercises at their own doses, as programme rows,
    and their names, in order."""
    chosen = list(loaded_library.exercises.values())[:EXERCISES]
    rows = [PrescriptionValues(
        slug=e.id, sets=e.dose.sets, reps=e.dose.reps, hold_seconds=e.dose.hold_seconds,
        rest_seconds=e.dose.rest_seconds, side=Side(e.sides.value), tempo=None, load_note="",
        weekdays=127, sessions_per_week=None) for e in chosen]
    return rows, [e.name for e in chosen]


def split_exercises(pages: Sequence[str], names: Sequence[str]) -> list[str]:
    """The exercises whose block a page break cuts: its heading ("3. Clam") on one page and
    its stop rules ("Stop if:", the block's last part) on another, or a page that goes on
    with the end of a block begun on the page before. Every heading must be on some page.
    Text is compared as read (NFKC: Chromium's PDF writes "fl" as one letter)."""
    pages = [" ".join(unicodedata.normalize("NFKC", text).split()) for text in pages]
    headings = [f"{number}. {name}" for number, name in enumerate(names, start=1)]
    problems = []
    for number, heading in enumerate(headings):
        found = [n for n, text in enumerate(pages) if heading in text]
        assert found, f"{heading!r} is on no page"
        after = pages[found[0]].split(heading, 1)[1]
        following = headings[number + 1] if number + 1 < len(headings) else None
        if "Stop if:" not in (after.split(following, 1)[0] if following else after):
            problems.append(heading)
    for n, text in enumerate(pages[1:], start=2):
        starts = [text.index(h) for h in headings if h in text]
        if "Stop if:" in text[:min(starts, default=len(text))]:
            problems.append(f"page {n} begins with the end of an exercise")
    return problems


def test_the_pdf_keeps_each_exercise_on_one_page(app, client, auth, world, library):
    from pypdf import PdfReader

    rows, names = long_programme(library)
    assign(app, world.patient.id, world.physio.id, rows=rows)
    auth.login(world.patient)
    response = client.get("/programme/handout.pdf")
    assert response.status_code == 200
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]
    assert len(pages) >= 3
    assert split_exercises(pages, names) == []


def test_the_check_finds_an_exercise_cut_by_a_page_break():
    """The check itself: a block whose stop rules went over to the next page is found."""
    whole = ["1. Clam Lie on your side. Stop if: it pinches.", "2. Bird dog Kneel. Stop if: x."]
    assert split_exercises(whole, ["Clam", "Bird dog"]) == []
    cut = ["1. Clam Lie on your side.", "Stop if: it pinches. 2. Bird dog Kneel. Stop if: x."]
    assert split_exercises(cut, ["Clam", "Bird dog"]) == [
        "1. Clam", "page 2 begins with the end of an exercise"]
