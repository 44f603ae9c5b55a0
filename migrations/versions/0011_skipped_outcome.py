"""A session whose every exercise was skipped has its own outcome, "skipped", not "partial".

Reviewed: the check constraint on exercise_sessions.outcome (ck_exercise_sessions_sessionoutcome)
is dropped and made again with one more allowed value, 'skipped'; the column stays VARCHAR(12).
Sessions already stored as 'partial' whose logs are all skipped (and that have logs) become
'skipped', so that old and new logs read alike; no other row changes. SQLite copies the table
to change the constraint (batch mode), about a second per few hundred thousand sessions. The
downgrade turns 'skipped' back into 'partial' first, then puts the old constraint back.

Revision ID: 0011_skipped_outcome
Revises: 0010_run_replaces
Create Date: 2026-11-27 02:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0011_skipped_outcome"
down_revision = "0010_run_replaces"
branch_labels = None
depends_on = None

NAME = "ck_exercise_sessions_sessionoutcome"
OLD = "outcome IN ('completed', 'partial', 'stopped')"
NEW = "outcome IN ('completed', 'partial', 'stopped', 'skipped')"
ALL_SKIPPED = (
    "UPDATE exercise_sessions SET outcome = 'skipped' WHERE outcome = 'partial' "
    "AND EXISTS (SELECT 1 FROM exercise_logs WHERE exercise_logs.session_id = "
    "exercise_sessions.id) AND NOT EXISTS (SELECT 1 FROM exercise_logs WHERE "
    "exercise_logs.session_id = exercise_sessions.id AND exercise_logs.status <> 'skipped')"
)


def upgrade():
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(NEW))
    op.execute(ALL_SKIPPED)


def downgrade():
    op.execute("UPDATE exercise_sessions SET outcome = 'partial' WHERE outcome = 'skipped'")
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(OLD))
