"""What the examination workflow stores: the append-only history, deadlines, procedural documents, calendars."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class HistoryRecord(Base):
    """One transition of one application. The database refuses UPDATE and DELETE on this table (triggers)."""

    __tablename__ = "application_history"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_application_history_app_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))  # indexed by the unique one
    seq: Mapped[int]
    """1 for the filing, then +1 per transition; unique, so two concurrent transitions cannot both land."""
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    actor_office: Mapped[str | None] = mapped_column(String(2))
    office: Mapped[str] = mapped_column(String(2))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    payload_digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The request body acted upon, so anyone can recompute ``payload_digest``."""


class DeadlineRecord(UUIDPrimaryKey, Base):
    """A deadline of an application; open while ``closed_at`` is null (at most one open per kind)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index(
            "uq_deadlines_open_kind",
            "application_id",
            "kind",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_deadlines_open_expiry", "expires_at", "closed_at"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(2), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime]
    on_expiry: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The whole deadline as the workflow serialises it, its step-by-step explanation included."""
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(String(20), default=None)


class ProceduralDocument(UUIDPrimaryKey, Base):
    """A validated document a transition carried: office action, response, search report, opposition."""

    __tablename__ = "procedural_documents"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    history_seq: Mapped[int]
    """The history entry of the transition that brought it."""
    action: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarChange(enum.StrEnum):
    """What an office calendar correction does to its day (``office_calendar_days.kind``, stored as text)."""

    CLOSURE = "closure"
    """The office is closed on a day it would work: time limits ending then run on (EPC Rule 134(1))."""
    OPENING = "opening"
    """The office works on a statutory holiday: time limits may end then."""


class OfficeCalendarDay(Base):
    """A correction to an office's statutory calendar: an extra closure or a working day on a holiday."""

    __tablename__ = "office_calendar_days"

    office: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    """A :class:`CalendarChange`."""
    reason: Mapped[str] = mapped_column(String(300))
    changed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
