"""What the search endpoints need beyond the engine: the runtime from app state, queries from applications."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ctpo.domain.prior_art import schemas as s
from ctpo.domain.prior_art.runtime import SearchNotReadyError, SearchRuntime
from ctpo.lib.errors import CtpoError, FieldError, InvalidRequestError
from search.languages import LANGUAGES, MAX_QUERY_CHARS
from search.prior_art import ApplicationDates

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from litestar.datastructures import State

    from ctpo.db.models import Application
    from ctpo.domain.prior_art.progress import IngestProgress
    from search.engine import Hit


class SearchUnavailableError(CtpoError):
    """503: search is loading or failed to load; the rest of the service works."""

    status_code = 503
    title = "Search unavailable"


def search_runtime(state: State) -> SearchRuntime:
    """The process's search runtime, or 503 while it loads.

    Raises:
        SearchUnavailableError: not started, still loading, or failed.
    """
    runtime: SearchRuntime | None = state.search
    if runtime is None or not runtime.loaded:
        reason = runtime.error if runtime is not None and runtime.error else "the search engine is still loading"
        raise SearchUnavailableError(f"Search is not available yet: {reason}. Retry in a minute.")
    return runtime


PRIOR_ART_HITS = 20
"""Documents shown as an application's prior art, wherever it is searched: the search stored after formalities,
"search again" on the desk, the dossier and the API's default. One number, so that the same search never shows
a different count in two places."""


def check_search(data: s.SearchIn) -> None:
    """Refuse what the engine could only answer wrongly: a language it does not hold, a query too long to search.

    Raises:
        InvalidRequestError: 422 naming each field at fault.
    """
    errors = [
        FieldError(f"languages[{i}]", f"'{code}' is not a language searched here; use one of {', '.join(LANGUAGES)}")
        for i, code in enumerate(data.languages or [])
        if code not in LANGUAGES
    ]
    if len(data.text) > MAX_QUERY_CHARS:
        errors.append(
            FieldError("text", f"the query has {len(data.text)} characters; at most {MAX_QUERY_CHARS} are searched")
        )
    if errors:
        raise InvalidRequestError("The search cannot be run as asked; see errors.", errors=errors)


def prior_art_query(application: Application) -> tuple[str, ApplicationDates]:
    """The query text (title, abstract, current claims) and the dates that decide what counts as prior art.

    The text stops at :data:`~search.languages.MAX_QUERY_CHARS`, at a line break where one is near: the title,
    the abstract and the first claims carry the invention, and a claim set may be far longer than a query.
    """
    claims = [c.text for c in application.claims if c.claim_set == application.claim_set_version]
    text = "\n".join([application.title, application.abstract, *claims])
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind("\n", 0, MAX_QUERY_CHARS + 1)
        text = text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
    return text, ApplicationDates(filing_date=application.filing_date, priority_date=application.earliest_priority_date)


async def find_prior_art(state: State, application: Application, *, k: int = PRIOR_ART_HITS) -> s.SearchOut:
    """Prior art for an application: searched off the event loop (embedding is CPU work).

    Raises:
        SearchUnavailableError: search is not ready.
    """
    runtime = search_runtime(state)
    text, dates = prior_art_query(application)
    return await anyio.to_thread.run_sync(
        lambda: search_out(runtime, lambda: runtime.search(text, before=dates, k=k, exclude=application.number))
    )


async def search_published(state: State, data: s.SearchIn) -> s.SearchOut:
    """A free-text search of the published documents, off the event loop.

    Raises:
        InvalidRequestError: see :func:`check_search`.
        SearchUnavailableError: search is not ready.
    """
    check_search(data)
    runtime = search_runtime(state)
    return await anyio.to_thread.run_sync(
        lambda: search_out(
            runtime,
            lambda: runtime.search(
                data.text, languages=data.languages, ipc_prefix=data.ipc_prefix, before=data.before, k=data.k
            ),
        )
    )


async def prior_art_of(state: State, application: Application, number: str, *, k: int) -> s.PriorArtOut:
    """An application's prior art with the date it is judged against (only earlier documents count).

    Raises:
        SearchUnavailableError: search is not ready.
    """
    found = await find_prior_art(state, application, k=k)
    _, dates = prior_art_query(application)
    return s.PriorArtOut(
        application_number=number, reference_date=dates.reference_date, hits=found.hits, partial=found.partial
    )


async def search_status(state: State) -> s.SearchStatusOut:
    """Whether the engine is loaded, what it holds and the embedding workers' progress (read off the event loop)."""
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


def search_out(runtime: SearchRuntime, run: Callable[[], list[Hit]]) -> s.SearchOut:
    """Hits of ``run()`` with whether they may be partial, read before the search so that it never understates."""
    partial, indexed, pending = runtime.partial, runtime.indexed, runtime.pending
    hits = hits_out(run(), runtime)
    return s.SearchOut(hits=hits, partial=partial, indexed=indexed, pending=pending)


def hits_out(hits: Sequence[Hit], runtime: SearchRuntime) -> list[s.HitOut]:
    """Hits for the API, with their documents' titles read in one call (blocking: call it off the event loop)."""
    try:
        titles = runtime.titles_of([h.document_id for h in hits])
    except SearchNotReadyError:
        titles = {}
    return [_hit_out(h, titles.get(h.document_id, "")) for h in hits]


def _hit_out(hit: Hit, title: str) -> s.HitOut:
    return s.HitOut(
        document_id=hit.document_id,
        title=title,
        score=hit.score,
        found_by=list(hit.found_by),
        semantic=s.ChannelOut(hit.semantic.score, hit.semantic.rank) if hit.semantic else None,
        lexical=s.ChannelOut(hit.lexical.score, hit.lexical.rank) if hit.lexical else None,
        passage=s.PassageOut(id=hit.passage_id, section=str(hit.section), text=hit.passage_text),
        matched_terms=list(hit.matched_terms),
        language=hit.language,
        publication_date=hit.publication_date,
        flag=str(hit.flag) if hit.flag else None,
    )


def ingest_out(progress: IngestProgress | None) -> s.IngestOut | None:
    """The ingest progress as the API shows it."""
    if progress is None:
        return None
    return s.IngestOut(
        complete=progress.complete,
        chunks=progress.chunks,
        chunks_done=progress.chunks_done,
        passages=progress.passages,
        passages_done=progress.passages_done,
        passages_per_second=round(progress.rate, 2) if progress.rate is not None else None,
        eta_seconds=round(progress.eta_seconds, 1) if progress.eta_seconds is not None else None,
    )
