"""The caseload's per-patient summary row, written by the triage refresh and by every new
programme version (add and flush, never commit)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, select

from .domain import stages
from .extensions import db, read_rows
from .models import PatientSummary, ProgrammeVersion, now_utc


def summary_row(patient_id: int) -> PatientSummary:
    """The patient's summary, or a new empty one added to the session.

    Held for the session's life (one request): the session's identity map keeps unchanged rows
    only by weak reference, and a log's progression run and refresh each write the summary,
    which was read twice."""
    held: dict[int, PatientSummary] = db.session.info.setdefault("summaries", {})
    summary = held.get(patient_id)
    if summary is not None and summary in db.session:
        return summary
    summary = db.session.get(PatientSummary, patient_id)
    if summary is None:
        summary = PatientSummary(patient_id=patient_id, days={})
        db.session.add(summary)
    held[patient_id] = summary
    return summary


STAGE_ROWS = (  # built once: only the patient changes
    select(ProgrammeVersion.number, ProgrammeVersion.start_date, ProgrammeVersion.template_slug,
           ProgrammeVersion.template_stage)
    .where(ProgrammeVersion.patient_id == bindparam("patient_id"))
    .order_by(ProgrammeVersion.number)
)


def record_stages(patient_id: int) -> None:
    """Copy the patient's programme versions that can still be in force onto their summary,
    as the caseload names them (domain.stages). Run after every new version."""
    summary = summary_row(patient_id)
    summary.programme_stages = stages.kept(
        [stages.stage(*row) for row in read_rows(STAGE_ROWS, {"patient_id": patient_id})],
        now_utc().date() - timedelta(days=stages.MARGIN_DAYS))
    summary.updated_at = now_utc()
    db.session.flush()
