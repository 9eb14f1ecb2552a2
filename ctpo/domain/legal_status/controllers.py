"""HTTP endpoint of the legal-event record."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.security.jwt import Token

from ctpo.db.models import User
from ctpo.domain.legal_status import schemas as s
from ctpo.domain.legal_status.services import LegalStatusService


class LegalStatusController(Controller):
    """Legal events of one application, coded after WIPO ST.27."""

    path = "/applications/{number:str}"
    tags = ["Legal status"]  # noqa: RUF012

    @get("/legal-events", summary="Legal events (WIPO ST.27), optionally for one designated state")
    async def legal_events(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        legal_status_service: NamedDependency[LegalStatusService],
        designated_state: Annotated[
            str | None, QueryParameter(name="state", max_length=2, description="ST.3 code of a designated state")
        ] = None,
    ) -> list[s.LegalEventOut]:
        """Those who may see the file; with ``state``, the events of that state and of the whole file."""
        return await legal_status_service.events(request.user, number, designated_state)
