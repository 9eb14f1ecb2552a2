"""Public register times at 100,000 published documents, each against the same request by a logged-in user.

Seeds ``--documents`` applications in bulk (``benchmarks/workflow.seed``), publishes them all (publication date,
one A2 publication each from the CTPO series, applicant names in Latin and Cyrillic, and the register's
script-folded name keys, written as the publication path writes them), starts ``ctpo serve`` and times, one
request at a time over loopback (client-side, so an upper bound of the server time):

- the register page of one file, anonymous, against the same file read by its owner (``GET /applications/{n}``)
  and against the same register URL sent with the owner's token;
- the register's name search (``Aliyev`` matching ``Алиев``), anonymous and with the owner's token;
- the look-up by publication number (redirect), anonymous and with the token.

The ratio (public / logged-in) is the figure that travels between machines. Semantic prior-art search at
100k documents needs the corpus embedded (hours on two cores): ``benchmarks/search_speed.py`` measures the engine.

    nice .venv/bin/python benchmarks/publication_register.py                 # SQLite, 100,000 documents
    nice .venv/bin/python benchmarks/publication_register.py --database-url postgresql+asyncpg://…/empty_db
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workflow import seed
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import Application, Party, Publication, RegisterNameKey
from ctpo.domain.publications.records import name_keys
from tests.support import PASSWORD, create_user, free_port
from workflows.publication import format_publication_number

if TYPE_CHECKING:
    from collections.abc import Iterator

SURNAMES = ["Aliyev", "Алиев", "Nurlanov", "Нұрланов", "Öztürk", "Yoʻldoshev", "Абдыкадыров", "Mammadov", "Smith"]
PUBLISHED_ON = date(2026, 11, 25)
GIVEN = ["Eldar", "Эльдар", "Aigerim", "Айгерим", "Şükrü", "Gʻayrat", "Айбек", "Leyla", "John"]


def publish_all(database_url: str) -> None:
    """Every seeded application published, with one A2 each, a named applicant and its register name keys."""
    engine = create_sync_engine(database_url)
    rng = random.Random(11)
    started = time.perf_counter()
    with engine.begin() as conn:
        ids = list(conn.execute(select(Application.id).order_by(Application.number)).scalars())
        conn.execute(text("UPDATE applications SET publication_date = filing_date"))
        for first in range(0, len(ids), 5000):
            parties, publications, keys = [], [], []
            for i, app_id in enumerate(ids[first : first + 5000], start=first + 1):
                name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {i}"
                parties.append(
                    {
                        "id": uuid.uuid4(),
                        "application_id": app_id,
                        "kind": "applicant",
                        "position": 1,
                        "name": name,
                        "country": "KZ",
                        "address": "Astana",
                    }
                )
                publications.append(
                    {
                        "id": uuid.uuid4(),
                        "application_id": app_id,
                        "number": format_publication_number(i),
                        "kind": "A2",
                        "publication_date": PUBLISHED_ON,
                        "history_seq": 2,
                    }
                )
                keys.extend({"key": k, "application_id": app_id} for k in name_keys([name]))
            conn.execute(insert(Party), parties)
            conn.execute(insert(Publication), publications)
            conn.execute(insert(RegisterNameKey), keys)
        conn.exec_driver_sql(
            "INSERT INTO publication_series (series, last_value) VALUES ('XT', %d)" % len(ids)  # noqa: UP031
        )
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"published {len(ids)} documents in {time.perf_counter() - started:.1f} s")


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """``ctpo serve`` on a free port, its log in a file (a loaded machine may need minutes to start it)."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ctpo", "serve", "--no-access-log"],
            env={**os.environ, **env, "CTPO_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ctpo serve did not start; see {log}")
                time.sleep(0.5)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _time(http: httpx.Client, path: str, requests: int, headers: dict[str, str] | None = None) -> list[float]:
    http.get(path, headers=headers)  # warm-up
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        r = http.get(path, headers=headers)
        times.append(time.perf_counter() - t0)
        assert r.status_code in {200, 303}, (path, r.status_code, r.text[:300])
    return times


def _pcts(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values) * 1000, values[max(0, int(len(values) * 0.99) - 1)] * 1000


def run(database_url: str, count: int, requests: int, data_dir: str) -> None:
    upgrade(database_url)
    owner = create_user(database_url, "applicant")
    seed(database_url, count, owner.id)
    publish_all(database_url)
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": data_dir,
        "CTPO_SECRET_KEY": "r" * 40,
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        "CTPO_JOB_POLL_SECONDS": "0",
        "CTPO_REGISTER_RATE": "1000000",
    }
    number = f"KZ-2026-{count // 10:06d}"
    publication = f"XT{count // 2:07d}"
    with serving(env, Path(data_dir) / "serve.log") as base, httpx.Client(base_url=base, timeout=60) as http:
        token = http.post("/auth/login", json={"email": owner.email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        rows = (
            ("register page", f"/register/{number}", None, f"/applications/{number}", auth, "owner's API read"),
            ("register page", f"/register/{number}", None, f"/register/{number}", auth, "same URL, logged in"),
            (
                "name search 'Aliyev'",
                "/register/search?name=Aliyev",
                None,
                "/register/search?name=Aliyev",
                auth,
                "same URL, logged in",
            ),
            (
                "number look-up",
                f"/register/search?number={publication}",
                None,
                f"/register/search?number={publication}",
                auth,
                "same URL, logged in",
            ),
        )
        print(f"{'request':<24} {'public p50/p99 ms':>20} {'logged-in p50/p99 ms':>22}  ratio p50  (baseline)")
        for label, public, _, private, headers, baseline in rows:
            pub = _pcts(_time(http, public, requests))
            own = _pcts(_time(http, private, requests, headers))
            print(
                f"{label:<24} {pub[0]:9.1f} /{pub[1]:7.1f} {own[0]:11.1f} /{own[1]:7.1f}   {pub[0] / own[0]:7.2f}"
                f"    ({baseline})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row and side")
    parser.add_argument("--database-url", help="an empty database (migrated and seeded here); default: SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'ctpo.sqlite3'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{backend}, {args.documents} published documents, {args.requests} requests per side")
        run(url, args.documents, args.requests, tmp)


if __name__ == "__main__":
    main()
