"""What the caseload shows of each patient, on patient_summaries: their three most urgent open
alerts and the programme versions that can still be in force, so that the caseload page reads
no alert and no programme version.

Reviewed: two JSON columns are added with an empty list as default; nothing is dropped or
renamed. The upgrade fills them from the alerts and programme_versions tables, and adds a
summary (with empty days) for any patient who has a programme but no summary yet, so the
caseload never loses a programme. The downgrade drops the columns; the tables still hold it
all. The rules are copied here as they stand (migrations do not import the app):
domain.alerts.open_alert_digest and domain.stages.kept.

Revision ID: 0007_caseload_digest
Revises: 0006_summary_columns
Create Date: 2026-11-26 01:45:00

"""
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


revision = "0007_caseload_digest"
down_revision = "0006_summary_columns"
branch_labels = None
depends_on = None

RANKS = {"critical": 0, "high": 1, "low": 2}
SHOWN = 3
MARGIN_DAYS = 2  # stages are kept from two days back: time zones differ by less


def upgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_alerts", sa.JSON(), server_default="[]",
                                      nullable=False))
        batch_op.add_column(sa.Column("programme_stages", sa.JSON(), server_default="[]",
                                      nullable=False))

    bind = op.get_bind()
    summaries = sa.table(
        "patient_summaries", sa.column("patient_id", sa.Integer), sa.column("days", sa.JSON),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("open_alerts", sa.JSON), sa.column("programme_stages", sa.JSON),
    )
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("patient_id", sa.Integer),
                      sa.column("level", sa.String), sa.column("reason", sa.Text),
                      sa.column("status", sa.String))
    versions = sa.table(
        "programme_versions", sa.column("patient_id", sa.Integer),
        sa.column("number", sa.Integer), sa.column("start_date", sa.Date),
        sa.column("template_slug", sa.String), sa.column("template_stage", sa.Integer),
    )

    # A summary for every patient with a programme and none yet.
    missing = bind.execute(
        sa.select(versions.c.patient_id).distinct()
        .where(versions.c.patient_id.not_in(sa.select(summaries.c.patient_id)))
    ).scalars().all()
    now = datetime.now(timezone.utc)
    for patient_id in missing:
        bind.execute(summaries.insert().values(patient_id=patient_id, days={}, updated_at=now))

    open_by_patient = defaultdict(list)
    for id_, patient_id, level, reason in bind.execute(
            sa.select(alerts.c.id, alerts.c.patient_id, alerts.c.level, alerts.c.reason)
            .where(alerts.c.status != "resolved")):
        open_by_patient[patient_id].append((RANKS[level], -id_, [id_, level, reason]))
    stages_by_patient = defaultdict(list)
    for patient_id, number, start_date, slug, stage in bind.execute(
            sa.select(versions.c.patient_id, versions.c.number, versions.c.start_date,
                      versions.c.template_slug, versions.c.template_stage)
            .order_by(versions.c.patient_id, versions.c.number)):
        stages_by_patient[patient_id].append([number, start_date.isoformat(), slug, stage])

    since = (now.date() - timedelta(days=MARGIN_DAYS)).isoformat()
    for patient_id in set(open_by_patient) | set(stages_by_patient):
        shown = [entry for _rank, _id, entry in sorted(open_by_patient[patient_id])[:SHOWN]]
        stages = stages_by_patient[patient_id]
        first = max((i for i, each in enumerate(stages) if each[1] <= since), default=0)
        bind.execute(summaries.update().where(summaries.c.patient_id == patient_id).values(
            open_alerts=shown, programme_stages=stages[first:]))


def downgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        batch_op.drop_column("programme_stages")
        batch_op.drop_column("open_alerts")
