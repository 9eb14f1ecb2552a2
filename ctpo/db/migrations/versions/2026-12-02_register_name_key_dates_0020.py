"""register name keys carry the publication date: the public name search sorts and cuts in one covering index

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-02 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('register_name_keys') as batch:
        batch.add_column(sa.Column('publication_date', sa.Date(), nullable=True))
    # keys exist only for published applications, so every row finds its date
    op.execute(
        'UPDATE register_name_keys SET publication_date = (SELECT applications.publication_date FROM applications '
        'WHERE applications.id = register_name_keys.application_id)'
    )
    op.execute('DELETE FROM register_name_keys WHERE publication_date IS NULL')
    with op.batch_alter_table('register_name_keys') as batch:
        batch.alter_column('publication_date', existing_type=sa.Date(), nullable=False)
    op.create_index(
        'ix_register_name_keys_key_date', 'register_name_keys', ['key', 'publication_date', 'application_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_register_name_keys_key_date', table_name='register_name_keys')
    with op.batch_alter_table('register_name_keys') as batch:
        batch.drop_column('publication_date')
