"""Hostile inputs, each with the answer it gets; a refused request stores nothing and changes nothing stored.

After every refused request the whole database (every table but the audit log and the login counters, which
exist to record attempts) and the document store are compared with their state before it, byte for byte.
Inputs that are hostile but legitimate data (SQL in a title, a path in an abstract, mixed scripts) are filed and
must come back exactly as sent, with nothing else changed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import Base
from tests.support import application_payload, inline_document, real_pdf

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from litestar.testing import TestClient

    from ctpo.lib.settings import Settings

pytestmark = pytest.mark.no_cover
"""Run untraced by coverage (pytest-cov's ``no_cover``): an exhaustive sweep over every route, three times slower
traced, whose lines the targeted tests cover (issue 13: the suite under 10 minutes with its coverage measured)."""

PDF = real_pdf()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
SQL = "'; DROP TABLE applications; --"
TRAVERSAL = "../../../../etc/passwd"
UNRECORDED = {"audit_log", "login_throttle"}
"""Tables that record attempts, refused ones included."""


def _zip(name: str = "payload.exe", content: bytes = b"MZ" * 100) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)
    return buffer.getvalue()


def _nested(depth: int) -> bytes:
    return b'{"payload": {"a": ' + b"[" * depth + b"]" * depth + b"}}"


def _json(body: Any, content_type: str = "application/json") -> dict[str, Any]:
    return {"content": json.dumps(body).encode(), "headers": {"content-type": content_type}}


def _raw(body: bytes, content_type: str = "application/json", **headers: str) -> dict[str, Any]:
    return {"content": body, "headers": {"content-type": content_type, **headers}}


def _filing(**overrides: Any) -> dict[str, Any]:
    return _json(application_payload(**overrides))


def _document(filename: str, content: bytes, media_type: str | None = None) -> dict[str, Any]:
    return _filing(documents=[inline_document(filename, content, media_type)])


def _multipart(application: bytes | str, *files: tuple[str, bytes, str]) -> dict[str, Any]:
    parts: list[tuple[str, Any]] = [("application", (None, application))]
    parts += [("documents", (name, content, media)) for name, content, media in files]
    return {"files": parts}


@dataclass(frozen=True)
class Hostile:
    """A request, who sends it, and the status it must get."""

    name: str
    status: int
    method: str
    path: str
    request: dict[str, Any] = field(default_factory=dict)
    actor: str = "owner"


REFUSED: list[Hostile] = [
    # size limits (test settings: 256 KiB per document, 2 MiB per request)
    Hostile("body over the request limit", 413, "POST", "/applications", _filing(description="x" * 3_000_000)),
    Hostile("inline document over the limit", 413, "POST", "/applications", _document("a.txt", b"x" * 300_000)),
    Hostile(
        "multipart upload over the request limit",
        413,
        "POST",
        "/applications/multipart",
        _multipart(json.dumps(application_payload()), ("big.txt", b"y" * 2_500_000, "text/plain")),
    ),
    Hostile(
        "multipart document over the limit",
        413,
        "POST",
        "/applications/multipart",
        _multipart(json.dumps(application_payload()), ("big.txt", b"y" * 300_000, "text/plain")),
    ),
    Hostile("501 claims", 400, "POST", "/applications", _filing(claims=[{"number": 1, "text": "c"}] * 501)),
    # content types
    Hostile(
        "JSON sent as text/plain", 415, "POST", "/applications", _filing() | {"headers": {"content-type": "text/plain"}}
    ),
    Hostile("JSON sent as a form", 415, "POST", "/applications", _raw(b"title=x", "application/x-www-form-urlencoded")),
    Hostile(
        "JSON without a content type", 415, "POST", "/applications", {"content": json.dumps(application_payload())}
    ),
    Hostile("XML to a JSON operation", 415, "POST", "/applications", _raw(b"<application/>", "application/xml")),
    Hostile("JSON to the multipart operation", 415, "POST", "/applications/multipart", _filing()),
    Hostile("multipart to a JSON operation", 415, "POST", "/applications", {"files": [("a", ("a.txt", b"x"))]}),
    # documents that are not what they claim
    Hostile(
        "an executable named .pdf", 415, "POST", "/applications", _document("claims.pdf", EXECUTABLE, "application/pdf")
    ),
    Hostile("an executable without a declared type", 415, "POST", "/applications", _document("claims.pdf", EXECUTABLE)),
    Hostile("an ELF behind a forged PDF header", 415, "POST", "/applications", _document("d.pdf", b"%PDF-1.7\n" + ELF)),
    Hostile(
        "an executable uploaded as application/pdf",
        415,
        "POST",
        "/applications/multipart",
        _multipart(json.dumps(application_payload()), ("claims.pdf", EXECUTABLE, "application/pdf")),
    ),
    Hostile("a PDF declared as XML", 415, "POST", "/applications", _document("d.xml", PDF, "application/xml")),
    # polyglots: a file that is two files (#12); the header and trailer alone once passed as a PDF
    Hostile(
        "an archive with a PDF header and trailer",
        415,
        "POST",
        "/applications",
        _document("d.pdf", b"%PDF-1.7\n" + _zip() + b"\n%%EOF\n", "application/pdf"),
    ),
    Hostile(
        "a PDF with an archive appended",
        415,
        "POST",
        "/applications",
        _document("d.pdf", PDF + _zip(), "application/pdf"),
    ),
    Hostile(
        "a PDF whose archive ends in %%EOF",
        415,
        "POST",
        "/applications",
        _document("d.pdf", PDF[:-6] + _zip() + b"%%EOF\n", "application/pdf"),
    ),
    Hostile(
        "a header, a trailer and no PDF between",
        415,
        "POST",
        "/applications",
        _document("d.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf"),
    ),
    # multipart parts (#12): one named otherwise was dropped and the filing got 201 without it
    Hostile(
        "a multipart part named 'document'",
        422,
        "POST",
        "/applications/multipart",
        {
            "files": [
                ("application", (None, json.dumps(application_payload()))),
                ("document", ("a.txt", b"x\n", "text/plain")),
            ]
        },
    ),
    Hostile(
        "a multipart filing with 51 documents",
        422,
        "POST",
        "/applications/multipart",
        _multipart(
            json.dumps(application_payload()), *[(f"a{i}.txt", f"{i}\n".encode(), "text/plain") for i in range(51)]
        ),
    ),
    Hostile(
        "a multipart filing with 900 documents",
        400,
        "POST",
        "/applications/multipart",
        _multipart(
            json.dumps(application_payload()), *[(f"a{i}.txt", f"{i}\n".encode(), "text/plain") for i in range(900)]
        ),
    ),
    Hostile(
        "two application parts",
        400,
        "POST",
        "/applications/multipart",
        {"files": [("application", (None, json.dumps(application_payload()))), ("application", (None, "{}"))]},
    ),
    Hostile(
        "base64 that is not",
        422,
        "POST",
        "/applications",
        _filing(documents=[{"filename": "a", "content_base64": "%%%"}]),
    ),
    # bombs
    Hostile("a zip bomb named .pdf", 415, "POST", "/applications", _document("annex.pdf", _zip_bomb())),
    Hostile(
        "a gzip bomb as the body",
        415,
        "POST",
        "/applications",
        _raw(gzip.compress(b"0" * 20_000_000), "application/json", **{"content-encoding": "gzip"}),
    ),
    Hostile(
        "billion laughs declared as XML",
        415,
        "POST",
        "/applications",
        _document(
            "lol.xml",
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<l>&b;&b;&b;&b;&b;&b;&b;&b;&b;</l>",
            "application/xml",
        ),
    ),
    Hostile("JSON nested 100 000 deep", 400, "POST", "/applications/{number}/actions/withdraw", _raw(_nested(100_000))),
    Hostile("a payload nested 50 deep", 422, "POST", "/applications/{number}/actions/withdraw", _raw(_nested(50))),
    # text encodings
    Hostile("invalid UTF-8 in JSON", 400, "POST", "/applications", _raw(b'{"title": "\xff\xfe"}')),
    Hostile("a lone surrogate escape", 400, "POST", "/applications", _raw(b'{"title": "\\ud800"}')),
    Hostile(
        "invalid UTF-8 in the multipart application part",
        400,
        "POST",
        "/applications/multipart",
        _multipart(b'{"title": "\xff"}'),
    ),
    Hostile(
        "a .txt that is not UTF-8",
        415,
        "POST",
        "/applications",
        _document("a.txt", "Қазақ".encode("utf-16"), "text/plain"),
    ),
    # invisible and reordering characters
    Hostile("right-to-left override in a title", 422, "POST", "/applications", _filing(title="Battery \u202eyrettab")),
    Hostile(
        "isolates in an applicant name",
        422,
        "POST",
        "/applications",
        _filing(applicants=[{"name": "A\u2067B\u2069", "country": "KZ", "address": "Astana"}]),
    ),
    Hostile("NUL in a title", 422, "POST", "/applications", _filing(title="Battery\x00")),
    Hostile("an Arabic letter mark in a title", 422, "POST", "/applications", _filing(title="Battery\u061c pack")),
    Hostile("a zero-width space in an abstract", 422, "POST", "/applications", _filing(abstract="Bat\u200btery")),
    Hostile("BEL in a claim", 422, "POST", "/applications", _filing(claims=[{"number": 1, "text": "A\x07 b"}])),
    Hostile(
        "a claim of 20 001 characters",
        400,
        "POST",
        "/applications",
        _filing(claims=[{"number": 1, "text": "a" * 20_001}]),
    ),
    Hostile(
        "a claim numbered 2 in its text",
        422,
        "POST",
        "/applications",
        _filing(claims=[{"number": 1, "text": "2. A battery."}]),
    ),
    Hostile(
        "RLO in a transition reason",
        422,
        "POST",
        "/applications/{number}/actions/withdraw",
        _json({"payload": {}, "reason": "per \u202erequest"}),
    ),
    Hostile(
        "ESC in a payload text",
        422,
        "POST",
        "/applications/{number}/actions/withdraw",
        _json({"payload": {"note": "a\x1b[2Jb"}}),
    ),
    Hostile(
        "a zero-width joiner in a calendar reason",
        422,
        "PUT",
        "/offices/KZ/calendar/2027-03-17",
        _json({"kind": "closure", "reason": "Flo\u200dod"}),
        actor="admin",
    ),
    Hostile("a line break in a title", 422, "POST", "/applications", _filing(title="Battery\nsystem")),
    Hostile("a title of spaces", 422, "POST", "/applications", _filing(title="   ")),
    Hostile("RLO in a file name", 422, "POST", "/applications", _document("annex\u202etxt.exe", b"text\n")),
    # paths and injections where they are not data
    Hostile("path traversal as a file name", 422, "POST", "/applications", _document(TRAVERSAL, b"text\n")),
    Hostile("a Windows path as a file name", 422, "POST", "/applications", _document("..\\..\\boot.ini", b"text\n")),
    Hostile("NUL in a file name", 422, "POST", "/applications", _document("a.txt\x00.pdf", b"text\n")),
    Hostile(
        "path traversal in an uploaded file name",
        422,
        "POST",
        "/applications/multipart",
        _multipart(json.dumps(application_payload()), (TRAVERSAL, b"text\n", "text/plain")),
    ),
    Hostile("SQL as an office", 422, "POST", "/applications", _filing(receiving_office=SQL)),
    Hostile("SQL as an IPC symbol", 422, "POST", "/applications", _filing(ipc=[SQL])),
    Hostile("SQL as a language", 422, "POST", "/applications", _filing(language=SQL)),
    Hostile(
        "SQL as a country",
        422,
        "POST",
        "/applications",
        _filing(applicants=[{"name": "A", "country": SQL, "address": "B"}]),
    ),
    Hostile("fields the applicant may not set", 400, "POST", "/applications", _filing(state="granted", owner_id="x")),
    Hostile(
        "registering as an administrator",
        400,
        "POST",
        "/auth/register",
        _json({"email": "x@test.example", "full_name": "X", "password": "long enough pw", "role": "office_admin"}),
        actor="anonymous",
    ),
    Hostile(
        "NUL in a registration name",
        400,
        "POST",
        "/auth/register",
        _json({"email": "y@test.example", "full_name": "X\x00", "password": "long enough pw"}),
        actor="anonymous",
    ),
    Hostile(
        "registering an office staff address",
        422,
        "POST",
        "/auth/register",
        _json({"email": "examiner@ctpo.int", "full_name": "X", "password": "long enough pw"}),
        actor="anonymous",
    ),
    Hostile(
        "registering a look-alike address",
        422,
        "POST",
        "/auth/register",
        _json({"email": "x@pаypal.com", "full_name": "X", "password": "long enough pw"}),
        actor="anonymous",
    ),
    Hostile(
        "a direction override in a registration name",
        422,
        "POST",
        "/auth/register",
        _json({"email": "y@test.example", "full_name": "X\u202eY", "password": "long enough pw"}),
        actor="anonymous",
    ),
    Hostile(
        "NUL in a login e-mail",
        400,
        "POST",
        "/auth/login",
        _json({"email": "a\x00@b.c", "password": "x"}),
        actor="anonymous",
    ),
    Hostile(
        "NUL in a calendar reason",
        400,
        "PUT",
        "/offices/KZ/calendar/2027-03-16",
        _json({"kind": "closure", "reason": "\x00"}),
        actor="admin",
    ),
    Hostile(
        "NUL in a transition reason",
        400,
        "POST",
        "/applications/{number}/actions/withdraw",
        _json({"payload": {}, "reason": "a\x00b"}),
    ),
    Hostile(
        "NUL in a transition payload",
        422,
        "POST",
        "/applications/{number}/actions/withdraw",
        _json({"payload": {"reason": "\x00"}}),
    ),
    Hostile("%00 in a path", 400, "GET", "/applications/KZ-2026-000001%00", actor="examiner"),
    Hostile("a path merely containing /schema, without a token", 401, "GET", "/applications/schema", actor="anonymous"),
    Hostile("%0a in a query", 400, "GET", "/offices/KZ/queue?state=filed%0aX", actor="examiner"),
    Hostile(
        "mass assignment of a role",
        400,
        "POST",
        "/offices/KZ/users",
        _json(
            {
                "email": "z@test.example",
                "full_name": "Z",
                "password": "long enough pw",
                "role": "examiner",
                "office": "TR",
            }
        ),
        actor="admin",
    ),
    Hostile(
        "creating an applicant as staff",
        422,
        "POST",
        "/offices/KZ/users",
        _json({"email": "w@test.example", "full_name": "W", "password": "long enough pw", "role": "applicant"}),
        actor="admin",
    ),
    # numbers
    Hostile("a negative limit", 400, "GET", "/applications?limit=-1"),
    Hostile("a huge limit", 400, "GET", f"/applications?limit={10**40}"),
    Hostile("a negative offset", 400, "GET", "/offices/KZ/queue?offset=-1", actor="examiner"),
    Hostile("a claim numbered 0", 400, "POST", "/applications", _filing(claims=[{"number": 0, "text": "c"}])),
    Hostile("a claim numbered -1", 400, "POST", "/applications", _filing(claims=[{"number": -1, "text": "c"}])),
    Hostile("a claim numbered 10^30", 400, "POST", "/applications", _filing(claims=[{"number": 10**30, "text": "c"}])),
    Hostile("a claim numbered 1.5", 400, "POST", "/applications", _filing(claims=[{"number": 1.5, "text": "c"}])),
    Hostile("k = 0", 400, "POST", "/search", _json({"text": "battery", "k": 0})),
    Hostile("k = 10^9", 400, "GET", "/applications/{number}/prior-art?k=1000000000"),
    Hostile("before_id beyond 2^62", 400, "GET", f"/offices/KZ/audit?before_id={2**70}", actor="admin"),
    Hostile(
        "a number beyond a double",
        400,
        "POST",
        "/applications/{number}/actions/withdraw",
        _raw(b'{"payload": {"a": 1e999}}'),
    ),
    Hostile("NaN", 400, "POST", "/applications/{number}/actions/withdraw", _raw(b'{"payload": {"a": NaN}}')),
    # claims
    Hostile(
        "duplicate claim numbers",
        422,
        "POST",
        "/applications",
        _filing(claims=[{"number": 1, "text": "a"}, {"number": 1, "text": "b"}]),
    ),
    Hostile(
        "a gap in claim numbers",
        422,
        "POST",
        "/applications",
        _filing(claims=[{"number": 1, "text": "a"}, {"number": 3, "text": "b"}]),
    ),
    Hostile("no claims", 422, "POST", "/applications", _filing(claims=[])),
    # dates
    Hostile(
        "priority in year 1",
        422,
        "POST",
        "/applications",
        _filing(priority_claims=[{"office": "TR", "number": "1", "date": "0001-01-01"}]),
    ),
    Hostile(
        "priority on 9999-12-31",
        422,
        "POST",
        "/applications",
        _filing(priority_claims=[{"office": "TR", "number": "1", "date": "9999-12-31"}]),
    ),
    Hostile(
        "priority in year 10000",
        400,
        "POST",
        "/applications",
        _filing(priority_claims=[{"office": "TR", "number": "1", "date": "10000-01-01"}]),
    ),
    Hostile(
        "priority on 30 February",
        400,
        "POST",
        "/applications",
        _filing(priority_claims=[{"office": "TR", "number": "1", "date": "2026-02-30"}]),
    ),
    Hostile(
        "a closure on 9999-12-31",
        422,
        "PUT",
        "/offices/KZ/calendar/9999-12-31",
        _json({"kind": "closure", "reason": "End of time"}),
        actor="admin",
    ),
    Hostile(
        "a closure in year 1",
        422,
        "PUT",
        "/offices/KZ/calendar/0001-01-01",
        _json({"kind": "closure", "reason": "Start of time"}),
        actor="admin",
    ),
    Hostile(
        "a closure on month 13",  # a path that is not a date names no resource
        404,
        "PUT",
        "/offices/KZ/calendar/2026-13-01",
        _json({"kind": "closure", "reason": "x"}),
        actor="admin",
    ),
    Hostile(
        "an audit window past year 9999 in UTC",
        422,
        "GET",
        "/offices/KZ/audit?since=9999-12-31T23:59:59-12:00",
        actor="admin",
    ),
    Hostile("an unknown transition", 404, "POST", "/applications/{number}/actions/drop_table", _json({})),
    Hostile("SQL as a transition", 404, "POST", "/applications/{number}/actions/' OR '1'='1", _json({})),
]

ANSWERED: list[Hostile] = [
    # injection and traversal strings where they are only looked up: nothing found, nothing broken
    Hostile("SQL as an application number", 404, "GET", "/applications/' OR '1'='1", actor="examiner"),
    Hostile("traversal as an application number", 404, "GET", "/applications/..%2F..%2Fetc%2Fpasswd"),
    Hostile("traversal as a document hash", 404, "GET", "/applications/{number}/documents/..%2F..%2Fsecret_key"),
    Hostile("SQL in a queue filter", 200, "GET", "/offices/KZ/queue?state=x' OR '1'='1", actor="examiner"),
    Hostile("a LIKE wildcard as an IPC prefix", 200, "GET", "/offices/KZ/queue?ipc=%25", actor="examiner"),
    Hostile("SQL in an audit filter", 200, "GET", "/offices/KZ/audit?action=' OR 1=1 --", actor="admin"),
    Hostile(
        "SQL as a login",
        401,
        "POST",
        "/auth/login",
        _json({"email": "' OR 1=1 --", "password": SQL}),
        actor="anonymous",
    ),
    Hostile("SQL in a search", 503, "POST", "/search", _json({"text": SQL})),  # search is not started in this app
]


@pytest.fixture
def actors(make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        "owner": login(make_user("applicant")),
        "examiner": login(make_user("examiner", "KZ")),
        "admin": login(make_user("office_admin", "KZ")),
        "anonymous": {},
    }


def _database_state(database_url: str) -> dict[str, str]:
    """A digest of every row of every table that must not change."""
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            state = {}
            for table in Base.metadata.sorted_tables:
                if table.name in UNRECORDED:
                    continue
                rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                state[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest() + f" ({len(rows)} rows)"
            return state
    finally:
        engine.dispose()


def _store_state(root: Path) -> dict[str, str]:
    """Every file under the document store, temporary ones included, with its content hash."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def _send(client: TestClient[Any], case: Hostile, headers: dict[str, dict[str, str]], number: str) -> Any:
    request = dict(case.request)
    request["headers"] = {**request.get("headers", {}), **headers[case.actor]}
    return client.request(case.method, case.path.replace("{number}", number), **request)


@pytest.fixture
def existing(client: TestClient[Any], actors: dict[str, dict[str, str]]) -> str:
    """A filed application with a document, and a calendar correction: data that must stay as it is."""
    payload = application_payload(documents=[inline_document("description.pdf", PDF, "application/pdf")])
    filed = client.post("/applications", json=payload, headers=actors["owner"])
    assert filed.status_code == 201, filed.text
    closure = client.put(
        "/offices/KZ/calendar/2027-03-15", json={"kind": "closure", "reason": "Flood"}, headers=actors["admin"]
    )
    assert closure.status_code == 200
    return str(filed.json()["application_number"])


def test_hostile_requests_get_their_answer_and_change_nothing(
    client: TestClient[Any],
    settings: Settings,
    database_url: str,
    actors: dict[str, dict[str, str]],
    existing: str,
):
    before_db, before_store = _database_state(database_url), _store_state(settings.storage_dir)
    assert before_store  # the existing document is on disk
    wrong = []
    for case in REFUSED + ANSWERED:
        response = _send(client, case, actors, existing)
        if response.status_code != case.status:
            wrong.append(f"{case.name}: {response.status_code}, expected {case.status}: {response.text[:300]}")
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), case.name
            problem = response.json()
            assert problem["status"] == response.status_code, case.name
            assert problem["title"], case.name
        if _database_state(database_url) != before_db or _store_state(settings.storage_dir) != before_store:
            wrong.append(f"{case.name}: changed stored data")
            before_db, before_store = _database_state(database_url), _store_state(settings.storage_dir)
    assert not wrong, "\n".join(wrong)


