"""Background jobs and what they leave behind: the durable job table, and automated prior-art searches.

The job table is the source of truth for background work, the broker only its doorbell: a job row is written in
the same transaction as the act that calls for it (an outbox), so a crash or a broker restart between the two
loses nothing; a relay re-sends what is due. The same rows give idempotency (one row per key), retries with
backoff, and the dead letters an office administrator sees.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class JobRecord(Base):
    """One unit of background work, identified by what it does to what (``name:subject:step``)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    """Unique: scheduling the same step twice is a no-op, so producers may repeat themselves."""
    name: Mapped[str] = mapped_column(String(60))
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"), index=True)
    office: Mapped[str | None] = mapped_column(String(2), index=True)
    """Whose administrators see it when it fails; null for organisation-wide work (corpus ingest)."""
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    """``queued``, ``sent`` (handed to the broker), ``running``, ``retry``, ``succeeded`` or ``dead``."""
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    failures: Mapped[int] = mapped_column(default=0)
    """Failed attempts so far, also of jobs that later succeeded (a monotonic count for metrics)."""
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When it is due (again); a ``sent`` or ``running`` job past its lease is re-sent."""
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class AutomatedSearch(Base):
    """The prior-art search run for an application at a step of its procedure, kept as the examiner's start."""

    __tablename__ = "automated_searches"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    job_key: Mapped[str] = mapped_column(String(200), unique=True)
    """The job that ran it; unique, so a redelivered job cannot store a second result."""
    step: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(Text)
    cutoff_date: Mapped[date | None] = mapped_column(Date)
    """The earliest priority date (else the filing date): only earlier publications are prior art."""
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    engine: Mapped[str] = mapped_column(String(200))
    """Model and corpus size the hits came from, for reproducing them."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
