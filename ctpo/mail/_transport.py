"""Delivering one rendered message: by SMTP, or into the outbox folder when mail is off."""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Protocol

from ctpo.db.models import MailStatus
from ctpo.lib.settings import MailSecurity

if TYPE_CHECKING:
    from pathlib import Path

    from ctpo.db.models import MailMessage
    from ctpo.lib.settings import MailSettings


class MailTransport(Protocol):
    """Hands a rendered message on; raises on failure (the job then retries it)."""

    name: str
    """Recorded on the message: ``smtp`` or ``outbox``."""
    delivered: MailStatus
    """The status of a message this transport delivered: ``sent`` away, or ``kept`` in the outbox folder."""

    def deliver(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise."""


def render(row: MailMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message of a stored row; the same bytes for every attempt but the transport's own headers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to the office's robot
    message.set_content(row.body)
    return message


class SmtpTransport:
    """SMTP with STARTTLS, implicit TLS, or nothing (a relay on loopback), logging in when a user is set."""

    name = "smtp"
    delivered = MailStatus.SENT

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security is MailSecurity.SSL:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context())
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        if s.security is MailSecurity.STARTTLS:
            client.starttls(context=ssl.create_default_context())  # raises if the server does not offer it
        return client

    def deliver(self, message: EmailMessage) -> None:
        """One SMTP conversation; any refusal (also of one recipient) raises."""
        with self._connect() as client:
            if self.settings.username:
                client.login(self.settings.username, self.settings.password)
            refused = client.send_message(message)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)


class OutboxFolder:
    """Mail off: each message becomes ``<folder>/<hash of its Message-ID>.eml``, written atomically, once."""

    name = "outbox"
    delivered = MailStatus.KEPT

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_of(self, message_id: str) -> Path:
        """Where the message with this ``Message-ID`` is kept."""
        return self.folder / f"{hashlib.sha256(message_id.encode()).hexdigest()[:32]}.eml"

    def deliver(self, message: EmailMessage) -> None:
        """Write the message; writing the same one again replaces it with identical bytes."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.path_of(str(message["Message-ID"]))
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # tokens inside: the operator's eyes only
        with os.fdopen(fd, "wb") as out:
            out.write(bytes(message))
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(target)


def transport_for(settings: MailSettings) -> MailTransport:
    """SMTP when ``CTPO_MAIL_HOST`` is set, else the outbox folder."""
    return SmtpTransport(settings) if settings.enabled else OutboxFolder(settings.outbox_dir)
