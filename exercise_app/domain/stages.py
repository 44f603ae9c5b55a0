"""Which programme version is in force on a day, from the short list the caseload keeps.

A stage is one programme version as the caseload names it: ``[number, start date (ISO),
template slug or None, template stage or None]``, kept oldest (lowest number) first. The
version in force on a day is the newest that has started by then (``patient.history.effective``
on whole versions); before any has started, the caseload names the newest one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

Stage = Sequence[Any]  # [number, "YYYY-MM-DD", template slug | None, template stage | None]
# The caseload keeps the stages that can be in force from this many days before the server's
# date on: the physio's day and the patient's differ from it by less.
MARGIN_DAYS = 2


def stage(number: int, start_date: date, template_slug: str | None,
          template_stage: int | None) -> list[Any]:
    """One version as a stage (a list, as JSON stores it)."""
    return [number, start_date.isoformat(), template_slug, template_stage]


def in_force(stages: Sequence[Stage], day: date) -> Stage | None:
    """The stage in force on ``day``; the newest if none has started; None without any."""
    text = day.isoformat()  # ISO dates sort as the days do
    found = None
    for each in stages:
        if each[1] <= text:
            found = each
    if found is None and stages:
        return stages[-1]
    return found


def kept(stages: Sequence[Stage], since: date) -> list[Stage]:
    """The stages that can still be in force on ``since`` or any later day: the newest that
    has started by then and all after it (every one when none has started)."""
    text = since.isoformat()
    first = 0
    for index, each in enumerate(stages):
        if each[1] <= text:
            first = index
    return list(stages[first:])


def stage_text(found: Stage | None) -> str:
    """How the caseload names a stage."""
    if found is None:
        return "No programme"
    number, _start, template_slug, template_stage = found
    text = f"Version {number}"
    if template_slug:
        text += f", {template_slug.replace('-', ' ')} stage {template_stage}"
    return text
