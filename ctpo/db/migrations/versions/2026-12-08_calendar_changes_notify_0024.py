"""office_calendar_days tells every listening process when it changes (PostgreSQL NOTIFY)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 01:40:00

Each API process keeps a copy of the calendars it read (``ctpo/domain/examination/calendars.py``) and drops it when
told; the trigger tells, whoever writes the table. The channel is written here as it was when this revision was made
(``CHANGES_CHANNEL``); ``tests/integration/test_shared_calendars.py`` fails if the two part.
"""

from __future__ import annotations

from ctpo.db.listen import drop_notify_on_change, notify_on_change


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    notify_on_change('office_calendar_days', 'ctpo_calendar_changes')


def downgrade() -> None:
    drop_notify_on_change('office_calendar_days')
