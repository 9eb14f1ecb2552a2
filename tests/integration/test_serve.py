"""``ctpo serve`` as a user starts it: what it prints, what it logs per request, what the root and the docs show.

One real server process for the module (SQLite in a temporary directory, default flags, output captured).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.support import REPO, free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class Served:
    def __init__(self, base: str, output: Path) -> None:
        self.base = base
        self.output = output

    def log(self) -> str:
        return self.output.read_text(errors="replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "CTPO_DATA_DIR": str(root),
        "CTPO_DATABASE_URL": f"sqlite+aiosqlite:///{root / 'ctpo.sqlite3'}",
        "CTPO_SECRET_KEY": "serve-secret-key-with-enough-entropy-0123456789",
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        "CTPO_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CTPO_ACCESS_LOG", None)
    output = root / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(  # the defaults a user gets: access log on
            [sys.executable, "-m", "ctpo", "serve"], env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ctpo serve did not start: {output.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield Served(base, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_banner_says_where_the_desk_and_the_docs_are(served: Served):
    log = served.log()
    assert f"{served.base}/desk" in log
    assert f"{served.base}/schema/swagger" in log
    assert f"{served.base}/schema/redoc" in log


def test_every_request_is_logged_once_with_its_id(served: Served):
    """uvicorn's access line doubled the app's; a path no route serves was logged only by uvicorn, without an id."""
    unique = uuid.uuid4().hex
    requests = {f"/applications/KZ-{unique}": 401, f"/no-such-page-{unique}": 404}
    ids = {}
    for path, status in requests.items():
        ids[path] = uuid.uuid4().hex
        assert httpx.get(f"{served.base}{path}", headers={"X-Request-ID": ids[path]}).status_code == status
    deadline = time.monotonic() + 5
    while not all(rid in served.log() for rid in ids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for path, rid in ids.items():
        lines = [line for line in served.log().splitlines() if path in line]
        assert len(lines) == 1, lines
        assert rid in lines[0]


def test_the_root_is_a_page_pointing_to_the_desk_and_the_docs(served: Served):
    response = httpx.get(f"{served.base}/", headers={"Accept-Language": "tr"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = set(re.findall(r'href="([^"]+)"', response.text))
    assert {"/register", "/desk", "/schema/swagger", "/schema/redoc", "/schema/openapi.json"} <= links
    assert '<html lang="tr">' in response.text


def test_the_api_docs_load_nothing_from_other_hosts(served: Served):
    for page in ("/schema/swagger", "/schema/redoc"):
        html = httpx.get(f"{served.base}{page}").text
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html)
        assert assets, page
        assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], (page, assets)
        for asset in assets:
            if asset.startswith("/"):
                fetched = httpx.get(f"{served.base}{asset}")
                assert fetched.status_code == 200, asset
                assert len(fetched.content) > 1000, asset
    assert "fonts.googleapis" not in httpx.get(f"{served.base}/schema/redoc").text
