"""HTTP endpoints of representation: the public list, its upkeep by office admins, powers of attorney."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.representatives import schemas as s
from ctpo.domain.representatives.services import RepresentationService
from ctpo.server.auth import PUBLIC


def provide_representation_service(db_session: NamedDependency[AsyncSession]) -> RepresentationService:
    """The representation service bound to this request's session."""
    return RepresentationService(db_session)


DEPENDENCIES = {"representation_service": Provide(provide_representation_service, sync_to_thread=False)}


class RepresentativeListController(Controller):
    """The public list of registered patent attorneys."""

    path = "/representatives"
    tags = ["Representation"]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/", opt=PUBLIC, summary="The public list of registered representatives")
    async def list_representatives(
        self,
        representation_service: NamedDependency[RepresentationService],
        member_state: Annotated[str | None, QueryParameter(max_length=2, min_length=2)] = None,
    ) -> list[s.RepresentativeOut]:
        """Current entries, per member state (ST.3 code), open to everyone."""
        return await representation_service.public_list(member_state)


class OfficeRepresentativeController(Controller):
    """An office's administrators keep its part of the list."""

    path = "/offices/{office:str}/representatives"
    tags = ["Representation"]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @post("/", status_code=HTTP_201_CREATED, summary="Enter a representative on the office's list")
    async def register(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        data: JSONBody[s.RepresentativeIn],
        representation_service: NamedDependency[RepresentationService],
    ) -> s.RepresentativeOut:
        """Administrators of the office; the representative's account must exist."""
        return await representation_service.register(request.user, office, data)

    @delete("/{entry_id:uuid}", status_code=HTTP_200_OK, summary="Strike a representative off the list")
    async def strike_off(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        representation_service: NamedDependency[RepresentationService],
    ) -> s.RepresentativeOut:
        """Their authorisations stop conferring rights at once; the entry stays for the record."""
        return await representation_service.strike_off(request.user, office, entry_id)


class PowerOfAttorneyController(Controller):
    """Authorisations given by applicants to representatives."""

    path = "/powers-of-attorney"
    tags = ["Representation"]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/", summary="Authorisations you gave or hold")
    async def mine(
        self, request: Request[User, Token, Any], representation_service: NamedDependency[RepresentationService]
    ) -> list[s.PowerOfAttorneyOut]:
        """Newest first, revoked ones included."""
        return await representation_service.mine(request.user)

    @post("/", status_code=HTTP_201_CREATED, summary="Appoint a representative (general or for one file)")
    async def give(
        self,
        request: Request[User, Token, Any],
        data: JSONBody[s.PowerOfAttorneyIn],
        representation_service: NamedDependency[RepresentationService],
    ) -> s.PowerOfAttorneyOut:
        """Applicants only, for their own files; 404 for a file that is not yours."""
        return await representation_service.give(request.user, data)

    @post("/{poa_id:uuid}/revoke", status_code=HTTP_200_OK, summary="Revoke (or resign) an authorisation")
    async def revoke(
        self,
        request: Request[User, Token, Any],
        poa_id: FromPath[uuid.UUID],
        data: JSONBody[s.RevocationIn],
        representation_service: NamedDependency[RepresentationService],
    ) -> s.PowerOfAttorneyOut:
        """By the principal or the representative; effective at once, kept in the record."""
        return await representation_service.revoke(request.user, poa_id, data.reason)
