"""Programmes and sessions: patient precautions, programme versions, prescriptions,
sessions with pain scores, and per-exercise logs.

Reviewed: new tables only. Pain and effort are CHECKed 0-10; (patient, client_id) is unique so a
retried log is stored once; prescriptions and logs point at library exercise versions so
history shows what was done.

Revision ID: 0003_programmes
Revises: 0002_library
Create Date: 2026-11-25 15:57:58.169783

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003_programmes"
down_revision = "0002_library"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('patient_precautions',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('precaution', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_patient_precautions_patient_id_users')),
    sa.PrimaryKeyConstraint('patient_id', 'precaution', name=op.f('pk_patient_precautions'))
    )
    op.create_table('programme_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('template_slug', sa.String(length=80), nullable=True),
    sa.Column('template_stage', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programme_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_programme_versions_patient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_versions')),
    sa.UniqueConstraint('patient_id', 'number', name=op.f('uq_programme_versions_patient_id'))
    )
    with op.batch_alter_table('programme_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_versions_patient_id'), ['patient_id'], unique=False)

    op.create_table('exercise_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('programme_version_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pain_before', sa.Integer(), nullable=False),
    sa.Column('pain_during', sa.Integer(), nullable=False),
    sa.Column('pain_after', sa.Integer(), nullable=False),
    sa.Column('effort', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('completed', 'partial', 'stopped', name='sessionoutcome', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('next_morning_pain', sa.Integer(), nullable=True),
    sa.Column('next_morning_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('effort BETWEEN 0 AND 10', name=op.f('ck_exercise_sessions_effort_range')),
    sa.CheckConstraint('next_morning_pain IS NULL OR next_morning_pain BETWEEN 0 AND 10', name=op.f('ck_exercise_sessions_next_morning_pain_range')),
    sa.CheckConstraint('pain_after BETWEEN 0 AND 10', name=op.f('ck_exercise_sessions_pain_after_range')),
    sa.CheckConstraint('pain_before BETWEEN 0 AND 10', name=op.f('ck_exercise_sessions_pain_before_range')),
    sa.CheckConstraint('pain_during BETWEEN 0 AND 10', name=op.f('ck_exercise_sessions_pain_during_range')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_exercise_sessions_patient_id_users')),
    sa.ForeignKeyConstraint(['programme_version_id'], ['programme_versions.id'], name=op.f('fk_exercise_sessions_programme_version_id_programme_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_sessions')),
    sa.UniqueConstraint('patient_id', 'client_id', name=op.f('uq_exercise_sessions_patient_id'))
    )
    with op.batch_alter_table('exercise_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_sessions_patient_day', ['patient_id', 'local_date'], unique=False)

    op.create_table('prescriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('exercise_version_id', sa.Integer(), nullable=False),
    sa.Column('sets', sa.Integer(), nullable=False),
    sa.Column('reps', sa.Integer(), nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('rest_seconds', sa.Integer(), nullable=False),
    sa.Column('tempo', sa.String(length=10), nullable=True),
    sa.Column('side', sa.Enum('both', 'each', 'left', 'right', name='side', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('load_note', sa.String(length=200), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    sa.Column('sessions_per_week', sa.Integer(), nullable=True),
    sa.CheckConstraint('hold_seconds IS NULL OR hold_seconds BETWEEN 1 AND 600', name=op.f('ck_prescriptions_hold_range')),
    sa.CheckConstraint('reps IS NOT NULL OR hold_seconds IS NOT NULL', name=op.f('ck_prescriptions_reps_or_hold')),
    sa.CheckConstraint('reps IS NULL OR reps BETWEEN 1 AND 100', name=op.f('ck_prescriptions_reps_range')),
    sa.CheckConstraint('rest_seconds BETWEEN 0 AND 600', name=op.f('ck_prescriptions_rest_range')),
    sa.CheckConstraint('sets BETWEEN 1 AND 10', name=op.f('ck_prescriptions_sets_range')),
    sa.CheckConstraint('weekdays BETWEEN 1 AND 127', name=op.f('ck_prescriptions_weekdays_mask')),
    sa.ForeignKeyConstraint(['exercise_id'], ['library_exercises.id'], name=op.f('fk_prescriptions_exercise_id_library_exercises')),
    sa.ForeignKeyConstraint(['exercise_version_id'], ['library_exercise_versions.id'], name=op.f('fk_prescriptions_exercise_version_id_library_exercise_versions')),
    sa.ForeignKeyConstraint(['programme_version_id'], ['programme_versions.id'], name=op.f('fk_prescriptions_programme_version_id_programme_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescriptions')),
    sa.UniqueConstraint('programme_version_id', 'position', name=op.f('uq_prescriptions_programme_version_id'))
    )
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prescriptions_programme_version_id'), ['programme_version_id'], unique=False)

    op.create_table('exercise_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('exercise_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('done', 'partial', 'skipped', 'stopped', name='logstatus', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('sets_done', sa.Integer(), nullable=False),
    sa.Column('reps_done', sa.Integer(), nullable=True),
    sa.Column('reps_done_other_side', sa.Integer(), nullable=True),
    sa.Column('skip_reason', sa.Enum('pain', 'no-time', 'too-hard', 'no-equipment', 'unwell', 'other', name='skipreason', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('stop_reason', sa.Enum('pain-over-5', 'sharp-or-giving-way', 'pins-and-needles', 'spreading-leg-pain', 'other', name='stopreason', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.CheckConstraint('reps_done IS NULL OR reps_done BETWEEN 0 AND 1000', name=op.f('ck_exercise_logs_reps_done_range')),
    sa.CheckConstraint('reps_done_other_side IS NULL OR reps_done_other_side BETWEEN 0 AND 1000', name=op.f('ck_exercise_logs_reps_other_range')),
    sa.CheckConstraint('sets_done BETWEEN 0 AND 10', name=op.f('ck_exercise_logs_sets_done_range')),
    sa.ForeignKeyConstraint(['exercise_version_id'], ['library_exercise_versions.id'], name=op.f('fk_exercise_logs_exercise_version_id_library_exercise_versions')),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_exercise_logs_prescription_id_prescriptions')),
    sa.ForeignKeyConstraint(['session_id'], ['exercise_sessions.id'], name=op.f('fk_exercise_logs_session_id_exercise_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_logs')),
    sa.UniqueConstraint('session_id', 'prescription_id', name=op.f('uq_exercise_logs_session_id'))
    )
    with op.batch_alter_table('exercise_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_logs_prescription_id'), ['prescription_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercise_logs_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('exercise_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_logs_session_id'))
        batch_op.drop_index(batch_op.f('ix_exercise_logs_prescription_id'))

    op.drop_table('exercise_logs')
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prescriptions_programme_version_id'))

    op.drop_table('prescriptions')
    with op.batch_alter_table('exercise_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_sessions_patient_day')

    op.drop_table('exercise_sessions')
    with op.batch_alter_table('programme_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_versions_patient_id'))

    op.drop_table('programme_versions')
    op.drop_table('patient_precautions')
