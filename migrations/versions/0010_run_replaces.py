"""Which progression run a run was made instead of: progression_runs.replaces_run_id.

When a patient changes the morning check-in they gave (a tap on 8 meant as 1) or corrects a
log, the rules run again from where the run of the old answer started, so that a step-down
the old answer caused is undone; the old run's decisions stay stored, and this column says
they no longer count (step-downs and flare-ups read back, decisions waiting for approval).

Reviewed: one nullable integer column, a foreign key to progression_runs.id and a unique
constraint on it (one run replaces another at most once; its index serves the "is this run
replaced" lookups). Every existing run gets NULL: none was replaced, as before. Nothing is
dropped or renamed. SQLite copies the table to add the constraints (batch mode), about a
second per few hundred thousand runs. The downgrade drops the column, its key and constraint;
the runs and their decisions stay.

Revision ID: 0010_run_replaces
Revises: 0009_decision_indexes
Create Date: 2026-11-27 00:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0010_run_replaces"
down_revision = "0009_decision_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("progression_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_run_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_progression_runs_replaces_run_id"), ["replaces_run_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_progression_runs_replaces_run_id_progression_runs"),
            "progression_runs", ["replaces_run_id"], ["id"])


def downgrade():
    with op.batch_alter_table("progression_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_progression_runs_replaces_run_id_progression_runs"),
            type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_progression_runs_replaces_run_id"),
                                 type_="unique")
        batch_op.drop_column("replaces_run_id")
