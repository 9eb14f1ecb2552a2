"""The audit log: staff reads of unpublished files and administrative acts, who/what/when/where, append-only."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.routes import HTTPRoute
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from ctpo.db.engine import create_engine
from ctpo.db.models import AuditRecord, OfficeCalendarDay, User
from tests.support import PASSWORD, application_payload, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient

DOC = b"An annex, in plain text."
AGENT = {"User-Agent": "audit-test/1.0"}


def _records(database_url: str, *where: Any) -> list[AuditRecord]:
    async def read() -> list[AuditRecord]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                query = select(AuditRecord).where(*where).order_by(AuditRecord.id)
                return list((await conn.execute(query)).all())  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _execute(database_url: str, statement: str) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _execute_update(database_url: str, statement: Any) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(statement)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _count(database_url: str, model: Any) -> int:
    async def run() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


class Office:
    """A KZ file, its applicant, KZ staff and outsiders."""

    def __init__(self, client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]):
        self.client = client
        self.users = {
            "applicant": make_user("applicant"),
            "examiner": make_user("examiner", "KZ"),
            "admin": make_user("office_admin", "KZ"),
            "foreign_examiner": make_user("examiner", "TR"),
            "foreign_admin": make_user("office_admin", "TR"),
        }
        self.headers = {name: login(user) | AGENT for name, user in self.users.items()}
        payload = application_payload(documents=[inline_document("annex.txt", DOC)])
        filed = client.post("/applications", json=payload, headers=self.headers["applicant"])
        assert filed.status_code == 201, filed.text
        self.number = filed.json()["application_number"]

    def publish(self) -> None:
        for who, action in (("applicant", "request_early_publication"), ("admin", "publish")):
            response = self.client.post(
                f"/applications/{self.number}/actions/{action}", json={}, headers=self.headers[who]
            )
            assert response.status_code == 200, response.text


@pytest.fixture
def office(client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]) -> Office:
    return Office(client, make_user, login)


_PARTS_THIS_FILE_LACKS = {
    "/applications/{number}/international": "is not an international application",
    # Third-party observations exist only once a file is published (EPC Art. 115); this one is not.
    "/applications/{number}/observations": "There is no published application",
    "/applications/{number}/patent": "has not been granted",
}
"""Per-file routes that answer 404 for a readable file that has no such part; every other read answers 200."""
_ADMINISTRATORS_ONLY = {"/applications/{number}/assignable-examiners"}
"""Per-file routes for the office's administrators: refused to others before the file is read (nothing recorded)."""


def _file_read_routes(app: Litestar) -> list[str]:
    """Every GET route that reads one application, from the route table: a new one is audited or fails here."""
    paths = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods and route.path_format.startswith("/applications/{"):
            paths.add(route.path_format)
    return sorted(paths)


def test_every_staff_read_of_an_unpublished_file_is_recorded_once(
    app: Litestar, client: TestClient[Any], office: Office, database_url: str
):
    values = {"number": office.number, "sha256": hashlib.sha256(DOC).hexdigest()}
    routes = _file_read_routes(app)
    assert "/applications/{number}/dossier" in routes
    assert len(routes) >= 9
    before = datetime.now(UTC)
    for template in routes:
        path = template.format(**values)
        for who in ("examiner", "admin", "applicant"):
            response = client.get(path, headers=office.headers[who])
            if template in _PARTS_THIS_FILE_LACKS and response.status_code == 404:
                # The file is readable; the part asked for does not exist (a national filing has no PCT data).
                assert _PARTS_THIS_FILE_LACKS[template] in response.json()["detail"], response.text
                continue
            if template in _ADMINISTRATORS_ONLY and who != "admin":
                assert response.status_code == 403, (path, response.text)
                continue
            assert response.status_code in {200, 503}, (path, response.text)  # 503: search is not started here
        foreign = client.get(path, headers=office.headers["foreign_examiner"]).status_code
        assert foreign == (403 if template in _ADMINISTRATORS_ONLY else 404)  # 403: by role, whatever the number

    reads = _records(database_url, AuditRecord.action == "application.read")
    # The observations route answers for published files only, so here it reads (and records) nothing.
    read = [t for t in routes if t != "/applications/{number}/observations"]
    expected = sorted(
        (t.format(**values), role)
        for t in read
        for role in ("examiner", "office_admin")
        if role == "office_admin" or t not in _ADMINISTRATORS_ONLY
    )
    assert sorted((r.path, r.actor_role) for r in reads) == expected
    examiner = office.users["examiner"]
    first = next(r for r in reads if r.actor_id == examiner.id)
    assert (first.actor_email, first.actor_role, first.actor_office) == (examiner.email, "examiner", "KZ")
    assert (first.office, first.application_number, first.method) == ("KZ", office.number, "GET")
    assert (first.client_address, first.user_agent) == ("testclient", "audit-test/1.0")
    assert before - timedelta(seconds=1) <= first.at <= datetime.now(UTC)


