"""What an examiner declares they can examine: the languages they read and their IPC fields (work sharing)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base


class ExaminerLanguage(Base):
    """One language an examiner reads; an office assigns them only files whose proceedings are in one of these.

    A row per language (not a list in a column): "who reads Kyrgyz?" is an indexed lookup on both databases.
    """

    __tablename__ = "examiner_languages"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)
    """A :class:`~workflows.languages.Language` value (ISO 639-1)."""


class ExaminerField(Base):
    """One IPC field of an examiner: a class (``H01``) or subclass (``H01M``) prefix of the symbols they examine."""

    __tablename__ = "examiner_fields"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    ipc_prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    """Canonical: upper case, no spaces (``H01M``)."""
