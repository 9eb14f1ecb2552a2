"""mail messages: every outgoing e-mail with its Message-ID and delivery state

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('transport', sa.String(length=20), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('delivered_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_messages_message_id'))
    )
    op.create_index('ix_mail_messages_status_created', 'mail_messages', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_mail_messages_to_address'), 'mail_messages', ['to_address'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mail_messages_to_address'), table_name='mail_messages')
    op.drop_index('ix_mail_messages_status_created', table_name='mail_messages')
    op.drop_table('mail_messages')
