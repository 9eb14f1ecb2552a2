"""Examiner's desk page times with a 10k-application office queue, on SQLite (default) or PostgreSQL.

Seeds the applications in bulk into one office (rows built by the same workflow code as a filing, as in
``benchmarks/workflow.py``), files one complete application over REST and takes it to the search state from the
desk, starts ``ctpo serve``, logs in through the desk's form, then times GET of
- the queue page (first page, a filtered page, page 100 of 200),
- the application page (the complete application, and a seeded one).

Times are taken at the client over loopback, one request at a time, so they bound the server time from above.

    .venv/bin/python benchmarks/desk_page.py                       # SQLite in a temporary directory
    .venv/bin/python benchmarks/desk_page.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/empty_db
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workflow import seed
from ctpo.db.migrate import upgrade
from ctpo.domain.filings.numbering import format_number
from tests.support import PASSWORD, application_payload, create_user, live_server

OFFICE = "KZ"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def _pcts(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[max(0, int(len(values) * 0.99) - 1)] * 1000
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"


def _desk_login(http: httpx.Client, email: str) -> str:
    token = CSRF.search(http.get("/desk/login").text)
    assert token, "no CSRF token on the login page"
    r = http.post("/desk/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text[:500]
    assert "/desk/queue" in str(r.url), "the login did not land on the queue"
    found = CSRF.search(r.text)
    assert found
    return found.group(1)


def run(database_url: str, count: int, requests: int, data_dir: str) -> None:
    upgrade(database_url)
    owner = create_user(database_url, "applicant")
    examiner = create_user(database_url, "examiner", OFFICE)
    seed(database_url, count, owner.id, offices=[OFFICE])
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": data_dir,
        "CTPO_SECRET_KEY": "d" * 40,
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
    }
    with live_server(env) as base, httpx.Client(base_url=base, timeout=60, follow_redirects=True) as http:
        token = http.post("/auth/login", json={"email": owner.email, "password": PASSWORD}).json()["access_token"]
        filed = http.post("/applications", json=application_payload(), headers={"Authorization": f"Bearer {token}"})
        assert filed.status_code == 201, filed.text
        number = filed.json()["application_number"]
        csrf = _desk_login(http, examiner.email)
        for action in ("claim", "begin_formalities_check", "complete_formalities"):
            r = http.post(f"/desk/applications/{number}/actions/{action}", data={"csrf_token": csrf})
            assert r.status_code == 200, r.text[:500]
        pages = (
            ("queue, first page", "/desk/queue", {}),
            ("queue, state+language filter", "/desk/queue", {"state": "filed", "language": "kk"}),
            ("queue, IPC filter", "/desk/queue", {"ipc": "H01M"}),
            ("queue, page 100", "/desk/queue", {"page": 100}),
            ("application (full file)", f"/desk/applications/{number}", {}),
            ("application (seeded)", f"/desk/applications/{format_number(OFFICE, 2026, count // 2)}", {}),
        )
        for label, path, params in pages:
            http.get(path, params=params)  # warm-up
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                r = http.get(path, params=params)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, (path, r.status_code)
            print(f"{label:<30} {_pcts(times)}  ({len(r.content) // 1024} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--database-url", help="an empty database (migrated and seeded here); default: SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'ctpo.sqlite3'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{backend}, {args.applications} applications in the {OFFICE} queue, {args.requests} requests per page")
        run(url, args.applications, args.requests, tmp)


if __name__ == "__main__":
    main()