def test_published_files_and_applicants_own_reads_are_not_recorded(
    client: TestClient[Any], office: Office, database_url: str
):
    client.get(f"/applications/{office.number}", headers=office.headers["applicant"])
    office.publish()
    for who in ("examiner", "admin", "foreign_examiner"):
        assert client.get(f"/applications/{office.number}", headers=office.headers[who]).status_code == 200
    assert _records(database_url, AuditRecord.action == "application.read") == []


def test_lists_that_show_unpublished_files_to_staff_are_recorded_with_the_numbers(
    client: TestClient[Any], office: Office, database_url: str
):
    assert client.get("/applications", headers=office.headers["examiner"]).status_code == 200
    assert client.get("/offices/KZ/queue", headers=office.headers["admin"]).status_code == 200
    assert client.get("/applications", headers=office.headers["applicant"]).status_code == 200
    assert client.get("/offices/TR/queue", headers=office.headers["foreign_admin"]).status_code == 200  # empty
    lists = _records(database_url, AuditRecord.action == "applications.list")
    assert [(r.path, r.actor_office, r.details["numbers"]) for r in lists] == [
        ("/applications", "KZ", [office.number]),
        ("/offices/KZ/queue", "KZ", [office.number]),
    ]


def test_administrative_acts_are_recorded_with_the_act(
    client: TestClient[Any], office: Office, database_url: str, make_user: Callable[..., Any]
):
    admin = office.headers["admin"]
    created = client.post(
        "/offices/KZ/users",
        json={"email": "new.examiner@test.example", "full_name": "New", "password": PASSWORD, "role": "examiner"},
        headers=admin,
    )
    assert created.status_code == 201
    closure = client.put("/offices/KZ/calendar/2027-03-15", json={"kind": "closure", "reason": "Flood"}, headers=admin)
    assert closure.status_code == 200
    assert client.delete("/offices/KZ/calendar/2027-03-15", headers=admin).status_code == 200
    assert client.post(f"/offices/KZ/users/{created.json()['id']}/unlock", headers=admin).status_code == 200
    examiner_id = str(office.users["examiner"].id)
    declared = {"languages": ["kk"]}  # the examiner's own profile: not an administrative act
    assert client.put(f"/examiners/{examiner_id}/profile", json=declared, headers=office.headers["examiner"]).is_success
    assign = {"payload": {"examiner_id": examiner_id}}
    assert client.post(f"/applications/{office.number}/actions/assign", json=assign, headers=admin).status_code == 200
    # refused acts leave no record
    party = client.put("/offices/KZ/calendar/2027-03-16", json={"kind": "party", "reason": "x"}, headers=admin)
    assert party.status_code == 422
    assert (
        client.post(f"/applications/{office.number}/actions/grant", json={}, headers=admin).status_code == 404
    )  # no such action
    # an examiner's own transitions are in the history, not the audit log
    begin = f"/applications/{office.number}/actions/begin_formalities_check"
    assert client.post(begin, json={}, headers=office.headers["examiner"]).status_code == 200

    acts = _records(database_url, AuditRecord.action != "application.read", AuditRecord.action != "applications.list")
    assert [(r.action, r.actor_role, r.office) for r in acts] == [
        ("user.create", "office_admin", "KZ"),
        ("calendar.set", "office_admin", "KZ"),
        ("calendar.remove", "office_admin", "KZ"),
        ("user.unlock", "office_admin", "KZ"),
        ("application.assign", "office_admin", "KZ"),
    ]
    assert str(acts[0].target_user_id) == created.json()["id"]
    assert acts[0].details["email"] == "new.examiner@test.example"
    assert acts[1].details == {"day": "2027-03-15", "kind": "closure", "reason": "Flood", "deadlines_moved": 0}
    assert acts[4].application_number == office.number
    assert all(r.client_address == "testclient" and r.user_agent == "audit-test/1.0" for r in acts)


