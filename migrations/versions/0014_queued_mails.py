"""Critical e-mails are queued with what they tell of, and tried again until they go.

A red flag's e-mail to the physio (or the clinic's admins) was sent once after the screen was
saved; a mail server that refused it or could not be reached lost it, with a line in the log.

Reviewed: a new table queued_mails (clinic_id a foreign key to clinics.id; to_address,
subject, body; created_at, next_attempt_at, sent_at; attempts, a count of failures;
last_error, 200 characters), with an index on (sent_at, next_attempt_at) for the sender's
"what is due" and one on (clinic_id, sent_at) for the admin page's "what is still waiting".
No existing table changes, so no data moves; mails lost before this revision stay lost. The
downgrade drops the table, and with it any e-mail still waiting.

Revision ID: 0014_queued_mails
Revises: 0013_run_replacements
Create Date: 2026-11-27 11:55:46

"""
from alembic import op
import sqlalchemy as sa


revision = "0014_queued_mails"
down_revision = "0013_run_replacements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "queued_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_queued_mails_clinic_id_clinics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_mails")),
    )
    op.create_index("ix_queued_mails_clinic", "queued_mails", ["clinic_id", "sent_at"],
                    unique=False)
    op.create_index("ix_queued_mails_waiting", "queued_mails", ["sent_at", "next_attempt_at"],
                    unique=False)


def downgrade():
    op.drop_index("ix_queued_mails_waiting", table_name="queued_mails")
    op.drop_index("ix_queued_mails_clinic", table_name="queued_mails")
    op.drop_table("queued_mails")
