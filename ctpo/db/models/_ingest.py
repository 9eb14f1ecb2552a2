"""Parallel ingest: batches of corpus documents cut into chunks that workers embed, and the stored embeddings.

A chunk is claimed with a lease (a compare-and-set on its row), so a worker killed mid-chunk leaves it to be
claimed again once the lease runs out; embeddings are keyed by what was embedded (model and text), so a chunk run
twice stores nothing twice. Progress, rate and ETA are read from these rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class IngestBatch(Base):
    """Documents planned for embedding together (one ``ctpo corpus load``, or what a catch-up found new)."""

    __tablename__ = "ingest_batches"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    documents: Mapped[int] = mapped_column(default=0)
    chunks: Mapped[int] = mapped_column(default=0)
    passages: Mapped[int] = mapped_column(default=0)


class IngestChunk(Base):
    """A few hundred passages' worth of documents, embedded by one worker at a time: pending, claimed, done."""

    __tablename__ = "ingest_chunks"
    __table_args__ = (Index("ix_ingest_chunks_batch_status", "batch_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"))
    documents: Mapped[list[list[str]]] = mapped_column(JSON)
    """``[document id, content hash planned]`` pairs."""
    passages: Mapped[int] = mapped_column(default=0)
    """Passages of its documents when planned: the unit of progress and rate."""
    status: Mapped[str] = mapped_column(String(10), default="pending")
    """``pending``, ``claimed`` (a worker holds it until ``lease_until``) or ``done``."""
    attempts: Mapped[int] = mapped_column(default=0)
    """Claims so far; the claim's token, so a worker whose lease was taken over cannot finish the chunk."""
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the current claim began (the first claim's time is ``started_at``)."""
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    embedded: Mapped[int] = mapped_column(default=0)
    """Passages stored so far, kept up to date while claimed (progress within a chunk)."""


class PassageEmbedding(Base):
    """One passage vector, keyed by the digest of the model and the exact text embedded: stored once, ever."""

    __tablename__ = "passage_embeddings"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the model name and the text as embedded (see ``passage_digest``)."""
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    """float32, little-endian."""
    chunk_id: Mapped[int | None] = mapped_column(default=None)
    """The chunk that embedded it (none: embedded by a catch-up outside any chunk)."""
    attempt: Mapped[int] = mapped_column(default=0)
    """The chunk's claim that embedded it: after a killed worker, rows of both claims, none twice."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
