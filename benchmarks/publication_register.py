"""Public register times at 100,000 published documents, each against the same request by a logged-in user.

Seeds ``--documents`` applications in bulk (``benchmarks/workflow.seed``), publishes them all (publication date,
one A2 publication each from the CTPO series, applicant names in Latin and Cyrillic, and the register's
script-folded name keys, written as the publication path writes them), starts ``ctpo serve`` and times, one
request at a time over loopback (client-side, so an upper bound of the server time):

- the register page of one file, anonymous, against the same file read by its owner (``GET /applications/{n}``)
  and against the same register URL sent with the owner's token;
- the register's name search (``Aliyev`` matching ``Алиев``), anonymous and with the owner's token;
- the look-up by publication number (redirect), anonymous and with the token;
- public prior-art search (``GET /register/prior-art?text=…``) against the logged-in ``POST /search`` with the same
  text and ``k``, and against the same register URL with the token. Both go through the server's real search
  engine over all 100,000 published documents (title, abstract and description drawn from word pools in four
  languages): queries are embedded by the real model (``CTPO_EMBEDDING_MODEL``, torch fp32), the lexical channel
  and fusion are real, but the *passage* vectors are synthetic (clustered unit vectors, as in
  ``benchmarks/search_speed.py``), because embedding 200,000 passages would take hours on two cores. The engine
  is built here from the corpus table and saved where the server opens it, and the corpus rows are marked planned
  and embedded (the parallel ingest has nothing to do); the server's own catch-up then finds the engine complete.

Each public request is timed alternately with its logged-in counterpart, so both sides of a row see the same
load on a shared machine. The ratio (public / logged-in) is the figure that travels between machines.

    nice .venv/bin/python benchmarks/publication_register.py                 # SQLite, 100,000 documents
    nice .venv/bin/python benchmarks/publication_register.py --database-url postgresql+asyncpg://…/empty_db
"""

from __future__ import annotations

import argparse
import logging
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
import numpy as np
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.search_speed import WORDS
from benchmarks.workflow import seed
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import Application, CorpusDocument, Party, Publication, RegisterNameKey
from ctpo.domain.prior_art.corpus import load_documents, sync_published_applications
from ctpo.domain.publications.records import name_keys
from search.embedder import load_embedder
from search.engine import SearchEngine
from search.index import HnswIndex
from tests.support import PASSWORD, create_user, free_port
from workflows.publication import format_publication_number

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from numpy.typing import NDArray

    from search.interfaces import Embedder

MODEL = "bundled:multilingual-e5-small"
PRIOR_ART_K = 20
"""What the register's prior-art page asks the engine for; the logged-in POST /search asks the same."""
QUERIES = [
    "battery electrode polymer membrane",
    "wireless receiver antenna signal",
    "turbine rotor blade sealing housing",
    "pil elektrot polimer zar",
    "батарея электрод полимер мембрана",
    "heat exchanger coating alloy",
    "optical fibre lens laser",
    "vehicle brake wheel control unit",
]

SURNAMES = ["Aliyev", "Алиев", "Nurlanov", "Нұрланов", "Öztürk", "Yoʻldoshev", "Абдыкадыров", "Mammadov", "Smith"]
PUBLISHED_ON = date(2026, 11, 25)
GIVEN = ["Eldar", "Эльдар", "Aigerim", "Айгерим", "Şükrü", "Gʻayrat", "Айбек", "Leyla", "John"]


def publish_all(database_url: str) -> None:
    """Every seeded application published, with one A2 each, a named applicant and its register name keys."""
    engine = create_sync_engine(database_url)
    rng = random.Random(11)
    started = time.perf_counter()
    with engine.begin() as conn:
        rows = list(conn.execute(select(Application.id, Application.filing_date).order_by(Application.number)))
        ids = [r.id for r in rows]
        filed = {r.id: r.filing_date for r in rows}
        conn.execute(text("UPDATE applications SET publication_date = filing_date"))
        pools = [WORDS[lang].split() for lang in sorted(WORDS)]
        for first in range(0, len(ids), 5000):
            parties, publications, keys, texts = [], [], [], []
            for i, app_id in enumerate(ids[first : first + 5000], start=first + 1):
                pool = rng.choice(pools)
                texts.append(
                    {
                        "b_id": app_id,
                        "b_abstract": " ".join(rng.choice(pool) for _ in range(40)) + ".",
                        "b_description": " ".join(rng.choice(pool) for _ in range(80)) + ".",
                    }
                )
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
                keys.extend(
                    {"key": k, "application_id": app_id, "publication_date": filed[app_id]} for k in name_keys([name])
                )
            conn.execute(
                update(Application)
                .where(Application.id == bindparam("b_id"))
                .values(abstract=bindparam("b_abstract"), description=bindparam("b_description")),
                texts,
            )
            conn.execute(insert(Party), parties)
            conn.execute(insert(Publication), publications)
            conn.execute(insert(RegisterNameKey), keys)
        conn.exec_driver_sql(
            "INSERT INTO publication_series (series, last_value) VALUES ('XT', %d)" % len(ids)  # noqa: UP031
        )
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"published {len(ids)} documents in {time.perf_counter() - started:.1f} s")


