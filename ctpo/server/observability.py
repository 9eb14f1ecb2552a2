"""Operations endpoints: readiness (database, broker, search index) and Prometheus metrics.

``/metrics`` carries no application data but should still be reachable only from the monitoring network: restrict
it at the reverse proxy. With several API processes set ``PROMETHEUS_MULTIPROC_DIR`` so the counters add up.
"""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING, Any, Final

import anyio
import msgspec
from litestar import Controller, MediaType, Response, get
from litestar.datastructures import State  # noqa: TC002 - Litestar reads handler annotations at run time
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess
from sqlalchemy import text

from ctpo.domain.jobs import records as job_records
from ctpo.lib.settings import TaskBackend
from ctpo.server.auth import PUBLIC
from ctpo.server.problems import PROBLEM_JSON
from ctpo.server.request_metrics import RouteMetricsMiddleware

if TYPE_CHECKING:
    from ctpo.domain.prior_art.runtime import SearchRuntime
    from ctpo.lib.settings import Settings

PROMETHEUS = PrometheusConfig(
    app_name="ctpo",
    prefix="ctpo",
    group_path=True,
    exclude=["/metrics"],
    middleware_class=RouteMetricsMiddleware,
)
"""Request counts and latencies per route template, method and status."""


# With PROMETHEUS_MULTIPROC_DIR (several API processes) each process writes its own copy of a gauge: the job
# figures are read from the shared table, so the most recent copy is the deployment's; for the search index the
# least caught-up live process is the one worth an alert.
JOBS = Gauge(
    "ctpo_jobs",
    "Background jobs by status (queued/sent/running/retry: the queue depth; dead letters)",
    ["status"],
    multiprocess_mode="mostrecent",
)
JOB_FAILURES = Gauge(
    "ctpo_job_failed_attempts", "Failed attempts of background jobs so far (monotonic)", multiprocess_mode="mostrecent"
)
SEARCH_DOCUMENTS = Gauge(
    "ctpo_search_documents",
    "Documents in the search engine of the API processes",
    ["kind"],
    multiprocess_mode="livemin",
)


async def _refresh_gauges(state: State) -> None:
    """Job counts come from the job table, so every process reports the same deployment-wide figures."""
    try:
        async with state.session_factory() as session:
            by_status, failures = await session.run_sync(
                lambda s: (job_records.counts(s), job_records.failed_attempts(s))
            )
    except Exception:  # noqa: BLE001 - metrics must render while the database is down; readiness reports it
        return
    for status, count in by_status.items():
        JOBS.labels(status=status).set(count)
    JOB_FAILURES.set(failures)
    runtime: SearchRuntime | None = state.search
    if runtime is not None:
        SEARCH_DOCUMENTS.labels(kind="indexed").set(runtime.indexed)
        SEARCH_DOCUMENTS.labels(kind="pending").set(runtime.pending)


class MetricsController(PrometheusController):
    """Prometheus exposition format: requests per route, job queue depth and failures, search index size."""

    opt = PUBLIC
    include_in_schema = False

    @get()
    async def get(self, state: State) -> Response[Any]:
        """Refresh the gauges read from the database, then render every metric."""
        await _refresh_gauges(state)
        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


class CheckStatus(enum.StrEnum):
    """One dependency's state, as the readiness check reports it."""

    OK = "ok"
    FAILING = "failing"
    LOADING = "loading"
    DISABLED = "disabled"
    """Not used by this process (in-process tasks have no broker)."""


NOT_READY: Final = frozenset({CheckStatus.FAILING, CheckStatus.LOADING})
"""States that make the process unready."""


class CheckOut(msgspec.Struct):
    """One dependency's state."""

    status: CheckStatus
    detail: str | None = None


async def _database(state: State) -> CheckOut:
    try:
        async with state.session_factory() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return CheckOut(CheckStatus.FAILING, type(exc).__name__)
    return CheckOut(CheckStatus.OK)


def _broker(settings: Settings) -> CheckOut:
    if settings.tasks.task_backend is not TaskBackend.CELERY:
        return CheckOut(CheckStatus.DISABLED, "tasks run in-process")
    from kombu.connection import Connection  # noqa: PLC0415 - only the scaled deployment has a broker

    try:
        with Connection(settings.tasks.broker_url, connect_timeout=2) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001
        return CheckOut(CheckStatus.FAILING, type(exc).__name__)
    return CheckOut(CheckStatus.OK)


def _search(state: State) -> CheckOut:
    runtime: SearchRuntime | None = state.search
    if runtime is None:
        return CheckOut(CheckStatus.DISABLED, "search is not started in this process")
    if runtime.error:
        return CheckOut(CheckStatus.FAILING, runtime.error)
    if not runtime.loaded:
        return CheckOut(CheckStatus.LOADING, "model and index are loading")
    if not runtime.ready:  # searches would silently miss most of the corpus
        detail = f"indexing the corpus: {runtime.indexed} documents in, {runtime.pending} to go"
        return CheckOut(CheckStatus.LOADING, detail)
    # documents still being embedded (new ones, or a load on the workers) do not make the process unready: it
    # says what is complete, and searches meanwhile answer partial: true
    return CheckOut(CheckStatus.OK, f"{runtime.indexed} documents, {runtime.pending} pending{runtime.ingest_summary}")


class HealthController(Controller):
    """Readiness for load balancers and orchestrators."""

    path = "/health"
    tags = ["Operations"]  # noqa: RUF012

    @get("/ready", opt=PUBLIC, summary="Readiness: database, broker, search index")
    async def ready(self, state: State) -> Response[Any]:
        """200 when every dependency this process uses answers; 503 problem details naming the failing ones."""
        settings: Settings = state.settings
        checks = {
            "database": await _database(state),
            "broker": await anyio.to_thread.run_sync(_broker, settings),
            "search": _search(state),
        }
        failing = [name for name, check in checks.items() if check.status in NOT_READY]
        body = {name: msgspec.to_builtins(check) for name, check in checks.items()}
        if not failing:
            return Response({"status": "ready", "checks": body}, media_type=MediaType.JSON)
        problem = {
            "type": "about:blank",
            "title": "Service unavailable",
            "status": 503,
            "detail": f"Not ready: {', '.join(failing)}.",
            "checks": body,
        }
        return Response(problem, status_code=503, media_type=PROBLEM_JSON, headers={"Retry-After": "10"})
