"""publications: ST.16 documents under one CTPO number per application, and the gapless number series

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication_series',
    sa.Column('series', sa.String(length=10), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', name=op.f('pk_publication_series'))
    )
    op.create_table('publications',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=2), nullable=False),
    sa.Column('publication_date', sa.Date(), nullable=False),
    sa.Column('history_seq', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Uuid(), nullable=True),
    sa.Column('correction_reason', sa.String(length=1000), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('rendered_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_publications_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['corrects_id'], ['publications.id'], name=op.f('fk_publications_corrects_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('application_id', 'history_seq', name='uq_publications_application_id_history_seq')
    )
    op.create_index(op.f('ix_publications_application_id'), 'publications', ['application_id'], unique=False)
    op.create_index('ix_publications_number_kind', 'publications', ['number', 'kind'], unique=False)
    op.create_index('ix_publications_date', 'publications', ['publication_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_publications_date', table_name='publications')
    op.drop_index('ix_publications_number_kind', table_name='publications')
    op.drop_index(op.f('ix_publications_application_id'), table_name='publications')
    op.drop_table('publications')
    op.drop_table('publication_series')
