"""The public register: no login, seven languages, names across scripts, rate limits and cache headers, and no
text of an unpublished file on any public route, whichever field it was put in."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import pytest
from litestar.routes import HTTPRoute

from tests.integration.test_publications import run_publication_jobs
from tests.support import application_payload, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar import Litestar
    from litestar.testing import TestClient

    from ctpo.lib.settings import Settings

SECRET = "Zqxsecretmarker"
"""Put into every field of an unpublished application; must never be served publicly."""


def _secret_payload() -> dict[str, Any]:
    return application_payload(
        title=f"{SECRET} title",
        abstract=f"{SECRET}abstract text",
        description=f"Description {SECRET}desc",
        claims=[{"number": 1, "text": f"A {SECRET}claim device."}],
        applicants=[{"name": f"{SECRET}applicant Алиев", "country": "KZ", "address": f"{SECRET}street 1"}],
        inventors=[{"name": f"Aliyev {SECRET}inventor", "country": "AZ", "address": f"{SECRET}inventor street"}],
        applicant_reference=f"{SECRET}ref",
        priority_claims=[{"office": "TR", "number": f"{SECRET}prio", "date": "2026-01-02"}],
        documents=[inline_document(f"{SECRET}annex.txt", f"{SECRET} annex content".encode())],
    )


def _publish(client: TestClient[Any], number: str, users: dict[str, dict[str, str]], *, report: bool) -> None:
    def act(who: str, action: str, payload: dict[str, Any] | None = None) -> None:
        response = client.post(
            f"/applications/{number}/actions/{action}", json={"payload": payload or {}}, headers=users[who]
        )
        assert response.status_code == 200, response.text

    for action in ("claim", "begin_formalities_check", "complete_formalities"):
        act("examiner", action)
    if report:
        citations = [{"document_id": "US 1234567 B2", "category": "X", "claims": [1], "passage": f"{SECRET}cite"}]
        act("examiner", "issue_search_report", {"citations": citations})
    if report is not None:
        act("applicant", "request_early_publication")
        act("admin", "publish")


@pytest.fixture
def world(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
) -> dict[str, str]:
    users = {
        "applicant": login(make_user("applicant")),
        "examiner": login(make_user("examiner", "KZ")),
        "admin": login(make_user("office_admin", "KZ")),
    }
    headers = users["applicant"]
    published = client.post(
        "/applications",
        json=application_payload(
            applicants=[{"name": "Алиев Эльдар Фёдорович", "country": "KZ", "address": "Астана"}],
            documents=[inline_document("annex.txt", b"A public annex.")],
        ),
        headers=headers,
    ).json()["application_number"]
    latin = client.post(
        "/applications",
        json=application_payload(
            title="Quyosh paneli", applicants=[{"name": "Gʻayrat Aliyev", "country": "UZ", "address": "Toshkent"}]
        ),
        headers=headers,
    ).json()["application_number"]
    secret = client.post("/applications", json=_secret_payload(), headers=headers).json()["application_number"]
    _publish(client, published, users, report=False)
    _publish(client, latin, users, report=True)
    # the unpublished file has gone as far as it can without publication: a search report with citations
    for action in ("claim", "begin_formalities_check", "complete_formalities"):
        client.post(f"/applications/{secret}/actions/{action}", json={"payload": {}}, headers=users["examiner"])
    citations = [{"document_id": "US 7654321 B2", "category": "X", "claims": [1], "passage": f"{SECRET}cite"}]
    report = client.post(
        f"/applications/{secret}/actions/issue_search_report",
        json={"payload": {"citations": citations}},
        headers=users["examiner"],
    )
    assert report.status_code == 200, report.text
    return {"published": published, "latin": latin, "secret": secret}


def _public_get_routes(app: Litestar) -> Iterator[str]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods:
            continue
        for handler in route.route_handlers:
            if "GET" in handler.http_methods and handler.opt.get("exclude_from_auth"):
                yield route.path


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def test_no_public_route_shows_anything_of_an_unpublished_file(
    app: Litestar, client: TestClient[Any], world: dict[str, str]
):
    secret_number = world["secret"]
    secret_sha = hashlib.sha256(f"{SECRET} annex content".encode()).hexdigest()
    probes = [
        {"number": secret_number, "sha256": secret_sha, "kind": "A1", "file_path": "desk.css"},
        {"number": secret_number.lower(), "sha256": secret_sha, "kind": "A2", "file_path": "desk.css"},
        {"number": "XT 0000003 A1", "sha256": secret_sha, "kind": "A1", "file_path": "desk.css"},
        {"number": world["published"], "sha256": secret_sha, "kind": "A2", "file_path": "desk.css"},
    ]
    queries = [
        {},
        {"number": secret_number},
        {"name": "Алиев"},
        {"name": "Aliyev"},
        {"name": SECRET},
        {"name": f"{SECRET}applicant"},
        {"text": SECRET},
        {"q": SECRET},
    ]
    paths = sorted(set(_public_get_routes(app)))
    assert any(p.startswith("/register") for p in paths)
    checked = 0
    for path in paths:
        if path.startswith("/schema"):
            continue
        for values in probes:
            url = _fill(path, values)
            for query in queries:
                response = client.get(url, params=query, follow_redirects=True)
                assert response.status_code != 500, (url, query)
                body = response.content.decode("utf-8", "replace").lower()
                for echoed in query.values():  # a page may repeat what was asked; that is not a leak
                    for form in (echoed, quote(echoed), quote_plus(echoed), quote(quote(echoed))):
                        body = body.replace(form.lower(), "")
                assert SECRET.lower() not in body, (url, query)
                checked += 1
    assert checked > 100


def test_lookup_by_number_name_across_scripts_and_inspection(
    client: TestClient[Any], world: dict[str, str], settings: Settings
):
    number = world["published"]
    run_publication_jobs(settings)
    page = client.get(f"/register/{number}", params={"lang": "kk"})
    assert page.status_code == 200, page.text
    assert "Алиев Эльдар Фёдорович" in page.text
    assert "Өтінім нөмірі" in page.text  # the Kazakh catalog
    assert page.headers["cache-control"].startswith("public, max-age=")
    assert "Accept-Language" in page.headers["vary"]
    # by publication number in any ST.14 spelling, straight to the entry
    for spelling in ("XT 0000001 A2", "xt0000001", "0000001", "1", number):
        found = client.get("/register/search", params={"number": spelling}, follow_redirects=False)
        assert found.status_code == 303, spelling
        assert found.headers["location"].startswith(f"/register/{number}")
    # Latin finds Cyrillic and the reverse (search's script folding)
    by_latin = client.get("/register/search", params={"name": "Aliyev"}).text
    assert number in by_latin
    assert world["latin"] in by_latin
    by_cyrillic = client.get("/register/search", params={"name": "Алиев"}).text
    assert world["latin"] in by_cyrillic
    assert number in by_cyrillic
    assert world["secret"] not in by_latin
    assert world["secret"] not in by_cyrillic
    # file inspection: the filed annex of a published file is open
    annex = client.get(f"/register/{number}/documents/{hashlib.sha256(b'A public annex.').hexdigest()}")
    assert annex.status_code == 200
    assert annex.content == b"A public annex."
    # legal status from the ST.27 record, and the rendered A2 open as PDF
    assert "Q10" in page.text
    assert "Өтінім жарияланды" in page.text
    pdf = client.get("/register/0000001/publications/A2")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["etag"] == f'"{hashlib.sha256(pdf.content).hexdigest()}"'
    # the same document as WIPO ST.96, valid against the schema, with the bibliographic data of the file
    from ctpo.exchange.st96 import parse_st96, validate  # noqa: PLC0415

    xml = client.get("/register/XT0000001/publications/A2/st96")
    assert xml.status_code == 200
    assert validate(xml.content) == []
    exported = parse_st96(xml.content)
    assert (exported.application_number, exported.kind, exported.applicants[0].name) == (
        number,
        "A2",
        "Алиев Эльдар Фёдорович",
    )
    assert exported.designated_states == ("AZ", "KG", "KZ", "TR", "UZ")  # (84): every state, designated by default
    # citations of the search report are shown with the A1 file
    assert "US 1234567 B2" in client.get(f"/register/{world['latin']}").text
    _check_the_weeks_bulletin(client, world)  # the same world: building it again costs seconds


def _check_the_weeks_bulletin(client: TestClient[Any], world: dict[str, str]) -> None:
    """The bulletin of the week lists the week's publications and legal events, HTML and XML."""
    from lxml import etree  # noqa: PLC0415

    current = client.get("/register/bulletin", follow_redirects=False)
    assert current.status_code == 303
    path = current.headers["location"].split("?")[0]
    page = client.get(path, params={"lang": "ru"})
    assert page.status_code == 200
    assert "XT 0000001 A2" in page.text
    assert "Заявка опубликована" in page.text
    xml = client.get(f"{path}/xml")
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(xml.content)
    published = {(p.get("doc-number"), p.get("kind")) for p in root.iter("publication")}
    assert published == {("0000001", "A2"), ("0000002", "A1")}
    events = [(e.get("application-number"), e.get("key-event")) for e in root.iter("legal-event")]
    assert (world["published"], "Q10") in events
    assert (world["latin"], "D10") in events
    assert all(number != world["secret"] for number, _ in events)  # its search report is not public
    year, week = (int(x) for x in path.rsplit("/", 2)[-2:])
    earlier = etree.fromstring(client.get(f"/register/bulletin/{year}/{week - 1 or 1}/xml").content)
    assert earlier.find("publications").get("count") == "0" or week == 1
    assert client.get("/register/bulletin/2025/53").status_code == 404  # 2025 has 52 ISO weeks
