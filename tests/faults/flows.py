"""What the fault tests do over real HTTP: log in, file, act, read back, wait."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.support import PASSWORD, application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from ctpo.db.models import User


def login(http: httpx.Client, user: User) -> dict[str, str]:
    response = http.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def file(http: httpx.Client, headers: dict[str, str], title: str) -> str:
    response = http.post("/applications", json=application_payload(title=title), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["application_number"])


def act(http: httpx.Client, number: str, action: str, headers: dict[str, str]) -> None:
    response = http.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=headers)
    assert response.status_code == 200, response.text


def history(http: httpx.Client, number: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = http.get(f"/applications/{number}/history", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def published(http: httpx.Client, number: str, headers: dict[str, str]) -> bool:
    return http.get(f"/applications/{number}", headers=headers).json()["publication_date"] is not None


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until ``predicate`` holds; the seconds it took. Fails the test with ``what`` after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            msg = f"{what}: not within {timeout:.0f} s"
            raise AssertionError(msg)
        time.sleep(0.25)
    return time.monotonic() - started
