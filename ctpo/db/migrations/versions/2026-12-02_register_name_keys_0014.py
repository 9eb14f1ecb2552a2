"""register name keys: script-folded words of the parties of published applications, for the public name search

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_name_keys',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_register_name_keys_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'application_id', name=op.f('pk_register_name_keys'))
    )
    op.create_index(op.f('ix_register_name_keys_application_id'), 'register_name_keys', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_register_name_keys_application_id'), table_name='register_name_keys')
    op.drop_table('register_name_keys')