LEGITIMATE_BUT_HOSTILE = {
    "title": f"Battery {SQL}",
    "abstract": f"See {TRAVERSAL} and C:\\Windows\\System32 and <script>alert(1)</script>",
    "description": "Robert'); DROP TABLE claims;--\n\t%s %n {0} ${jndi:ldap://x} e\u0301 \U0001f9ea",
    "applicant_reference": "1' OR '1'='1",
}
MIXED_SCRIPTS = "Li-ion батарея / Lityum-iyon pil / Литий-ионды батарея / ليثيوم 123 / 锂电池"


def test_hostile_looking_text_is_data_and_comes_back_exactly(
    client: TestClient[Any], database_url: str, actors: dict[str, dict[str, str]], existing: str
):
    original = client.get(f"/applications/{existing}", headers=actors["owner"]).json()
    payload = application_payload(
        **LEGITIMATE_BUT_HOSTILE,
        claims=[{"number": 1, "text": SQL}, {"number": 2, "text": MIXED_SCRIPTS}],
        applicants=[{"name": "O'Brien; DELETE FROM users", "country": "KZ", "address": TRAVERSAL}],
        inventors=[{"name": "Ойлап Тапқыш Özgür Əliyev", "country": "AZ", "address": "Bakı"}],
        priority_claims=[],
        documents=[inline_document("O'Brien (final) [v2].txt", f"{SQL}\n{MIXED_SCRIPTS}\n".encode())],
    )
    payload["title"] = MIXED_SCRIPTS
    filed = client.post("/applications", json=payload, headers=actors["owner"])
    assert filed.status_code == 201, filed.text
    stored = client.get(f"/applications/{filed.json()['application_number']}", headers=actors["owner"]).json()
    for key in ("title", "abstract", "description", "applicant_reference"):
        assert stored[key] == payload[key], key
    assert [c["text"] for c in stored["claims"]] == [SQL, MIXED_SCRIPTS]
    assert stored["applicants"][0] == payload["applicants"][0]
    assert stored["inventors"][0] == payload["inventors"][0]
    assert stored["documents"][0]["filename"] == "O'Brien (final) [v2].txt"
    assert client.get(f"/applications/{existing}", headers=actors["owner"]).json() == original
    assert len(client.get("/applications", headers=actors["owner"]).json()) == 2


