"""HTTP endpoints of the inbox and of a file's communications."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.security.jwt import Token

from ctpo.db.models import User
from ctpo.domain.filings.services import FilingService
from ctpo.domain.notifications import schemas as s
from ctpo.domain.notifications.services import InboxService


def provide_inbox_service(filing_service: NamedDependency[FilingService]) -> InboxService:
    """The inbox over this request's session."""
    return InboxService(filing_service.session, clock=filing_service.clock)


DEPENDENCIES = {"inbox_service": Provide(provide_inbox_service, sync_to_thread=False)}


class InboxController(Controller):
    """The electronic inbox of applicants and representatives."""

    path = "/inbox"
    tags = ["Notification"]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/", summary="Your inbox: communications on your and your clients' files")
    async def inbox(
        self,
        request: Request[User, Token, Any],
        inbox_service: NamedDependency[InboxService],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
    ) -> list[s.CommunicationOut]:
        """Newest first, each with its notification date, reply due date and whether you read it."""
        return await inbox_service.inbox(request.user, limit=limit, offset=offset)

    @get("/{communication_id:uuid}", summary="Open a communication (the read is recorded)")
    async def open_communication(
        self,
        request: Request[User, Token, Any],
        communication_id: FromPath[uuid.UUID],
        inbox_service: NamedDependency[InboxService],
    ) -> s.CommunicationOut:
        """404 for anything not in your inbox."""
        return await inbox_service.open(request.user, communication_id)


class CommunicationController(Controller):
    """What was notified on a file, and how the e-mail copies fared."""

    path = "/applications/{number:str}/communications"
    tags = ["Notification"]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/", summary="Communications of a file, with delivery states")
    async def communications(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        inbox_service: NamedDependency[InboxService],
        filing_service: NamedDependency[FilingService],
    ) -> list[s.CommunicationOut]:
        """Those who may see the file; a refused address shows as ``failed`` with the server's answer."""
        return await inbox_service.of_application(await filing_service.get_visible(request.user, number))
