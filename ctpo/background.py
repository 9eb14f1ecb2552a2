"""Background work inside the API process: search's catch-up, calendar changes heard, the embedded sweep.

The scaled deployment runs the very same ``run_sweep`` as a Celery beat task instead (``ctpo.worker``).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.listen import listen
from ctpo.db.models import utcnow
from ctpo.domain.examination.calendars import CHANGES_CHANNEL
from ctpo.domain.examination.store import SqlWorkflowStore
from ctpo.domain.fees.renewals import run_renewal_sweep
from ctpo.domain.jobs.registry import job_runner
from ctpo.domain.notifications.services import remind_once
from ctpo.domain.prior_art.loading import load_sample_corpus
from ctpo.domain.prior_art.runtime import SearchRuntime, runtime_for
from ctpo.domain.prior_art.services import search_runtime
from ctpo.lib.memory import freeze_long_lived
from ctpo.lib.settings import TaskBackend
from workflows.tasks import RunReport, run_sweep

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine

    from litestar.datastructures import State
    from sqlalchemy.orm import Session

    from ctpo.domain.examination.calendars import SharedCalendars
    from ctpo.lib.settings import Settings

logger = logging.getLogger("ctpo.background")

CATCH_UP_SECONDS = 10.0
"""How often each process brings its search engine up to date with the corpus table."""


def sweep_once(store: SqlWorkflowStore) -> RunReport:
    """Apply every passed deadline now; safe to repeat (a second run finds nothing to do)."""
    report = run_sweep(store, utcnow())
    if report.applied:
        logger.info("sweep applied %d transitions", len(report.applied))
    renewals = run_renewal_sweep(store.sessions, utcnow())  # lapses and expiries, idempotent like the deadlines
    if renewals.lapsed or renewals.expired:
        logger.info("renewal sweep: %d lapsed, %d expired", len(renewals.lapsed), renewals.expired)
    return report


async def _every(interval: float, work: Callable[[], object], what: str) -> None:
    """Run blocking ``work`` in a thread every ``interval`` seconds; a failure is logged and retried next time."""
    while True:
        try:
            await anyio.to_thread.run_sync(work)
        except Exception:
            logger.exception("%s failed; retrying at the next interval", what)
        await asyncio.sleep(interval)


async def _search_loop(
    runtime: SearchRuntime, sessions: sessionmaker[Session], *, load_sample: bool, freeze: bool
) -> None:
    """Open the engine, load the sample corpus if asked, then keep the engine caught up with the corpus table."""
    try:
        if load_sample:
            await anyio.to_thread.run_sync(load_sample_corpus, sessions)
        await anyio.to_thread.run_sync(runtime.open)
        if freeze:  # the model and the index are loaded: kept until the process exits
            freeze_long_lived()
    except Exception:
        logger.exception("search could not start; the rest of the service runs without it")
        return
    await _every(CATCH_UP_SECONDS, runtime.catch_up, "search catch-up")


@asynccontextmanager
async def _in_background(
    settings: Settings, work: Callable[[sessionmaker[Session]], Coroutine[Any, Any, None]]
) -> AsyncIterator[None]:
    """Run ``work(sessions)`` as a task on an engine of its own while the app lives; cancel it when the app stops.

    Search, the sweep and the jobs each get their own engine, so none waits on another's connections.
    """
    engine = create_sync_engine(settings.database_url)
    try:
        async with _running(work(sessionmaker(engine, expire_on_commit=False))):
            yield
    finally:
        engine.dispose()


@asynccontextmanager
async def _running(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """``work`` as a task while the block runs; cancelled, and awaited, when it ends."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def run_search(settings: Settings, state: State) -> AsyncIterator[None]:
    """Start the process's search runtime in the background; the API answers 503 on search until it is ready."""
    if not settings.search.search_autostart:
        yield
        return

    def search(sessions: sessionmaker[Session]) -> Coroutine[Any, Any, None]:
        runtime = runtime_for(settings, sessions)
        state.search = runtime
        return _search_loop(
            runtime, sessions, load_sample=settings.load_sample_data, freeze=settings.server.freeze_long_lived
        )

    async with _in_background(settings, search):
        yield


async def run_in_process_sweeper(settings: Settings) -> AsyncIterator[None]:
    """Run the sweep every ``sweep_interval_seconds`` for as long as the app lives (in-process default only)."""
    if settings.tasks.task_backend is not TaskBackend.INPROCESS or settings.tasks.sweep_interval_seconds <= 0:
        yield
        return

    def sweeper(sessions: sessionmaker[Session]) -> Coroutine[Any, Any, None]:
        store = SqlWorkflowStore(sessions)

        def sweep_and_remind() -> None:
            sweep_once(store)
            remind_once(sessions, utcnow())  # unread communications awaiting a reply, 7 days on

        return _every(settings.tasks.sweep_interval_seconds, sweep_and_remind, "deadline sweep")

    async with _in_background(settings, sweeper):
        yield


async def run_in_process_jobs(settings: Settings, state: State) -> AsyncIterator[None]:
    """Run due background jobs every ``job_poll_seconds`` in this process (in-process default only).

    Several API processes may run it on one database: each job is handed out by a compare-and-set, once.
    """
    if settings.tasks.task_backend is not TaskBackend.INPROCESS or settings.tasks.job_poll_seconds <= 0:
        yield
        return

    def jobs(sessions: sessionmaker[Session]) -> Coroutine[Any, Any, None]:
        runner = job_runner(settings, sessions, lambda: search_runtime(state))
        return _every(settings.tasks.job_poll_seconds, runner.run_due, "background jobs")

    async with _in_background(settings, jobs):
        yield


async def hear_calendar_changes(settings: Settings, calendars: SharedCalendars | None) -> AsyncIterator[None]:
    """Keep the process's copy of the calendars told of every change while the app lives (PostgreSQL only).

    See :mod:`ctpo.domain.examination.calendars`: without a copy (SQLite) there is nothing to tell.
    """
    if calendars is None:
        yield
        return
    async with _running(listen(settings.database_url, CHANGES_CHANNEL, calendars)):
        yield
