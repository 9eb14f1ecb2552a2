"""A patent application as filed, with its parties, claims, priorities, classes and documents."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ctpo.db.models._base import Base, CreatedAt, UUIDPrimaryKey, utcnow
from workflows.states import ApplicationState


class Application(UUIDPrimaryKey, CreatedAt, Base):
    """The filed application. Its content is never edited in place: amendments add claim-set versions."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("receiving_office", "filing_year", "sequence", name="uq_applications_office_year_seq"),
        Index("ix_applications_office_state", "receiving_office", "state"),
        # the examiner queue's order, so a page is read straight off the index
        Index(
            "ix_applications_office_next_deadline", "receiving_office", "next_deadline_date", "filing_date", "sequence"
        ),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True, nullable=True)
    """Office code, year and gapless per-office sequence, e.g. ``KZ-2026-000017``.

    Set as the last step of the filing transaction (so the counter lock is held only briefly); nobody ever
    sees it empty, because the row and its number commit together.
    """
    receiving_office: Mapped[str] = mapped_column(String(2))
    filing_year: Mapped[int]
    sequence: Mapped[int] = mapped_column(nullable=True)
    filing_date: Mapped[date] = mapped_column(Date)
    """The legal filing date: the receiving office's local date at receipt."""
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    """The account that filed; only it (and the office's staff) may see the file."""
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(500))
    abstract: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    applicant_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    content_digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the canonical form of everything received, quoted on the receipt."""
    state: Mapped[ApplicationState] = mapped_column(
        SAEnum(
            ApplicationState, native_enum=False, length=40, values_callable=lambda states: [s.value for s in states]
        ),
        default=ApplicationState.FILED,
    )
    """The column bound to the workflow: written only from a decision's snapshot (compare-and-set on ``version``)."""
    version: Mapped[int] = mapped_column(default=1)
    """Number of history entries; every transition bumps it with a compare-and-set, so concurrent acts conflict."""
    publication_date: Mapped[date | None] = mapped_column(Date, default=None)
    earliest_priority_date: Mapped[date | None] = mapped_column(Date, default=None)
    """The earliest valid priority date: the 18 months to publication and prior-art cut-off run from it."""
    claimed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    """The examiner who holds the file; at most one."""
    claim_set_version: Mapped[int] = mapped_column(default=1)
    """The current claim set; older sets stay in ``claims``."""
    next_deadline_date: Mapped[date | None] = mapped_column(Date, default=None)
    """The nearest open deadline, kept by every transition so examiner queues read one index range."""
    next_deadline_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    lapse: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """What a missed time limit lost (state to resume, deadline kind and date), for re-establishment."""

    parties: Mapped[list[Party]] = relationship(
        back_populates="application", order_by="(Party.kind, Party.position)", cascade="all, delete-orphan"
    )
    claims: Mapped[list[Claim]] = relationship(
        back_populates="application", order_by="(Claim.claim_set, Claim.number)", cascade="all, delete-orphan"
    )
    priorities: Mapped[list[PriorityClaim]] = relationship(
        back_populates="application", order_by="PriorityClaim.position", cascade="all, delete-orphan"
    )
    ipc_classes: Mapped[list[IpcClass]] = relationship(
        back_populates="application", order_by="IpcClass.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="application", order_by="Document.position", cascade="all, delete-orphan"
    )


class PartyKind(enum.StrEnum):
    """What a party row is to its file; stored as text (``parties.kind``), so a new kind needs no migration."""

    APPLICANT = "applicant"
    """(71) an applicant of record."""
    INVENTOR = "inventor"
    """(72) a named inventor."""
    PREVIOUS = "previous"
    """An applicant replaced by a recorded transfer (EPC Rule 22), kept for the file's history."""


class Party(UUIDPrimaryKey, Base):
    """An applicant or an inventor named in the application."""

    __tablename__ = "parties"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    """A :class:`PartyKind`."""
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(1000))
    application: Mapped[Application] = relationship(back_populates="parties")


class Claim(UUIDPrimaryKey, Base):
    """One numbered claim of one claim set; set 1 is as filed, later sets are amendments."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("application_id", "claim_set", "number", name="uq_claims_app_set_number"),)

    # indexed by the unique constraint, which begins with it (migration 0023 dropped a second index)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    claim_set: Mapped[int] = mapped_column(default=1)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    application: Mapped[Application] = relationship(back_populates="claims")


class PriorityClaim(UUIDPrimaryKey, Base):
    """An earlier filing whose date this application claims (Paris Convention Art. 4)."""

    __tablename__ = "priority_claims"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    office: Mapped[str] = mapped_column(String(2))
    """ST.3 code of the office (or country) of the earlier filing."""
    number: Mapped[str] = mapped_column(String(50))
    filed_on: Mapped[date] = mapped_column(Date)
    application: Mapped[Application] = relationship(back_populates="priorities")


class IpcClass(Base):
    """An International Patent Classification symbol given by the applicant, e.g. ``H01M 10/613``."""

    __tablename__ = "ipc_classes"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    position: Mapped[int]
    application: Mapped[Application] = relationship(back_populates="ipc_classes")


class Document(UUIDPrimaryKey, Base):
    """A file received with the application; its bytes live in the content-addressed store."""

    __tablename__ = "documents"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    application: Mapped[Application] = relationship(back_populates="documents")


class ApplicationSequence(Base):
    """The last number given per office and year; incremented inside the filing transaction, so gapless."""

    __tablename__ = "application_sequences"

    office: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int]


class IdempotencyRecord(Base):
    """A filing request key, so a retried POST returns the first receipt instead of filing twice."""

    __tablename__ = "idempotency_records"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
