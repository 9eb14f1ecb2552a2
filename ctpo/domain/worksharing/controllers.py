"""HTTP endpoints of work sharing: examiners' profiles, whom a file may be given to, each office's shared files."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.worksharing import schemas as s
from ctpo.domain.worksharing.services import WorkSharingService


def provide_work_sharing_service(db_session: NamedDependency[AsyncSession]) -> WorkSharingService:
    """The work-sharing service bound to this request's session."""
    return WorkSharingService(db_session)


_DEPENDENCIES = {"work_sharing_service": Provide(provide_work_sharing_service, sync_to_thread=False)}


class ExaminerProfileController(Controller):
    """What an examiner reads and examines."""

    path = "/examiners/{user_id:uuid}/profile"
    tags = ["Work sharing"]  # noqa: RUF012
    dependencies = _DEPENDENCIES

    @get("/", summary="An examiner's languages and IPC fields")
    async def profile(
        self,
        request: Request[User, Token, Any],
        user_id: FromPath[uuid.UUID],
        work_sharing_service: NamedDependency[WorkSharingService],
    ) -> s.ExaminerProfileOut:
        """Office staff of every member office (files are assigned across offices)."""
        return await work_sharing_service.profile(request.user, user_id)

    @put("/", summary="Declare the languages an examiner reads and their IPC fields")
    async def set_profile(
        self,
        request: Request[User, Token, Any],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[s.ExaminerProfileIn],
        work_sharing_service: NamedDependency[WorkSharingService],
    ) -> s.ExaminerProfileOut:
        """The examiner themself, or an administrator of their office; replaces the whole profile (audited)."""
        return await work_sharing_service.set_profile(request.user, user_id, data.languages, data.ipc_fields)


class AssignableExaminersController(Controller):
    """Whom a file may be given to."""

    path = "/applications/{number:str}/assignable-examiners"
    tags = ["Work sharing"]  # noqa: RUF012
    dependencies = _DEPENDENCIES

    @get("/", summary="Examiners of any member office who read the file's language, best IPC match first")
    async def suggestions(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        work_sharing_service: NamedDependency[WorkSharingService],
    ) -> list[s.SuggestionOut]:
        """Administrators of the file's office, who assign it (``POST .../actions/assign``)."""
        return await work_sharing_service.suggestions(request.user, number)


class SharedFilesController(Controller):
    """An office's files held by examiners of other offices, and the reverse."""

    path = "/offices/{office:str}/shared-files"
    tags = ["Work sharing"]  # noqa: RUF012
    dependencies = _DEPENDENCIES

    @get("/", summary="Files lent to and borrowed from other offices")
    async def shared_files(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        work_sharing_service: NamedDependency[WorkSharingService],
    ) -> s.SharedFilesOut:
        """Administrators of the office: both offices see each assignment across them."""
        return await work_sharing_service.shared_files(request.user, office)
