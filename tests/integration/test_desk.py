"""The examiner's desk, server side: login and cookie, permissions, the actions offered, i18n, escaping.

Runs the real app on SQLite and PostgreSQL through the test client (the browser tests are in tests/e2e).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import update

from ctpo.db.engine import create_engine
from ctpo.db.models import User
from tests.factories import file_application
from tests.support import PASSWORD, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from tests.factories import Factory

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
ACTION_BUTTONS = re.compile(r'data-action="([a-z_]+)"')


def desk_login(client: TestClient[Any], user: Any) -> str:
    """Log in through the desk's form like a browser; returns the session's CSRF token."""
    client.cookies.clear()
    form = client.get("/desk/login")
    assert form.status_code == 200
    token = CSRF.search(form.text)
    assert token, "the login form carries a CSRF token"
    response = client.post(
        "/desk/login",
        data={"csrf_token": token.group(1), "email": user.email, "password": PASSWORD, "next": "/desk/queue"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/desk/queue"
    page = client.get("/desk/queue")
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found
    return found.group(1)


def desk_act(client: TestClient[Any], csrf: str, number: str, action: str, **fields: Any) -> Any:
    """Submit an action's form on the application page, as the browser does."""
    return client.post(
        f"/desk/applications/{number}",
        data={"csrf_token": csrf, "transition": action, **fields},
        follow_redirects=False,
    )


act = desk_act


@pytest.fixture
def applicant(factory: Factory) -> dict[str, str]:
    return factory.actor("applicant").headers


