"""Filing throughput against a bare insert: the same load on ``ctpo serve`` and on a bare Litestar endpoint.

For SQLite and PostgreSQL (the local server, a scratch database) it starts ``ctpo serve`` and files N applications
over HTTP from concurrent clients, then starts :mod:`benchmarks.bare_insert` (the same stack inserting the same JSON
and committing, nothing else) with the same number of processes on the same database and sends it the same load.
It prints both, and the ratios: throughput filing/bare and p99 filing/bare. Only ratios compare between runs on a
shared machine; run it niced (``nice -n 10``) when others work.

    nice -n 10 .venv/bin/python benchmarks/filing.py --n 2000 --concurrency 32 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine

from benchmarks.bare_insert import METADATA
from ctpo.cli import WORKER_HEALTHCHECK_SECONDS
from ctpo.db.engine import sync_url
from ctpo.db.migrate import upgrade
from tests.support import (
    PASSWORD,
    REPO,
    application_payload,
    create_postgres_database,
    create_user,
    drop_postgres_database,
    free_port,
    live_server,
    unique_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


async def _client(base: str, token: str, jobs: asyncio.Queue[int], latencies: list[float], errors: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while True:
            try:
                i = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            response = await http.post("/applications", json=application_payload(title=f"Bench {i}"), headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                errors.append(f"{response.status_code} {response.text[:200]}")


async def _run(base: str, token: str, n: int, concurrency: int) -> tuple[float, list[float], list[str]]:
    jobs: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        jobs.put_nowait(i)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(*(_client(base, token, jobs, latencies, errors) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors


@dataclass(frozen=True, slots=True)
class Timing:
    """One timed load: throughput and latency percentiles."""

    per_second: float
    p50_ms: float
    p99_ms: float
    errors: list[str]


def _timed(base: str, token: str, args: argparse.Namespace) -> Timing:
    asyncio.run(_run(base, token, min(200, args.n), args.concurrency))  # warm-up: connections, caches
    elapsed, latencies, errors = asyncio.run(_run(base, token, args.n, args.concurrency))
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return Timing(args.n / elapsed, statistics.median(latencies) * 1000, p99, errors)


@contextmanager
def bare_server(database_url: str, workers: int) -> Iterator[str]:
    """:mod:`benchmarks.bare_insert` under uvicorn with ``workers`` processes; yields its base URL."""
    engine = create_engine(sync_url(database_url))
    METADATA.create_all(engine)
    engine.dispose()
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.bare_insert:app", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    command += ["--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_SECONDS)]  # as ``ctpo serve``
    env = {**os.environ, "CTPO_DATABASE_URL": database_url}
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(f"{base}/auth/login", json={}, timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("bare server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _line(label: str, timing: Timing) -> str:
    return (
        f"  {label:<8} {timing.per_second:7.1f} /s  p50 {timing.p50_ms:6.1f} ms  p99 {timing.p99_ms:6.1f} ms"
        f"  errors {len(timing.errors)}"
    )


def wait_until_ready(base: str, processes: int, timeout: float = 600) -> None:
    """Until every API process answers ``/health/ready``: its search engine loaded and caught up.

    Timing from ``/health`` alone measured the processes' start-up too (loading the embedding model and the first
    catch-up, CPU in both processes for tens of seconds on a loaded machine), which the bare server never does.
    """
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while in_a_row < 5 * processes:  # consecutive answers: the requests are spread over the processes
        ok = httpx.get(f"{base}/health/ready", timeout=30).status_code == 200
        in_a_row = in_a_row + 1 if ok else 0
        if not ok:
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not become ready")
            time.sleep(1)


def bench(label: str, database_url: str, data_dir: str, args: argparse.Namespace) -> None:
    upgrade(database_url)
    user = create_user(database_url, "applicant")
    env = {"CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": data_dir, "CTPO_SECRET_KEY": "b" * 40}
    with live_server(env, workers=args.workers) as base:
        wait_until_ready(base, args.workers)
        login = {"email": user.email, "password": PASSWORD}
        token = httpx.post(f"{base}/auth/login", json=login).json()["access_token"]
        filing = _timed(base, token, args)
    with bare_server(database_url, args.workers) as base:
        bare = _timed(base, "bare", args)
    print(f"{label} workers={args.workers} n={args.n} concurrency={args.concurrency}")
    print(_line("filing", filing))
    print(_line("bare", bare))
    print(
        f"  ratio    throughput {filing.per_second / bare.per_second:.2f}x bare (aim >= 0.5)   "
        f"p99 {filing.p99_ms / bare.p99_ms:.2f}x bare (aim < 3)"
    )
    for error in (filing.errors + bare.errors)[:3]:
        print("   ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="filings to time (after 200 warm-up filings)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would load the load generator
    with tempfile.TemporaryDirectory() as tmp:
        if args.db in {"sqlite", "both"}:
            bench("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", tmp, args)
        if args.db in {"postgres", "both"}:
            name = unique_name("ctpo_bench")
            url = create_postgres_database(name)
            try:
                bench("PostgreSQL", url, tmp, args)
            finally:
                drop_postgres_database(name)


if __name__ == "__main__":
    main()
