"""The ``send_mail`` job body: deliver a queued message once, recording each attempt on its row."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from ctpo.db.models import JobRecord, MailMessage, MailStatus, utcnow
from ctpo.mail._queue import SEND_MAIL
from ctpo.mail._transport import render, transport_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.lib.settings import MailSettings
    from ctpo.mail._transport import MailTransport

DELIVERED = (MailStatus.SENT, MailStatus.KEPT)


def deliver_message(sessions: sessionmaker[Session], transport: MailTransport, sender: str, message_pk: int) -> None:
    """Deliver the message ``message_pk`` unless it already was; record success or the failure, then re-raise it.

    Delivery is at least once: a process killed after the server accepted a message but before the row says so
    sends it again at the next attempt, with the same ``Message-ID``, which receiving systems and mail clients
    treat as the same message. A message recorded as delivered is never sent again.
    """
    with sessions() as session:
        row = session.get(MailMessage, message_pk)
        if row is None or row.status in DELIVERED:
            return
        email = render(row, sender)
    try:
        transport.deliver(email)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        with sessions() as session, session.begin():
            job = session.scalars(select(JobRecord).where(JobRecord.key == f"{SEND_MAIL}:{message_pk}")).one_or_none()
            last = job is None or job.attempts >= job.max_attempts
            session.execute(
                update(MailMessage)
                .where(MailMessage.id == message_pk, MailMessage.status.not_in(DELIVERED))
                .values(
                    status=MailStatus.FAILED if last else MailStatus.RETRYING,
                    attempts=MailMessage.attempts + 1,
                    last_error=error[-2000:],
                )
            )
        raise
    with sessions() as session, session.begin():
        session.execute(
            update(MailMessage)
            .where(MailMessage.id == message_pk, MailMessage.status.not_in(DELIVERED))
            .values(
                status=transport.delivered,
                attempts=MailMessage.attempts + 1,
                transport=transport.name,
                delivered_at=utcnow(),
                last_error=None,
            )
        )


def mail_job_bodies(
    sessions: sessionmaker[Session], settings: MailSettings
) -> dict[str, Callable[[str, dict[str, Any]], None]]:
    """The job bodies of mail, bound to a database and the mail settings, for a ``JobRunner``."""
    transport = transport_for(settings)

    def send_mail(_key: str, args: dict[str, Any]) -> None:
        deliver_message(sessions, transport, settings.sender, int(args["message"]))

    return {SEND_MAIL: send_mail}
