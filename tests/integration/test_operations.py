"""Readiness and metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from litestar.testing import TestClient

from ctpo.lib.settings import TaskBackend
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
    unreachable = replace(
        settings, tasks=replace(settings.tasks, task_backend=TaskBackend.CELERY, broker_url="redis://127.0.0.1:1/0")
    )
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


def test_metrics_report_job_queue_depth_and_failures(client: TestClient[Any], database_url: str):
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from ctpo.db.engine import create_sync_engine  # noqa: PLC0415
    from ctpo.db.models import utcnow  # noqa: PLC0415
    from ctpo.domain.jobs import records  # noqa: PLC0415
    from ctpo.domain.jobs.runner import JobRunner  # noqa: PLC0415

    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        for key in ("m:1", "m:2", "m:3"):
            records.schedule(session, records.JobSpec(name="broken", key=key, args={}), utcnow())
    JobRunner(sessions, {}, retry_base_seconds=60).run("m:1")  # no body: the attempt fails, the job retries
    engine.dispose()

    text = client.get("/metrics").text
    assert 'ctpo_jobs{status="queued"} 2.0' in text
    assert 'ctpo_jobs{status="retry"} 1.0' in text
    assert "ctpo_job_failed_attempts 1.0" in text


def test_every_response_carries_a_request_id(client: TestClient[Any]):
    given = client.get("/offices", headers={"X-Request-ID": "proxy-1234.abc"})
    assert given.headers["x-request-id"] == "proxy-1234.abc"
    made_up = client.get("/offices", headers={"X-Request-ID": "not a sane id; DROP TABLE"})
    assert made_up.headers["x-request-id"] != "not a sane id; DROP TABLE"
    assert len(made_up.headers["x-request-id"]) == 32
    missing = client.get("/applications/KZ-2026-999999")  # errors too
    assert missing.status_code == 401
    assert len(missing.headers["x-request-id"]) == 32
