"""Representatives: the public list, powers of attorney, acting for clients and nothing else (SQLite + PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.factories import file_application
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient


def _register(client: TestClient[Any], admin: dict[str, str], user: Any, number: str, office: str = "KZ") -> Any:
    response = client.post(
        f"/offices/{office}/representatives",
        json={"registration_number": number, "account_email": user.email, "name": "A. Attorney", "address": "Almaty"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_list_is_public_and_kept_by_the_office(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    attorney, admin, other_admin = (
        make_user("applicant"),
        make_user("office_admin", "KZ"),
        make_user("office_admin", "TR"),
    )
    entry = _register(client, login(admin), attorney, "KZ-PA-0001")
    listed = client.get("/representatives", params={"member_state": "KZ"}).json()  # anonymous
    assert [r["registration_number"] for r in listed] == ["KZ-PA-0001"]
    assert client.get("/representatives", params={"member_state": "TR"}).json() == []
    again = client.post(
        "/offices/KZ/representatives",
        json={"registration_number": "KZ-PA-0001", "account_email": attorney.email, "name": "X", "address": "Y"},
        headers=login(admin),
    )
    assert again.status_code == 409
    assert client.delete(f"/offices/TR/representatives/{entry['id']}", headers=login(other_admin)).status_code == 404
    assert client.delete(f"/offices/KZ/representatives/{entry['id']}", headers=login(admin)).status_code == 200
    assert client.get("/representatives").json() == []


def test_a_representative_sees_and_acts_on_clients_files_only(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, attorney, admin = make_user("applicant"), make_user("applicant"), make_user("office_admin", "KZ")
    owner, rep = login(applicant), login(attorney)
    _register(client, login(admin), attorney, "KZ-PA-0002")
    covered, other = file_application(client, owner), file_application(client, owner)
    assert client.get(f"/applications/{covered}", headers=rep).status_code == 404

    poa = client.post(
        "/powers-of-attorney", json={"representative": "KZ-PA-0002", "application_number": covered}, headers=owner
    )
    assert poa.status_code == 201, poa.text
    assert client.get(f"/applications/{covered}", headers=rep).status_code == 200
    assert client.get(f"/applications/{other}", headers=rep).status_code == 404  # a power for one file only
    assert [a["application_number"] for a in client.get("/applications", headers=rep).json()] == [covered]
    acted = client.post(f"/applications/{covered}/actions/request_early_publication", json={"payload": {}}, headers=rep)
    assert acted.status_code == 200, acted.text
    assert acted.json()["history"]["role"] == "applicant"
    assert acted.json()["history"]["actor_id"] == str(attorney.id)  # the history names who acted

    revoked = client.post(f"/powers-of-attorney/{poa.json()['id']}/revoke", json={"reason": "new firm"}, headers=owner)
    assert revoked.status_code == 200
    assert client.get(f"/applications/{covered}", headers=rep).status_code == 404
    assert client.get("/applications", headers=rep).json() == []
    assert revoked.json()["revoked_at"] is not None


def test_power_for_a_file_not_yours_is_refused_and_writes_nothing(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    owner, stranger, attorney = make_user("applicant"), make_user("applicant"), make_user("applicant")
    _register(client, login(make_user("office_admin", "KZ")), attorney, "KZ-PA-0003")
    number = file_application(client, login(owner))
    refused = client.post(
        "/powers-of-attorney",
        json={"representative": "KZ-PA-0003", "application_number": number},
        headers=login(stranger),
    )
    assert refused.status_code == 404
    assert client.get("/powers-of-attorney", headers=login(stranger)).json() == []
    assert client.get("/powers-of-attorney", headers=login(attorney)).json() == []
    unknown = client.post("/powers-of-attorney", json={"representative": "KZ-PA-9999"}, headers=login(owner))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "representative"


def test_general_power_lets_the_representative_file_for_the_client(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, attorney = make_user("applicant"), make_user("applicant")
    _register(client, login(make_user("office_admin", "KZ")), attorney, "KZ-PA-0004")
    without = client.post(
        "/applications", json=application_payload(on_behalf_of=applicant.email), headers=login(attorney)
    )
    assert without.status_code == 422
    assert without.json()["errors"][0]["field"] == "on_behalf_of"
    assert (
        client.post("/powers-of-attorney", json={"representative": "KZ-PA-0004"}, headers=login(applicant)).status_code
        == 201
    )
    number = file_application(client, login(attorney), on_behalf_of=applicant.email)
    assert client.get(f"/applications/{number}", headers=login(applicant)).status_code == 200  # the client owns it
    earlier = file_application(client, login(applicant))
    assert client.get(f"/applications/{earlier}", headers=login(attorney)).status_code == 200  # general: every file


def test_foreign_applicant_without_representative_is_a_formalities_deficiency(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, attorney, examiner = make_user("applicant"), make_user("applicant"), make_user("examiner", "KZ")
    owner, staff = login(applicant), login(examiner)
    foreign = [{"name": "Acme Inc.", "country": "US", "address": "1 Main St, Springfield"}]
    number = file_application(client, owner, applicants=foreign)  # accepted: a filing date is never refused for this

    def act(action: str, headers: dict[str, str]) -> Any:
        return client.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=headers)

    assert act("claim", staff).status_code == 200
    assert act("begin_formalities_check", staff).status_code == 200
    refused = act("complete_formalities", staff)
    assert refused.status_code == 422
    assert "Art. 133(2)" in refused.json()["errors"][0]["message"]
    assert client.get(f"/applications/{number}/state", headers=staff).json()["state"] == "formalities_check"

    _register(client, login(make_user("office_admin", "KZ")), attorney, "KZ-PA-0005")
    given = client.post(
        "/powers-of-attorney", json={"representative": "KZ-PA-0005", "application_number": number}, headers=owner
    )
    assert given.status_code == 201
    assert act("complete_formalities", staff).status_code == 200
