"""Every background job body, registered in one place for the in-process runner and the Celery worker alike.

A new kind of job is one more ``*_job_bodies`` entry here; both ways of running jobs pick it up, so a job cannot
exist in one deployment and be missing in the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctpo.domain.filings.storage import DocumentStore
from ctpo.domain.jobs.runner import JobRunner
from ctpo.domain.prior_art.automated import job_bodies
from ctpo.domain.prior_art.ingest import ingest_job_bodies
from ctpo.domain.prior_art.pruning import pruning_job_bodies
from ctpo.domain.prior_art.runtime import shared_passages
from ctpo.domain.publications.jobs import publication_job_bodies
from ctpo.mail import mail_job_bodies

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.prior_art.automated import JobBodies
    from ctpo.domain.prior_art.runtime import SearchRuntime
    from ctpo.lib.settings import Settings
    from search.interfaces import Embedder


def all_job_bodies(
    settings: Settings,
    sessions: sessionmaker[Session],
    search: Callable[[], SearchRuntime],
    embedder: Callable[[], Embedder] | None = None,
) -> JobBodies:
    """The body of every job name, bound to a database, the document store, mail and the search runtime.

    ``embedder`` gives the model ingest chunks are embedded with; by default the search runtime's (a worker that
    only embeds passes its own, so that it never opens an engine).
    """
    model = embedder or (lambda: search().embedder)
    held = shared_passages(settings, model)
    return {
        **job_bodies(sessions, search),
        **ingest_job_bodies(sessions, model, lease=float(settings.tasks.job_lease_seconds), held=held),
        **pruning_job_bodies(sessions, model, held),
        **publication_job_bodies(sessions, DocumentStore(settings.storage_dir)),
        **mail_job_bodies(sessions, settings.mail),
    }


def job_runner(
    settings: Settings,
    sessions: sessionmaker[Session],
    search: Callable[[], SearchRuntime],
    embedder: Callable[[], Embedder] | None = None,
) -> JobRunner:
    """The runner of every job, with the lease and retry settings."""
    return JobRunner(
        sessions,
        all_job_bodies(settings, sessions, search, embedder),
        lease_seconds=settings.tasks.job_lease_seconds,
        retry_base_seconds=settings.tasks.job_retry_base_seconds,
    )
