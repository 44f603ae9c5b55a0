"""Two partial indexes on progression decisions, for the few that reads pick out of a
patient's history: the flare-ups every progression run and alert refresh reads back, and the
decisions waiting for the physio's approval. Without them each read walked the patient's whole
history of decisions (about 1,400 a year of daily logging).

Reviewed: two indexes are created; no table, column or row changes. Each holds, by patient
and id, only the decisions its reads want (``models.FLARE_DECISION`` and
``models.PENDING_DECISION`` state the same terms): step_down, pause_flare and resume, a few in
a thousand; and pending ones, none for most patients. Building them reads the table under a
lock that blocks writes to it meanwhile: about a second per few hundred thousand decisions.
The downgrade drops both.

Revision ID: 0009_decision_indexes
Revises: 0008_run_notes
Create Date: 2026-11-26 09:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0009_decision_indexes"
down_revision = "0008_run_notes"
branch_labels = None
depends_on = None

FLARE = sa.text("kind IN ('step_down', 'pause_flare', 'resume')")
PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_index("ix_progression_decisions_flare", "progression_decisions",
                    ["patient_id", "id"], unique=False,
                    sqlite_where=FLARE, postgresql_where=FLARE)
    op.create_index("ix_progression_decisions_pending", "progression_decisions",
                    ["patient_id", "id"], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    op.drop_index("ix_progression_decisions_pending", table_name="progression_decisions")
    op.drop_index("ix_progression_decisions_flare", table_name="progression_decisions")
