"""An exercise can be stopped because pain kept rising rep by rep: stop reason "pain-rising".

Reviewed: the check constraint on exercise_logs.stop_reason (ck_exercise_logs_stopreason) is
dropped and made again with one more allowed value, 'pain-rising' (clinical.md, "Stop this
exercise": pain during a set above 5 or rising rep by rep); the column stays VARCHAR(24) and no
row changes. SQLite copies the table to change the constraint (batch mode). The downgrade
turns 'pain-rising' into 'other' (the reason as the older app can show it) before it puts the
old constraint back.

Revision ID: 0012_pain_rising_stop
Revises: 0011_skipped_outcome
Create Date: 2026-11-27 06:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0012_pain_rising_stop"
down_revision = "0011_skipped_outcome"
branch_labels = None
depends_on = None

NAME = "ck_exercise_logs_stopreason"
OLD = ("stop_reason IN ('pain-over-5', 'sharp-or-giving-way', 'pins-and-needles', "
       "'spreading-leg-pain', 'other')")
NEW = ("stop_reason IN ('pain-over-5', 'pain-rising', 'sharp-or-giving-way', "
       "'pins-and-needles', 'spreading-leg-pain', 'other')")


def upgrade():
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(NEW))


def downgrade():
    op.execute("UPDATE exercise_logs SET stop_reason = 'other' "
               "WHERE stop_reason = 'pain-rising'")
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(OLD))
