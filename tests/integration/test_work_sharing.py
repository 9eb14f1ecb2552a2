"""Work sharing across offices over HTTP: assign a KZ file to a TR examiner who reads Kazakh, and what follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, event, select

from ctpo.db.models import AuditRecord
from tests.integration.test_desk import desk_login
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient


@dataclass
class Sharing:
    client: TestClient[Any]
    users: dict[str, Any]
    headers: dict[str, dict[str, str]]
    number: str
    other_number: str

    def assign(self, examiner: str, who: str = "kz_admin") -> Any:
        body = {"payload": {"examiner_id": str(self.users[examiner].id)}}
        return self.client.post(f"/applications/{self.number}/actions/assign", json=body, headers=self.headers[who])

    def profile(self, examiner: str, languages: list[str], fields: list[str], who: str | None = None) -> Any:
        return self.client.put(
            f"/examiners/{self.users[examiner].id}/profile",
            json={"languages": languages, "ipc_fields": fields},
            headers=self.headers[who or examiner],
        )


@pytest.fixture
def sharing(client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]) -> Sharing:
    users = {
        "applicant": make_user("applicant"),
        "kz_admin": make_user("office_admin", "KZ"),
        "kz_examiner": make_user("examiner", "KZ"),
        "tr_admin": make_user("office_admin", "TR"),
        "tr_examiner": make_user("examiner", "TR"),  # reads Kazakh
        "tr_examiner2": make_user("examiner", "TR"),  # does not
    }
    headers = {name: login(user) for name, user in users.items()}
    numbers = [
        client.post("/applications", json=application_payload(), headers=headers["applicant"]).json()[
            "application_number"
        ]
        for _ in range(2)
    ]
    sharing = Sharing(client, users, headers, *numbers)
    assert sharing.profile("tr_examiner", ["kk", "tr"], ["H01M"]).status_code == 200
    assert sharing.profile("tr_examiner2", ["tr"], ["H01M"]).status_code == 200
    return sharing


def _assert_one_assignment_record(sharing: Sharing, office: str, admin: str) -> None:
    """The office's administrator finds the assignment in the office's audit log: who, which file, whom, offices."""
    examiner = str(sharing.users["tr_examiner"].id)
    records = sharing.client.get(
        f"/offices/{office}/audit", params={"action": "application.assign"}, headers=sharing.headers[admin]
    ).json()
    assert len(records) == 1, office
    [record] = records
    assert record["application_number"] == sharing.number
    assert record["actor_id"] == str(sharing.users["kz_admin"].id)
    assert record["target_user_id"] == examiner
    assert record["details"]["from_office"] == "KZ"
    assert record["details"]["to_office"] == "TR"
    assert record["details"]["examiner_id"] == examiner


def test_a_file_assigned_across_offices_is_seen_and_examined_there_and_both_offices_see_it(
    sharing: Sharing, client: TestClient[Any], database_url: str
):
    h, n = sharing.headers, sharing.number
    assert client.get(f"/applications/{n}", headers=h["tr_examiner"]).status_code == 404

    assigned = sharing.assign("tr_examiner")
    assert assigned.status_code == 200, assigned.text
    assert client.get(f"/applications/{n}", headers=h["tr_examiner"]).status_code == 200
    assert client.get(f"/applications/{sharing.other_number}", headers=h["tr_examiner"]).status_code == 404
    assert client.get(f"/applications/{n}", headers=h["tr_examiner2"]).status_code == 404  # the colleague: no
    assert client.get(f"/applications/{n}", headers=h["tr_admin"]).status_code == 404  # nor their admin

    # the examiner's own queue shows it, marked with its office; the KZ queue stays KZ's
    queue = client.get("/offices/TR/queue", headers=h["tr_examiner"]).json()
    assert [(q["application_number"], q["office"]) for q in queue] == [(n, "KZ")]
    assert client.get("/offices/TR/queue", headers=h["tr_admin"]).json() == []
    assert client.get("/offices/KZ/queue", headers=h["tr_examiner"]).status_code == 404
    assert {q["application_number"] for q in client.get("/offices/KZ/queue", headers=h["kz_admin"]).json()} == {
        n,
        sharing.other_number,
    }

    # they act on it as its examiner, not as an administrator of KZ
    state = client.get(f"/applications/{n}/state", headers=h["tr_examiner"]).json()
    assert "begin_formalities_check" in state["allowed_actions"]
    assert "assign" not in state["allowed_actions"]
    acted = client.post(f"/applications/{n}/actions/begin_formalities_check", json={}, headers=h["tr_examiner"])
    assert acted.status_code == 200, acted.text
    assert acted.json()["history"]["actor_office"] == "TR"
    forbidden = client.post(f"/applications/{n}/actions/assign", json={"payload": {}}, headers=h["tr_admin"])
    assert forbidden.status_code == 404  # the TR administrator cannot even see the file

    expected = {
        "application_number": n,
        "file_office": "KZ",
        "language": "kk",
        "state": "formalities_check",
        "examiner_id": str(sharing.users["tr_examiner"].id),
        "examiner_name": sharing.users["tr_examiner"].full_name,
        "examiner_office": "TR",
    }
    assert client.get("/offices/KZ/shared-files", headers=h["kz_admin"]).json() == {
        "office": "KZ",
        "lent": [expected],
        "borrowed": [],
    }
    assert client.get("/offices/TR/shared-files", headers=h["tr_admin"]).json() == {
        "office": "TR",
        "lent": [],
        "borrowed": [expected],
    }
    assert client.get("/offices/TR/shared-files", headers=h["kz_admin"]).status_code == 404
    assert client.get("/offices/TR/shared-files", headers=h["tr_examiner"]).status_code == 403

    for office, admin in (("KZ", "kz_admin"), ("TR", "tr_admin")):
        _assert_one_assignment_record(sharing, office, admin)

    # released by its examiner, the file is KZ's alone again; assigned again, it is theirs again
    assert client.post(f"/applications/{n}/actions/release", json={}, headers=h["tr_examiner"]).status_code == 200
    assert client.get(f"/applications/{n}", headers=h["tr_examiner"]).status_code == 404
    assert sharing.assign("tr_examiner").status_code == 200
    assert client.get(f"/applications/{n}", headers=h["tr_examiner"]).status_code == 200

    # a reassignment back home is recorded for the office the file leaves, too
    assert sharing.profile("kz_examiner", ["kk"], []).status_code == 200
    assert sharing.assign("kz_examiner").status_code == 200
    engine = create_engine(database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    try:
        with engine.connect() as conn:
            last = conn.execute(
                select(AuditRecord.office, AuditRecord.details)
                .where(AuditRecord.action == "application.assign")
                .order_by(AuditRecord.id)
            ).all()
    finally:
        engine.dispose()
    assert [office for office, _ in last] == ["KZ", "TR", "KZ", "TR", "KZ", "TR"]
    assert last[-1][1]["previous_examiner_office"] == "TR"
    assert client.get("/offices/TR/shared-files", headers=h["tr_admin"]).json()["borrowed"] == []


def test_who_may_be_assigned_or_suggested_and_who_declares_a_profile(sharing: Sharing, client: TestClient[Any]):
    refused = sharing.assign("tr_examiner2")
    assert refused.status_code == 422
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = problem["errors"]
    assert error["field"] == "payload.examiner_id"
    assert "kk" in error["message"]
    assert "kk" in problem["detail"]
    # nor an administrator, nor an unknown id
    admin = str(sharing.users["tr_admin"].id)
    body = {"payload": {"examiner_id": admin}}
    kz_admin = sharing.headers["kz_admin"]
    response = sharing.client.post(f"/applications/{sharing.number}/actions/assign", json=body, headers=kz_admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payload.examiner_id"

    assert sharing.profile("kz_examiner", ["kk", "ru"], ["B60"]).status_code == 200
    h, n = sharing.headers, sharing.number
    found = client.get(f"/applications/{n}/assignable-examiners", headers=h["kz_admin"]).json()
    assert [(s["examiner"]["office"], s["matching_ipc"], s["same_office"]) for s in found] == [
        ("TR", ["H01M 10/613"], False),  # H01M covers the file's symbol: first
        ("KZ", [], True),
    ]
    assert client.get(f"/applications/{n}/assignable-examiners", headers=h["kz_examiner"]).status_code == 403
    assert client.get(f"/applications/{n}/assignable-examiners", headers=h["tr_admin"]).status_code == 404

    tr_examiner = sharing.users["tr_examiner"].id
    read = client.get(f"/examiners/{tr_examiner}/profile", headers=sharing.headers["kz_admin"])
    assert read.json()["languages"] == ["kk", "tr"]
    assert read.json()["ipc_fields"] == ["H01M"]
    assert sharing.profile("tr_examiner", ["ru"], [], who="tr_admin").status_code == 200
    assert sharing.profile("tr_examiner", ["ru"], [], who="kz_admin").status_code == 403
    assert sharing.profile("tr_examiner", ["ru"], [], who="tr_examiner2").status_code == 403
    assert sharing.profile("tr_examiner", ["ru"], [], who="applicant").status_code == 403
    bad = sharing.profile("tr_examiner", ["ru", "fr"], ["H01M 10/613"])
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["languages[1]", "ipc_fields[0]"]
    assert client.get(f"/examiners/{tr_examiner}/profile", headers=sharing.headers["tr_admin"]).json()["languages"] == [
        "ru"
    ]  # the refused change wrote nothing
    admin_id = sharing.users["tr_admin"].id
    assert client.get(f"/examiners/{admin_id}/profile", headers=sharing.headers["tr_admin"]).status_code == 404


def test_a_queue_without_files_of_other_offices_is_the_plain_office_query(
    app: Litestar, sharing: Sharing, client: TestClient[Any]
):
    """The office queue reads its page off the office index; only an examiner holding another office's file adds
    an ``OR`` (a few ids), so the benchmarked queue keeps its plan."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/offices/TR/queue", headers=sharing.headers["tr_examiner"]).json() == []
        assert sharing.assign("tr_examiner").status_code == 200
        statements.clear()
        assert len(client.get("/offices/TR/queue", headers=sharing.headers["tr_examiner"]).json()) == 1
        lent_page = [s for s in statements if "ORDER BY applications.next_deadline_date" in s]
        statements.clear()
        assert client.get("/offices/TR/queue", headers=sharing.headers["tr_examiner2"]).json() == []
        plain_page = [s for s in statements if "ORDER BY applications.next_deadline_date" in s]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(plain_page) == len(lent_page) == 1
    assert " OR " not in plain_page[0]
    assert " OR " in lent_page[0]