def test_the_log_is_append_only_in_the_database(client: TestClient[Any], office: Office, database_url: str):
    client.get(f"/applications/{office.number}", headers=office.headers["examiner"])
    assert len(_records(database_url)) == 1
    for statement in ("UPDATE audit_log SET actor_email = 'someone@else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            _execute(database_url, statement)
    assert _records(database_url)[0].actor_email == office.users["examiner"].email


def test_a_read_that_cannot_be_recorded_is_refused(client: TestClient[Any], office: Office, database_url: str):
    _execute(database_url, "ALTER TABLE audit_log RENAME TO audit_log_unreachable")
    refused = client.get(f"/applications/{office.number}", headers=office.headers["examiner"])
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"]
    assert application_payload()["title"] not in refused.text
    dossier = client.get(f"/applications/{office.number}/dossier", headers=office.headers["admin"])
    assert dossier.status_code == 503
    # the applicant's own reads need no record and still work
    assert client.get(f"/applications/{office.number}", headers=office.headers["applicant"]).status_code == 200
    # an administrative act whose record cannot be written is not done either
    closure = client.put(
        "/offices/KZ/calendar/2027-03-15", json={"kind": "closure", "reason": "Flood"}, headers=office.headers["admin"]
    )
    assert closure.status_code >= 500
    assert closure.headers["content-type"].startswith("application/problem+json")
    assert _count(database_url, OfficeCalendarDay) == 0


def test_admins_list_their_office_log_with_filters_and_pages(
    client: TestClient[Any], office: Office, database_url: str
):
    for who in ("examiner", "admin", "examiner"):
        client.get(f"/applications/{office.number}", headers=office.headers[who])
    client.get("/applications", headers=office.headers["examiner"])
    client.get("/applications", headers=office.headers["foreign_examiner"])  # TR: nothing unpublished of theirs
    admin = office.headers["admin"]

    everything = client.get("/offices/KZ/audit", headers=admin)
    assert everything.status_code == 200
    rows = everything.json()
    assert [r["action"] for r in rows] == ["applications.list"] + ["application.read"] * 3  # newest first
    assert rows[0]["id"] > rows[1]["id"] > rows[2]["id"]
    assert {r["office"] for r in rows} == {"KZ"}

    examiner_id = str(office.users["examiner"].id)
    by_examiner = client.get("/offices/kz/audit", params={"actor_id": examiner_id}, headers=admin).json()
    assert len(by_examiner) == 3
    reads = client.get(
        "/offices/KZ/audit", params={"action": "application.read", "application": office.number}, headers=admin
    ).json()
    assert len(reads) == 3
    page1 = client.get("/offices/KZ/audit", params={"limit": 2}, headers=admin).json()
    page2 = client.get("/offices/KZ/audit", params={"limit": 2, "before_id": page1[-1]["id"]}, headers=admin).json()
    assert [r["id"] for r in page1 + page2] == [r["id"] for r in rows]
    last = client.get("/offices/KZ/audit", params={"before_id": 2**31 - 1}, headers=admin)  # ids are INTEGER
    assert [r["id"] for r in last.json()] == [r["id"] for r in rows]
    beyond = client.get("/offices/KZ/audit", params={"before_id": 2**31}, headers=admin)  # was 500 on PostgreSQL
    assert beyond.status_code == 400, beyond.text
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.get("/offices/KZ/audit", params={"since": future}, headers=admin).json() == []
    assert len(client.get("/offices/KZ/audit", params={"until": future}, headers=admin).json()) == 4
    assert client.get("/offices/TR/audit", headers=office.headers["foreign_admin"]).json() == []
    assert client.get("/offices/KZ/audit", headers=office.headers["foreign_admin"]).status_code == 404
    assert client.get("/offices/KZ/audit", headers=office.headers["examiner"]).status_code == 403


def test_the_record_keeps_who_it_was_after_the_account_changes(
    client: TestClient[Any], office: Office, database_url: str
):
    client.get(f"/applications/{office.number}", headers=office.headers["examiner"])
    examiner = office.users["examiner"]
    _execute_update(database_url, update(User).where(User.id == examiner.id).values(email="renamed@test.example"))
    (record,) = _records(database_url, AuditRecord.actor_id == examiner.id)
    assert record.actor_email == examiner.email
    assert _count(database_url, User) == len(office.users)
