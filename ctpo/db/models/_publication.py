"""Published patent documents (ST.16 kinds under one CTPO number per application) and the number series."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class Publication(UUIDPrimaryKey, Base):
    """One published document: ``XT 0000017 A1``. Rows are never edited except to attach the rendered PDF.

    A correction is a new row (A8/A9/B8/B9) naming the document it corrects.
    """

    __tablename__ = "publications"
    __table_args__ = (
        # one publication per transition (a transition retried after a conflict cannot publish twice)
        UniqueConstraint("application_id", "history_seq", name="uq_publications_application_id_history_seq"),
        Index("ix_publications_number_kind", "number", "kind"),
        Index("ix_publications_date", "publication_date"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    """Publication number of the CTPO series, shared by every document of the application."""
    kind: Mapped[str] = mapped_column(String(2))
    """WIPO ST.16 kind code (:class:`workflows.publication.KindCode`)."""
    publication_date: Mapped[date] = mapped_column(Date)
    """INID (43) for A documents, (45) for B documents: the receiving office's local date of the act."""
    history_seq: Mapped[int | None] = mapped_column(default=None)
    """The history entry of the transition that published it; ``None`` for corrections."""
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("publications.id"), default=None)
    """For A8/A9/B8/B9: the document corrected."""
    correction_reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    document_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of the rendered PDF in the document store; ``None`` until the rendering job ran."""
    rendered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublicationSeries(Base):
    """The last number given in the CTPO publication series; bumped inside the publishing transaction (gapless)."""

    __tablename__ = "publication_series"

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_value: Mapped[int]


class RegisterNameKey(Base):
    """One script-folded word of an applicant's or inventor's name of a *published* application.

    Written when the application is first published, never before, so the public name search cannot find an
    unpublished file. The key is :func:`search.text.fold` of the word: ``Алиев`` and ``Aliyev`` share ``aliev``.
    The publication date is copied here so that a name search is one range scan of the covering index
    ``(key, publication_date, application_id)`` sorted and cut in the index, not a look-up of every matching file.
    """

    __tablename__ = "register_name_keys"
    __table_args__ = (Index("ix_register_name_keys_key_date", "key", "publication_date", "application_id"),)

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    publication_date: Mapped[date] = mapped_column(Date)
    """The application's publication date (INID 43), what the name search sorts by, newest first."""
