"""Outgoing e-mail: queued with the act that calls for it, delivered by a background job, recorded per message.

How to send a message (registration mails, official notifications…), inside the transaction of the act::

    from ctpo.mail import OutgoingMail, queue_mail, queue_mail_async

    queue_mail(sync_session, OutgoingMail(kind="notification.office_action", to="a@example.kz",
                                          subject="…", body="…"), now)
    # or, from an AsyncSession:
    await queue_mail_async(async_session, OutgoingMail(...), now)
    # then commit: the message row and its ``send_mail`` job commit (or roll back) with the act.

Nothing is sent before the commit, and nothing committed is lost: the ``jobs`` outbox delivers it (in-process or by
a Celery worker), retrying with backoff; after the last attempt the job is a dead letter listed for office
administrators and the message row says ``failed`` with the error. Each message carries a ``Message-ID`` fixed at
queueing, so every attempt sends the same message and a delivered one is never sent again.

Transport by settings (:class:`ctpo.lib.settings.MailSettings`): SMTP with STARTTLS, implicit TLS or (on loopback)
none, optional login; with no ``CTPO_MAIL_HOST`` mail is off and each message is written, once, as
``$CTPO_DATA_DIR/outbox/<id>.eml`` for the operator to read (``ctpo mail list`` shows every message and its state).
"""

from __future__ import annotations

from ctpo.mail._jobs import deliver_message, mail_job_bodies
from ctpo.mail._queue import SEND_MAIL, OutgoingMail, queue_mail, queue_mail_async
from ctpo.mail._transport import MailTransport, OutboxFolder, SmtpTransport, render, transport_for

__all__ = [
    "SEND_MAIL",
    "MailTransport",
    "OutboxFolder",
    "OutgoingMail",
    "SmtpTransport",
    "deliver_message",
    "mail_job_bodies",
    "queue_mail",
    "queue_mail_async",
    "render",
    "transport_for",
]
