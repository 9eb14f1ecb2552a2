"""legal events: the append-only ST.27 legal-status record

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types

from ctpo.db.append_only import append_only, drop_append_only

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('key_event', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=1), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_legal_events_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_events'))
    )
    op.create_index('ix_legal_events_application_state', 'legal_events', ['application_id', 'state'], unique=False)
    op.create_index('ix_legal_events_effective_date', 'legal_events', ['effective_date'], unique=False)
    append_only('legal_events')


def downgrade() -> None:
    drop_append_only('legal_events')
    op.drop_index('ix_legal_events_effective_date', table_name='legal_events')
    op.drop_index('ix_legal_events_application_state', table_name='legal_events')
    op.drop_table('legal_events')
