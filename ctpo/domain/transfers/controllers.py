"""HTTP endpoints of transfer recordal."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_201_CREATED

from ctpo.db.models import User
from ctpo.domain.filings.services import FilingService
from ctpo.domain.transfers import schemas as s
from ctpo.domain.transfers.services import TransferService


def provide_transfer_service(filing_service: NamedDependency[FilingService]) -> TransferService:
    """The transfer service over this request's filing service."""
    return TransferService(filing_service)


class TransferController(Controller):
    """Changes of applicant or proprietor."""

    path = "/applications/{number:str}/transfers"
    tags = ["Filing"]  # noqa: RUF012
    dependencies = {"transfer_service": Provide(provide_transfer_service, sync_to_thread=False)}  # noqa: RUF012

    @post("/", status_code=HTTP_201_CREATED, summary="Record a transfer (change of applicant), on evidence")
    async def record(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        data: JSONBody[s.TransferIn],
        transfer_service: NamedDependency[TransferService],
    ) -> s.TransferOut:
        """The applicant of record, its representative or an office admin; effective from recordal."""
        return await transfer_service.record(request.user, number, data)

    @get("/", summary="Recorded transfers of a file")
    async def history(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        transfer_service: NamedDependency[TransferService],
    ) -> list[s.TransferOut]:
        """Oldest first; those who may see the file."""
        return await transfer_service.history(request.user, number)
