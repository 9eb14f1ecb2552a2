"""Background work on the embedded default: the deadline sweep as a loop inside the API process.

The scaled deployment runs the very same ``run_sweep`` as a Celery beat task instead (``ctpo.worker``).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import TYPE_CHECKING

import anyio
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import utcnow
from ctpo.domain.examination.store import SqlWorkflowStore
from workflows.tasks import RunReport, run_sweep

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ctpo.lib.settings import Settings

logger = logging.getLogger("ctpo.sweep")


def sweep_once(store: SqlWorkflowStore) -> RunReport:
    """Apply every passed deadline now; safe to repeat (a second run finds nothing to do)."""
    report = run_sweep(store, utcnow())
    if report.applied:
        logger.info("sweep applied %d transitions", len(report.applied))
    return report


async def _loop(store: SqlWorkflowStore, interval: float) -> None:
    while True:
        try:
            await anyio.to_thread.run_sync(sweep_once, store)
        except Exception:
            logger.exception("deadline sweep failed; retrying at the next interval")
        await asyncio.sleep(interval)


async def run_in_process_sweeper(settings: Settings) -> AsyncIterator[None]:
    """Run the sweep every ``sweep_interval_seconds`` for as long as the app lives (in-process default only)."""
    if settings.task_backend != "inprocess" or settings.sweep_interval_seconds <= 0:
        yield
        return
    engine = create_sync_engine(settings.database_url)
    store = SqlWorkflowStore(sessionmaker(engine, expire_on_commit=False))
    task = asyncio.create_task(_loop(store, settings.sweep_interval_seconds))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        engine.dispose()
