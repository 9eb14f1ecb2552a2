"""A database outage leaves the HTTP layer as 503 problem details with Retry-After; other errors stay 500."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import TestClient

from ctpo.db.engine import DatabaseUnavailableError
from ctpo.server.problems import EXCEPTION_HANDLERS


@get("/down", sync_to_thread=False)
def down() -> None:
    cause = ConnectionRefusedError(111, "Connect call failed")
    raise DatabaseUnavailableError("cannot connect to the database") from cause


@get("/bug", sync_to_thread=False)
def bug() -> None:
    raise ZeroDivisionError


def _client() -> TestClient[Litestar]:
    return TestClient(Litestar([down, bug], exception_handlers=EXCEPTION_HANDLERS), raise_server_exceptions=False)


def test_database_outage_is_503_problem_details_with_retry_after():
    with _client() as client:
        response = client.get("/down")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert body["title"] == "Service unavailable"
    assert body["unavailable"] == ["database"]
    assert body["instance"] == "/down"
    assert "Connect call failed" not in body["detail"]  # nothing internal leaks


def test_other_failures_stay_internal_errors():
    with _client() as client:
        response = client.get("/bug")
    assert response.status_code == 500
    assert "retry-after" not in response.headers
