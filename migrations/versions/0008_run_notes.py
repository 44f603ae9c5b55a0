"""The newest progression run's decisions, as Today tells the patient about them, on
patient_summaries: so that Today reads no decision.

Reviewed: one nullable JSON column is added; nothing is dropped or renamed, and no row is
written. NULL means "not recorded yet": Today then reads the decisions as before, and the next
refresh of the patient's summary records them (progression.present.note_facts). The downgrade
drops the column; the decisions and their reviews are still in their own tables.

Revision ID: 0008_run_notes
Revises: 0007_caseload_digest
Create Date: 2026-11-26 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0008_run_notes"
down_revision = "0007_caseload_digest"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_notes", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("patient_summaries", schema=None) as batch_op:
        batch_op.drop_column("run_notes")
