"""Outgoing e-mail: one row per message, recording what was sent, to whom, and how delivery went."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class MailStatus(enum.StrEnum):
    """Where a message stands (``mail_messages.status``, stored as text)."""

    QUEUED = "queued"
    """Not tried yet."""
    RETRYING = "retrying"
    """An attempt failed (``last_error`` says why); the job tries again."""
    SENT = "sent"
    """The SMTP server accepted it."""
    KEPT = "kept"
    """Mail is off: it was written to the outbox folder."""
    FAILED = "failed"
    """Every attempt failed; the job is a dead letter an administrator can retry."""


class MailMessage(Base):
    """A message queued for delivery; the row is written in the transaction of the act that calls for it.

    ``status`` (a :class:`MailStatus`) moves from ``queued`` through ``retrying`` to ``sent``, ``kept`` or ``failed``.
    """

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    """The RFC 5322 ``Message-ID``, fixed at queueing: every attempt sends the same one."""
    kind: Mapped[str] = mapped_column(String(60))
    """What the message is for (``registration.verify``, ``notification.office_action``…), for listing and metrics."""
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    """Plain text; no HTML, so nothing in a message can run or track."""
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    transport: Mapped[str | None] = mapped_column(String(20), default=None)
    """``smtp`` or ``outbox``: how it was delivered."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
