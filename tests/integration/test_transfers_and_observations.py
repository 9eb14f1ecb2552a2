"""Transfers on evidence and third-party observations over HTTP (SQLite + PostgreSQL)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from tests.factories import act, file_application
from tests.support import application_payload, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

DEED = b"Deed of assignment: Qazaq Energy LLP assigns application to Baku Batteries LLC. Signed by both."
NEW_APPLICANTS = [{"name": "Baku Batteries LLC", "country": "AZ", "address": "Nizami 10, Baku"}]


def test_transfer_on_evidence_moves_the_file_and_is_in_the_history(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    seller, buyer, attorney = make_user("applicant"), make_user("applicant"), make_user("applicant")
    old, new = login(seller), login(buyer)
    admin = login(make_user("office_admin", "KZ"))
    client.post(
        "/offices/KZ/representatives",
        json={"registration_number": "KZ-PA-0100", "account_email": attorney.email, "name": "A", "address": "B"},
        headers=admin,
    )
    number = file_application(client, old)
    assert (
        client.post(
            "/powers-of-attorney", json={"representative": "KZ-PA-0100", "application_number": number}, headers=old
        ).status_code
        == 201
    )
    body = {"new_owner_email": buyer.email, "applicants": NEW_APPLICANTS, "evidence": inline_document("deed.txt", DEED)}

    assert client.post(f"/applications/{number}/transfers", json=body, headers=new).status_code == 404  # not yet theirs
    recorded = client.post(f"/applications/{number}/transfers", json=body, headers=old)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["evidence_sha256"] == hashlib.sha256(DEED).hexdigest()
    assert recorded.json()["previous_applicants"][0]["name"] == "Qazaq Energy LLP"

    assert client.get(f"/applications/{number}", headers=old).status_code == 404  # access moved with the file
    assert client.get(f"/applications/{number}", headers=login(attorney)).status_code == 404  # the old power ended
    file = client.get(f"/applications/{number}", headers=new).json()
    assert [a["name"] for a in file["applicants"]] == ["Baku Batteries LLC"]
    history = client.get(f"/applications/{number}/history", headers=new).json()
    assert history[-1]["action"] == "record_transfer"
    assert history[-1]["from_state"] == history[-1]["to_state"] == "filed"
    events = client.get(f"/applications/{number}/legal-events", headers=new).json()
    assert "R10" in [e["key_event"] for e in events]
    assert act(client, number, "request_early_publication", new)["history"]["role"] == "applicant"


def test_transfer_without_evidence_is_refused_and_changes_nothing(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    seller, buyer = make_user("applicant"), make_user("applicant")
    old = login(seller)
    number = file_application(client, old)
    base = {"new_owner_email": buyer.email, "applicants": NEW_APPLICANTS}
    missing = client.post(f"/applications/{number}/transfers", json=base, headers=old)
    assert missing.status_code == 400
    empty = client.post(
        f"/applications/{number}/transfers", json={**base, "evidence": inline_document("deed.txt", b"")}, headers=old
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "evidence"
    unknown = client.post(
        f"/applications/{number}/transfers",
        json={**base, "new_owner_email": "nobody@nowhere.example", "evidence": inline_document("deed.txt", DEED)},
        headers=old,
    )
    assert unknown.status_code == 422
    assert client.get(f"/applications/{number}/transfers", headers=old).json() == []
    assert len(client.get(f"/applications/{number}/history", headers=old).json()) == 1
    assert client.get(f"/applications/{number}", headers=login(buyer)).status_code == 404


def test_observations_anonymous_on_published_files_shown_and_treated(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    from tests.integration.test_desk import desk_login  # noqa: PLC0415 - the desk's own login helper

    applicant, examiner, admin = (
        login(make_user("applicant")),
        make_user("examiner", "KZ"),
        make_user("office_admin", "KZ"),
    )
    number = file_application(client, applicant)
    text = {"text": "Claim 1 lacks novelty over EP 3456789 A1, figure 3.", "citations": [{"document": "EP 3456789 A1"}]}
    assert client.post(f"/applications/{number}/observations", json=text).status_code == 404  # unpublished: secret
    act(client, number, "request_early_publication", applicant)
    act(client, number, "publish", login(admin))

    anonymous = client.post(f"/applications/{number}/observations", json=text)  # no account at all
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["observer_name"] is None
    named = client.post(
        f"/applications/{number}/observations", json={"text": "See also KZ 123 B.", "observer_name": "R. Competitor"}
    )
    assert named.status_code == 201
    assert len(client.get(f"/applications/{number}/observations").json()) == 2
    dossier = client.get(f"/applications/{number}/dossier", headers=login(examiner)).json()
    assert [o["observer_name"] for o in dossier["observations"]] == [None, "R. Competitor"]

    treat = f"/applications/{number}/observations/{anonymous.json()['id']}/treatment"
    outcome = {"outcome": "taken_into_account", "note": "EP 3456789 cited as X against claim 1."}
    assert client.post(treat, json=outcome, headers=login(examiner)).status_code == 403  # claim the file first
    assert client.post(treat, json=outcome, headers=applicant).status_code == 403
    act(client, number, "claim", login(examiner))
    assert client.post(treat, json=outcome, headers=login(examiner)).status_code == 200
    assert client.post(treat, json=outcome, headers=login(examiner)).status_code == 409  # recorded once

    csrf = desk_login(client, examiner)
    page = client.get(f"/desk/applications/{number}").text
    section = page[page.index('id="observations"') :]
    assert "Claim 1 lacks novelty over EP 3456789 A1" in section
    assert "anonymous" in section
    assert "Taken into account" in section
    assert f'action="/desk/applications/{number}/observations/{named.json()["id"]}"' in section  # still to record
    # a refusal shown after the form: its language switch leads back to the page, not to the form's target (405)
    again = client.post(
        f"/desk/applications/{number}/observations/{anonymous.json()['id']}",
        data={"csrf_token": csrf, "outcome": "taken_into_account", "note": "again"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert f'name="next" value="/desk/applications/{number}"' in again.text


def test_control_characters_are_refused_before_they_reach_the_database(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    """PostgreSQL cannot store NUL: every new free text is refused with a 4xx naming it, on both databases."""
    seller, buyer = make_user("applicant"), make_user("applicant")
    old = login(seller)
    number = file_application(client, old)
    deed = inline_document("deed.txt", DEED)
    nul_name = [{"name": "Baku\x00Batteries", "country": "AZ", "address": "Baku"}]
    bad = [
        (
            "post",
            f"/applications/{number}/transfers",
            {"new_owner_email": "x\x00@y.z", "applicants": NEW_APPLICANTS, "evidence": deed},
        ),
        (
            "post",
            f"/applications/{number}/transfers",
            {"new_owner_email": buyer.email, "applicants": nul_name, "evidence": deed},
        ),
        ("post", f"/applications/{number}/observations", {"text": "not new\x00"}),
        ("post", "/powers-of-attorney", {"representative": "KZ-PA-0001", "application_number": "KZ\x00"}),
        ("post", "/applications", application_payload(on_behalf_of="client\x00@x.y")),
    ]
    for method, url, body in bad:
        response = getattr(client, method)(url, json=body, headers=old)
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
    assert client.get(f"/applications/{number}/transfers", headers=old).json() == []
