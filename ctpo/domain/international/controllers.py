"""HTTP endpoints of PCT regional-phase entry."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ctpo.db.models import User
from ctpo.domain.filings import schemas as fs
from ctpo.domain.filings.controllers import IdempotencyKey
from ctpo.domain.filings.services import FilingService, uploads_from_json
from ctpo.domain.international import schemas as s
from ctpo.domain.international.services import InternationalService


def provide_international_service(filing_service: NamedDependency[FilingService]) -> InternationalService:
    """The entry service over this request's filing service (one filing path)."""
    return InternationalService(filing_service.session, filing_service)


class InternationalController(Controller):
    """International applications entering the CTPO phase."""

    path = "/applications"
    tags = ["Filing"]  # noqa: RUF012
    dependencies = {"international_service": Provide(provide_international_service, sync_to_thread=False)}  # noqa: RUF012

    @post(
        "/pct-entry",
        summary="Enter an international application (PCT regional phase)",
        description="Within 31 months of the earliest priority (PCT Art. 22(3)/39(1)(b), EPC Rule 159(1)); later "
        "only with a request for re-establishment of rights (409 without). Returns the receipt.",
        status_code=HTTP_201_CREATED,
    )
    async def enter(
        self,
        request: Request[User, Token, Any],
        data: JSONBody[s.EntryIn],
        international_service: NamedDependency[InternationalService],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[fs.Receipt]:
        """The international facts, the texts (or their translation) and the international search report."""
        result = await international_service.enter(
            request.user, data, uploads_from_json(data.application.documents), idempotency_key
        )
        headers = {"Location": f"/applications/{result.receipt.application_number}"}
        if not result.created:
            headers["Idempotent-Replayed"] = "true"
        return Response(
            result.receipt, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK, headers=headers
        )

    @get("/{number:str}/international", summary="The international side of a file: ISR, publication, 31 months")
    async def international(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        international_service: NamedDependency[InternationalService],
    ) -> s.InternationalOut:
        """Those who may see the file; 404 for a file that did not come through the PCT."""
        return await international_service.of_file(request.user, number)
