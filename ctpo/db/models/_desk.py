"""What the examiner's desk remembers per account: the interface language chosen."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class DeskPreference(Base):
    """An account's desk settings, kept apart from ``users`` so that a preference never rewrites an account row."""

    __tablename__ = "desk_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    """One of ``ctpo.desk.i18n.LANGUAGES``."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
