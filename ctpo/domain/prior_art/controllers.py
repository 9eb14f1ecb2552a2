"""HTTP endpoints of prior-art search."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK

from ctpo.db.models import User
from ctpo.domain.filings.services import FilingService
from ctpo.domain.prior_art import schemas as s
from ctpo.domain.prior_art.runtime import SearchRuntime
from ctpo.domain.prior_art.services import (
    PRIOR_ART_HITS,
    check_search,
    find_prior_art,
    ingest_out,
    prior_art_query,
    search_out,
    search_runtime,
)
from ctpo.server.auth import PUBLIC


class SearchController(Controller):
    """Free-text search and per-application prior art."""

    tags = ["Search"]  # noqa: RUF012

    @post("/search", status_code=HTTP_200_OK, summary="Search published documents in all languages")
    async def search(self, data: JSONBody[s.SearchIn], state: State) -> s.SearchOut:
        """Semantic and lexical channels fused; unpublished documents are never returned.

        ``partial`` is true while the index is still taking in the corpus (after a start, or a large load).
        """
        check_search(data)
        runtime: SearchRuntime = search_runtime(state)
        return await anyio.to_thread.run_sync(
            lambda: search_out(
                runtime,
                lambda: runtime.search(
                    data.text, languages=data.languages, ipc_prefix=data.ipc_prefix, before=data.before, k=data.k
                ),
            )
        )

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
        application = await filing_service.get_visible(request.user, number)
        found = await find_prior_art(state, application, k=k)
        _, dates = prior_art_query(application)
        return s.PriorArtOut(
            application_number=number, reference_date=dates.reference_date, hits=found.hits, partial=found.partial
        )

    @get("/search/status", opt=PUBLIC, summary="Search readiness")
    async def status(self, state: State) -> s.SearchStatusOut:
        """Whether the engine is loaded, how many documents it holds and how many it is still indexing.

        ``ingest`` gives the embedding workers' progress, rate and ETA, read from the chunk rows.
        """
        runtime: SearchRuntime | None = state.search
        if runtime is None:
            return s.SearchStatusOut(ready=False, indexed=0, pending=0, error="search is not started")
        progress = await anyio.to_thread.run_sync(runtime.ingest_progress)
        return s.SearchStatusOut(
            ready=runtime.ready,
            indexed=runtime.indexed,
            pending=runtime.pending,
            error=runtime.error,
            ingest=ingest_out(progress),
        )
