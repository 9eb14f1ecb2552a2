"""Filing throughput against a bare insert: the same load on ``ctpo serve`` and on a bare Litestar endpoint.

For SQLite and PostgreSQL (the local server, a scratch database) it starts ``ctpo serve`` and
:mod:`benchmarks.bare_insert` (the same stack inserting the same JSON and committing, nothing else) side by side,
with the same number of processes on the same database, and files N applications over HTTP from concurrent clients
to each. The N are sent in rounds that alternate between the two (filing then bare, bare then filing, …), so that a
change in the machine's speed while it runs (a shared machine's neighbours come and go) weighs on both alike; timed
one after the other, the ratio moved from 0.40x to 0.71x between two runs of the same code. It prints both, and the
ratios: throughput filing/bare over all rounds (with the spread of the rounds' own ratios) and p99 filing/bare.
Only ratios compare between runs on a shared machine; run it niced (``nice -n 10``) when others work.

    nice -n 10 .venv/bin/python benchmarks/filing.py --n 3000 --concurrency 32 --workers 2 --db postgres
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine

from benchmarks.bare_insert import METADATA
from benchmarks.connections import SpreadClients, drive
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


async def _file(http: httpx.AsyncClient, i: int) -> str | None:
    response = await http.post("/applications", json=application_payload(title=f"Bench {i}"))
    return None if response.status_code == 201 else f"{response.status_code} {response.text[:200]}"


@dataclass(frozen=True, slots=True)
class Timing:
    """One timed load: throughput and latency percentiles."""

    per_second: float
    p50_ms: float
    p99_ms: float
    errors: list[str]


@dataclass
class Load:
    """One side (the service or the bare server): its clients, and what they were sent, summed over the rounds.

    The clients and their connections are made once, before anything is timed: made afresh for each round, their
    set-up (an ``httpx`` client builds an SSL context) cost the load generator, on the same cores, a fixed time per
    round that weighed most on the side whose rounds were shortest, the bare server's.
    """

    spread: SpreadClients
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    throughputs: list[float] = field(default_factory=list)
    """Each round's filings per second."""

    async def send(self, n: int) -> None:
        """File ``n`` applications, timed, after spreading the clients again (untimed)."""
        await self.spread.respread()
        elapsed, latencies, errors = await drive(self.spread.clients, n, _file)
        self.elapsed += elapsed
        self.latencies += latencies
        self.errors += errors
        self.throughputs.append(n / elapsed)

    def timing(self) -> Timing:
        """Throughput and percentiles over every round."""
        ordered = sorted(self.latencies)
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
        return Timing(len(ordered) / self.elapsed, statistics.median(ordered) * 1000, p99, self.errors)


def _spread(base: str, token: str, processes: int) -> SpreadClients:
    headers = {"Authorization": f"Bearer {token}"}
    return SpreadClients(lambda: httpx.AsyncClient(base_url=base, headers=headers, timeout=60), _probe, processes)


async def _probe(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/health")  # the service's liveness; a 404 on the bare server: either opens a connection


async def _alternating(filing_base: str, bare_base: str, token: str, args: argparse.Namespace) -> tuple[Load, Load]:
    """Connect to both, warm both up, then send ``args.n`` to each in ``args.rounds`` rounds that alternate.

    Returns both sides' loads; a round's ratio is the quotient of the two sides' throughputs in it.
    """
    filing, bare = Load(_spread(filing_base, token, args.workers)), Load(_spread(bare_base, "bare", args.workers))
    try:
        for side in (filing, bare):
            await side.spread.connect(args.concurrency)
            await drive(side.spread.clients, min(200, args.n), _file)  # connections, statement caches; not counted
        for round_no in range(args.rounds):
            size = args.n // args.rounds + (1 if round_no < args.n % args.rounds else 0)
            for side in (filing, bare) if round_no % 2 == 0 else (bare, filing):
                await side.send(size)
            filed, inserted = filing.throughputs[-1], bare.throughputs[-1]
            line = f"filing {filed:6.1f} /s  bare {inserted:6.1f} /s  ratio {filed / inserted:.2f}"
            print(f"  round {round_no + 1}: {line}", flush=True)
    finally:
        for side in (filing, bare):
            await side.spread.close()
    return filing, bare


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
    with live_server(env, workers=args.workers) as base, bare_server(database_url, args.workers) as bare_base:
        wait_until_ready(base, args.workers)
        login = {"email": user.email, "password": PASSWORD}
        token = httpx.post(f"{base}/auth/login", json=login).json()["access_token"]
        filing_load, bare_load = asyncio.run(_alternating(base, bare_base, token, args))
    ratios = [f / b for f, b in zip(filing_load.throughputs, bare_load.throughputs, strict=True)]
    filing, bare = filing_load.timing(), bare_load.timing()
    print(f"{label} workers={args.workers} n={args.n} concurrency={args.concurrency} rounds={args.rounds}")
    print(_line("filing", filing))
    print(_line("bare", bare))
    print(
        f"  ratio    throughput {filing.per_second / bare.per_second:.2f}x bare (aim >= 0.5; rounds "
        f"{min(ratios):.2f}-{max(ratios):.2f}, median {statistics.median(ratios):.2f})   "
        f"p99 {filing.p99_ms / bare.p99_ms:.2f}x bare (aim < 3)"
    )
    for error in (filing.errors + bare.errors)[:3]:
        print("   ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="filings to time (after 200 warm-up filings)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds the N are sent in")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.rounds < 2 or args.rounds % 2 or args.rounds > args.n:
        parser.error("--rounds must be even (each server goes first as often), at least 2 and at most --n")
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
