"""The Celery app of the scaled deployment: ``celery -A ctpo.worker worker`` and ``celery -A ctpo.worker beat``.

Configured for no lost work: a task is acknowledged only after it ran (``acks_late``), re-queued if its worker
dies (``reject_on_worker_lost``), one task prefetched at a time. Task bodies are idempotent: they re-read the
application and apply only what is still due.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from celery import Celery
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.examination.store import SqlWorkflowStore
from ctpo.lib.settings import Settings, get_settings
from workflows.tasks import register_tasks

if TYPE_CHECKING:
    from collections.abc import Iterator


def create_celery(settings: Settings) -> Celery:
    """The Celery app for these settings, with the workflow's tasks and the sweep on the beat schedule."""
    app = Celery("ctpo", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="ctpo",
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule={
            "sweep-deadlines": {
                "task": "workflows.sweep_deadlines",
                "schedule": float(settings.sweep_interval_seconds),
            }
        },
    )
    engine = create_sync_engine(settings.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def store() -> Iterator[SqlWorkflowStore]:
        yield SqlWorkflowStore(sessions)

    register_tasks(app, store)
    return app


celery_app = create_celery(get_settings())
"""Module-level app for the ``celery`` command line."""
