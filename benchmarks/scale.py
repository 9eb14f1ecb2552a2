"""Scale-out on this machine: the compose topology started by ``scripts/scaled-up`` on the local PostgreSQL and Redis.

For 1, 2 and 4 API processes (one worker) it prints filings/s and search queries/s over HTTP; for 1 and 2 Celery
workers it prints how fast the workers drain searches-after-formalities (automated prior-art searches/s), and how
fast they embed a corpus load (ingest passages/s, ``--only ingest`` for that alone): the same passages embedded in
this process, one ``embed_passages`` call per chunk step, are the baseline each worker count is divided by. The
pgvector-vs-in-process latency at 100k documents is ``benchmarks/vector_backends.py`` (index level); ``--vectors``
runs it from here too.

Search runs on a slice of the bundled sample corpus, embedded once before the topologies start (every process
then opens the saved engine instead of embedding it again).

    .venv/bin/python benchmarks/scale.py                       # about 10 minutes on 2 cores
    .venv/bin/python benchmarks/scale.py --apis 1,2 --workers 1 --filings 200
    nice .venv/bin/python benchmarks/scale.py --only ingest --ingest-documents 32 --ingest-chunk 4   # minutes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json

from benchmarks.connections import drive
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import AutomatedSearch, IngestChunk
from ctpo.domain.prior_art.corpus import document_from_json, upsert_documents
from ctpo.domain.prior_art.ingest import STEP, plan_ingest
from ctpo.domain.prior_art.loading import sample_corpus_path
from ctpo.domain.prior_art.runtime import SearchRuntime
from search.embedder import load_embedder
from search.text import embedding_form
from tests.support import (
    PASSWORD,
    application_payload,
    create_postgres_database,
    create_user,
    drop_postgres_database,
    free_port,
    unique_name,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    "охлаждение литий-ионной батареи жидкостью",
    "solar panel cleaning robot",
    "buğday kurutma makinesi güneş enerjisi",
    "paxta tozalash mashinasi",
    "су тазалау сүзгісі",
    "күн панелин тазалоочу робот",
    "neft quyusunda qum tutucu",
    "electric vehicle charging connector",
]


def pcts(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


async def _drive(
    base: str, n: int, concurrency: int, request: Callable[[httpx.AsyncClient, int], Awaitable[str | None]]
) -> tuple[float, list[float], int]:
    """Send ``n`` requests from ``concurrency`` new clients; returns wall time, latencies and the failures' count."""
    clients = [httpx.AsyncClient(base_url=base, timeout=120) for _ in range(concurrency)]
    try:
        wall, latencies, failures = await drive(clients, n, request)
    finally:
        for http in clients:
            await http.aclose()
    return wall, latencies, len(failures)


def login(base: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD}, timeout=60)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def prepare(database_url: str, data_dir: Path, documents: int) -> None:
    """Migrate, load a slice of the sample corpus and save its engine where every process of the topology looks."""
    upgrade(database_url)
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        lines = sample_corpus_path().read_text(encoding="utf-8").splitlines()[:documents]
        upsert_documents(session, [document_from_json(json.loads(line)) for line in lines], "sample")
    runtime = SearchRuntime(data_dir / "search", "bundled:multilingual-e5-small", data_dir, sessions)
    runtime.open()
    started = time.perf_counter()
    runtime.catch_up()
    print(f"corpus: {runtime.indexed} documents embedded in {time.perf_counter() - started:.0f} s (once)")
    engine.dispose()


class Topology:
    """``scripts/scaled-up`` with these counts; stopped by ``scripts/scaled-down`` on exit."""

    def __init__(self, apis: int, workers: int, env: dict[str, str], run_dir: Path, *, search: bool = True) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.args = ["--api", str(apis), "--workers", str(workers), "--port", str(self.port), "--run-dir", str(run_dir)]
        self.args += [] if search else ["--no-search"]
        self.env = env
        self.run_dir = run_dir

    def __enter__(self) -> Self:
        subprocess.run([str(REPO / "scripts/scaled-up"), *self.args, "--timeout", "600"], env=self.env, check=True)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # ready means every API process answers search (model loaded)
            statuses = {httpx.get(f"{self.base}/health/ready", timeout=10).status_code for _ in range(8)}
            if statuses == {200}:
                return self
            time.sleep(2)
        raise RuntimeError("the topology did not become ready")

    def __exit__(self, *exc: object) -> None:
        subprocess.run([str(REPO / "scripts/scaled-down"), "--run-dir", str(self.run_dir)], env=self.env, check=False)


