"""Notifying an act: the inbox entry and its e-mail copies, in the transaction of the act; the inbox; reminders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import (
    Application,
    Communication,
    CommunicationRead,
    DeadlineRecord,
    MailMessage,
    PowerOfAttorney,
    Renewal,
    RenewalStatus,
    Representative,
    User,
)
from ctpo.domain.access import acting_as_applicant
from ctpo.domain.notifications import schemas as s
from ctpo.domain.notifications.texts import label, line
from ctpo.domain.representatives.access import covers_application
from ctpo.lib.errors import NotFoundError
from ctpo.mail import OutgoingMail, queue_mail
from workflows.notification import NOTIFIED_ACTIONS, needs_reminder, notification_date
from workflows.offices import OFFICES, OfficeCode

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session, sessionmaker

    from workflows import Decision


def reference_of(number: str, seq: int) -> str:
    """The stable reference of the communication issued by history entry ``seq``: ``KZ-2026-000002/5``."""
    return f"{number}/{seq}"


def recipients(session: Session, application: Application) -> list[tuple[User, str, str]]:
    """``(account, address, capacity)`` of everyone a communication on the file goes to.

    The applicant of record, and each representative whose power of attorney covers the file (EPC Rule 130(1)
    notifies the representative; we notify both, so a client is never left unaware).
    """
    owner = session.get(User, application.owner_id)
    out: list[tuple[User, str, str]] = []
    if owner is not None and owner.is_active:
        out.append((owner, owner.email, "applicant"))
    reps = session.execute(
        select(Representative.email, User)
        .select_from(Application)
        .join(PowerOfAttorney, covers_application())
        .join(Representative, Representative.id == PowerOfAttorney.representative_id)
        .join(User, User.id == Representative.user_id)
        .where(
            Application.id == application.id,
            Representative.removed_at.is_(None),
            PowerOfAttorney.revoked_at.is_(None),
        )
        .order_by(Representative.registration_number)
    ).all()
    seen = {u.id for u, _, _ in out}
    for email, account in reps:
        if account.id not in seen and account.is_active:
            out.append((account, email, "representative"))
            seen.add(account.id)
    return out


def issue(
    session: Session,
    application: Application,
    *,
    kind: str,
    reference: str,
    seq: int,
    at: datetime,
    reply_kind: str | None = None,
    reply_due: date | None = None,
    extra: list[str] | None = None,
) -> Communication:
    """Make a communication available in the inbox of every party to the file and queue its e-mail copies.

    Written in the caller's transaction: committed with the act (or the sweep) that issues it, or not at all.
    """
    notified_on = notification_date(OfficeCode(application.receiving_office), at)
    communication_id = uuid.uuid4()
    language = application.language
    subject = f"{reference}: {label(language, kind)}"
    lines = [
        line(language, "intro", number=application.number),
        line(language, "notified", date=notified_on.isoformat()),
        *(extra or []),
    ]
    if reply_due is not None and reply_kind is not None:
        lines.append(line(language, "reply", due=reply_due.isoformat(), kind=reply_kind))
    lines.append(line(language, "read", id=communication_id))
    body = "\n\n".join(lines)
    sent_to: list[dict[str, Any]] = []
    for account, address, capacity in recipients(session, application):
        mail = OutgoingMail(
            kind=f"notification.{kind}", to=address, subject=subject, body=body, office=application.receiving_office
        )
        message = queue_mail(session, mail, at)
        sent_to.append({"user_id": str(account.id), "email": address, "capacity": capacity, "mail_id": message.id})
    communication = Communication(
        id=communication_id,
        application_id=application.id,
        history_seq=seq,
        reference=reference,
        kind=kind,
        language=language,
        subject=subject,
        body=body,
        made_available_at=at,
        notified_on=notified_on,
        reply_kind=reply_kind,
        reply_due=reply_due,
        recipients=sent_to,
    )
    session.add(communication)
    session.flush()
    return communication


def notify(session: Session, decision: Decision, application_id: uuid.UUID, reference: str) -> Communication | None:
    """Make the act's communication available in the inbox and queue its e-mail copies, in the act's transaction.

    Returns ``None`` for acts that notify nothing.
    """
    rule = NOTIFIED_ACTIONS.get(decision.action)
    if rule is None:
        return None
    application = session.get(Application, application_id)
    if application is None:  # pragma: no cover - the decision was just applied to it
        raise LookupError(f"no application {application_id}")
    reply = next((d for d in decision.opened if rule.reply is not None and d.kind is rule.reply), None)
    return issue(
        session,
        application,
        kind=rule.kind,
        reference=reference,
        seq=decision.history.seq,
        at=decision.history.at,
        reply_kind=reply.kind.value if reply else None,
        reply_due=reply.due_date if reply else None,
    )


def send_renewal_reminders(session: Session, now: datetime) -> int:
    """Notify, once per file and year, a renewal fee left unpaid past its due date while the grace period runs.

    EPC Rule 51(2): the fee may still be paid within six months with an additional fee; the EPO tells the
    proprietor so, and so do we. The communication carries no history entry of its own: its sequence is minus the
    renewal year, which keeps one per file and year. Returns how many were issued.
    """
    rows = session.execute(
        select(Renewal, Application)
        .join(Application, Application.id == Renewal.application_id)
        .where(Renewal.status == RenewalStatus.OPEN, Renewal.pay_until < now.date() + timedelta(days=1))
        .order_by(Renewal.application_id, Renewal.year, Renewal.scope)
    ).all()
    due: dict[tuple[uuid.UUID, int], list[tuple[Renewal, Application]]] = {}
    for renewal, application in rows:
        today = OFFICES[OfficeCode(application.receiving_office)].local_date(now)
        if renewal.pay_until < today <= renewal.grace_end:
            due.setdefault((application.id, renewal.year), []).append((renewal, application))
    count = 0
    for (_, year), group in due.items():
        application = group[0][1]
        reference = f"{application.number}/renewal-{year}"
        known = session.execute(select(Communication.id).where(Communication.reference == reference)).first()
        if known is not None:
            continue
        states = ", ".join(sorted(r.scope for r, _ in group))
        grace = max(r.grace_end for r, _ in group)
        text = line(
            application.language,
            "renewal",
            year=year,
            states=states,
            due=min(r.due_date for r, _ in group).isoformat(),
            grace=grace.isoformat(),
        )
        issue(
            session,
            application,
            kind="renewal_reminder",
            reference=reference,
            seq=-year,
            at=now,
            reply_kind="renewal_fee",
            reply_due=grace,
            extra=[text],
        )
        count += 1
    return count


def send_reminders(session: Session, now: datetime) -> int:
    """Queue the one reminder of every unread communication whose reply is still awaited after 7 days.

    The reminder is a courtesy: it neither notifies anything anew nor moves a time limit. Returns how many.
    """
    candidates = session.execute(
        select(Communication).where(Communication.reply_kind.is_not(None), Communication.reminder_sent_at.is_(None))
    ).scalars()
    count = 0
    for communication in candidates:
        read = session.execute(
            select(CommunicationRead.user_id).where(CommunicationRead.communication_id == communication.id)
        ).first()
        reply_open = session.execute(
            select(DeadlineRecord.id).where(
                DeadlineRecord.application_id == communication.application_id,
                DeadlineRecord.kind == communication.reply_kind,
                DeadlineRecord.closed_at.is_(None),
            )
        ).first()
        if not needs_reminder(
            reply_open=reply_open is not None,
            read=read is not None,
            reminded=False,
            made_available_at=communication.made_available_at,
            now=now,
        ):
            continue
        application = session.get(Application, communication.application_id)
        if application is None:  # pragma: no cover
            continue
        language = communication.language
        subject = f"{communication.reference}: {label(language, 'reminder')}"
        body = "\n\n".join(
            [
                f"{label(language, communication.kind)} — {communication.reference}",
                line(language, "notified", date=communication.notified_on.isoformat()),
                line(language, "reply", due=communication.reply_due, kind=communication.reply_kind),
                line(language, "read", id=communication.id),
            ]
        )
        for recipient in communication.recipients:
            queue_mail(
                session,
                OutgoingMail(
                    kind="notification.reminder",
                    to=recipient["email"],
                    subject=subject,
                    body=body,
                    office=application.receiving_office,
                ),
                now,
            )
        communication.reminder_sent_at = now
        count += 1
    return count


def remind_once(sessions: sessionmaker[Session], now: datetime) -> int:
    """One reminder pass in its own transaction (the in-process sweeper and Celery beat call it)."""
    with sessions() as session, session.begin():
        return send_reminders(session, now) + send_renewal_reminders(session, now)


def _out(
    communication: Communication, number: str, read_at: datetime | None, mails: dict[int, MailMessage]
) -> s.CommunicationOut:
    return s.CommunicationOut(
        id=communication.id,
        application_number=number,
        reference=communication.reference,
        kind=communication.kind,
        language=communication.language,
        subject=communication.subject,
        body=communication.body,
        made_available_at=communication.made_available_at,
        notified_on=communication.notified_on,
        reply_kind=communication.reply_kind,
        reply_due=communication.reply_due,
        read_at=read_at,
        reminder_sent_at=communication.reminder_sent_at,
        deliveries=[
            s.DeliveryOut(
                email=r["email"],
                capacity=r["capacity"],
                status=mails[r["mail_id"]].status if r["mail_id"] in mails else "unknown",
                error=mails[r["mail_id"]].last_error if r["mail_id"] in mails else None,
            )
            for r in communication.recipients
        ],
    )


class InboxService:
    """The parties' electronic inbox, and the office's view of what was notified and delivered."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    async def _mails(self, communications: list[Communication]) -> dict[int, MailMessage]:
        ids = {r["mail_id"] for c in communications for r in c.recipients}
        if not ids:
            return {}
        rows = await self.session.execute(select(MailMessage).where(MailMessage.id.in_(ids)))
        return {m.id: m for m in rows.scalars()}

    async def inbox(self, user: User, *, limit: int, offset: int) -> list[s.CommunicationOut]:
        """Communications on the files the caller is a party to (own or represented), newest first."""
        query = (
            select(Communication, Application.number, CommunicationRead.read_at)
            .join(Application, Application.id == Communication.application_id)
            .outerjoin(
                CommunicationRead,
                (CommunicationRead.communication_id == Communication.id) & (CommunicationRead.user_id == user.id),
            )
            .where(acting_as_applicant(user))
            .order_by(Communication.made_available_at.desc(), Communication.id)
            .limit(limit)
            .offset(offset)
        )
        rows = (await self.session.execute(query)).all()
        mails = await self._mails([c for c, _, _ in rows])
        return [_out(c, number, read_at, mails) for c, number, read_at in rows]

    async def open(self, user: User, communication_id: uuid.UUID) -> s.CommunicationOut:
        """One communication of the caller's inbox; the first opening by each reader is recorded.

        Raises:
            NotFoundError: not in the caller's inbox.
        """
        query = (
            select(Communication, Application.number)
            .join(Application, Application.id == Communication.application_id)
            .where(Communication.id == communication_id, acting_as_applicant(user))
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            raise NotFoundError(f"There is no communication {communication_id} in your inbox.")
        communication, number = row
        existing = await self.session.get(CommunicationRead, (communication.id, user.id))
        read_at = existing.read_at if existing else self.clock()
        if existing is None:
            self.session.add(CommunicationRead(communication_id=communication.id, user_id=user.id, read_at=read_at))
            try:
                await self.session.commit()
            except IntegrityError:  # the same reader in two tabs: the first read stands
                await self.session.rollback()
        return _out(communication, number, read_at, await self._mails([communication]))

    async def of_application(self, application: Application) -> list[s.CommunicationOut]:
        """Every communication of a file the caller may see (checked by the caller), with delivery states."""
        query = (
            select(Communication)
            .where(Communication.application_id == application.id)
            .order_by(Communication.made_available_at, Communication.history_seq)
        )
        communications = list((await self.session.execute(query)).scalars())
        reads = await self.session.execute(
            select(CommunicationRead.communication_id, CommunicationRead.read_at).where(
                CommunicationRead.communication_id.in_([c.id for c in communications])
            )
        )
        first_read: dict[uuid.UUID, datetime] = {}
        for cid, at in reads.all():
            first_read[cid] = min(at, first_read.get(cid, at))
        mails = await self._mails(communications)
        return [_out(c, str(application.number), first_read.get(c.id), mails) for c in communications]
