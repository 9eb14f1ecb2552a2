"""The prior-art work done in the background: a search when formalities are complete, indexing, and statistics.

All run as jobs (:mod:`ctpo.domain.jobs`) in the API process on the embedded default and in a Celery worker when
scaled. All are idempotent: the search stores its result under its job's key (unique), so a redelivered job finds
it there and stops; indexing brings the engine to the corpus table, which a second run finds already done; the
statistics refresh of a stateless engine draws the same sample and stores the same scores again.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import Application, AutomatedSearch, utcnow
from ctpo.domain.jobs.follow_ups import INDEX_PUBLICATIONS, INGEST_CORPUS, SEARCH_AFTER_FORMALITIES
from ctpo.domain.prior_art.runtime import REFRESH_SEARCH_STATISTICS
from ctpo.domain.prior_art.services import PRIOR_ART_HITS, hits_out, prior_art_query

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.prior_art.runtime import SearchRuntime

logger = logging.getLogger("ctpo.search")

JobBodies = dict[str, "Callable[[str, dict[str, Any]], None]"]


def search_for_application(
    sessions: sessionmaker[Session], runtime: SearchRuntime, job_key: str, application_id: uuid.UUID, step: str
) -> bool:
    """Search prior art for the application and store it under ``job_key``; False if it was already stored."""
    with sessions() as session:
        if session.scalar(select(AutomatedSearch.id).where(AutomatedSearch.job_key == job_key)) is not None:
            return False
        application = session.get(Application, application_id)
        if application is None:
            raise LookupError(f"application {application_id} does not exist")
        text, dates = prior_art_query(application)
        number = application.number
    runtime.catch_up()  # documents published since the last catch-up count too
    hits = runtime.search(text, before=dates, k=PRIOR_ART_HITS, exclude=number)
    record = AutomatedSearch(
        application_id=application_id,
        job_key=job_key,
        step=step,
        query=text,
        cutoff_date=dates.priority_date or dates.filing_date,
        hits=[msgspec.to_builtins(hit) for hit in hits_out(hits, runtime)],
        engine=f"{runtime.model} over {runtime.indexed} documents"
        + (f", {runtime.pending} still being indexed" if runtime.partial else ""),
        created_at=utcnow(),
    )
    try:
        with sessions() as session, session.begin():
            session.add(record)
    except IntegrityError:  # a duplicate delivery of the same job stored it first
        return False
    logger.info("automated search for %s stored %d hits", number, len(hits))
    return True


def job_bodies(sessions: sessionmaker[Session], runtime: Callable[[], SearchRuntime]) -> JobBodies:
    """The prior-art job bodies, bound to a database and to the process's search runtime (opened lazily)."""

    def search_after_formalities(key: str, args: dict[str, Any]) -> None:
        search_for_application(sessions, runtime(), key, uuid.UUID(args["application_id"]), args["step"])

    def index(_key: str, _args: dict[str, Any]) -> None:
        runtime().catch_up()

    def refresh_statistics(_key: str, _args: dict[str, Any]) -> None:
        runtime().refresh_statistics()

    return {
        SEARCH_AFTER_FORMALITIES: search_after_formalities,
        INDEX_PUBLICATIONS: index,
        INGEST_CORPUS: index,
        REFRESH_SEARCH_STATISTICS: refresh_statistics,
    }
