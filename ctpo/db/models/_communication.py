"""Official communications in the parties' electronic inbox, with their legal notification date and reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey, utcnow


class Communication(UUIDPrimaryKey, Base):
    """A communication made available in the inbox of the applicant of record and its representatives.

    Written in the transaction of the act that issues it, so the act and its notification cannot part.
    """

    __tablename__ = "communications"
    __table_args__ = (UniqueConstraint("application_id", "history_seq", "kind", name="uq_communications_act"),)

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    history_seq: Mapped[int]
    """The act that issued it; with the application number, its reference (``KZ-2026-000002/5``)."""
    reference: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60))
    """``office_action``, ``decision_refusal``, ``reminder``…"""
    language: Mapped[str] = mapped_column(String(2))
    """The language of the proceedings (the application's), in which it is written."""
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    made_available_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_on: Mapped[date] = mapped_column(Date)
    """The legal date of notification (see ``workflows.notification``): time limits run from it."""
    reply_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    """The time limit for a reply it started, if any."""
    reply_due: Mapped[date | None] = mapped_column(Date, default=None)
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Who it went to: ``{"user_id", "email", "capacity", "mail_id"}``, one per applicant/representative."""
    reminder_sent_at: Mapped[datetime | None] = mapped_column(default=None)


class CommunicationRead(Base):
    """The first time an account opened a communication: reads are recorded, once per reader."""

    __tablename__ = "communication_reads"

    communication_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communications.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