@dataclass(frozen=True)
class DeskTwin:
    """The same hostile input through the API (JSON body) and through the desk (its form for that action)."""

    name: str
    action: str
    api_body: bytes
    desk_form: dict[str, Any]


HUGE = "123456789012345678901234567890"
DESK_TWINS = [
    DeskTwin("a reason with NUL", "claim", json.dumps({"reason": "a\x00b"}).encode(), {"reason": "a\x00b"}),
    DeskTwin("a reason with BEL", "claim", json.dumps({"reason": "ring\x07"}).encode(), {"reason": "ring\x07"}),
    DeskTwin("a reason with ESC", "claim", json.dumps({"reason": "\x1b[31mred"}).encode(), {"reason": "\x1b[31mred"}),
    DeskTwin(
        "a reason of 6000 characters", "claim", json.dumps({"reason": "r" * 6000}).encode(), {"reason": "r" * 6000}
    ),
    DeskTwin(
        "a huge integer in a typed payload",
        "request_re_establishment",
        b'{"payload": {"cause_removed_on": "2027-01-15", "grounds": ' + HUGE.encode() + b"}}",
        {"payload": '{"cause_removed_on": "2027-01-15", "grounds": ' + HUGE + "}"},
    ),
    DeskTwin(
        "a lone surrogate in a typed payload",
        "file_opposition",
        b'{"payload": {"grounds": "\\ud800"}}',
        {"payload": '{"grounds": "\\ud800"}'},
    ),
    DeskTwin(
        "a huge claim number cited",
        "issue_search_report",
        json.dumps(
            {
                "payload": {
                    "citations": [{"document_id": "TR2020/1", "category": "X", "claims": [int(HUGE)], "passage": "p"}]
                }
            }
        ).encode(),
        {"hit-1-document": "TR2020/1", "hit-1-category": "X", "hit-1-claims": HUGE, "hit-1-passage": "p"},
    ),
    DeskTwin(
        "a claim number that is not a number",
        "issue_office_action",
        json.dumps({"payload": {"objections": [{"claims": ["one"], "ground": "novelty", "reasoning": "r"}]}}).encode(),
        {"objection-1-claims": "one", "objection-1-ground": "novelty", "objection-1-reasoning": "r"},
    ),
    DeskTwin(
        "a time limit of 10^29 months",
        "issue_deficiency_notice",
        json.dumps({"payload": {"deficiencies": ["x"], "correction_months": int(HUGE)}}).encode(),
        {"deficiencies": "x", "correction_months": HUGE},
    ),
]