def measure_api(base: str, applicant: dict[str, str], args: argparse.Namespace) -> tuple[str, str]:
    async def file(http: httpx.AsyncClient, i: int) -> str | None:
        payload = application_payload(title=f"Scale bench {i}")
        response = await http.post("/applications", json=payload, headers=applicant)
        return None if response.status_code == 201 else str(response.status_code)

    async def search(http: httpx.AsyncClient, i: int) -> str | None:
        body = {"text": QUERIES[i % len(QUERIES)], "k": 10}
        response = await http.post("/search", json=body, headers=applicant)
        return None if response.status_code == 200 else str(response.status_code)

    wall, lat, bad = asyncio.run(_drive(base, args.filings, args.concurrency, file))
    filings = f"{args.filings / wall:6.1f} filings/s ({pcts(lat)}; {bad} failed)"
    wall, lat, bad = asyncio.run(_drive(base, args.searches, args.concurrency, search))
    searches = f"{args.searches / wall:6.1f} queries/s ({pcts(lat)}; {bad} failed)"
    return filings, searches


def measure_workers(base: str, database_url: str, applicant: dict[str, str], examiner: dict[str, str], n: int) -> str:
    """File ``n`` applications, complete their formalities, time the workers until every search is stored."""
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)

    def stored() -> int:
        with sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AutomatedSearch)) or 0)

    def through_formalities(count: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for i in range(count):
                number = http.post(
                    "/applications", json=application_payload(title=f"Battery cooling {i}"), headers=applicant
                ).json()["application_number"]
                for action in ("claim", "begin_formalities_check", "complete_formalities"):
                    http.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=examiner)

    before = stored()
    through_formalities(2)  # warm-up: each worker loads the model on its first job
    while stored() < before + 2:
        time.sleep(0.5)
    before = stored()
    started = time.perf_counter()
    through_formalities(n)
    while stored() < before + n:
        time.sleep(0.2)
    wall = time.perf_counter() - started
    engine.dispose()
    return f"{n / wall:5.2f} automated searches/s ({n} applications, filing and formalities included)"


def _sample(start: int, count: int) -> list[Any]:
    lines = sample_corpus_path().read_text(encoding="utf-8").splitlines()[start : start + count]
    return [document_from_json(json.loads(line)) for line in lines]


def ingest_baseline(docs: list[Any], model_dir: Path) -> tuple[float, int]:
    """Passages/s of the model embedding these documents' passages here, in steps of a chunk: the per-process limit."""
    embedder = load_embedder("bundled:multilingual-e5-small", model_dir)
    texts = list(dict.fromkeys(embedding_form(p.text, d.lang) for d in docs for p in d.passages()))
    embedder.embed_passages(texts[:STEP])  # warm-up
    started = time.perf_counter()
    for lo in range(0, len(texts), STEP):
        embedder.embed_passages(texts[lo : lo + STEP])
    return len(texts) / (time.perf_counter() - started), len(texts)


def measure_ingest(workers: int, docs: list[Any], env: dict[str, str], run_dir: Path, chunk: int) -> tuple[float, int]:
    """Passages/s of ``workers`` Celery workers embedding ``docs`` planned into chunks, on a database of its own.

    Each worker first loads the model on a warm-up chunk; the clock runs from the plan's commit to the last chunk
    done (the relay's poll included).
    """
    name = unique_name("ctpo_ingest")
    url = create_postgres_database(name)
    upgrade(url)
    engine = create_sync_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)

    def plan(batch: list[Any]) -> None:
        with sessions() as session, session.begin():
            upsert_documents(session, batch, "bench")
            plan_ingest(session, chunk_passages=chunk)

    def open_chunks() -> int:
        with sessions() as session:
            return int(session.scalar(select(func.count()).where(IngestChunk.status != "done")) or 0)

    def wait_done() -> None:
        while open_chunks():
            time.sleep(0.2)

    try:
        with Topology(1, workers, {**env, "CTPO_DATABASE_URL": url}, run_dir, search=False):
            plan(_sample(0, 4 * workers))  # warm-up: every worker loads the model on a chunk of its own
            wait_done()
            with sessions() as session:
                warm = int(session.scalar(select(func.sum(IngestChunk.passages))) or 0)
            started = time.perf_counter()
            plan(docs)
            wait_done()
            wall = time.perf_counter() - started
            with sessions() as session:
                passages = int(session.scalar(select(func.sum(IngestChunk.passages))) or 0) - warm
    finally:
        engine.dispose()
        drop_postgres_database(name)
    return passages / wall, passages


