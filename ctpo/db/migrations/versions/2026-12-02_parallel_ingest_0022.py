"""parallel ingest: batches, chunks, stored passage embeddings; planned/embedded content hashes on the corpus

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 11:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('passages', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_batches'))
    )
    op.create_table('ingest_chunks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('passages', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('claimed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('started_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('done_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('embedded', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_ingest_chunks_batch_id_ingest_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_chunks'))
    )
    op.create_index('ix_ingest_chunks_batch_status', 'ingest_chunks', ['batch_id', 'status'], unique=False)
    op.create_table('passage_embeddings',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('chunk_id', sa.Integer(), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_passage_embeddings'))
    )
    op.add_column('corpus_documents', sa.Column('planned_sha256', sa.String(length=64), nullable=True))
    op.add_column('corpus_documents', sa.Column('embedded_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('corpus_documents') as batch:
        batch.drop_column('embedded_sha256')
        batch.drop_column('planned_sha256')
    op.drop_table('passage_embeddings')
    op.drop_index('ix_ingest_chunks_batch_status', table_name='ingest_chunks')
    op.drop_table('ingest_chunks')
    op.drop_table('ingest_batches')