def test_the_desk_shows_the_shared_file_the_profile_and_both_offices_views(sharing: Sharing, client: TestClient[Any]):
    assert sharing.assign("tr_examiner").status_code == 200
    n = sharing.number

    csrf = desk_login(client, sharing.users["tr_examiner"])
    queue = client.get("/desk/queue").text
    assert f'href="/desk/applications/{n}"' in queue
    assert "a file of office KZ, assigned to you" in client.get("/desk/queue", headers={"Accept-Language": "en"}).text
    assert client.get(f"/desk/applications/{n}").status_code == 200
    assert client.get(f"/desk/applications/{sharing.other_number}").status_code == 404
    page = client.get("/desk/sharing").text
    assert 'name="languages" value="kk" checked' in page
    assert 'value="H01M"' in page
    saved = client.post(
        "/desk/sharing",
        data={"csrf_token": csrf, "languages": ["kk", "ru"], "ipc_fields": "h01m; B60"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    profile = client.get(f"/examiners/{sharing.users['tr_examiner'].id}/profile", headers=sharing.headers["tr_admin"])
    assert (profile.json()["languages"], profile.json()["ipc_fields"]) == (["kk", "ru"], ["B60", "H01M"])
    refused = client.post("/desk/sharing", data={"csrf_token": csrf, "languages": ["kk"], "ipc_fields": "H01M 10/613"})
    assert refused.status_code == 422
    assert "H01M 10/613" in refused.text

    admin_csrf = desk_login(client, sharing.users["kz_admin"])
    kz_examiner = sharing.users["kz_examiner"].id
    form = {"csrf_token": admin_csrf, "languages": ["kk", "ky"], "ipc_fields": "H02J"}
    maintained = client.post(f"/desk/sharing/examiners/{kz_examiner}", data=form, follow_redirects=False)
    assert maintained.status_code == 303
    tr_examiner = sharing.users["tr_examiner"].id
    assert client.post(f"/desk/sharing/examiners/{tr_examiner}", data=form, follow_redirects=False).status_code == 403
    declared = client.get(f"/examiners/{kz_examiner}/profile", headers=sharing.headers["kz_admin"]).json()
    assert (declared["languages"], declared["ipc_fields"]) == (["kk", "ky"], ["H02J"])
    lent = client.get("/desk/sharing").text
    assert f'action="/desk/sharing/examiners/{kz_examiner}"' in lent
    assert f'href="/desk/applications/{n}"' in lent
    assert sharing.users["tr_examiner"].full_name in lent
    application = client.get(f"/desk/applications/{n}").text
    assert f"{sharing.users['tr_examiner'].full_name} (TR) · H01M 10/613" in application  # the assign form's choice
    assert sharing.users["tr_examiner2"].full_name not in application  # does not read Kazakh

    desk_login(client, sharing.users["tr_admin"])
    borrowed = client.get("/desk/sharing").text
    assert n in borrowed
    assert f'href="/desk/applications/{n}"' not in borrowed  # the TR administrator cannot open KZ's file

    # published, the file gets third-party observations: its examiner from TR records what was done with them
    sharing.client.cookies.clear()
    early = client.post(
        f"/applications/{n}/actions/request_early_publication", json={}, headers=sharing.headers["applicant"]
    )
    assert early.status_code == 200, early.text
    published = client.post(f"/applications/{n}/actions/publish", json={}, headers=sharing.headers["kz_admin"])
    assert published.status_code == 200, published.text
    observation = client.post(f"/applications/{n}/observations", json={"text": "Claim 1 is not new."})
    assert observation.status_code == 201, observation.text
    treat = f"/applications/{n}/observations/{observation.json()['id']}/treatment"
    outcome = {"outcome": "not_persuasive"}
    assert client.post(treat, json=outcome, headers=sharing.headers["tr_examiner2"]).status_code == 404
    assert client.post(treat, json=outcome, headers=sharing.headers["tr_examiner"]).status_code == 200
