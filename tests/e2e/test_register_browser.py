"""The public register in a real headless Chromium: no login, look-up by number, by name across scripts, and
prior-art search over published documents. Screenshots at 1366x768 go to ``docs/screenshots/``.

Skipped only where there is no Chromium and ``CI`` is unset; in CI a missing browser fails.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art.corpus import sync_published_applications, upsert_documents
from ctpo.domain.prior_art.runtime import SearchRuntime
from ctpo.lib.settings import AuthSettings, SearchSettings, ServerSettings, Settings, TaskSettings
from ctpo.server.app import create_app
from search.embedder import load_embedder
from tests.e2e.test_desk_browser import BROWSER_ARGS, CHROMIUM, CORPUS, SCREENSHOTS, VIEWPORT, _need_browser
from tests.support import PASSWORD, application_payload, create_user, free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.model
USERS = {
    "applicant": ("applicant", None, "applicant@register-e2e.example"),
    "examiner": ("examiner", "KZ", "examiner@register-e2e.example"),
    "admin": ("office_admin", "KZ", "admin@register-e2e.example"),
}
PUBLISHED = application_payload(
    applicants=[{"name": "Алиев Эльдар Фёдорович", "country": "KZ", "address": "Астана"}],
)
UNPUBLISHED = application_payload(
    title="Секретное устройство Алиева",
    applicants=[{"name": "Aliyev Secret LLC", "country": "AZ", "address": "Baku"}],
)


@pytest.fixture
def register_server(tmp_path_factory: pytest.TempPathFactory, model_data_dir: Path) -> Iterator[str]:
    """The app on a free port, one application published over REST and one not, search ready."""
    _need_browser()
    root = tmp_path_factory.mktemp("register-e2e")
    database_url = f"sqlite+aiosqlite:///{root / 'ctpo.sqlite3'}"
    settings = Settings(
        data_dir=root,
        database_url=database_url,
        storage_dir=root / "documents",
        auth=AuthSettings(secret_key="e2e-secret-key-with-enough-entropy-0123456789"),
        server=ServerSettings(freeze_long_lived=False),  # many apps in one test process
        tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
        search=SearchSettings(search_autostart=False),
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="register-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the register server did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.config.port}"
    for role, office, email in USERS.values():
        create_user(database_url, role, office, email)
    with httpx.Client(base_url=base, timeout=30) as api:
        headers = {}
        for who, (_, _, email) in USERS.items():
            token = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
            headers[who] = {"Authorization": f"Bearer {token}"}
        number = api.post("/applications", json=PUBLISHED, headers=headers["applicant"]).json()["application_number"]
        assert api.post("/applications", json=UNPUBLISHED, headers=headers["applicant"]).status_code == 201
        for who, action in (
            ("examiner", "claim"),
            ("examiner", "begin_formalities_check"),
            ("examiner", "complete_formalities"),
            ("applicant", "request_early_publication"),
            ("admin", "publish"),
        ):
            done = api.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=headers[who])
            assert done.status_code == 200, done.text
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        upsert_documents(session, CORPUS, "e2e")
        sync_published_applications(session)
    runtime = SearchRuntime(root / "search", "bundled:multilingual-e5-small", root, sessions)
    runtime.open(load_embedder("bundled:multilingual-e5-small", model_data_dir))
    runtime.catch_up()
    app.state.search = runtime
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


@pytest.fixture
def page(register_server: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only these tests need a browser

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
            page = context.new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()


def test_the_public_register_end_to_end(register_server: str, page: Page):
    base = register_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # no login: the browser's Russian is chosen, the register answers in it
    page.goto(f"{base}/register")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Открытый реестр"

    # by publication number, in ST.14 spelling
    page.get_by_label("Номер публикации или заявки").fill("XT 0000001 A2")
    page.get_by_role("button", name="Искать").click()
    page.wait_for_url(f"{base}/register/KZ-2026-*")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("XT 0000001 · Литий-ионды аккумулятор")
    assert page.get_by_text("Алиев Эльдар Фёдорович").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "register-entry.png"), full_page=True)

    # by name, Latin spelling of a Cyrillic name; the unpublished file with "Aliyev" in it stays hidden
    page.goto(f"{base}/register")
    page.get_by_label("Имя заявителя или изобретателя (любой алфавит)").fill("Aliyev")
    page.get_by_role("button", name="Искать").click()
    results = page.locator("table.results tbody tr")
    results.first.wait_for()
    assert results.count() == 1
    assert "Алиев Эльдар Фёдорович" in results.first.inner_text()
    assert "Секретное" not in page.content()
    assert "Aliyev Secret" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "register-name-search.png"), full_page=True)

    # prior-art search, in another language than the documents
    page.goto(f"{base}/register/prior-art?lang=en")
    page.get_by_label("Describe the technology you are looking for, in any of our languages").fill(
        "liquid cooling plates between lithium-ion battery cells"
    )
    page.get_by_role("button", name="Search").last.click()
    hits = page.locator("ol.hits li")
    hits.first.wait_for()
    text = page.locator("ol.hits").inner_text()
    assert "KZ2022/0150" in text or "TR2025/000111" in text
    assert "Секретное" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "register-prior-art.png"), full_page=True)
