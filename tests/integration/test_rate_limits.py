"""Per-client rate limits of the anonymous routes: the public register and third-party observations.

One limiter per app, made when the app is built and declared as a dependency: in process memory by default, in
Redis when ``CTPO_REDIS_URL`` is set, where every process of a deployment spends from the same buckets.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
import redis
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from ctpo.lib.ratelimit import InProcessRateLimiter, RedisRateLimiter
from ctpo.server.app import create_app

if TYPE_CHECKING:
    from litestar import Litestar

    from ctpo.lib.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_register_refuses_a_client_over_its_rate(settings: Settings):
    limited = replace(settings, rate_limits=replace(settings.rate_limits, register_requests_per_minute=3))
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        statuses = [client.get("/register").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = client.get("/register/KZ-2026-000001", params={"lang": "ru"})  # any register URL, known or not
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["cache-control"] == "no-store"
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "Слишком много запросов" in refused.json()["detail"]  # in the page's language
        assert client.get("/health").status_code == 200  # only the anonymous routes are limited


def test_anonymous_observations_are_limited_per_client(settings: Settings):
    """Fails on the code before: observations could be filed without any limit."""
    limited = replace(settings, rate_limits=replace(settings.rate_limits, observations_per_minute=2))
    observation = {"text": "Claim 1 lacks novelty over D1."}
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        statuses = [
            client.post("/applications/KZ-2026-000001/observations", json=observation).status_code for _ in range(4)
        ]
        assert statuses == [404, 404, 429, 429]  # counted before the file is even looked up
        assert client.get("/register").status_code == 200  # the register's bucket is another one


def test_every_register_route_spends_from_the_quota(app: Litestar):
    """A register route added without the quota dependency would be unlimited."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/register"):
            for handler in route.route_handlers:
                assert "_quota" in handler.resolve_dependencies(), route.path


def test_register_routes_keep_the_apps_request_checks(client: TestClient[object]):
    """The limit used to be the register's own before_request hook, which replaced the app's: control characters
    in a register URL reached the handlers."""
    assert client.get("/register/search", params={"name": "Ali\x00yev"}).status_code == 400


def test_in_process_buckets_refill_at_the_rate():
    now = [0.0]
    limiter = InProcessRateLimiter(clock=lambda: now[0])
    assert [limiter.take_now("a", 2) for _ in range(3)] == [0.0, 0.0, 30.0]
    assert limiter.take_now("b", 2) == 0.0  # another client, another bucket
    now[0] = 30.0
    assert limiter.take_now("a", 2) == 0.0
    assert limiter.take_now("a", 2) > 0


@pytest.mark.redis
def test_redis_buckets_are_shared_by_processes():
    """Two limiters (two API processes) on one Redis give a client its rate once, not once each."""

    async def go() -> list[float]:
        first, second = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
        bucket = f"test:{uuid.uuid4()}"
        try:
            return [await limiter.take(bucket, 3) for limiter in (first, second, first, second, first)]
        finally:
            await first.aclose()
            await second.aclose()

    waits = asyncio.run(go())
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert all(w >= 1 for w in waits[3:])


@pytest.mark.redis
def test_apps_on_one_redis_enforce_one_register_rate(settings: Settings):
    if not settings.is_sqlite:  # the buckets do not depend on the database; one run, so no other test shares them
        pytest.skip("run once, on SQLite")
    shared = replace(
        settings,
        rate_limits=replace(settings.rate_limits, redis_url=REDIS_URL, register_requests_per_minute=3),
    )
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.delete(*store.keys("ctpo:rate:register:*") or ["none"])  # this test's database: a fresh bucket
    finally:
        store.close()
    with (
        TestClient(create_app(shared), raise_server_exceptions=False) as one,
        TestClient(create_app(shared), raise_server_exceptions=False) as two,
    ):
        statuses = [c.get("/register").status_code for c in (one, two, one, two)]
    assert statuses == [200, 200, 200, 429]


def test_redis_unreachable_lets_requests_through():
    async def go() -> float:
        limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
        try:
            return await limiter.take("anyone", 1)
        finally:
            await limiter.aclose()

    assert asyncio.run(go()) == 0.0
