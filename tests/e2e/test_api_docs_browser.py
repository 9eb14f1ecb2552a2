"""Swagger UI and ReDoc render in a real headless Chromium with every request to another host refused.

A first-time user found both pages blank offline: they loaded their scripts (and ReDoc its fonts) from CDNs. The
server here is the app under uvicorn on a free port; the browser is Debian's ``/usr/bin/chromium`` via Playwright,
and every request for a host other than the server's is aborted and recorded, so a page that still needs the
network fails the test. (ReDoc's bundle hard-codes one decorative image, its "Redocly" attribution logo, which
hides itself when it cannot load: that image is the only request allowed to fail.) Screenshots at 1366x768 go to
``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from ctpo.lib.settings import AuthSettings, SearchSettings, ServerSettings, Settings, TaskSettings
from ctpo.server.app import create_app
from tests.e2e.test_desk_browser import BROWSER_ARGS, CHROMIUM, SCREENSHOTS, VIEWPORT, _need_browser
from tests.support import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    root = tmp_path_factory.mktemp("docs-e2e")
    settings = Settings(
        data_dir=root,
        database_url=f"sqlite+aiosqlite:///{root / 'ctpo.sqlite3'}",
        storage_dir=root / "documents",
        auth=AuthSettings(secret_key="docs-e2e-secret-key-with-enough-entropy-0123456789"),
        server=ServerSettings(freeze_long_lived=False),  # many apps in one test process
        tasks=TaskSettings(sweep_interval_seconds=0),
        search=SearchSettings(search_autostart=False),
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="docs-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def offline_browser(docs_server: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any other host are aborted (and listed)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only these tests need a browser

    server_host = urlsplit(docs_server).netloc
    refused: list[str] = []

    def only_this_server(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != server_host:
            refused.append(f"{route.request.resource_type} {url}")
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
            context.route("**/*", only_this_server)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page, refused
        finally:
            browser.close()


def test_swagger_ui_renders_offline(docs_server: str, offline_browser: tuple[Any, list[str]]):
    page, refused = offline_browser
    page.goto(f"{docs_server}/schema/swagger")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "CTPO filing system" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag-section")
    assert page.locator(".opblock").count() > 20  # every operation listed
    action = page.locator(".opblock-post", has_text="/actions/{action}").first
    action.locator(".opblock-summary").click()
    page.wait_for_selector("text=issue_search_report")  # the payload of each action is described
    page.screenshot(path=str(SCREENSHOTS / "api-swagger.png"))
    assert refused == []


def test_redoc_renders_offline(docs_server: str, offline_browser: tuple[Any, list[str]]):
    page, refused = offline_browser
    page.goto(f"{docs_server}/schema/redoc")
    page.wait_for_selector("h1:has-text('CTPO filing system')")
    page.wait_for_selector("[role=menuitem]")  # the navigation of operations
    assert page.locator("[role=menuitem]").count() > 20
    page.screenshot(path=str(SCREENSHOTS / "api-redoc.png"))
    assert [r for r in refused if r != "image https://cdn.redoc.ly/redoc/logo-mini.svg"] == []
