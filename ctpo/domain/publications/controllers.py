"""HTTP of publications: corrections by the receiving office's administrators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.publications import schemas as s
from ctpo.domain.publications.corrections import correct_publication


class PublicationController(Controller):
    """Published documents."""

    path = "/publications"
    tags = ["Publication"]  # noqa: RUF012

    @post("/{number:str}/{kind:str}/corrections", summary="Publish a correction (A8/A9, B8/B9)")
    async def correct(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        kind: FromPath[str],
        data: JSONBody[s.CorrectionIn],
        db_session: NamedDependency[AsyncSession],
    ) -> s.PublicationOut:
        """Administrators of the file's receiving office; the corrected document keeps the number."""
        return await correct_publication(db_session, request.user, number, kind, scope=data.scope, reason=data.reason)
