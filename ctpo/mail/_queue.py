"""Queueing a message: its row and its delivery job, written in the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from ctpo.db.models import MailMessage, MailStatus
from ctpo.domain.jobs.records import JobSpec, schedule

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

SEND_MAIL = "send_mail"
"""The job name of a delivery."""
MAX_ATTEMPTS = 8
"""Attempts before a message is ``failed`` (with the job's backoff, about 20 minutes at the default base)."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A plain-text message to one recipient."""

    kind: str
    """What it is for, e.g. ``registration.verify``; listed with the message."""
    to: str
    subject: str
    body: str
    office: str | None = None
    """The office whose administrators see its delivery job if it fails; None for organisation-wide mail."""


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "ctpo.example"


def queue_mail(session: Session, mail: OutgoingMail, now: datetime, *, sender: str = "") -> MailMessage:
    """Add the message and its delivery job to the caller's transaction; both commit or roll back with it.

    Args:
        session: the caller's session, inside the transaction of the act.
        mail: what to send.
        now: the act's time.
        sender: the configured ``From`` (only its domain is used, for the ``Message-ID``).
    """
    if any(ch in mail.to + mail.subject for ch in "\r\n"):
        raise ValueError("a header of a message contains a line break")  # header injection: a bug, not input
    message = MailMessage(
        message_id=f"<{uuid.uuid4().hex}@{_domain(sender)}>",
        kind=mail.kind,
        to_address=mail.to,
        subject=mail.subject,
        body=mail.body,
        status=MailStatus.QUEUED,
        attempts=0,
        created_at=now,
    )
    session.add(message)
    session.flush()
    schedule(
        session,
        JobSpec(name=SEND_MAIL, key=f"{SEND_MAIL}:{message.id}", args={"message": message.id}, office=mail.office),
        now,
        max_attempts=MAX_ATTEMPTS,
    )
    return message


async def queue_mail_async(
    session: AsyncSession, mail: OutgoingMail, now: datetime, *, sender: str = ""
) -> MailMessage:
    """:func:`queue_mail` from an async session."""
    return await session.run_sync(lambda sync: queue_mail(sync, mail, now, sender=sender))