def test_desk_forms_get_the_apis_answer_and_write_nothing(
    client: TestClient[Any],
    database_url: str,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
    existing: str,
):
    """Attack: the desk built its request without the API's schema; NUL reasons reached the history, 10^30 a 500."""
    from tests.integration.test_desk import desk_act, desk_login  # noqa: PLC0415 - the desk's own helpers

    examiner = make_user("examiner", "KZ")
    api = login(examiner)
    csrf = desk_login(client, examiner)
    before = _database_state(database_url)
    wrong = []
    for case in DESK_TWINS:
        through_api = client.post(
            f"/applications/{existing}/actions/{case.action}",
            content=case.api_body,
            headers={**api, "content-type": "application/json"},
        )
        through_desk = desk_act(client, csrf, existing, case.action, **case.desk_form)
        if not 400 <= through_api.status_code < 500 or through_desk.status_code != through_api.status_code:
            wrong.append(f"{case.name}: API {through_api.status_code}, desk {through_desk.status_code}")
        if through_desk.status_code >= 400 and "text/html" not in through_desk.headers["content-type"]:
            wrong.append(f"{case.name}: the desk answered {through_desk.headers['content-type']}")
        if _database_state(database_url) != before:
            wrong.append(f"{case.name}: changed stored data")
            before = _database_state(database_url)
    assert not wrong, "\n".join(wrong)
