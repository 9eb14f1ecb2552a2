"""What an international application brings to its entry into the CTPO phase (PCT Art. 22/39, EPC Art. 153)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class InternationalEntry(UUIDPrimaryKey, Base):
    """One entry of one international application; at most one per international application number."""

    __tablename__ = "international_entries"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    international_application_number: Mapped[str] = mapped_column(String(20), unique=True)
    """E.g. ``PCT/KZ2024/000123`` (WIPO ST.13 form of a PCT number)."""
    international_filing_date: Mapped[date] = mapped_column(Date)
    international_language: Mapped[str] = mapped_column(String(2))
    """The language in which the international application was filed or published (ISO 639-1)."""
    translation_language: Mapped[str | None] = mapped_column(String(2), default=None)
    """The working language of the translation on file; ``None`` when none was needed (PCT Art. 22(1))."""
    publication_number: Mapped[str | None] = mapped_column(String(20), default=None)
    """E.g. ``WO 2024/123456``."""
    publication_date: Mapped[date | None] = mapped_column(Date, default=None)
    search_authority: Mapped[str] = mapped_column(String(2))
    """ST.3 code of the International Searching Authority."""
    search_report_date: Mapped[date] = mapped_column(Date)
    search_citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The international search report's citations: document (ST.14), category, claims, passage."""
    time_limit_due: Mapped[date] = mapped_column(Date)
    time_limit: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    """The 31-month limit's step-by-step explanation, as computed at entry."""
    re_establishment_grounds: Mapped[str | None] = mapped_column(Text, default=None)
    """Set on a late entry: the request for re-establishment of rights that came with it (EPC Art. 122)."""
    re_establishment_cause_removed_on: Mapped[date | None] = mapped_column(Date, default=None)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