def test_login_sets_a_strict_httponly_cookie_and_shows_the_office_queue(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    file_application(client, applicant, receiving_office="TR", language="tr", title="Başka ofisin dosyası")
    examiner = make_user("examiner", "KZ")
    client.cookies.clear()
    form = client.get("/desk/login")
    token = CSRF.search(form.text)
    assert token
    response = client.post(
        "/desk/login",
        data={"csrf_token": token.group(1), "email": examiner.email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    set_cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith("ctpo_desk_session="))
    assert "HttpOnly" in set_cookie
    assert "samesite=strict" in set_cookie.lower()
    assert "Path=/desk" in set_cookie
    # the cookie holds the API's own token: it works as a bearer token too
    session_token = set_cookie.split(";", 1)[0].split("=", 1)[1]
    me = client.get("/me", headers={"Authorization": f"Bearer {session_token}"})
    assert me.json()["email"] == examiner.email

    queue = client.get("/desk/queue")
    assert queue.status_code == 200
    assert queue.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in queue.headers["content-security-policy"]
    assert '<html lang="en">' in queue.text
    assert number in queue.text
    assert "Başka ofisin dosyası" not in queue.text  # another office's file is not in this queue
    assert 'href="/desk/static/desk.css"' in queue.text
    assert client.get("/desk/static/desk.css").status_code == 200
    assert "data-partial" in client.get("/desk/static/desk.js").text


def test_pages_need_a_session_and_forms_need_their_token(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    client.cookies.clear()
    response = client.get(f"/desk/applications/{number}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/desk/login?next=/desk/applications/{number}"

    examiner = make_user("examiner", "KZ")
    form = client.get("/desk/login")
    refused = client.post("/desk/login", data={"email": examiner.email, "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token: login CSRF is refused too
    token = CSRF.search(form.text)
    assert token
    wrong = client.post("/desk/login", data={"csrf_token": token.group(1), "email": examiner.email, "password": "nope"})
    assert wrong.status_code == 401
    assert "Wrong e-mail or password." in wrong.text

    desk_login(client, examiner)
    forged = act(client, "0" * 64, number, "claim")
    assert forged.status_code == 403
    assert client.get(f"/applications/{number}/state", headers=applicant).json()["claimed_by"] is None
    # the open redirect is closed: "next" may only point into the desk
    csrf = CSRF.search(client.get("/desk/queue").text)
    assert csrf
    away = client.post(
        "/desk/language",
        data={"csrf_token": csrf.group(1), "language": "tr", "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/desk/queue"


def test_applicants_cannot_use_the_desk(client: TestClient[Any], make_user: Callable[..., Any]):
    user = make_user("applicant")
    client.cookies.clear()
    token = CSRF.search(client.get("/desk/login").text)
    assert token
    response = client.post(
        "/desk/login", data={"csrf_token": token.group(1), "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "for office staff only" in response.text
    # an applicant's API token placed in the cookie by hand gets no further
    api_token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()["access_token"]
    client.cookies.set("ctpo_desk_session", api_token, path="/desk")
    assert client.get("/desk/queue").status_code == 403


def test_a_disabled_account_is_logged_out_at_once(
    client: TestClient[Any], make_user: Callable[..., Any], database_url: str
):
    examiner = make_user("examiner", "KZ")
    desk_login(client, examiner)

    async def disable() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == examiner.id).values(is_active=False))
        await engine.dispose()

    asyncio.run(disable())
    response = client.get("/desk/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/desk/login")


def test_claim_from_the_queue_then_only_the_allowed_transitions_are_offered(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str], login: Callable[..., Any]
):
    number = file_application(client, applicant, documents=[inline_document("annex.txt", b"Annex text.")])
    examiner = make_user("examiner", "KZ")
    api = login(examiner)
    csrf = desk_login(client, examiner)
    queue = client.get("/desk/queue").text
    form = rf'action="/desk/applications/{number}"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="transition"'
    assert re.search(form + ' value="claim"', queue)

    claimed = act(client, csrf, number, "claim", next="/desk/queue")
    assert claimed.status_code == 303
    assert claimed.headers["location"] == "/desk/queue?done=claim"
    after = client.get(claimed.headers["location"]).text
    assert "Done: Claim." in after
    assert 'name="transition" value="release"' in after
    assert 'name="transition" value="claim"' not in after

    for step in ("begin_formalities_check", "complete_formalities", None):
        page = client.get(f"/desk/applications/{number}")
        assert page.status_code == 200
        allowed = client.get(f"/applications/{number}/state", headers=api).json()["allowed_actions"]
        offered = set(ACTION_BUTTONS.findall(page.text))
        if "issue_search_report" in allowed:
            assert 'id="issue-search-report"' in page.text or "Issue a search report without citations" in page.text
        assert offered == {a for a in allowed if a not in {"issue_search_report", "issue_deficiency_notice"}}
        if step:
            assert act(client, csrf, number, step).status_code == 303
    page = client.get(f"/desk/applications/{number}").text
    assert "Search" in page
    assert "annex.txt" in page
    assert "Begin formalities check" in page  # in the history timeline
    sha = re.search(r"/documents/([0-9a-f]{64})", page)
    assert sha
    download = client.get(f"/desk/applications/{number}/documents/{sha.group(1)}")
    assert download.content == b"Annex text."
    assert download.headers["content-disposition"].startswith("attachment")


def test_a_refused_action_shows_the_reason_on_the_page(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    csrf = desk_login(client, make_user("examiner", "KZ"))
    response = act(client, csrf, number, "complete_formalities")  # not claimed, wrong state
    assert response.status_code == 409
    assert "This action is not possible in the current state." in response.text
    assert 'role="alert"' in response.text


def test_another_offices_file_is_not_found(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    csrf = desk_login(client, make_user("examiner", "TR"))
    assert client.get(f"/desk/applications/{number}").status_code == 404
    assert act(client, csrf, number, "claim").status_code == 404
    assert client.get(f"/desk/applications/{number}/prior-art").status_code == 404


def test_issue_a_search_report_from_the_desk_and_the_applicant_reads_it(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    csrf = desk_login(client, make_user("examiner", "KZ"))
    for step in ("claim", "begin_formalities_check", "complete_formalities"):
        assert act(client, csrf, number, step).status_code == 303
    report = act(
        client,
        csrf,
        number,
        "issue_search_report",
        **{
            "hit-1-document": "TR2025/000111",
            "hit-1-category": "X",
            "hit-1-claims": ["1", "2"],
            "hit-1-passage": "claims (c0)",
            "hit-2-document": "US2026/0099",
            "hit-2-category": "",
            "hit-2-passage": "abstract",
            "hit-3-document": "KZ2024/0042",
            "hit-3-category": "A",
            "hit-3-claims": ["2"],
            "hit-3-passage": "title and abstract (ta0)",
        },
    )
    assert report.status_code == 303, report.text
    documents = client.get(f"/applications/{number}/procedural-documents", headers=applicant).json()
    citations = documents[0]["body"]["citations"]
    assert [(c["document_id"], c["categories"], c["claims"]) for c in citations] == [
        ("TR2025/000111", ["X"], [1, 2]),
        ("KZ2024/0042", ["A"], [2]),
    ]
    page = client.get(f"/desk/applications/{number}").text
    assert "TR2025/000111" in page
    assert "Search report issued" in page


def test_prior_art_panel_says_when_search_is_unavailable(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    number = file_application(client, applicant)
    desk_login(client, make_user("examiner", "KZ"))
    panel = client.get(f"/desk/applications/{number}/prior-art", headers={"X-Desk-Partial": "1"})
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<div id="prior-art"')
    assert "Search is not available yet." in panel.text
    assert "<html" not in panel.text


def test_interface_language_choice_and_fallback(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    file_application(client, applicant)
    examiner = make_user("examiner", "KZ")
    csrf = desk_login(client, examiner)
    assert '<html lang="ru">' in client.get("/desk/queue", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    chosen = client.post(
        "/desk/language", data={"csrf_token": csrf, "language": "kk", "next": "/desk/queue?state=filed"}
    )
    assert chosen.status_code == 200
    assert '<html lang="kk">' in chosen.text
    assert "Ведомство кезегі" in chosen.text
    assert "Берілді" in chosen.text  # the state "filed" in Kazakh
    # a choice outside the seven is ignored; the earlier one stays
    client.post("/desk/language", data={"csrf_token": csrf, "language": "de", "next": "/desk/queue"})
    assert '<html lang="kk">' in client.get("/desk/queue").text
    # the choice is kept on the account: a fresh browser gets it back at login, whatever it asks for
    desk_login(client, examiner)
    assert '<html lang="kk">' in client.get("/desk/queue", headers={"Accept-Language": "ru"}).text


def test_application_text_is_escaped(client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    number = file_application(
        client, applicant, title=f"Батарея {hostile}", claims=[{"number": 1, "text": f"Модуль {hostile}"}]
    )
    desk_login(client, make_user("examiner", "KZ"))
    for page in (client.get("/desk/queue").text, client.get(f"/desk/applications/{number}").text):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page


def test_queue_filters_and_pages(client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]):
    file_application(client, applicant, language="ru", title="Русская заявка", ipc=["B60L 58/26"])
    file_application(client, applicant, title="Қазақ өтінімі")
    desk_login(client, make_user("examiner", "KZ"))
    by_language = client.get("/desk/queue", params={"language": "ru"}).text
    assert "Русская заявка" in by_language
    assert "Қазақ өтінімі" not in by_language
    by_ipc = client.get("/desk/queue", params={"ipc": "H01M"}, headers={"X-Desk-Partial": "1"}).text
    assert by_ipc.lstrip().startswith('<section id="queue-results"')
    assert "Қазақ өтінімі" in by_ipc
    assert "Русская заявка" not in by_ipc
    assert "No open application matches" in client.get("/desk/queue", params={"state": "granted"}).text
    assert "Next page" not in by_language


def test_desk_login_is_throttled_like_the_api(client: TestClient[Any], make_user: Callable[..., Any]):
    examiner = make_user("examiner", "KZ")
    client.cookies.clear()
    token = CSRF.search(client.get("/desk/login").text)
    assert token
    form = {"csrf_token": token.group(1), "email": examiner.email}
    statuses = [client.post("/desk/login", data={**form, "password": f"guess-{i}"}).status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = client.post("/desk/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # the API counts the same failures: its own login is locked too
    assert client.post("/auth/login", json={"email": examiner.email, "password": PASSWORD}).status_code == 429


def test_a_refused_form_stays_on_the_page_keeps_its_input_and_speaks_the_pages_language(
    client: TestClient[Any], make_user: Callable[..., Any], applicant: dict[str, str]
):
    """After a refusal the address was …/actions/<action> (a reload gave a raw 405), the input was gone, the
    message was English on a Turkish page and "citation 1" did not say which hit."""
    number = file_application(client, applicant)
    csrf = desk_login(client, make_user("examiner", "KZ"))
    client.cookies.set("ctpo_desk_language", "tr", path="/desk")
    for step in ("claim", "begin_formalities_check"):
        assert act(client, csrf, number, step).status_code == 303
    page = client.get(f"/desk/applications/{number}").text
    assert "/actions/" not in page  # every form posts to the page's own address
    assert f'action="/desk/applications/{number}"' in page

    refused = act(
        client,
        csrf,
        number,
        "issue_deficiency_notice",
        deficiencies="Özet 150 kelimeyi aşıyor\nİmza eksik",
        correction_months="9",
        reason="İlk inceleme",
    )
    assert refused.status_code == 422
    assert str(refused.url).endswith(f"/desk/applications/{number}")
    assert '<html lang="tr">' in refused.text
    notice = refused.text[refused.text.index('id="refusal"') :]
    notice = notice[: notice.index("</div>")]
    assert "düzeltme süresi (ay)" in notice
    assert "en fazla 6 olmalıdır" in notice
    assert "Özet 150 kelimeyi aşıyor\nİmza eksik</textarea>" in refused.text  # the input is kept
    assert 'value="İlk inceleme"' in refused.text
    assert client.get(f"/desk/applications/{number}").status_code == 200  # a reload of the address works

    cited = act(
        client,
        csrf,
        number,
        "issue_search_report",
        **{"hit-3-document": "EP 1234567 A1", "hit-3-category": "X", "hit-3-claims": "5", "hit-3-passage": "s. 3"},
    )
    assert cited.status_code == 422
    assert "Sonuç 3 (EP 1234567 A1) — istemler" in cited.text  # the hit, not "citation 1"
    assert "istem 5 mevcut istem takımında yok (istemler 1-2)" in cited.text
