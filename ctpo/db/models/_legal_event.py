"""The legal-event record: every ST.27-coded event of every application, append-only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base


class LegalEventRecord(Base):
    """One legal event (WIPO ST.27). The database refuses UPDATE and DELETE on this table (triggers).

    Written by ``ctpo.domain.legal_status.record_legal_events`` in the transaction of the act it records; a
    correction is a new ``Y`` event, never an edit.
    """

    __tablename__ = "legal_events"
    __table_args__ = (
        Index("ix_legal_events_application_state", "application_id", "state"),
        Index("ix_legal_events_effective_date", "effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    """Increasing in recording order: the order in which the events are listed."""
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    key_event: Mapped[str] = mapped_column(String(3))
    """ST.27 key event code, e.g. ``F10``."""
    category: Mapped[str] = mapped_column(String(1))
    """ST.27 category letter (the key event's first letter), kept for filtering."""
    status: Mapped[str] = mapped_column(String(20))
    """ST.27 status after the event: ``pending``, ``in_force``, ``not_in_force``."""
    phase: Mapped[str] = mapped_column(String(20))
    """ST.27 phase: ``application`` or ``ip_right``."""
    state: Mapped[str | None] = mapped_column(String(2))
    """The designated state concerned (ST.3 code), or null for the whole application or patent."""
    effective_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime]
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
