"""The service's request metrics report what Litestar's Prometheus middleware reports, sample for sample."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar, get
from litestar.exceptions import HTTPException
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from ctpo.server.request_metrics import RouteMetricsMiddleware


@get("/things/{number:int}")
async def thing(number: int) -> dict[str, int]:
    if number >= 500:
        raise HTTPException(status_code=number, detail="as asked")
    return {"number": number}


REQUESTS = ["/things/1", "/things/2", "/things/503", "/things/1", "/nowhere", "/things/500"]


def _samples(prefix: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the metrics under ``prefix``, by name and labels (durations by count, not by value)."""
    found = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name.startswith(prefix) and not sample.name.endswith(("_sum", "_created")):
                if sample.name.endswith("_bucket") and sample.labels.get("le") != "+Inf":
                    continue
                labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "app_name"))
                found[sample.name.removeprefix(f"{prefix}_"), labels] = sample.value
    return found


def _run(middleware: type[PrometheusMiddleware], prefix: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    config = PrometheusConfig(app_name=prefix, prefix=prefix, group_path=True, middleware_class=middleware)
    with TestClient(Litestar([thing], middleware=[config.middleware])) as client:
        for path in REQUESTS:
            client.get(path)
    return _samples(prefix)


def test_the_same_samples_as_litestars_middleware() -> None:
    run = uuid.uuid4().hex  # the registry is the process's: fresh metric names on every run of the test
    ours, litestars = _run(RouteMetricsMiddleware, f"ours{run}"), _run(PrometheusMiddleware, f"litestars{run}")
    assert ours == litestars
    assert ours["requests_total", (("method", "GET"), ("path", "/things/{number}"), ("status_code", "200"))] == 3
    assert ours["requests_error_total", (("method", "GET"), ("path", "/things/{number}"), ("status_code", "503"))]
    assert ours["requests_in_progress", (("method", "GET"), ("path", "/things/{number}"), ("status_code", "200"))] == 0


def test_a_configuration_it_does_not_report_is_refused() -> None:
    config = PrometheusConfig(app_name="x", prefix="refused", group_path=True, labels={"tenant": "a"})
    with pytest.raises(ValueError, match="grouped paths only"):
        RouteMetricsMiddleware(Litestar([]), config)  # type: ignore[arg-type]
