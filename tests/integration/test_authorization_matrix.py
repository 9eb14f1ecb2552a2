"""Every endpoint × every role × own/other office or owner, with the status each must get.

The routes come from the app's own route table: an endpoint added without a row here fails the test.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from litestar.routes import HTTPRoute

from tests.support import PASSWORD, application_payload, inline_document
from workflows.fees import load_schedules, schedule_to_data

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient

pytestmark = pytest.mark.no_cover
"""Run untraced by coverage (pytest-cov's ``no_cover``): an exhaustive sweep over every route, three times slower
traced, whose lines the targeted tests cover (issue 13: the suite under 10 minutes with its coverage measured)."""

ACTORS = (
    "anonymous",
    "owner",
    "other_applicant",
    "examiner_same",
    "examiner_other",
    "admin_same",
    "admin_other",
    "representative",  # on the list, with a power of attorney for the owner's file
    "other_representative",  # on the list, without one
)
DOC = b"A plain-text annex."


def _row(*statuses: int) -> dict[str, int]:
    """One status per actor, in the order of :data:`ACTORS`.

    Seven statuses leave out the representatives: the file's representative is answered as its owner, another
    representative as any other applicant (EPC Art. 133: the representative acts for the applicant, no more).
    """
    if len(statuses) == len(ACTORS) - 2:
        statuses = (*statuses, statuses[1], statuses[2])
    return dict(zip(ACTORS, statuses, strict=True))


FILE_READ = _row(401, 200, 404, 200, 404, 200, 404)
ANY_USER = _row(401, 200, 200, 200, 200, 200, 200)
PUBLIC = _row(200, 200, 200, 200, 200, 200, 200)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/applications"): _row(401, 201, 201, 403, 403, 403, 403),
    ("POST", "/applications/multipart"): _row(401, 201, 201, 403, 403, 403, 403),
    ("GET", "/applications"): ANY_USER,
    ("GET", "/applications/{number}"): FILE_READ,
    ("GET", "/applications/{number}/receipt"): FILE_READ,
    ("GET", "/applications/{number}/documents/{sha256}"): FILE_READ,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/register"): _row(202, 202, 202, 202, 202, 202, 202),  # the same answer to everyone
    ("POST", "/auth/confirm"): _row(422, 422, 422, 422, 422, 422, 422),  # public; this code was never mailed
    ("GET", "/me"): ANY_USER,
    ("GET", "/offices"): PUBLIC,
    ("GET", "/offices/{office}/users"): _row(401, 403, 403, 403, 403, 200, 404),
    ("POST", "/offices/{office}/users"): _row(401, 403, 403, 403, 403, 201, 404),
    ("GET", "/"): PUBLIC,  # the front page (HTML) pointing to the desk and the docs
    ("GET", "/health"): PUBLIC,
    # the matrix's file is not published: there is nothing to correct, for anyone logged in
    ("POST", "/publications/{number}/{kind}/corrections"): _row(401, 404, 404, 404, 404, 404, 404),
    ("GET", "/applications/{number}/state"): FILE_READ,
    ("GET", "/applications/{number}/history"): FILE_READ,
    ("GET", "/applications/{number}/deadlines"): FILE_READ,
    ("GET", "/applications/{number}/dossier"): FILE_READ,
    ("GET", "/applications/{number}/procedural-documents"): FILE_READ,
    ("GET", "/applications/{number}/legal-events"): FILE_READ,
    ("GET", "/applications/{number}/fees"): FILE_READ,
    # the owner's empty deposit account cannot pay (409); staff record bank transfers, administrators only
    ("POST", "/applications/{number}/payments"): _row(401, 409, 404, 403, 404, 422, 404),
    ("GET", "/applications/{number}/payments"): FILE_READ,
    ("GET", "/applications/{number}/designations"): FILE_READ,
    # the owner withdraws TR; the representative, asking next, finds it withdrawn already (409)
    ("POST", "/applications/{number}/designations/{member_state}/withdraw"): _row(
        401, 200, 404, 403, 404, 403, 404, 409, 404
    ),
    ("GET", "/applications/{number}/patent"): _row(401, 404, 404, 404, 404, 404, 404),  # not granted
    # parties only (staff 403); the file is not granted, so the holder finds no patent to surrender (404)
    ("POST", "/applications/{number}/patent/states/{member_state}/surrender"): _row(401, 404, 404, 403, 404, 403, 404),
    ("GET", "/deposit-accounts/me"): ANY_USER,
    ("GET", "/deposit-accounts/{holder_id}"): _row(401, 200, 404, 404, 404, 200, 200, 404, 404),  # the owner's
    ("POST", "/deposit-accounts/{holder_id}/credits"): _row(401, 403, 403, 403, 403, 200, 200),
    ("POST", "/payments/{reference}/refund"): _row(401, 403, 403, 403, 403, 404, 404),  # no such payment
    ("GET", "/fees/schedules"): PUBLIC,
    ("POST", "/fees/schedules"): _row(401, 403, 403, 403, 403, 422, 422),  # dated in the past
    ("GET", "/offices/{office}/revenue"): _row(401, 403, 403, 403, 403, 200, 404),
    # withdrawal: only the applicant; staff get the workflow's 403, outsiders cannot see the file at all
    ("POST", "/applications/{number}/actions/{action}"): _row(401, 200, 404, 403, 404, 403, 404),
    ("GET", "/offices/{office}/queue"): _row(401, 403, 403, 200, 404, 200, 404),
    # search is not started in this app: 503 shows the caller got past authentication and visibility
    ("POST", "/search"): _row(401, 503, 503, 503, 503, 503, 503),
    ("GET", "/applications/{number}/prior-art"): _row(401, 503, 404, 503, 404, 503, 404),
    ("GET", "/search/status"): PUBLIC,
    ("GET", "/health/ready"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # no application data; restricted at the proxy (see ctpo/server/observability.py)
    ("GET", "/offices/{office}/calendar"): _row(401, 403, 403, 200, 404, 200, 404),
    ("PUT", "/offices/{office}/calendar/{day}"): _row(401, 403, 403, 403, 404, 200, 404),
    ("DELETE", "/offices/{office}/calendar/{day}"): _row(401, 403, 403, 403, 404, 200, 404),
    ("GET", "/offices/{office}/audit"): _row(401, 403, 403, 403, 403, 200, 404),
    # work sharing: staff of every office read examiners' profiles; the examiner or their office's admin sets one
    ("GET", "/examiners/{user_id}/profile"): _row(401, 403, 403, 200, 200, 200, 200),
    ("PUT", "/examiners/{user_id}/profile"): _row(401, 403, 403, 200, 403, 200, 403),
    ("GET", "/applications/{number}/assignable-examiners"): _row(401, 403, 403, 403, 403, 200, 404),
    ("GET", "/offices/{office}/shared-files"): _row(401, 403, 403, 403, 403, 200, 404),
    ("POST", "/offices/{office}/users/{user_id}/unlock"): _row(401, 403, 403, 403, 403, 200, 404),
    ("GET", "/offices/{office}/jobs"): _row(401, 403, 403, 403, 403, 200, 404),
    # no dead job 1 exists: the administrator of the office gets past the checks to the 404 of the job itself
    ("POST", "/offices/{office}/jobs/{job_id}/retry"): _row(401, 403, 403, 403, 403, 404, 404),
    ("POST", "/applications/pct-entry"): _row(401, 201, 201, 403, 403, 403, 403),
    # the owner's file was filed directly, not through the PCT (visibility: tests/integration/test_international.py)
    ("GET", "/applications/{number}/international"): _row(401, 404, 404, 404, 404, 404, 404),
    # a transfer to the owner itself: past the access checks, refused as no change (the file must not move here)
    ("POST", "/applications/{number}/transfers"): _row(401, 422, 404, 403, 404, 422, 404),
    ("GET", "/applications/{number}/transfers"): FILE_READ,
    # the owner's file is unpublished: no observations can be filed or read yet (open to all once published)
    ("POST", "/applications/{number}/observations"): _row(404, 404, 404, 404, 404, 404, 404),
    ("GET", "/applications/{number}/observations"): _row(404, 404, 404, 404, 404, 404, 404),
    ("POST", "/applications/{number}/observations/{observation_id}/treatment"): _row(401, 403, 403, 404, 404, 404, 404),
    ("GET", "/inbox"): ANY_USER,  # each their own (staff: empty)
    ("GET", "/inbox/{communication_id}"): _row(401, 404, 404, 404, 404, 404, 404),  # nothing issued on this file yet
    ("GET", "/applications/{number}/communications"): FILE_READ,
    ("GET", "/representatives"): PUBLIC,
    ("POST", "/offices/{office}/representatives"): _row(401, 403, 403, 403, 403, 201, 404),
    ("GET", "/powers-of-attorney"): ANY_USER,
    # a power for the owner's file: only the owner gives it; anyone else's "own file" is not found
    ("POST", "/powers-of-attorney"): _row(401, 201, 404, 403, 403, 403, 403, 404, 404),
    # a power another applicant gave: nobody here may revoke it, nor learn that it exists
    ("POST", "/powers-of-attorney/{poa_id}/revoke"): _row(401, 404, 404, 404, 404, 404, 404, 404, 404),
    ("DELETE", "/offices/{office}/representatives/{entry_id}"): _row(401, 403, 403, 403, 403, 200, 404),
    # last: it revokes each actor's token
    ("POST", "/auth/logout"): _row(401, 204, 204, 204, 204, 204, 204),
}
DESK_PAGE = _row(303, 403, 403, 200, 404, 200, 404)
"""A desk page about one file: anonymous → login page, applicants → 403 page, other offices → 404 page."""
DESK: dict[tuple[str, str], dict[str, int]] = {
    # the examiner's desk answers HTML with its cookie session (tested in test_desk_authorization_matrix)
    ("GET", "/desk"): _row(303, 303, 303, 303, 303, 303, 303),
    ("GET", "/desk/login"): _row(200, 200, 200, 303, 303, 303, 303),  # staff already logged in go to the queue
    ("POST", "/desk/login"): _row(403, 403, 403, 403, 403, 403, 403),  # no CSRF token offered
    ("POST", "/desk/language"): _row(403, 303, 303, 303, 303, 303, 303),
    ("GET", "/desk/queue"): _row(303, 403, 403, 200, 200, 200, 200),  # each sees their own office's queue
    # work sharing: examiners see and save their own profile; administrators see their office's shared files
    ("GET", "/desk/sharing"): _row(303, 403, 403, 200, 200, 200, 200),
    ("POST", "/desk/sharing"): _row(303, 403, 403, 303, 303, 403, 403),
    # the profile of the office's examiner: the examiner themself or an administrator of their office
    ("POST", "/desk/sharing/examiners/{user_id}"): _row(303, 403, 403, 303, 403, 303, 403),
    ("GET", "/desk/applications/{number}"): DESK_PAGE,
    ("GET", "/desk/applications/{number}/prior-art"): DESK_PAGE,
    ("GET", "/desk/applications/{number}/documents/{sha256}"): DESK_PAGE,
    # "claim": examiners only; the workflow refuses the administrator (403, shown on the page)
    ("POST", "/desk/applications/{number}"): _row(303, 403, 403, 303, 404, 403, 404),  # the form's action: claim
    # observations exist on published files only; the owner's is not: 404 for the office too
    ("POST", "/desk/applications/{number}/observations/{observation_id}"): _row(303, 403, 403, 404, 404, 404, 404),
    ("GET", "/desk/static/{file_path}"): PUBLIC,
    # last: it revokes each actor's token
    ("POST", "/desk/logout"): _row(403, 303, 303, 303, 303, 303, 303),
}
NOT_PUBLISHED = _row(404, 404, 404, 404, 404, 404, 404)
"""A register page about an unpublished file: the same 404 for everybody, logged in or not, even its owner."""
REGISTER: dict[tuple[str, str], dict[str, int]] = {
    # the public register: no login, the same answer for every caller; the matrix's file is not published
    ("GET", "/register"): PUBLIC,
    ("GET", "/register/search"): PUBLIC,
    ("GET", "/register/prior-art"): PUBLIC,
    ("GET", "/register/bulletin"): _row(303, 303, 303, 303, 303, 303, 303),
    ("GET", "/register/bulletin/{year}/{week}"): PUBLIC,
    ("GET", "/register/bulletin/{year}/{week}/xml"): PUBLIC,
    ("GET", "/register/{number}"): NOT_PUBLISHED,
    ("GET", "/register/{number}/publications/{kind}"): NOT_PUBLISHED,
    ("GET", "/register/{number}/documents/{sha256}"): NOT_PUBLISHED,
    ("GET", "/register/{number}/publications/{kind}/st96"): NOT_PUBLISHED,
}
DOCS_PREFIX = "/schema"
"""The OpenAPI schema and its renderers are public; checked separately below."""


def _template(path: str) -> str:
    """``/applications/{number:str}`` → ``/applications/{number}``."""
    parts = [p.split(":", 1)[0] + "}" if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts).rstrip("/") or "/"


def _routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(DOCS_PREFIX):
            continue
        found.update((method, _template(route.path)) for method in route.methods if method not in {"HEAD", "OPTIONS"})
    return found


def test_every_route_has_a_rule(app: Litestar):
    assert _routes(app) == set(EXPECTED) | set(DESK) | set(REGISTER), "add the new endpoint with its status per role"


def _body(method: str, path: str) -> dict[str, Any]:  # noqa: C901, PLR0912 - one branch per endpoint with a body
    if (method, path) == ("POST", "/applications"):
        return {"json": application_payload()}
    if (method, path) == ("POST", "/applications/multipart"):
        return {
            "data": {"application": json.dumps(application_payload())},
            "files": [("documents", ("annex.txt", DOC, "text/plain"))],
        }
    if path == "/search":
        return {"json": {"text": "battery cooling"}}
    if path == "/auth/login":
        return {"json": {"email": "login-target@test.example", "password": PASSWORD}}
    email = f"{uuid.uuid4().hex[:10]}@test.example"
    if path == "/auth/register":
        return {"json": {"email": email, "full_name": "New Applicant", "password": PASSWORD}}
    if path == "/auth/confirm":
        return {"json": {"token": "never-mailed-code-0123456789"}}
    if path == "/offices/{office}/calendar/{day}" and method == "PUT":
        return {"json": {"kind": "closure", "reason": "Emergency closure"}}
    if path == "/publications/{number}/{kind}/corrections":
        return {"json": {"scope": "front_page", "reason": "Inventor's name misspelt"}}
    if path == "/offices/{office}/jobs/{job_id}/retry":
        return {"json": {"attempts": 1}}
    if (method, path) == ("PUT", "/examiners/{user_id}/profile"):
        return {"json": {"languages": ["kk", "ru"], "ipc_fields": ["H01M"]}}
    if path == "/applications/{number}/actions/{action}":
        return {"json": {"payload": {}}}
    if (method, path) == ("POST", "/offices/{office}/representatives"):
        return {
            "json": {
                "registration_number": "KZ-PA-NEW",
                "account_email": "listed@test.example",
                "name": "New Attorney",
                "address": "Almaty",
            }
        }
    if (method, path) == ("POST", "/applications/pct-entry"):
        today = datetime.now(UTC).date()
        filed = today.replace(year=today.year - 2, day=1)
        return {
            "json": {
                "international": {
                    "application_number": f"PCT/KZ{filed.year}/{uuid.uuid4().int % 1_000_000:06d}",
                    "filing_date": filed.isoformat(),
                    "language": "ja",
                    "search_report": {"authority": "RU", "date": filed.isoformat(), "citations": []},
                },
                "application": application_payload(),
            }
        }
    if (method, path) == ("POST", "/applications/{number}/transfers"):
        deed = inline_document("deed.txt", b"Deed of assignment.")
        owner = {"name": "Owner", "country": "KZ", "address": "Astana"}
        return {"json": {"new_owner_email": "{owner_email}", "applicants": [owner], "evidence": deed}}
    if (method, path) == ("POST", "/applications/{number}/observations"):
        return {"json": {"text": "Claim 1 is not new."}}
    if path == "/applications/{number}/observations/{observation_id}/treatment":
        return {"json": {"outcome": "not_persuasive"}}
    if (method, path) == ("POST", "/powers-of-attorney"):
        return {"json": {"representative": "KZ-PA-SPARE", "application_number": "{number}"}}
    if path == "/applications/{number}/payments":
        return {"json": {"reference": "matrix-payment", "fee": "filing", "amount": "120.00"}}
    if path == "/deposit-accounts/{holder_id}/credits":
        return {"json": {"reference": f"fund-{uuid.uuid4().hex}", "amount": "10.00"}}
    if path == "/payments/{reference}/refund":
        return {"json": {"reference": "matrix-refund"}}
    if (method, path) == ("POST", "/fees/schedules"):
        return {"json": schedule_to_data(load_schedules().schedules[0])}
    if path == "/powers-of-attorney/{poa_id}/revoke":
        return {"json": {}}
    if (method, path) == ("POST", "/offices/{office}/users"):
        return {"json": {"email": email, "full_name": "New Examiner", "password": PASSWORD, "role": "examiner"}}
    return {}


def test_authorization_matrix(
    app: Litestar,
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    make_user("applicant", email="login-target@test.example")
    make_user("applicant", email="listed@test.example")
    users = {
        "owner": make_user("applicant"),
        "other_applicant": make_user("applicant"),
        "examiner_same": make_user("examiner", "KZ"),
        "examiner_other": make_user("examiner", "TR"),
        "admin_same": make_user("office_admin", "KZ"),
        "admin_other": make_user("office_admin", "TR"),
        "representative": make_user("applicant"),
        "other_representative": make_user("applicant"),
    }
    headers = {name: login(user) for name, user in users.items()} | {"anonymous": {}}
    filed = client.post(
        "/applications",
        json=application_payload(receiving_office="KZ", documents=[inline_document("annex.txt", DOC)]),
        headers=headers["owner"],
    )
    assert filed.status_code == 201
    number = filed.json()["application_number"]
    entries = {}
    for actor, registration in (
        ("representative", "KZ-PA-REP"),
        ("other_representative", "KZ-PA-OTHER"),
        ("spare", "KZ-PA-SPARE"),
    ):
        account = users.get(actor) or make_user("applicant")
        listed = client.post(
            "/offices/KZ/representatives",
            json={"registration_number": registration, "account_email": account.email, "name": actor, "address": "-"},
            headers=headers["admin_same"],
        )
        assert listed.status_code == 201, listed.text
        entries[actor] = listed.json()["id"]
    given = client.post(
        "/powers-of-attorney",
        json={"representative": "KZ-PA-REP", "application_number": number},
        headers=headers["owner"],
    )
    assert given.status_code == 201, given.text
    third_party = make_user("applicant")
    foreign_power = client.post(
        "/powers-of-attorney", json={"representative": "KZ-PA-SPARE"}, headers=login(third_party)
    )
    assert foreign_power.status_code == 201
    values = {
        "number": number,
        "entry_id": entries["spare"],
        "poa_id": foreign_power.json()["id"],
        "observation_id": uuid.uuid4(),
        "communication_id": uuid.uuid4(),
        "sha256": hashlib.sha256(DOC).hexdigest(),
        "office": "KZ",
        "action": "request_early_publication",
        "day": "2027-03-15",
        "user_id": users["examiner_same"].id,
        "job_id": 999999,
        "member_state": "TR",
        "holder_id": users["owner"].id,
        "reference": "no-such-payment",
        "kind": "A2",
    }

    failures = []
    for (method, path), expected in EXPECTED.items():  # declaration order: PUT a calendar day before DELETE
        url = path.format(**values)
        for actor in ACTORS:
            body = _body(method, path)
            if "json" in body:  # a body may name the owner's file
                named = json.dumps(body["json"]).replace("{number}", number)
                body["json"] = json.loads(named.replace("{owner_email}", users["owner"].email))
            response = client.request(method, url, headers=headers[actor], **body)
            if response.status_code != expected[actor]:
                failures.append(f"{method} {path} as {actor}: {response.status_code}, expected {expected[actor]}")
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (method, path)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "path",
    [
        "/schema/openapi.json",
        "/schema/swagger",
        "/schema/redoc",
        "/schema/static/swagger-ui-dist/swagger-ui-bundle.js",
        "/schema/static/redoc/bundles/redoc.standalone.js",
    ],
)
def test_api_docs_are_public(client: TestClient[Any], path: str):
    assert client.get(path).status_code == 200


def test_desk_authorization_matrix(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    """The desk's routes with its cookie session: the API's token in the cookie, the session's CSRF token in forms."""
    from ctpo.desk.session import SESSION_COOKIE, csrf_token  # noqa: PLC0415 - only this test needs them

    users = {
        "owner": make_user("applicant"),
        "other_applicant": make_user("applicant"),
        "examiner_same": make_user("examiner", "KZ"),
        "examiner_other": make_user("examiner", "TR"),
        "admin_same": make_user("office_admin", "KZ"),
        "admin_other": make_user("office_admin", "TR"),
        "representative": make_user("applicant"),  # applicants' accounts: the desk is for office staff
        "other_representative": make_user("applicant"),
    }
    tokens = {name: login(user)["Authorization"].removeprefix("Bearer ") for name, user in users.items()}
    filed = client.post(
        "/applications",
        json=application_payload(receiving_office="KZ", documents=[inline_document("annex.txt", DOC)]),
        headers={"Authorization": f"Bearer {tokens['owner']}"},
    )
    assert filed.status_code == 201
    values = {
        "number": filed.json()["application_number"],
        "sha256": hashlib.sha256(DOC).hexdigest(),
        "action": "claim",
        "file_path": "desk.css",
        "observation_id": uuid.uuid4(),
        "user_id": users["examiner_same"].id,
    }
    secret = client.app.state.settings.auth.secret_key
    failures = []
    for (method, path), expected in DESK.items():
        url = path.format(**values)
        for actor in ACTORS:
            client.cookies.clear()
            form: dict[str, str] = {"language": "tr", "next": "/desk/queue", "transition": "claim"}
            if actor != "anonymous":
                client.cookies.set(SESSION_COOKIE, tokens[actor], path="/desk")
                if path != "/desk/login":
                    form["csrf_token"] = csrf_token(secret, tokens[actor])
            response = client.request(method, url, data=form if method == "POST" else None, follow_redirects=False)
            if response.status_code != expected[actor]:
                failures.append(f"{method} {path} as {actor}: {response.status_code}, expected {expected[actor]}")
            if response.status_code >= 400:  # the desk answers people: an HTML page, never problem+json
                assert response.headers["content-type"].startswith("text/html"), (method, path, actor)
            if response.status_code == 303 and actor == "anonymous" and path != "/desk":
                assert response.headers["location"].startswith("/desk/login"), (method, path)
    assert not failures, "\n".join(failures)


def test_register_authorization_matrix(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    """The public register answers everyone alike: a logged-in owner sees no more of an unpublished file than an
    anonymous visitor, and once the file is published everyone sees it."""
    users = {
        "owner": make_user("applicant"),
        "other_applicant": make_user("applicant"),
        "examiner_same": make_user("examiner", "KZ"),
        "examiner_other": make_user("examiner", "TR"),
        "admin_same": make_user("office_admin", "KZ"),
        "admin_other": make_user("office_admin", "TR"),
        # the register does not ask who calls: representatives are logged-in applicants like any other
        "representative": make_user("applicant"),
        "other_representative": make_user("applicant"),
    }
    headers = {name: login(user) for name, user in users.items()} | {"anonymous": {}}
    filed = client.post(
        "/applications",
        json=application_payload(receiving_office="KZ", documents=[inline_document("annex.txt", DOC)]),
        headers=headers["owner"],
    )
    number = filed.json()["application_number"]
    values = {"number": number, "sha256": hashlib.sha256(DOC).hexdigest(), "kind": "A2", "year": 2026, "week": 49}

    def walk(expected_for: Callable[[str, dict[str, int]], dict[str, int]]) -> list[str]:
        failures = []
        for (method, path), row in REGISTER.items():
            expected = expected_for(path, row)
            for actor in ACTORS:
                url = path.format(**values)
                response = client.request(method, url, headers=headers[actor], follow_redirects=False)
                if response.status_code != expected[actor]:
                    failures.append(f"{method} {path} as {actor}: {response.status_code}, expected {expected[actor]}")
                if response.status_code == 404:
                    assert response.headers["content-type"].startswith("text/html"), (path, actor)
        return failures

    assert not walk(lambda _path, row: row)
    for who, action in (
        ("examiner_same", "claim"),
        ("examiner_same", "begin_formalities_check"),
        ("owner", "request_early_publication"),
        ("admin_same", "publish"),
    ):
        response = client.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=headers[who])
        assert response.status_code == 200, response.text
    # published: the entry and its filed documents are open to all; the A2's PDF is not rendered in this test
    rendered_later = {"/register/{number}/publications/{kind}"}  # the ST.96 XML is made on request
    assert not walk(
        lambda path, row: NOT_PUBLISHED if path in rendered_later else row if row != NOT_PUBLISHED else PUBLIC
    )
