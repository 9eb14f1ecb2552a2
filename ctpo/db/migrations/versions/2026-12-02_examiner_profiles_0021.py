"""examiner profiles for work sharing: languages read and IPC fields

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('examiner_languages',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_examiner_languages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'language', name=op.f('pk_examiner_languages'))
    )
    op.create_index(op.f('ix_examiner_languages_language'), 'examiner_languages', ['language'], unique=False)
    op.create_table('examiner_fields',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('ipc_prefix', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_examiner_fields_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'ipc_prefix', name=op.f('pk_examiner_fields'))
    )


def downgrade() -> None:
    op.drop_table('examiner_fields')
    op.drop_index(op.f('ix_examiner_languages_language'), table_name='examiner_languages')
    op.drop_table('examiner_languages')
