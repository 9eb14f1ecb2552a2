"""drop the application_id indexes that a unique index beginning with application_id already serves

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 01:00:00

``uq_application_history_app_seq (application_id, seq)`` and ``uq_claims_app_set_number (application_id, claim_set,
number)`` answer every lookup by ``application_id`` (and the foreign keys' checks) as well as the single-column
indexes did; those cost an index entry per history row and per claim, on every filing and transition (issue 13).
"""

from __future__ import annotations

from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application_history', schema=None) as batch_op:
        batch_op.drop_index('ix_application_history_application_id')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_application_id')


def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_application_id', ['application_id'], unique=False)
    with op.batch_alter_table('application_history', schema=None) as batch_op:
        batch_op.create_index('ix_application_history_application_id', ['application_id'], unique=False)
