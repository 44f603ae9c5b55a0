"""The printable programme handout: the same content as an HTML page and as a PDF.

Each exercise has still frames of its demonstration, the dose, how often, the stop rules and
the physio's note, with a QR code that opens the patient's routine. Drawing is ReportLab's
(QR code, PDF layout) and svglib's (the figures' SVG turned into PDF drawings).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from flask import Response, make_response
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg

from .library.figure import render_demo_svg
from .library.schema import Demo

FRAME_WIDTH = 55 * mm


@dataclass(frozen=True)
class HandoutExercise:
    name: str
    dose: str
    rest: str
    frequency: str
    side: str
    load_note: str
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    stop_if: tuple[str, ...]
    frames: tuple[str, ...]  # still SVGs: the first and the last pose


@dataclass(frozen=True)
class Handout:
    patient: str
    physio: str
    clinic: str
    note: str
    dated: str  # "In force since 3 March 2025", or "Starts on Tuesday 4 March" when scheduled
    link: str
    exercises: tuple[HandoutExercise, ...]


@lru_cache(maxsize=512)
def _frames(demo_json: str, name: str) -> tuple[str, ...]:
    demo = Demo.model_validate_json(demo_json)
    last = len(demo.poses) - 1
    return tuple(render_demo_svg(demo, title=f"{name}: {'start' if i == 0 else 'end'}",
                                 animate=False, frame=i) for i in sorted({0, last}))


def exercise(item: Any, demo_json: str) -> HandoutExercise:
    """A routine item (``patient.routine.RoutineItem``) with its demonstration's still frames."""
    side = {"left": "Left side only", "right": "Right side only"}.get(item.side, "")
    return HandoutExercise(
        name=item.name, dose=item.dose, rest=item.rest, frequency=item.frequency, side=side,
        load_note=item.load_note, steps=item.steps, cues=item.cues, stop_if=item.stop_if,
        frames=_frames(demo_json, item.name),
    )


def to_print(versions: Sequence[Any], today: date) -> Any | None:
    """The version a handout printed ``today`` gives the patient: the programme they follow from
    now on. That is the one scheduled to start next when there is one (a physio who saves a
    new programme in the appointment, starting tomorrow because a session was logged today,
    prints the new one, not the one it replaces), else the one in force; None without any."""
    from .patient import history

    return history.upcoming(versions, today) or history.effective(versions, today)


def for_programme(version: Any, *, patient: str, physio: str, clinic: str, link: str,
                  today: date) -> Handout:
    """The handout of a saved programme version (``programmes.queries.ProgrammeView``),
    dated as it reads on ``today``: in force since its start, or starting on a later day."""
    from .patient import routine

    start = version.start_date
    dated = (f"Starts on {start:%A %-d %B}" if start > today
             else f"In force since {start:%-d %B %Y}")
    return Handout(
        patient=patient, physio=physio, clinic=clinic, note=version.note,
        dated=dated, link=link,
        exercises=tuple(exercise(routine.item(p), json.dumps(p.exercise_version.data["demo"]))
                        for p in version.prescriptions),
    )


def pdf_response(sheet: Handout) -> Response:
    """The handout as a PDF download."""
    response = make_response(render_pdf(sheet))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="exercise-programme.pdf"'
    return response


def qr_drawing(link: str, size: float = 32 * mm) -> Drawing:
    """A QR code of the link, as a ReportLab drawing."""
    widget = QrCodeWidget(link, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0,
                                              size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def qr_svg(link: str) -> str:
    """The QR code as inline SVG for the HTML handout: one path, presentation attributes only
    (the page's CSP allows no style attributes, which ReportLab's SVG output uses)."""
    widget = QrCodeWidget(link, barLevel="M")
    widget.qr.make()
    modules = widget.qr.modules
    size = len(modules) + 8  # a quiet zone of four modules each side
    cells = "".join(f"M{c + 4} {r + 4}h1v1h-1z" for r, row in enumerate(modules)
                    for c, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'role="img" aria-label="QR code: {escape(link)}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{cells}" fill="#000"/></svg>')


def _svg_drawing(svg: str, width: float) -> Drawing:
    drawing = svg2rlg(io.BytesIO(svg.encode()))
    scale = width / drawing.width
    drawing.width, drawing.height = width, drawing.height * scale
    drawing.scale(scale, scale)
    return drawing


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, alignment=0,
                                spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=8,
                             spaceAfter=3),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=11,
                                textColor=colors.HexColor("#4a5561")),
        "stop": ParagraphStyle("stop", parent=body, textColor=colors.HexColor("#8a1c13")),
    }


def _bullets(items: Sequence[str], style: ParagraphStyle) -> list[Paragraph]:
    return [Paragraph(f"&bull; {escape(text)}", style) for text in items]


def render_pdf(handout: Handout) -> bytes:
    """The handout as an A4 PDF."""
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title=f"Exercise programme for {handout.patient}",
                            author=handout.physio)
    intro = [
        Paragraph(f"Your exercise programme, {escape(handout.patient)}", s["title"]),
        Paragraph(f"From {escape(handout.physio)}, {escape(handout.clinic)}. "
                  f"{escape(handout.dated)}.", s["small"]),
    ]
    intro.append(Paragraph(
        f"Scan the code, or go to {escape(handout.link)}, to open today's routine in the "
        "app, with timers. Stop any exercise "
        "that gives sharp pain, pins and needles or pain spreading down your leg, and tell "
        "your physio. If you get new numbness between your legs, new trouble with your "
        "bladder or bowels, or weakness in both legs, call 999 now.", s["body"]))
    header = Table([[intro, qr_drawing(handout.link)]], colWidths=[None, 36 * mm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Any] = [header, Spacer(1, 4 * mm)]
    # The note flows below the header, not inside its table: a table cell cannot be split
    # across pages, and a note of the longest length allowed is taller than one.
    if handout.note:
        lines = [line for line in handout.note.splitlines() if line.strip()]
        story += [Paragraph(("<b>Note from your physio:</b> " if n == 0 else "") + escape(line),
                            s["body"]) for n, line in enumerate(lines)]
        story.append(Spacer(1, 4 * mm))
    for number, item in enumerate(handout.exercises, start=1):
        facts = [item.dose + (f", {item.side.lower()}" if item.side else ""), item.rest,
                 item.frequency]
        if item.load_note:
            facts.append(item.load_note)
        sentence = ". ".join(f[:1].upper() + f[1:] for f in facts if f)
        text: list[Any] = [
            Paragraph(f"{number}. {escape(item.name)}", s["h2"]),
            Paragraph(escape(sentence) + ".", s["body"]),
            *_bullets(item.steps, s["body"]),
            Paragraph("<b>Think about:</b> " + escape(" ".join(item.cues)), s["small"]),
            Paragraph("<b>Stop if:</b> " + escape(" ".join(item.stop_if)), s["stop"]),
        ]
        frames = [_svg_drawing(svg, FRAME_WIDTH) for svg in item.frames]
        block = Table([[text, frames]], colWidths=[None, FRAME_WIDTH + 4 * mm])
        block.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.HexColor("#c9d1d9")),
        ]))
        story.append(KeepTogether(block))
    doc.build(story)
    return buffer.getvalue()
