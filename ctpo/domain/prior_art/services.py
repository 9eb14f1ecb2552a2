"""What the search endpoints need beyond the engine: the runtime from app state, queries from applications."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ctpo.domain.prior_art import schemas as s
from ctpo.domain.prior_art.runtime import SearchNotReadyError, SearchRuntime
from ctpo.lib.errors import CtpoError
from search.prior_art import ApplicationDates

if TYPE_CHECKING:
    from litestar.datastructures import State

    from ctpo.db.models import Application
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
    runtime: SearchRuntime | None = getattr(state, "search", None)
    if runtime is None or not runtime.ready:
        reason = runtime.error if runtime is not None and runtime.error else "the search engine is still loading"
        raise SearchUnavailableError(f"Search is not available yet: {reason}. Retry in a minute.")
    return runtime


def prior_art_query(application: Application) -> tuple[str, ApplicationDates]:
    """The query text (title, abstract, current claims) and the dates that decide what counts as prior art."""
    claims = [c.text for c in application.claims if c.claim_set == application.claim_set_version]
    text = "\n".join([application.title, application.abstract, *claims])
    return text, ApplicationDates(filing_date=application.filing_date, priority_date=application.earliest_priority_date)


async def find_prior_art(state: State, application: Application, *, k: int) -> list[s.HitOut]:
    """Prior art for an application: searched off the event loop (embedding is CPU work).

    Raises:
        SearchUnavailableError: search is not ready.
    """
    runtime = search_runtime(state)
    text, dates = prior_art_query(application)
    hits = await anyio.to_thread.run_sync(lambda: runtime.search(text, before=dates, k=k, exclude=application.number))
    return [hit_out(h, runtime) for h in hits]


def hit_out(hit: Hit, runtime: SearchRuntime) -> s.HitOut:
    """A hit for the API."""
    try:
        title = runtime.title_of(hit.document_id)
    except (KeyError, SearchNotReadyError):
        title = ""
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
