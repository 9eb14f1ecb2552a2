"""Headers on every response: no caching of private answers, no sniffing, sandboxed downloads; Secure cookies;
the OpenAPI exclusion from authentication anchored to ``/schema`` itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient

from ctpo.server.app import create_app
from tests.integration.test_hostile_inputs import PDF
from tests.support import PASSWORD, application_payload, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ctpo.lib.settings import Settings


@pytest.fixture
def filed(client: TestClient[Any], make_user: Callable[..., Any], login: Callable[..., Any]) -> tuple[str, str, Any]:
    headers = login(make_user("applicant"))
    payload = application_payload(documents=[inline_document("d.pdf", PDF, "application/pdf")])
    receipt = client.post("/applications", json=payload, headers=headers)
    assert receipt.status_code == 201, receipt.text
    return receipt.json()["application_number"], receipt.json()["documents"][0]["sha256"], headers


def test_answers_with_unpublished_data_are_not_stored_by_caches(client: TestClient[Any], filed: tuple[str, str, Any]):
    number, sha, headers = filed
    for path in ("", "/receipt", "/history", f"/documents/{sha}"):
        response = client.get(f"/applications/{number}{path}", headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
    assert client.get("/applications", headers=headers).headers["cache-control"] == "no-store"
    public = client.get("/offices")
    assert "no-store" not in public.headers.get("cache-control", "")
    assert public.headers["x-content-type-options"] == "nosniff"


def test_downloads_are_sandboxed(client: TestClient[Any], filed: tuple[str, str, Any]):
    number, sha, headers = filed
    download = client.get(f"/applications/{number}/documents/{sha}", headers=headers)
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"


@pytest.mark.parametrize(
    "path", ["/applications/schema", "/applications/x/schema/openapi.json", "/me/schema", "/offices/KZ/users/schema"]
)
def test_a_path_merely_containing_schema_still_needs_a_token(client: TestClient[Any], path: str):
    response = client.get(path)
    assert response.status_code in {401, 404}, (path, response.status_code, response.text[:200])
    assert response.status_code != 500
    if path == "/applications/schema":  # a route matches (/applications/{number}): before, it answered 500
        assert response.status_code == 401


def test_the_api_description_is_still_public(client: TestClient[Any]):
    assert client.get("/schema/openapi.json").status_code == 200


@pytest.fixture
def https_client(settings: Settings) -> Iterator[TestClient[Any]]:
    # An app of its own: two TestClients on one app run it on two event loops that would share one asyncpg pool.
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver.local", raise_server_exceptions=False) as test_client:
        yield test_client


def _session_cookie(client: TestClient[Any], user: Any, **headers: str) -> str:
    form = client.get("/desk/login", headers=headers)
    token = form.text.split('name="csrf_token" value="', 1)[1][:64]
    response = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith("ctpo_desk_session="))


def test_desk_cookies_are_secure_over_https_only(
    client: TestClient[Any], https_client: TestClient[Any], make_user: Callable[..., Any]
):
    examiner = make_user("examiner", "KZ")
    assert "Secure" in _session_cookie(https_client, examiner)
    # a client sending X-Forwarded-Proto itself is not a trusted proxy: no claim of HTTPS is believed
    assert "Secure" not in _session_cookie(client, examiner, **{"X-Forwarded-Proto": "https"})