def ingest_section(args: argparse.Namespace, env: dict[str, str], root: Path) -> None:
    """Ingest passages/s with each worker count, and the ratios to one worker and to the in-process baseline."""
    model_dir = root / "model"
    docs = _sample(100, args.ingest_documents)
    base, count = ingest_baseline(docs, model_dir)
    print(f"ingest baseline: {base:6.2f} passages/s embedding the {count} passages in this process ({STEP} a step)")
    env = {**env, "CTPO_MODEL_DIR": str(model_dir), "CTPO_INGEST_CHUNK_PASSAGES": str(args.ingest_chunk)}
    rates: dict[int, float] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        rate, passages = measure_ingest(workers, docs, env, root / f"ingest{workers}", args.ingest_chunk)
        rates[workers] = rate
        print(
            f"{workers} worker(s): {rate:6.2f} ingest passages/s ({passages} passages in chunks of"
            f" ~{args.ingest_chunk}); {rate / base:.2f}x the in-process baseline"
        )
    if 1 in rates:
        for workers, rate in rates.items():
            if workers != 1:
                print(f"{workers} workers / 1 worker: {rate / rates[1]:.2f}x ({os.cpu_count()} CPU cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", default="1,2,4")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--filings", type=int, default=400)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=20, help="applications through formalities per worker count")
    parser.add_argument("--documents", type=int, default=60, help="sample-corpus documents to search")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--vectors", action="store_true", help="also run benchmarks/vector_backends.py --n 100000")
    parser.add_argument("--only", choices=["api", "workers", "ingest"], help="run one section only")
    parser.add_argument("--ingest-documents", type=int, default=60, help="sample-corpus documents to ingest")
    parser.add_argument("--ingest-chunk", type=int, default=32, help="passages per ingest chunk")
    args = parser.parse_args()

    name = unique_name("ctpo_scale")
    database_url = create_postgres_database(name)
    root = Path(tempfile.mkdtemp(prefix="ctpo-scale-"))
    data_dir = root / "data"
    try:
        applicant_email, examiner_email = "bench-applicant@scale.example", "bench-examiner@scale.example"
        if args.only != "ingest":
            prepare(database_url, data_dir, args.documents)
            create_user(database_url, "applicant", None, applicant_email)
            create_user(database_url, "examiner", "KZ", examiner_email)
        env = {
            **os.environ,
            "CTPO_DATABASE_URL": database_url,
            "CTPO_DATA_DIR": str(data_dir),
            "CTPO_BROKER_URL": args.broker,
            "CTPO_TASK_QUEUE": f"ctpo-scale-{os.getpid()}",
            "CTPO_JOB_POLL_SECONDS": "0.5",
            "CTPO_LOG_FORMAT": "json",
        }
        print(f"{os.cpu_count()} CPU cores; PostgreSQL 127.0.0.1:5432, broker {args.broker}")
        worker_counts = [int(w) for w in args.workers.split(",")]
        for apis in (int(a) for a in args.apis.split(",") if args.only in {None, "api"}):
            with Topology(apis, worker_counts[0], env, root / f"api{apis}") as topology:
                applicant = login(topology.base, applicant_email)
                filings, searches = measure_api(topology.base, applicant, args)
                print(f"{apis} API process(es): {filings}")
                print(f"{apis} API process(es): {searches}")
        for workers in worker_counts if args.only in {None, "workers"} else []:
            with Topology(1, workers, env, root / f"workers{workers}") as topology:
                applicant, examiner = login(topology.base, applicant_email), login(topology.base, examiner_email)
                drained = measure_workers(topology.base, database_url, applicant, examiner, args.jobs)
                print(f"{workers} worker(s): {drained}")
        if args.only in {None, "ingest"}:
            ingest_section(args, env, root)
        if args.vectors:
            subprocess.run([sys.executable, str(REPO / "benchmarks/vector_backends.py"), "--n", "100000"], check=True)
    finally:
        drop_postgres_database(name)


if __name__ == "__main__":
    main()
