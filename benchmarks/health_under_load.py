"""Does one heavy request stall the others? ``/health`` latency idle, under load, and during a huge desk page.

Starts ``ctpo serve`` (one process, SQLite in a temporary directory) and measures, in the same run:

1. ``/health`` p50/p99 on the idle server (the baseline);
2. ``/health`` p50/p99 while 20 registrations, 20 logins (Argon2 each) and one 60 MB multipart filing (three
   20 MB PDFs: parsing, hashing, structure checks, fsync) run in parallel, and the ratio to the baseline;
3. the desk page of a file whose amended claim has 10,000 words (compared with a 10,000-word previous version;
   written to the database directly, as data stored before the 20,000-character limit existed), and ``/health``
   latency while that page renders.

Times are taken at the client over loopback. The machine is shared: compare the ratios, not the milliseconds.

    nice .venv/bin/python benchmarks/health_under_load.py [--probes 300]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.desk_page import _desk_login
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import Application, Claim, User
from tests.support import PASSWORD, application_payload, create_user, live_server, real_pdf, record_bank_transfer

PARALLEL = 20
DOCUMENT_BYTES = 20_000_000


def _pcts(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000


def _probe(base: str, stop: threading.Event, out: list[float], limit: int | None = None) -> None:
    with httpx.Client(base_url=base, timeout=300) as http:
        while not stop.is_set() and (limit is None or len(out) < limit):
            started = time.perf_counter()
            assert http.get("/health").status_code == 200
            out.append(time.perf_counter() - started)
            time.sleep(0.005)


def _idle(base: str, probes: int) -> list[float]:
    out: list[float] = []
    _probe(base, threading.Event(), out, limit=probes)
    return out


def _load(base: str, users: list[User]) -> tuple[list[float], float]:
    """Registrations, logins and one 60 MB multipart filing at once; /health probed meanwhile."""
    token = httpx.post(f"{base}/auth/login", json={"email": users[0].email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    documents = [real_pdf(random.randbytes(DOCUMENT_BYTES)) for _ in range(3)]
    statuses: list[int] = []

    def register(i: int) -> None:
        body = {"email": f"load{i}.{os.getpid()}@example.kz", "full_name": "Load Test", "password": PASSWORD}
        statuses.append(httpx.post(f"{base}/auth/register", json=body, timeout=300).status_code)

    def login(i: int) -> None:
        body = {"email": users[i].email, "password": PASSWORD}
        statuses.append(httpx.post(f"{base}/auth/login", json=body, timeout=300).status_code)

    def file_multipart() -> None:
        parts: list[tuple[str, Any]] = [("application", (None, _json_app()))]
        parts += [("documents", (f"d{i}.pdf", doc, "application/pdf")) for i, doc in enumerate(documents)]
        r = httpx.post(f"{base}/applications/multipart", files=parts, headers=headers, timeout=300)
        statuses.append(r.status_code)

    workers = [threading.Thread(target=register, args=(i,)) for i in range(PARALLEL)]
    workers += [threading.Thread(target=login, args=(i,)) for i in range(PARALLEL)]
    workers.append(threading.Thread(target=file_multipart))
    stop, latencies = threading.Event(), []
    prober = threading.Thread(target=_probe, args=(base, stop, latencies))
    prober.start()
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    stop.set()
    prober.join()
    expected = sorted([202] * PARALLEL + [200] * PARALLEL + [201])
    if sorted(statuses) != expected:
        raise SystemExit(f"the load did not go through: statuses {sorted(statuses)}")
    return latencies, elapsed


def _json_app() -> str:
    import json  # noqa: PLC0415

    return json.dumps(application_payload())


def _words(n: int, seed: int) -> str:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(400)]
    return " ".join(rng.choice(vocabulary) for _ in range(n))


def _huge_claim_file(base: str, database_url: str, owner: User, examiner: User, admin: User) -> str:
    """A file in examination whose claims went from one 10,000-word version to another."""

    def token(user: User) -> dict[str, str]:
        r = httpx.post(f"{base}/auth/login", json={"email": user.email, "password": PASSWORD})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    applicant, staff, office = token(owner), token(examiner), token(admin)
    number = httpx.post(f"{base}/applications", json=application_payload(), headers=applicant).json()[
        "application_number"
    ]
    steps = [
        (staff, "claim", {}),
        (staff, "begin_formalities_check", {}),
        (staff, "complete_formalities", {}),
        (staff, "issue_search_report", {"citations": []}),
        (applicant, "request_examination", {}),
        (staff, "issue_office_action", {"objections": [{"claims": [1], "ground": "clarity", "reasoning": "?"}]}),
        (applicant, "respond_to_office_action", {"arguments": "Amended.", "amended_claims": ["A short claim."]}),
    ]
    for headers, action, payload in steps:
        if action == "request_examination":  # it takes effect only with its fee paid (EPC Art. 94(1))
            with httpx.Client(base_url=base) as client:
                record_bank_transfer(client, number, "examination", office)
        r = httpx.post(f"{base}/applications/{number}/actions/{action}", json={"payload": payload}, headers=headers)
        assert r.status_code == 200, (action, r.text[:300])
    engine = create_sync_engine(database_url)
    with engine.begin() as conn:
        app_id = conn.execute(select(Application.id).where(Application.number == number)).scalar_one()
        for version, seed in ((1, 1), (2, 2)):
            conn.execute(
                update(Claim)
                .where(Claim.application_id == app_id, Claim.claim_set == version, Claim.number == 1)
                .values(text=_words(10_000, seed))
            )
    engine.dispose()
    return number


def _desk(base: str, number: str, examiner: User, rounds: int) -> tuple[list[float], list[float]]:
    pages: list[float] = []
    stop, latencies = threading.Event(), []
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as http:
        _desk_login(http, examiner.email)
        http.get(f"/desk/applications/{number}")  # warm
        prober = threading.Thread(target=_probe, args=(base, stop, latencies))
        prober.start()
        for _ in range(rounds):
            started = time.perf_counter()
            page = http.get(f"/desk/applications/{number}")
            pages.append(time.perf_counter() - started)
            assert page.status_code == 200, page.text[:300]
        stop.set()
        prober.join()
    return pages, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probes", type=int, default=300, help="idle /health requests for the baseline")
    parser.add_argument("--desk-rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = f"sqlite+aiosqlite:///{data_dir}/bench.sqlite3"
        upgrade(database_url)
        users = [create_user(database_url, "applicant") for _ in range(PARALLEL)]
        examiner = create_user(database_url, "examiner", "KZ")
        admin = create_user(database_url, "office_admin", "KZ")
        env = {
            "CTPO_DATABASE_URL": database_url,
            "CTPO_DATA_DIR": data_dir,
            "CTPO_SECRET_KEY": "h" * 40,
            "CTPO_SEARCH_AUTOSTART": "0",
            "CTPO_SWEEP_INTERVAL_SECONDS": "0",
            "CTPO_JOB_POLL_SECONDS": "0",
            "CTPO_MAX_REQUEST_BYTES": str(64 * 1024 * 1024),
            "CTPO_MAX_DOCUMENT_BYTES": str(21_000_000),
            "CTPO_REGISTER_MAX_PER_ADDRESS": "1000",
        }
        with live_server(env) as base:
            idle = _idle(base, args.probes)
            loaded, elapsed = _load(base, users)
            number = _huge_claim_file(base, database_url, users[0], examiner, admin)
            pages, during = _desk(base, number, examiner, args.desk_rounds)
    i50, i99 = _pcts(idle)
    l50, l99 = _pcts(loaded)
    d50, d99 = _pcts(during)
    p50, pmax = statistics.median(pages) * 1000, max(pages) * 1000
    print(f"/health idle                 p50 {i50:7.1f} ms  p99 {i99:7.1f} ms  ({len(idle)} requests)")
    print(
        f"/health under load           p50 {l50:7.1f} ms  p99 {l99:7.1f} ms  ({len(loaded)} requests in"
        f" {elapsed:.1f} s: {PARALLEL} registrations, {PARALLEL} logins, one 60 MB multipart filing)"
    )
    print(f"  p99 under load / idle      {l99 / i99:.2f}x")
    print(f"desk page, 10,000-word claim p50 {p50:7.1f} ms  max {pmax:7.1f} ms  ({len(pages)} renders)")
    print(f"/health during the desk page p50 {d50:7.1f} ms  p99 {d99:7.1f} ms  ({len(during)} requests)")
    print(f"  p99 during desk / idle     {d99 / i99:.2f}x")


if __name__ == "__main__":
    main()
