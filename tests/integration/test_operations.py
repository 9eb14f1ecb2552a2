"""Readiness and metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from litestar.testing import TestClient

from ctpo.server.app import create_app

if TYPE_CHECKING:
    from ctpo.lib.settings import Settings


def test_ready_when_the_database_answers(client: TestClient[Any]):
    response = client.get("/health/ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "disabled"  # tasks in-process on the default settings
    assert checks["search"]["status"] == "disabled"


def test_not_ready_while_the_broker_is_down(settings: Settings):
    unreachable = replace(settings, task_backend="celery", broker_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(unreachable)) as client:
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["checks"]["broker"]["status"] == "failing"
        assert body["checks"]["database"]["status"] == "ok"
        assert "broker" in body["detail"]


def test_metrics_count_requests_by_route(client: TestClient[Any]):
    for _ in range(3):
        client.get("/offices")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert "ctpo_requests_total" in text
    assert 'path="/offices"' in text
    assert "ctpo_request_duration_seconds_bucket" in text
    assert 'status_code="200"' in text
