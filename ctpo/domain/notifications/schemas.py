"""Response bodies of the inbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec


class DeliveryOut(msgspec.Struct):
    """The e-mail copy to one recipient: ``queued``, ``retrying``, ``sent``, ``kept`` or ``failed`` (with why)."""

    email: str
    capacity: str
    """``applicant`` or ``representative``."""
    status: str
    error: str | None


class CommunicationOut(msgspec.Struct):
    """An official communication, with its legal notification date."""

    id: uuid.UUID
    application_number: str
    reference: str
    kind: str
    language: str
    subject: str
    body: str
    made_available_at: datetime
    notified_on: date
    """The legal date of notification: time limits run from it."""
    reply_kind: str | None
    reply_due: date | None
    read_at: datetime | None
    """When the caller first opened it (in the office's view: the first reader)."""
    reminder_sent_at: datetime | None
    deliveries: list[DeliveryOut]
