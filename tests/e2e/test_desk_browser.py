"""The examiner's desk in a real headless Chromium, end to end.

A real server (uvicorn on a free port, an applicant's filings in two offices, search with the bundled model
on a small corpus) and Debian's ``/usr/bin/chromium`` driven by Playwright: log in as an examiner, claim a file
from the queue, run prior art, cite two documents with different categories, issue the search report, and read
it back over REST as the applicant. Screenshots at 1366x768 go to ``docs/screenshots/`` for the README.

Skipped only where there is no Chromium and ``CI`` is unset; in CI a missing browser fails.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.runtime import SearchRuntime
from ctpo.lib.settings import AuthSettings, SearchSettings, ServerSettings, Settings, TaskSettings
from ctpo.server.app import create_app
from search.embedder import load_embedder
from search.engine import Document
from tests.support import PASSWORD, application_payload, create_user, free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
MORE_KZ_FILINGS = [  # so that the queue screenshot shows a queue
    {"language": "ru", "title": "Устройство для сушки зерна тёплым воздухом", "ipc": ["F26B 9/06"]},
    {"language": "en", "title": "De-icing system for wind turbine blades", "ipc": ["F03D 80/40"]},
    {"language": "kk", "title": "Электромобиль батареясын суықта жылыту жүйесі", "ipc": ["H01M 10/615"]},
    {"language": "uz", "title": "Paxta tolasini namlash qurilmasi", "ipc": ["D01B 1/00"]},
]
TURKISH_FILING = {
    "receiving_office": "TR",
    "language": "tr",
    "title": "Güneş paneli temizleme robotu",
    "abstract": "Panelleri su kullanmadan fırçalarla temizleyen otonom robot.",
    "description": "Robot panel kenarındaki raylar üzerinde hareket eder.",
    "claims": [{"number": 1, "text": "Raylar üzerinde hareket eden döner fırçalı temizleme robotu."}],
    "ipc": ["H02S 40/10"],
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.model
EMAILS = {
    ("examiner", "KZ"): "examiner.kz@e2e.example",
    ("examiner", "TR"): "examiner.tr@e2e.example",
    ("applicant", None): "applicant@e2e.example",
}

CORPUS = [
    Document(
        id="TR2025/000111",
        lang="tr",
        title="Lityum iyon batarya modülü için sıvı soğutma plakası",
        abstract="Batarya hücreleri arasına yerleştirilen alüminyum plakalar sıvı soğutucu kanalına bağlanır.",
        claims=["Hücreler arasında alüminyum soğutma plakaları bulunan lityum iyon batarya modülü."],
        publication_date=date(2025, 5, 1),
        ipc=["H01M 10/613"],
    ),
    Document(
        id="KZ2022/0150",
        lang="kk",
        title="Литий-ионды батарея ұяшықтарын салқындатуға арналған алюминий пластина",
        abstract="Ұяшықтар арасындағы алюминий пластиналар сұйық салқындатқыш арнасына қосылады.",
        claims=["Литий-ионды батарея модулі, ұяшықтар арасында салқындату пластиналары бар."],
        publication_date=date(2022, 9, 14),
        ipc=["H01M 10/6556"],
    ),
    Document(
        id="US2024/0123456",
        lang="en",
        title="Liquid cooling plate for lithium-ion battery cells",
        abstract="Aluminium plates between cells carry coolant to cool a lithium-ion battery module.",
        claims=["A battery module with aluminium cooling plates between lithium-ion cells."],
        publication_date=date(2024, 9, 12),
        ipc=["H01M 10/6556"],
    ),
    Document(
        id="RU2023/0777",
        lang="ru",
        title="Система жидкостного охлаждения литий-ионной аккумуляторной батареи",
        abstract="Теплопроводящие пластины между элементами батареи соединены с каналом охлаждающей жидкости.",
        claims=["Аккумуляторный модуль с теплопроводящими пластинами между литий-ионными элементами."],
        publication_date=date(2023, 3, 15),
        ipc=["H01M 10/613"],
    ),
    Document(
        id="KZ2024/0042",
        lang="kk",
        title="Kün panelin tazalaıtyn robot",
        abstract="Fotoelektrlik panelderdiń betin sýsyz shetkalarmen tazalaıtyn avtonomdy robot.",
        claims=["Panel jıegindegi rels boıymen júretin shetkaly robot."],
        publication_date=date(2024, 5, 1),
        ipc=["H02S 40/10"],
    ),
]


def _need_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("/usr/bin/chromium is missing (scripts/browser-up installs it; CI must have it)")
    pytest.skip("no /usr/bin/chromium here (scripts/browser-up installs Debian's package)")


@pytest.fixture
def desk_server(tmp_path_factory: pytest.TempPathFactory, model_data_dir: Path) -> Iterator[str]:
    """The app served by uvicorn on a free port, two filings made over REST, prior-art search ready."""
    _need_browser()
    root = tmp_path_factory.mktemp("desk-e2e")
    database_url = f"sqlite+aiosqlite:///{root / 'ctpo.sqlite3'}"
    settings = Settings(
        data_dir=root,
        database_url=database_url,
        storage_dir=root / "documents",
        auth=AuthSettings(secret_key="e2e-secret-key-with-enough-entropy-0123456789"),
        server=ServerSettings(freeze_long_lived=False),  # many apps in one test process
        tasks=TaskSettings(sweep_interval_seconds=0),
        search=SearchSettings(search_autostart=False),  # the search runtime is opened below on a small corpus
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="desk-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the desk server did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.config.port}"
    for role, office in (("examiner", "KZ"), ("examiner", "TR"), ("applicant", None)):
        create_user(database_url, role, office, EMAILS[(role, office)])
    with httpx.Client(base_url=base, timeout=30) as api:
        token = api.post("/auth/login", json={"email": EMAILS["applicant", None], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for payload in (
            application_payload(),
            application_payload(**TURKISH_FILING),
            *(application_payload(**more) for more in MORE_KZ_FILINGS),
        ):
            filed = api.post("/applications", json=payload, headers=headers)
            assert filed.status_code == 201, filed.text
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        upsert_documents(session, CORPUS, "e2e")
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
def page(desk_server: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only these tests need a browser

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()


def _login(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/desk/queue")
    assert "/desk/login" in page.url  # sent to the login page first
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/desk/queue")


def test_the_examiners_desk_end_to_end(desk_server: str, page: Page):
    """One test, so that pytest-xdist never starts the server and loads the model twice for one module."""
    started = time.monotonic()
    number, cited = _claim_search_cite_and_issue(page, desk_server)
    _applicant_reads_the_report(desk_server, number, cited)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{desk_server}/desk/login")
    _the_interface_follows_the_chosen_language(page, desk_server)
    assert time.monotonic() - started < 90


def _claim_search_cite_and_issue(page: Page, base: str) -> tuple[str, dict[str, tuple[list[str], list[int]]]]:
    _login(page, base, EMAILS["examiner", "KZ"], PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en"
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Queue of office KZ"

    # the queue: the Kazakh filing, claimed from its row (desk.js swaps the table, the page stays)
    row = page.locator("#queue-results tbody tr").filter(has_text="Литий-ионды аккумулятор батареясын")
    number = row.locator("th a").inner_text()
    row.get_by_role("button", name=f"Claim {number}").click()
    page.locator("#queue-results").get_by_text("Done: Claim.").wait_for()
    row = page.locator("#queue-results tbody tr").filter(has_text=number)
    assert row.get_by_role("button", name=f"Release {number}").is_visible()
    assert row.get_by_text("you").is_visible()
    assert page.url == f"{base}/desk/queue"  # a partial update, not a navigation
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "desk-queue.png"))

    # the application: only the transitions allowed now are offered, in the workflow's order
    row.locator("th a").click()
    page.wait_for_url(f"{base}/desk/applications/{number}")
    transitions = page.locator("#transitions")
    for action in ("Begin formalities check", "Complete formalities"):
        transitions.get_by_role("button", name=action).click()
        page.get_by_text(f"Done: {action}.").wait_for()
    assert transitions.get_by_role("button").all_inner_texts() == ["Release"]
    assert page.locator(".state").first.inner_text() == "Search"

    # prior art next to the claims: language, channel, publication date against the priority date, highlights
    page.get_by_role("button", name="Run prior-art search").click()
    hits = page.locator("#prior-art .hit")
    hits.first.wait_for()
    assert page.url.startswith(f"{base}/desk/applications/{number}?done=")  # the panel came in place
    ids = hits.locator(".docid").all_inner_texts()
    assert len(ids) >= 3
    assert "TR2025/000111" in ids
    assert "KZ2022/0150" in ids
    meta = " ".join(hits.locator(".hit-meta").all_inner_texts())
    assert "Türkçe" in meta
    assert "days before" in meta
    assert "found by meaning and words (both)" in meta or "found by words (lexical)" in meta
    kazakh = hits.filter(has_text="KZ2022/0150")
    assert kazakh.locator("blockquote mark").count() >= 1  # matched terms highlighted in the passage
    page.locator("#claims-and-prior-art").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "desk-prior-art.png"))

    # cite two documents with different categories against chosen claims, then issue the report
    first, second = ids[0], ids[1]
    first_hit, second_hit = hits.nth(0), hits.nth(1)
    first_hit.locator("label", has_text="Cite as X").click()
    first_hit.get_by_label("Claim 1", exact=True).check()
    first_hit.get_by_label("Claim 2", exact=True).check()
    second_hit.locator("label", has_text="Cite as Y").click()
    second_hit.get_by_label("Claim 2", exact=True).check()
    page.get_by_role("button", name="Issue search report").click()
    page.get_by_text("Done: Issue search report.").wait_for()
    assert page.locator(".state").first.inner_text() == "Search report issued"
    page.screenshot(path=str(SCREENSHOTS / "desk-application.png"))

    # keyboard: the skip link is the first stop and leads to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    return number, {first: (["X"], [1, 2]), second: (["Y"], [2])}


def _applicant_reads_the_report(base: str, number: str, cited: dict[str, tuple[list[str], list[int]]]) -> None:
    with httpx.Client(base_url=base, timeout=10) as api:
        token = api.post("/auth/login", json={"email": EMAILS["applicant", None], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        reports = api.get(f"/applications/{number}/procedural-documents?kind=search_report", headers=headers).json()
    assert len(reports) == 1
    citations = {c["document_id"]: (c["categories"], c["claims"]) for c in reports[0]["body"]["citations"]}
    assert citations == cited


def _the_interface_follows_the_chosen_language(page: Page, base: str) -> None:
    _login(page, base, EMAILS["examiner", "TR"], PASSWORD)
    page.get_by_label("Language", exact=True).select_option("kk")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text() == "TR ведомствосының кезегі"
    # the filter works by keyboard alone: focus the state filter, choose, submit with Enter
    state = page.get_by_label("Күйі")
    state.focus()
    page.keyboard.press("ArrowDown")
    assert state.input_value() == "filed"
    page.get_by_label("ХПЖ сыныбы").press("Enter")
    page.wait_for_url("**/desk/queue?state=filed")  # desk.js swapped the table and put the filter in the URL
    rows = page.locator("#queue-results tbody tr")
    assert rows.count() == 1
    assert "Güneş paneli temizleme robotu" in rows.inner_text()
    assert "Берілді" in rows.inner_text()  # the state in Kazakh
