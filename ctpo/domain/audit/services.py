"""Recording and listing audited events.

Two kinds are recorded. Reads of an unpublished file by office staff are recorded, and committed, before the
file is returned: if the record cannot be written the read is refused (503), because an unaccountable read of a
secret invention is worse than a delayed one. Administrative acts are recorded in the same transaction as the
act, so either both are stored or neither is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ctpo.db.models import AuditRecord, Role
from ctpo.domain.access._rules import require_admin_of  # the package imports this module (read audits)
from ctpo.domain.audit import schemas as s
from ctpo.domain.audit.context import current_request
from ctpo.lib.errors import CtpoError, FieldError, InvalidRequestError

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable

    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import Application, User

FILE_READ = "application.read"
LIST_READ = "applications.list"
AUDIT_RETRY_AFTER_SECONDS = 5


class AuditUnavailableError(CtpoError):
    """The audit record of a read could not be written, so the file is not shown."""

    status_code = 503
    title = "Service unavailable"

    @property
    def headers(self) -> dict[str, str]:
        """Tell the client when to try again."""
        return {"Retry-After": str(AUDIT_RETRY_AFTER_SECONDS)}


def audit_record(
    actor: User | None,
    action: str,
    *,
    office: str | None,
    application_number: str | None = None,
    target_user_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """A record of ``action`` by ``actor``, with where the current request came from.

    Add it to the session of the act it describes, so that it commits (or rolls back) with it.
    """
    context = current_request()
    return AuditRecord(
        office=office,
        action=action,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        actor_role=str(actor.role) if actor else None,
        actor_office=actor.office if actor else None,
        application_number=application_number,
        target_user_id=target_user_id,
        details=details or {},
        client_address=context.client_address if context else None,
        user_agent=context.user_agent if context else None,
        method=context.method if context else None,
        path=context.path if context else None,
    )


def _needs_record(user: User, application: Application) -> bool:
    return user.role != Role.APPLICANT and application.publication_date is None


async def _commit(session: AsyncSession, record: AuditRecord) -> None:
    session.add(record)
    try:
        await session.commit()
    except SQLAlchemyError as exc:
        await session.rollback()
        raise AuditUnavailableError(
            "The access to this file could not be recorded, so it is not shown. Retry in a few seconds."
        ) from exc


async def record_file_read(session: AsyncSession, user: User, application: Application) -> None:
    """Log, and commit, a staff read of an unpublished file; once per file and request.

    Raises:
        AuditUnavailableError: the record could not be written; the caller must not return the file.
    """
    if not _needs_record(user, application):
        return
    context = current_request()
    key = (FILE_READ, str(application.id))
    if context is not None and key in context.recorded:
        return
    record = audit_record(user, FILE_READ, office=application.receiving_office, application_number=application.number)
    await _commit(session, record)
    if context is not None:
        context.recorded.add(key)


async def record_list_read(session: AsyncSession, user: User, applications: Iterable[Application]) -> None:
    """Log a list (application list, queue) that showed staff unpublished files: which ones.

    Raises:
        AuditUnavailableError: the record could not be written; the caller must not return the list.
    """
    secret = sorted(a.number for a in applications if _needs_record(user, a) and a.number)
    if not secret:
        return
    await _commit(session, audit_record(user, LIST_READ, office=user.office, details={"numbers": secret}))


class AuditService:
    """The audit log of one database, as its office administrators read it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_records(
        self,
        admin: User,
        office: str,
        *,
        action: str | None = None,
        actor_id: uuid.UUID | None = None,
        application_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[s.AuditOut]:
        """The office's records, newest first; page with ``before_id`` (the last id of the previous page).

        Raises:
            ForbiddenError: the caller is not an office administrator.
            NotFoundError: the caller administers another office.
        """
        office = require_admin_of(admin, office, purpose="Only office administrators read the audit log.")
        since, until = _utc("since", since), _utc("until", until)
        query = select(AuditRecord).where(AuditRecord.office == office)
        if action is not None:
            query = query.where(AuditRecord.action == action)
        if actor_id is not None:
            query = query.where(AuditRecord.actor_id == actor_id)
        if application_number is not None:
            query = query.where(AuditRecord.application_number == application_number)
        if since is not None:
            query = query.where(AuditRecord.at >= since)
        if until is not None:
            query = query.where(AuditRecord.at < until)
        if before_id is not None:
            query = query.where(AuditRecord.id < before_id)
        query = query.order_by(AuditRecord.id.desc()).limit(limit)
        return [audit_out(r) for r in (await self.session.execute(query)).scalars()]


def _utc(field: str, value: datetime | None) -> datetime | None:
    """An instant in UTC; one without a zone is taken as UTC.

    Raises:
        InvalidRequestError: the instant is outside the years a date can hold once in UTC (9999-12-31T23:00-05:00).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidRequestError(
            f"{value.isoformat()} is out of range.", errors=[FieldError(field, "is outside the years 1 to 9999 in UTC")]
        ) from None


def audit_out(record: AuditRecord) -> s.AuditOut:
    """A record for the API."""
    return s.AuditOut(
        id=record.id,
        at=record.at,
        office=record.office,
        action=record.action,
        actor_id=record.actor_id,
        actor_email=record.actor_email,
        actor_role=record.actor_role,
        actor_office=record.actor_office,
        application_number=record.application_number,
        target_user_id=record.target_user_id,
        details=record.details,
        client_address=record.client_address,
        user_agent=record.user_agent,
        method=record.method,
        path=record.path,
    )
