"""A physio's note sent twice from one form (a double click, a retry) is stored once.

Reviewed: patient_messages gets client_id (36 characters, NULL for the notes saved before,
which stay as they are) and a unique constraint on (patient_id, client_id); NULLs never
clash, on SQLite or PostgreSQL. SQLite copies the table in batch mode, keeping its check
constraint (text_not_empty) and its index (ix_patient_messages_patient). The downgrade drops
both again: notes sent since keep their text, and lose only the id of their form.

Revision ID: 0015_message_client_id
Revises: 0014_queued_mails
Create Date: 2026-11-27 12:31:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0015_message_client_id"
down_revision = "0014_queued_mails"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patient_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_patient_messages_patient_id"),
                                          ["patient_id", "client_id"])


def downgrade():
    with op.batch_alter_table("patient_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_patient_messages_patient_id"), type_="unique")
        batch_op.drop_column("client_id")
