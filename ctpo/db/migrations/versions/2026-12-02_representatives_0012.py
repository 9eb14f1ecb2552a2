"""representatives: the public list of patent attorneys and the powers of attorney applicants give them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('representatives',
    sa.Column('registration_number', sa.String(length=40), nullable=False),
    sa.Column('member_state', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=1000), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('registered_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('registered_by', sa.Uuid(), nullable=False),
    sa.Column('removed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('removed_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['registered_by'], ['users.id'], name=op.f('fk_representatives_registered_by_users')),
    sa.ForeignKeyConstraint(['removed_by'], ['users.id'], name=op.f('fk_representatives_removed_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_representatives_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representatives')),
    sa.UniqueConstraint('registration_number', name=op.f('uq_representatives_registration_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_representatives_user_id'))
    )
    op.create_index(op.f('ix_representatives_member_state'), 'representatives', ['member_state'], unique=False)
    op.create_table('powers_of_attorney',
    sa.Column('principal_id', sa.Uuid(), nullable=False),
    sa.Column('representative_id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('given_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Uuid(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_powers_of_attorney_application_id_applications')),
    sa.ForeignKeyConstraint(['principal_id'], ['users.id'], name=op.f('fk_powers_of_attorney_principal_id_users')),
    sa.ForeignKeyConstraint(['representative_id'], ['representatives.id'], name=op.f('fk_powers_of_attorney_representative_id_representatives')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_powers_of_attorney_revoked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_powers_of_attorney'))
    )
    op.create_index(op.f('ix_powers_of_attorney_application_id'), 'powers_of_attorney', ['application_id'], unique=False)
    op.create_index(op.f('ix_powers_of_attorney_principal_id'), 'powers_of_attorney', ['principal_id'], unique=False)
    op.create_index('ix_powers_of_attorney_representative_active', 'powers_of_attorney', ['representative_id', 'revoked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_powers_of_attorney_representative_active', table_name='powers_of_attorney')
    op.drop_index(op.f('ix_powers_of_attorney_principal_id'), table_name='powers_of_attorney')
    op.drop_index(op.f('ix_powers_of_attorney_application_id'), table_name='powers_of_attorney')
    op.drop_table('powers_of_attorney')
    op.drop_index(op.f('ix_representatives_member_state'), table_name='representatives')
    op.drop_table('representatives')
