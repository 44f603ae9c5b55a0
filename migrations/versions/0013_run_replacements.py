"""A run made again may replace more than one run: progression_run_replacements.

A log corrected after its next-morning check-in changes what both runs read (the log's and the
morning's): the rules decide again from where the first started, and neither counts any more.
One column on the run (``replaces_run_id``) could name only one of them.

Reviewed: a new table progression_run_replacements (replaced_run_id primary key, run_id, both
foreign keys to progression_runs.id, an index on run_id), filled with every run's
replaces_run_id; then that column, its unique constraint and its foreign key are dropped
(SQLite copies progression_runs in batch mode, about a second per few hundred thousand runs).
No run or decision changes. The downgrade puts the column back and sets it, for each run, to
the newest run it replaced: a run that replaced two loses the older one (whose decisions then
count again, as they did before this revision); then the table is dropped.

Revision ID: 0013_run_replacements
Revises: 0012_pain_rising_stop
Create Date: 2026-11-27 06:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0013_run_replacements"
down_revision = "0012_pain_rising_stop"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "progression_run_replacements",
        sa.Column("replaced_run_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaced_run_id"], ["progression_runs.id"],
            name=op.f("fk_progression_run_replacements_replaced_run_id_progression_runs")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["progression_runs.id"],
            name=op.f("fk_progression_run_replacements_run_id_progression_runs")),
        sa.PrimaryKeyConstraint("replaced_run_id", name=op.f("pk_progression_run_replacements")),
    )
    op.create_index(op.f("ix_progression_run_replacements_run_id"),
                    "progression_run_replacements", ["run_id"], unique=False)
    op.execute("INSERT INTO progression_run_replacements (replaced_run_id, run_id) "
               "SELECT replaces_run_id, id FROM progression_runs "
               "WHERE replaces_run_id IS NOT NULL")
    with op.batch_alter_table("progression_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_progression_runs_replaces_run_id_progression_runs"),
            type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_progression_runs_replaces_run_id"),
                                 type_="unique")
        batch_op.drop_column("replaces_run_id")


def downgrade():
    with op.batch_alter_table("progression_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_run_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_progression_runs_replaces_run_id"), ["replaces_run_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_progression_runs_replaces_run_id_progression_runs"),
            "progression_runs", ["replaces_run_id"], ["id"])
    op.execute("UPDATE progression_runs SET replaces_run_id = (SELECT max(replaced_run_id) "
               "FROM progression_run_replacements "
               "WHERE progression_run_replacements.run_id = progression_runs.id)")
    op.drop_index(op.f("ix_progression_run_replacements_run_id"),
                  table_name="progression_run_replacements")
    op.drop_table("progression_run_replacements")