class SyntheticPassages:
    """The real model for queries; clustered synthetic unit vectors for passages (the real ones take hours here).

    It carries the real model's name and dimension, so the engine saved with it is the one the server opens.
    """

    def __init__(self, real: Embedder, corpus_size: int) -> None:
        self.real = real
        self.rng = np.random.default_rng(3)
        self.centers = np.random.default_rng(corpus_size).standard_normal((max(16, corpus_size // 1000), real.dim))

    @property
    def dim(self) -> int:
        """The real model's."""
        return self.real.dim

    @property
    def name(self) -> str:
        """The real model's."""
        return self.real.name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """By the real model."""
        return self.real.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Synthetic: a random topic centre plus noise, normalised."""
        v = self.centers[self.rng.integers(0, len(self.centers), len(texts))]
        v = (v + 0.7 * self.rng.standard_normal(v.shape)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def build_search_engine(database_url: str, data_dir: Path, count: int) -> None:
    """The corpus table filled from the published applications, and an engine over it saved where the server looks."""
    started = time.perf_counter()
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        sync_published_applications(session)
    with sessions() as session:
        ids = list(session.execute(select(CorpusDocument.id).order_by(CorpusDocument.id)).scalars())
    real = load_embedder(MODEL, data_dir, backend="torch")
    search = SearchEngine(SyntheticPassages(real, count), HnswIndex(real.dim))
    for first in range(0, len(ids), 5000):
        with sessions() as session:
            search.add_documents(list(load_documents(session, ids[first : first + 5000])))
    search.save(data_dir / "search")
    with engine.begin() as conn:  # the vectors are the saved engine's: nothing left for the ingest to plan or embed
        conn.execute(
            update(CorpusDocument).values(
                planned_sha256=CorpusDocument.content_sha256, embedded_sha256=CorpusDocument.content_sha256
            )
        )
    engine.dispose()
    print(f"search engine over {len(ids)} documents built in {time.perf_counter() - started:.1f} s")


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


def _time_pairs(
    public: Callable[[int], httpx.Response], logged_in: Callable[[int], httpx.Response], requests: int
) -> tuple[list[float], list[float]]:
    """Each request timed alternately with its logged-in counterpart: both sides see the same machine load."""
    public(0), logged_in(0)  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(requests):
        for side, call in zip(times, (public, logged_in), strict=True):
            t0 = time.perf_counter()
            r = call(i)
            side.append(time.perf_counter() - t0)
            assert r.status_code in {200, 303}, (r.request.url, r.status_code, r.text[:300])
    return times


def _row(label: str, pair: tuple[list[float], list[float]], baseline: str) -> None:
    _print_row(label, _pcts(pair[0]), _pcts(pair[1]), baseline)


def _print_row(label: str, pub: tuple[float, float], own: tuple[float, float], baseline: str) -> None:
    print(
        f"{label:<24} {pub[0]:9.1f} /{pub[1]:7.1f} {own[0]:11.1f} /{own[1]:7.1f}   {pub[0] / own[0]:7.2f}"
        f"    ({baseline})"
    )


def _wait_for_search(http: httpx.Client) -> None:
    deadline = time.monotonic() + 1800
    while not http.get("/search/status").json()["ready"]:
        if time.monotonic() > deadline:
            raise RuntimeError("search did not become ready")
        time.sleep(2)


def _time_prior_art(http: httpx.Client, auth: dict[str, str], requests: int) -> None:
    _wait_for_search(http)
    status = http.get("/search/status").json()
    print(f"search ready: {status['indexed']} documents indexed, {status['pending']} pending")

    def public(i: int) -> httpx.Response:
        return http.get("/register/prior-art", params={"text": QUERIES[i % len(QUERIES)]})

    def public_logged_in(i: int) -> httpx.Response:
        return http.get("/register/prior-art", params={"text": QUERIES[i % len(QUERIES)]}, headers=auth)

    def api(i: int) -> httpx.Response:
        return http.post("/search", json={"text": QUERIES[i % len(QUERIES)], "k": PRIOR_ART_K}, headers=auth)

    found = api(0).json()["hits"]
    page = public(0).text
    print(f"{len(found)} hits for {QUERIES[0]!r}; the public page shows the first: {found[0]['document_id'] in page}")
    _row("prior-art search", _time_pairs(public, api, requests), "logged-in POST /search, same text and k")
    _row("prior-art search", _time_pairs(public, public_logged_in, requests), "same URL, logged in")


def _pcts(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values) * 1000, values[max(0, int(len(values) * 0.99) - 1)] * 1000


def run(database_url: str, count: int, requests: int, data_dir: str, *, prior_art: bool) -> None:
    upgrade(database_url)
    owner = create_user(database_url, "applicant")
    seed(database_url, count, owner.id)
    publish_all(database_url)
    if prior_art:
        build_search_engine(database_url, Path(data_dir), count)
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": data_dir,
        "CTPO_SECRET_KEY": "r" * 40,
        "CTPO_SEARCH_AUTOSTART": "1" if prior_art else "0",
        "CTPO_EMBEDDING_MODEL": MODEL,
        "CTPO_EMBEDDING_BACKEND": "torch",
        "OMP_NUM_THREADS": "1",  # a spinning OpenMP thread preempted on a shared machine stalls a query (search_speed)
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
            pair = _time_pairs(
                lambda _, url=public: http.get(url),
                lambda _, url=private, h=headers: http.get(url, headers=h),
                requests,
            )
            _row(label, pair, baseline)
        if prior_art:
            _time_prior_art(http, auth, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row and side")
    parser.add_argument("--database-url", help="an empty database (migrated and seeded here); default: SQLite")
    parser.add_argument("--no-prior-art", action="store_true", help="skip building the search engine and its rows")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'ctpo.sqlite3'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{backend}, {args.documents} published documents, {args.requests} requests per side")
        run(url, args.documents, args.requests, tmp, prior_art=not args.no_prior_art)


if __name__ == "__main__":
    main()
