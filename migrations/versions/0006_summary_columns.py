"""The caseload's sort figures as plain columns of patient_summaries: the day the summary was
written, its 7- and 28-day adherence, and the open alerts by level.

Reviewed: six nullable or defaulted columns are added; nothing is dropped or renamed. The
upgrade fills them from each summary's JSON and from the alerts table, and adds a summary
(with empty days) for any patient who has open alerts but none yet, so the caseload never
loses an alert. The downgrade drops the columns; the JSON and the alerts still hold it all.

Revision ID: 0006_summary_columns
Revises: 0005_safety
Create Date: 2026-11-25 23:10:00

"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "0006_summary_columns"
down_revision = "0005_safety"
branch_labels = None
depends_on = None

LEVELS = ("critical", "high", "low")


def upgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("adherence_7", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("adherence_28", sa.Integer(), nullable=True))
        for level in LEVELS:
            batch_op.add_column(sa.Column(f"open_{level}", sa.Integer(), server_default="0",
                                          nullable=False))

    bind = op.get_bind()
    summaries = sa.table(
        "patient_summaries", sa.column("patient_id", sa.Integer), sa.column("days", sa.JSON),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("summary_on", sa.Date), sa.column("adherence_7", sa.Integer),
        sa.column("adherence_28", sa.Integer),
        *(sa.column(f"open_{level}", sa.Integer) for level in LEVELS),
    )
    alerts = sa.table("alerts", sa.column("patient_id", sa.Integer),
                      sa.column("level", sa.String), sa.column("status", sa.String))
    open_alerts = alerts.c.status != "resolved"

    # A summary for every patient with open alerts and none yet.
    missing = bind.execute(
        sa.select(alerts.c.patient_id).where(open_alerts).distinct()
        .where(alerts.c.patient_id.not_in(sa.select(summaries.c.patient_id)))
    ).scalars().all()
    now = datetime.now(timezone.utc)
    for patient_id in missing:
        bind.execute(summaries.insert().values(patient_id=patient_id, days={}, updated_at=now))

    rows = bind.execute(sa.select(summaries.c.patient_id, summaries.c.days)).all()
    for patient_id, days in rows:
        days = days or {}
        on = days.get("on")
        bind.execute(summaries.update().where(summaries.c.patient_id == patient_id).values(
            summary_on=date.fromisoformat(on) if on else None,
            adherence_7=days.get("a7"), adherence_28=days.get("a28")))

    for level in LEVELS:
        count = (sa.select(sa.func.count()).select_from(alerts)
                 .where(alerts.c.patient_id == summaries.c.patient_id, open_alerts,
                        alerts.c.level == level).scalar_subquery())
        bind.execute(summaries.update().values({f"open_{level}": count}))


def downgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        for level in reversed(LEVELS):
            batch_op.drop_column(f"open_{level}")
        batch_op.drop_column("adherence_28")
        batch_op.drop_column("adherence_7")
        batch_op.drop_column("summary_on")
