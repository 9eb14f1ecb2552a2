"""HTTP endpoint of the audit log: office administrators list their office's records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.security.jwt import Token
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.audit import schemas as s
from ctpo.domain.audit.services import AuditService


def provide_audit_service(db_session: NamedDependency[AsyncSession]) -> AuditService:
    """The audit service bound to this request's session."""
    return AuditService(db_session)


class AuditController(Controller):
    """The office's audit log."""

    path = "/offices/{office:str}/audit"
    tags = ["Accounts"]  # noqa: RUF012
    dependencies = {"audit_service": Provide(provide_audit_service, sync_to_thread=False)}  # noqa: RUF012

    @get("/", summary="The office's audit log, newest first")
    async def list_records(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        audit_service: NamedDependency[AuditService],
        action: Annotated[str | None, QueryParameter(max_length=60, description="e.g. application.read")] = None,
        actor_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        application: Annotated[str | None, QueryParameter(max_length=20, description="Application number")] = None,
        since: Annotated[datetime | None, QueryParameter(description="At or after this instant")] = None,
        until: Annotated[datetime | None, QueryParameter(description="Before this instant")] = None,
        before_id: Annotated[
            int | None,
            QueryParameter(ge=1, le=2**31 - 1, description="Next page: the last id of the previous one (an INTEGER)"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[s.AuditOut]:
        """Reads of unpublished files by staff and administrative acts, with who, what, when and from where.

        Administrators of the office only.
        """
        return await audit_service.list_records(
            request.user,
            office,
            action=action,
            actor_id=actor_id,
            application_number=application,
            since=since,
            until=until,
            before_id=before_id,
            limit=limit,
        )
