"""HTTP endpoints of prior-art search."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK

from ctpo.db.models import User
from ctpo.domain.filings.services import FilingService
from ctpo.domain.prior_art import schemas as s
from ctpo.domain.prior_art.services import PRIOR_ART_HITS, prior_art_of, search_published, search_status
from ctpo.server.auth import PUBLIC


class SearchController(Controller):
    """Free-text search and per-application prior art."""

    tags = ["Search"]  # noqa: RUF012

    @post("/search", status_code=HTTP_200_OK, summary="Search published documents in all languages")
    async def search(self, data: JSONBody[s.SearchIn], state: State) -> s.SearchOut:
        """Semantic and lexical channels fused; unpublished documents are never returned.

        ``partial`` is true while the index is still taking in the corpus (after a start, or a large load).
        """
        return await search_published(state, data)

    @get("/applications/{number:str}/prior-art", summary="Prior art for an application")
    async def prior_art(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        state: State,
        filing_service: NamedDependency[FilingService],
        k: Annotated[int, QueryParameter(ge=1, le=100)] = PRIOR_ART_HITS,
    ) -> s.PriorArtOut:
        """Searched with the title, abstract and current claims.

        Only documents published before its priority date count; P and E documents are flagged.
        """
        return await prior_art_of(state, await filing_service.get_visible(request.user, number), number, k=k)

    @get("/search/status", opt=PUBLIC, summary="Search readiness")
    async def status(self, state: State) -> s.SearchStatusOut:
        """Whether the engine is loaded, how many documents it holds and how many it is still indexing.

        ``ingest`` gives the embedding workers' progress, rate and ETA, read from the chunk rows.
        """
        return await search_status(state)
