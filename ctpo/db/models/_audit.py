"""The audit log: who read an unpublished file or acted as an administrator, what, when and from where."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class AuditRecord(Base):
    """One audited event. The database refuses UPDATE and DELETE on this table (triggers), like the history.

    The actor is copied (e-mail, role, office) rather than only referenced: the record must still say who it
    was after the account is renamed, moved to another office or deleted.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_office_id", "office", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    """Increasing: the listing pages with it (newest first) without gaps or repeats."""
    at: Mapped[datetime] = mapped_column(default=utcnow)
    office: Mapped[str | None] = mapped_column(String(2))
    """The office whose administrators see the record: the file's receiving office, or the actor's office."""
    action: Mapped[str] = mapped_column(String(60), index=True)
    """``application.read``, ``applications.list``, ``user.create``, ``user.unlock``, ``calendar.set``, …"""
    actor_id: Mapped[uuid.UUID | None]
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_office: Mapped[str | None] = mapped_column(String(2))
    application_number: Mapped[str | None] = mapped_column(String(20), index=True)
    target_user_id: Mapped[uuid.UUID | None]
    """The account an administrative act was about (created, unlocked)."""
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))
    """Where the request came from: the TCP peer, or the client named by a trusted proxy."""
    user_agent: Mapped[str | None] = mapped_column(String(300))
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))
