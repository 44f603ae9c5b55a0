"""Exercise library: exercises, their published versions, tags, ladders, programme templates.

Reviewed: new tables only, nothing existing changes. Versions are append-only so that logged
sessions can point at the content that was done. Tags make filtering a plain indexed join.

Revision ID: 0002_library
Revises: 0001_accounts
Create Date: 2026-11-25 15:46:24.010253

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_library"
down_revision = '0001_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('library_exercises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=32), nullable=False),
    sa.Column('sides', sa.String(length=8), nullable=False),
    sa.Column('ladder_slug', sa.String(length=80), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_exercises')),
    sa.UniqueConstraint('slug', name=op.f('uq_library_exercises_slug'))
    )
    with op.batch_alter_table('library_exercises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_exercises_family'), ['family'], unique=False)
        batch_op.create_index(batch_op.f('ix_library_exercises_ladder_slug'), ['ladder_slug'], unique=False)

    op.create_table('library_ladders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_ladders')),
    sa.UniqueConstraint('slug', name=op.f('uq_library_ladders_slug'))
    )
    op.create_table('library_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_programmes')),
    sa.UniqueConstraint('slug', name=op.f('uq_library_programmes_slug'))
    )
    op.create_table('library_exercise_tags',
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('target', 'equipment', 'precaution', name='tagkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['library_exercises.id'], name=op.f('fk_library_exercise_tags_exercise_id_library_exercises')),
    sa.PrimaryKeyConstraint('exercise_id', 'kind', 'value', name=op.f('pk_library_exercise_tags'))
    )
    with op.batch_alter_table('library_exercise_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_exercise_tags_value'), ['value'], unique=False)

    op.create_table('library_exercise_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['library_exercises.id'], name=op.f('fk_library_exercise_versions_exercise_id_library_exercises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_exercise_versions')),
    sa.UniqueConstraint('exercise_id', 'version', name=op.f('uq_library_exercise_versions_exercise_id'))
    )
    with op.batch_alter_table('library_exercise_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_exercise_versions_exercise_id'), ['exercise_id'], unique=False)



def downgrade():
    with op.batch_alter_table('library_exercise_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_exercise_versions_exercise_id'))

    op.drop_table('library_exercise_versions')
    with op.batch_alter_table('library_exercise_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_exercise_tags_value'))

    op.drop_table('library_exercise_tags')
    op.drop_table('library_programmes')
    op.drop_table('library_ladders')
    with op.batch_alter_table('library_exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_exercises_ladder_slug'))
        batch_op.drop_index(batch_op.f('ix_library_exercises_family'))

    op.drop_table('library_exercises')
