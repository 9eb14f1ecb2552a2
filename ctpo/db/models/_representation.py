"""Registered patent attorneys and the powers of attorney applicants give them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class Representative(UUIDPrimaryKey, Base):
    """A professional representative on an office's public list (EPC Art. 134(1)).

    The list entry is public; the account it links to is how the representative logs in and acts. Struck-off
    entries stay (their past acts name them) with ``removed_at`` set, and stop conferring any right at once.
    """

    __tablename__ = "representatives"

    registration_number: Mapped[str] = mapped_column(String(40), unique=True)
    """The office's number for the entry, e.g. ``KZ-PA-0042``."""
    member_state: Mapped[str] = mapped_column(String(2), index=True)
    """ST.3 code of the member state whose office keeps the entry."""
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(1000))
    email: Mapped[str] = mapped_column(String(254))
    """The address the office writes to (public, as on every attorneys' list)."""
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    """The account with which the representative logs in."""
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    removed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class PowerOfAttorney(UUIDPrimaryKey, Base):
    """An authorisation (EPC Rule 152): general for all the principal's files, or for one file; revocable.

    A revocation is a new fact, not a deletion: ``revoked_at`` records when the representative lost the right,
    so what they did before stays explained.
    """

    __tablename__ = "powers_of_attorney"
    __table_args__ = (Index("ix_powers_of_attorney_representative_active", "representative_id", "revoked_at"),)

    principal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    """The applicant's account that gave it."""
    representative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("representatives.id"))
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"), default=None, index=True)
    """The one file it covers; ``None`` for a general authorisation covering every file of the principal."""
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    revocation_reason: Mapped[str | None] = mapped_column(String(300), default=None)

    representative: Mapped[Representative] = relationship(lazy="joined")
