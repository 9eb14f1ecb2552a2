"""Filing over HTTP on a real database: receipts, idempotency, documents, validation, visibility."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import application_payload, inline_document, real_pdf

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from tests.factories import Factory

PDF = real_pdf()


@pytest.fixture
def applicant_headers(factory: Factory) -> dict[str, str]:
    return factory.actor("applicant").headers


def test_filing_returns_receipt_and_stores_everything(client: TestClient[Any], applicant_headers: dict[str, str]):
    payload = application_payload(
        ipc=["h01m10/613", "H02J 7/00"],
        priority_claims=[{"office": "TR", "number": "2026/01234", "date": "2026-02-01"}],
        documents=[inline_document("description.pdf", PDF, "application/pdf")],
    )
    response = client.post("/applications", json=payload, headers=applicant_headers)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["application_number"].startswith("KZ-2026-")
    assert response.headers["location"] == f"/applications/{receipt['application_number']}"
    assert receipt["documents"] == [
        {
            "filename": "description.pdf",
            "media_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
        }
    ]
    again = client.get(f"/applications/{receipt['application_number']}/receipt", headers=applicant_headers)
    assert again.json() == receipt

    file = client.get(f"/applications/{receipt['application_number']}", headers=applicant_headers).json()
    assert file["ipc"] == ["H01M 10/613", "H02J 7/00"]
    assert [c["number"] for c in file["claims"]] == [1, 2]
    assert file["priority_claims"] == [{"office": "TR", "number": "2026/01234", "date": "2026-02-01"}]
    assert file["applicants"][0]["name"] == "Qazaq Energy LLP"
    assert file["state"] == "filed"

    download = client.get(
        f"/applications/{receipt['application_number']}/documents/{hashlib.sha256(PDF).hexdigest()}",
        headers=applicant_headers,
    )
    assert download.status_code == 200
    assert download.content == PDF


def test_content_digest_covers_the_content(client: TestClient[Any], applicant_headers: dict[str, str]):
    first = client.post("/applications", json=application_payload(), headers=applicant_headers).json()
    same = client.post("/applications", json=application_payload(), headers=applicant_headers).json()
    other = client.post("/applications", json=application_payload(title="Другой"), headers=applicant_headers).json()
    assert first["content_digest"] == same["content_digest"]
    assert first["content_digest"] != other["content_digest"]
    assert first["application_number"] != same["application_number"]


def test_idempotency_key_replays_the_receipt(client: TestClient[Any], applicant_headers: dict[str, str]):
    headers = {**applicant_headers, "Idempotency-Key": "retry-me-1"}
    first = client.post("/applications", json=application_payload(), headers=headers)
    second = client.post("/applications", json=application_payload(), headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    listed = client.get("/applications", headers=applicant_headers).json()
    assert len(listed) == 1

    reused = client.post("/applications", json=application_payload(title="Changed"), headers=headers)
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(client.get("/applications", headers=applicant_headers).json()) == 1


def test_multipart_filing_with_documents(client: TestClient[Any], applicant_headers: dict[str, str]):
    xml = b'<?xml version="1.0"?><claims><claim num="1">A battery.</claim></claims>'
    response = client.post(
        "/applications/multipart",
        data={"application": json.dumps(application_payload())},
        files=[
            ("documents", ("claims.xml", xml, "application/xml")),
            ("documents", ("notes.txt", "Ескертпе".encode(), "text/plain")),
        ],
        headers=applicant_headers,
    )
    assert response.status_code == 201, response.text
    hashes = [d["sha256"] for d in response.json()["documents"]]
    assert hashes == [hashlib.sha256(xml).hexdigest(), hashlib.sha256("Ескертпе".encode()).hexdigest()]
    assert [d["media_type"] for d in response.json()["documents"]] == ["application/xml", "text/plain"]


@pytest.mark.parametrize(
    ("content", "declared", "status"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf", 415),  # an executable named as a PDF
        (b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>", "application/xml", 415),  # entity tricks refused
        (PDF, "text/plain", 415),  # declared type contradicts content
        (b"\xff\xfe\x00bad", None, 415),  # not UTF-8
    ],
)
def test_documents_are_typed_by_content(
    client: TestClient[Any], applicant_headers: dict[str, str], content: bytes, declared: str | None, status: int
):
    payload = application_payload(documents=[inline_document("file.pdf", content, declared)])
    response = client.post("/applications", json=payload, headers=applicant_headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/applications", headers=applicant_headers).json() == []


def test_oversized_document_is_refused(client: TestClient[Any], applicant_headers: dict[str, str]):
    big = b"a" * (256 * 1024 + 1)
    response = client.post(
        "/applications",
        json=application_payload(documents=[inline_document("big.txt", big)]),
        headers=applicant_headers,
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "documents[0]"
    assert client.get("/applications", headers=applicant_headers).json() == []


def test_oversized_body_is_refused_before_parsing(client: TestClient[Any], applicant_headers: dict[str, str]):
    response = client.post("/applications", content=b"{" + b" " * (3 * 1024 * 1024) + b"}", headers=applicant_headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"language": "de"}, "language"),
        ({"receiving_office": "EP"}, "receiving_office"),
        ({"claims": []}, "claims"),
        ({"applicants": []}, "applicants"),
        ({"claims": [{"number": 1, "text": "a"}, {"number": 1, "text": "b"}]}, "claims"),
        ({"claims": [{"number": 1, "text": "a"}, {"number": 3, "text": "b"}]}, "claims"),
        ({"ipc": ["H01M-10/613x"]}, "ipc[0]"),
        ({"priority_claims": [{"office": "TR", "number": "1", "date": "2099-01-01"}]}, "priority_claims[0].date"),
        ({"priority_claims": [{"office": "TR", "number": "1", "date": "2020-01-01"}]}, "priority_claims[0].date"),
        ({"title": "   "}, "title"),
        ({"title": "Safe\u202etxt.exe"}, "title"),
        ({"applicants": [{"name": "X", "country": "Kazakhstan", "address": "A"}]}, "applicants[0].country"),
    ],
)
def test_invalid_filings_name_the_field(
    client: TestClient[Any], applicant_headers: dict[str, str], override: dict[str, Any], field: str
):
    response = client.post("/applications", json=application_payload(**override), headers=applicant_headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 422
    assert field in [e["field"] for e in body["errors"]]
    assert all(e["message"] for e in body["errors"])
    assert client.get("/applications", headers=applicant_headers).json() == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"title": 5}', b"[]", json.dumps(application_payload(unknown_field=1)).encode()],
)
def test_malformed_bodies_get_400_problem(client: TestClient[Any], applicant_headers: dict[str, str], body: bytes):
    response = client.post(
        "/applications", content=body, headers={**applicant_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_applicants_see_only_their_own(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    alice, bob = login(make_user("applicant")), login(make_user("applicant"))
    number = client.post("/applications", json=application_payload(), headers=alice).json()["application_number"]
    for path in (f"/applications/{number}", f"/applications/{number}/receipt"):
        response = client.get(path, headers=bob)
        assert response.status_code == 404
        assert "number" not in response.json().get("errors", [])
    assert client.get("/applications", headers=bob).json() == []
    assert client.get(f"/applications/{number}", headers=alice).status_code == 200


def test_numbers_are_per_office_and_gapless(client: TestClient[Any], applicant_headers: dict[str, str]):
    numbers = [
        client.post(
            "/applications", json=application_payload(receiving_office=office), headers=applicant_headers
        ).json()["application_number"]
        for office in ("KZ", "TR", "KZ", "UZ", "KZ")
    ]
    assert [n.split("-")[0] for n in numbers] == ["KZ", "TR", "KZ", "UZ", "KZ"]
    kz = [int(n.split("-")[2]) for n in numbers if n.startswith("KZ")]
    assert kz == [1, 2, 3]
    assert numbers[1].endswith("-000001")


def test_rejected_filing_does_not_consume_a_number(client: TestClient[Any], applicant_headers: dict[str, str]):
    first = client.post("/applications", json=application_payload(), headers=applicant_headers).json()
    bad = client.post(
        "/applications",
        json=application_payload(documents=[inline_document("x.pdf", b"MZ\x00")]),
        headers=applicant_headers,
    )
    assert bad.status_code == 415
    second = client.post("/applications", json=application_payload(), headers=applicant_headers).json()
    assert int(second["application_number"][-6:]) == int(first["application_number"][-6:]) + 1


def test_a_body_off_the_schema_names_every_field_at_fault(client: TestClient[Any], applicant_headers: dict[str, str]):
    """msgspec stops at the first error and Litestar named a missing top-level field ``data``: all are named now."""
    payload = application_payload(title="", unknown_field=1)
    del payload["abstract"]
    payload["claims"][1]["number"] = "two"
    payload["applicants"][0]["country"] = 7
    response = client.post("/applications", json=payload, headers=applicant_headers)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"title", "abstract", "claims[1].number", "applicants[0].country", "unknown_field"}
    assert errors["abstract"] == "is required"
    assert "data" not in errors
    missing_only = application_payload()
    del missing_only["abstract"]
    response = client.post("/applications", json=missing_only, headers=applicant_headers)
    assert [e["field"] for e in response.json()["errors"]] == ["abstract"]
