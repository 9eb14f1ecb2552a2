"""The prior-art corpus: published documents the search engine indexes; the source its index is rebuilt from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class CorpusDocument(Base):
    """A published patent document (imported, from the sample corpus, or a published application)."""

    __tablename__ = "corpus_documents"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """The document number, e.g. ``US11617522B2`` or ``KZ-2026-000017``."""
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    publication_date: Mapped[date] = mapped_column(Date)
    filing_date: Mapped[date | None] = mapped_column(Date, default=None)
    priority_date: Mapped[date | None] = mapped_column(Date, default=None)
    ipc: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))
    """``sample``, ``import`` or ``application``."""
    content_sha256: Mapped[str] = mapped_column(String(64))
    """Hash of the searchable content, so re-loading unchanged documents is a no-op."""
    planned_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    """The content hash last put into an ingest chunk: a document is planned once per content."""
    embedded_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    """The content hash whose passages are all stored embedded: equal to ``content_sha256`` once it may be indexed."""
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
