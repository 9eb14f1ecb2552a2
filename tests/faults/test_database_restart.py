"""Fault (c): PostgreSQL goes down under a running API; the API answers 503 problem details, then recovers by itself.

A real ``ctpo serve`` on a private PostgreSQL (tests/servers.py), which the test stops (fast shutdown), starts,
then kills (SIGKILL, crash recovery on start). The API process is never restarted.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest
from sqlalchemy import text

from ctpo.db.engine import DatabaseUnavailableError, create_engine
from ctpo.db.migrate import upgrade
from tests.servers import api_server, private_postgres
from tests.support import PASSWORD, application_payload, create_user, free_port

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.servers import PrivatePostgres

pytestmark = pytest.mark.postgres

FAST = 3.0
"""An answer during the outage must come within this many seconds: a 503 at once, not a hang."""


def _problem_503(response: httpx.Response, elapsed: float) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert elapsed < FAST, f"took {elapsed:.1f} s"
    body: dict[str, Any] = response.json()
    assert body["status"] == 503
    assert body["title"] == "Service unavailable"
    return body


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_api_answers_503_while_postgres_is_down_and_recovers_without_a_restart(tmp_path: Path):
    with private_postgres() as pg:
        url = pg.create_database("ctpo")
        upgrade(url)
        user = create_user(url, "applicant")
        env = {
            "CTPO_DATABASE_URL": url,
            "CTPO_DATA_DIR": str(tmp_path),
            "CTPO_SECRET_KEY": "k" * 40,
            "CTPO_SEARCH_AUTOSTART": "0",
            "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        }
        with api_server(env, tmp_path) as api, httpx.Client(base_url=api.base, timeout=30) as http:
            credentials = {"email": user.email, "password": PASSWORD}
            token = http.post("/auth/login", json=credentials).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert http.post("/applications", json=application_payload(), headers=auth).status_code == 201
            retried = {**auth, "Idempotency-Key": "filed-during-the-outage"}
            payload = application_payload(title="Filed while the database was down")

            calls: dict[str, Callable[[], httpx.Response]] = {
                "list": lambda: http.get("/applications", headers=auth),
                "login": lambda: http.post("/auth/login", json=credentials),
                "file": lambda: http.post("/applications", json=payload, headers=retried),
            }

            def assert_down() -> None:
                ready, elapsed = _timed(lambda: http.get("/health/ready"))
                body = _problem_503(ready, elapsed)
                assert body["checks"]["database"]["status"] == "failing"
                assert "database" in body["detail"]
                for name, call in calls.items():
                    response, elapsed = _timed(call)
                    problem = _problem_503(response, elapsed)
                    assert problem["unavailable"] == ["database"], name
                    assert problem["instance"] == response.request.url.path

            def assert_up() -> None:
                assert http.get("/health/ready").status_code == 200
                assert http.post("/auth/login", json=credentials).status_code == 200

            pg.stop()  # fast shutdown: the pool's idle connections are closed under it
            assert_down()
            pg.start()
            assert_up()
            filed = calls["file"]()
            assert filed.status_code == 201, filed.text  # the 503 filed nothing; the retry files it once
            replay = calls["file"]()
            assert replay.status_code == 200
            assert replay.headers["idempotent-replayed"] == "true"
            assert replay.json()["application_number"] == filed.json()["application_number"]

            pg.kill()  # a crash this time: SIGKILL, crash recovery when it starts again
            assert_down()
            pg.start()
            assert_up()
            listed = calls["list"]()
            assert listed.status_code == 200
            titles = sorted(a["title"] for a in listed.json())
            assert titles == sorted([application_payload()["title"], payload["title"]])


def test_engine_reports_an_unreachable_database_as_unavailable_within_the_connect_timeout():
    async def connect() -> None:
        engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing")  # nothing listens
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    started = time.monotonic()
    with pytest.raises(DatabaseUnavailableError) as caught:
        asyncio.run(connect())
    assert time.monotonic() - started < FAST
    assert isinstance(caught.value.__cause__, OSError)


def test_a_connection_lost_mid_session_is_reported_as_unavailable_and_the_pool_recovers():
    async def scenario(pg: PrivatePostgres) -> None:
        engine = create_engine(pg.url())
        try:
            async with engine.connect() as connection:
                backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                with psycopg.connect(pg.admin_dsn, autocommit=True) as admin:  # as an administrator's restart would
                    admin.execute("SELECT pg_terminate_backend(%s)", [backend])
                with pytest.raises(DatabaseUnavailableError) as caught:
                    await connection.execute(text("SELECT 1"))
                assert caught.value.__cause__ is not None
            async with engine.connect() as connection:  # a fresh connection from the same pool
                assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        finally:
            await engine.dispose()

    with private_postgres() as pg:
        asyncio.run(scenario(pg))
