"""The Celery app of the scaled deployment: ``celery -A ctpo.worker worker`` and ``celery -A ctpo.worker beat``.

Configured for no lost work: a task is acknowledged only after it ran (``acks_late``), re-queued if its worker
dies (``reject_on_worker_lost``), one task prefetched at a time. Beyond that, the broker is only a doorbell: every
job is a row of the ``jobs`` table written with the act that called for it, beat's ``ctpo.relay_jobs`` hands due
rows to the broker, and a row handed out but not finished within its lease is handed out again, so a broker
restart that drops its messages (Redis without persistence) delays work but loses none. Job bodies are
idempotent; the workflow's own tasks re-read state and apply only what is still due.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import utcnow
from ctpo.domain.examination.store import SqlWorkflowStore
from ctpo.domain.fees.renewals import run_renewal_sweep
from ctpo.domain.jobs.registry import job_runner
from ctpo.domain.notifications.services import remind_once
from ctpo.domain.prior_art.runtime import SearchRuntime, open_runtime
from ctpo.lib.logs import configure_logging
from ctpo.lib.settings import Settings, get_settings
from search.embedder import load_embedder
from workflows.tasks import register_tasks

if TYPE_CHECKING:
    from collections.abc import Iterator

    from search.interfaces import Embedder

logger = logging.getLogger("ctpo.worker")

RUN_JOB = "ctpo.run_job"
SWEEP_RENEWALS = "ctpo.sweep_renewals"
RELAY_JOBS = "ctpo.relay_jobs"


class _LazyRuntime:
    """The worker's search engine, opened on the first job that needs it (loading the model takes seconds)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._runtime: SearchRuntime | None = None
        self._lock = threading.Lock()

    def __call__(self) -> SearchRuntime:
        with self._lock:
            if self._runtime is None:
                self._runtime = open_runtime(self.settings, self.sessions)
            return self._runtime


class _LazyEmbedder:
    """The worker's embedding model alone, for ingest chunks: loaded on the first chunk, without any engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                model_dir = self.settings.search.model_dir
                self._embedder = load_embedder(
                    self.settings.search.embedding_model, model_dir, backend=self.settings.search.embedding_backend
                )
            return self._embedder


REMIND_UNREAD = "ctpo.remind_unread"
"""Beat's task: the 7-day reminder of unread communications awaiting a reply."""


def create_celery(settings: Settings) -> Celery:
    """The Celery app for these settings: workflow tasks, the job runner, and beat's sweep and relay."""
    app = Celery("ctpo", broker=settings.tasks.broker_url)
    sweep_every = float(settings.tasks.sweep_interval_seconds)
    beat_schedule: dict[str, Any] = {
        "sweep-deadlines": {"task": "workflows.sweep_deadlines", "schedule": sweep_every},
        "sweep-renewals": {"task": SWEEP_RENEWALS, "schedule": sweep_every},
    }
    beat_schedule["remind-unread"] = {"task": REMIND_UNREAD, "schedule": sweep_every}
    if settings.tasks.job_poll_seconds > 0:
        beat_schedule["relay-jobs"] = {"task": RELAY_JOBS, "schedule": settings.tasks.job_poll_seconds}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.tasks.task_queue,
        broker_connection_retry_on_startup=True,
        # Redis hands an unacknowledged message out again after this long, even to a second worker while the first
        # still runs it: records.start skips a job whose running attempt still holds its lease.
        broker_transport_options={"visibility_timeout": settings.tasks.job_lease_seconds},
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule,
    )
    engine = create_sync_engine(settings.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def store() -> Iterator[SqlWorkflowStore]:
        yield SqlWorkflowStore(sessions)

    register_tasks(app, store)
    runner = job_runner(settings, sessions, _LazyRuntime(settings, sessions), _LazyEmbedder(settings))

    @app.task(name=SWEEP_RENEWALS, ignore_result=True)  # type: ignore[untyped-decorator]
    def sweep_renewals() -> int:
        return len(run_renewal_sweep(sessions, utcnow()).lapsed)

    @app.task(name=RUN_JOB, ignore_result=True)  # type: ignore[untyped-decorator]
    def run_job(key: str) -> str:
        return runner.run(key).status

    @app.task(name=REMIND_UNREAD, ignore_result=True)  # type: ignore[untyped-decorator]
    def remind_unread() -> int:
        return remind_once(sessions, utcnow())

    @app.task(name=RELAY_JOBS, ignore_result=True)  # type: ignore[untyped-decorator]
    def relay_jobs() -> int:
        return runner.relay(lambda key: run_job.apply_async(args=[key]))

    return app


configure_logging(get_settings())
celery_app = create_celery(get_settings())
"""Module-level app for the ``celery`` command line."""
