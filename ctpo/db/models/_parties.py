"""Acts of people other than the examiner on a file: recorded transfers and third-party observations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class TransferRecord(UUIDPrimaryKey, Base):
    """A change of applicant or proprietor recorded on evidence (EPC Art. 72, Rule 22); never edited."""

    __tablename__ = "transfers"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    history_seq: Mapped[int]
    """The ``record_transfer`` history entry."""
    from_owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    previous_applicants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    new_applicants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evidence_filename: Mapped[str] = mapped_column(String(255))
    evidence_media_type: Mapped[str] = mapped_column(String(100))
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    """The deed of assignment (or other proof) in the content-addressed document store."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    """Effective against the office from this moment (EPC Rule 22(3))."""
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class ObservationRecord(UUIDPrimaryKey, Base):
    """Observations on patentability by a third party (EPC Art. 115), possibly anonymous, and their treatment."""

    __tablename__ = "third_party_observations"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    observer_name: Mapped[str | None] = mapped_column(String(300), default=None)
    """``None``: filed anonymously (the EPO accepts those too)."""
    text: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Documents the observer relies on: ``document`` (ST.14) and ``passage``."""
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(30), default=None)
    """What the examiner did with them; ``None`` until recorded."""
    outcome_note: Mapped[str | None] = mapped_column(Text, default=None)
    treated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    treated_at: Mapped[datetime | None] = mapped_column(default=None)
