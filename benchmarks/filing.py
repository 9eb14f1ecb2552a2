"""Filing throughput: start ``ctpo serve``, file N applications over HTTP from concurrent clients.

Prints filings/s and p50/p99 latency on SQLite and on PostgreSQL (the local server, a scratch database).

    .venv/bin/python benchmarks/filing.py --n 2000 --concurrency 32 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctpo.db.migrate import upgrade
from tests.support import (
    PASSWORD,
    application_payload,
    create_postgres_database,
    create_user,
    drop_postgres_database,
    live_server,
    unique_name,
)


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


def bench(label: str, database_url: str, data_dir: str, args: argparse.Namespace) -> None:
    upgrade(database_url)
    user = create_user(database_url, "applicant")
    env = {"CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": data_dir, "CTPO_SECRET_KEY": "b" * 40}
    with live_server(env, workers=args.workers) as base:
        token = httpx.post(f"{base}/auth/login", json={"email": user.email, "password": PASSWORD}).json()[
            "access_token"
        ]
        asyncio.run(_run(base, token, min(200, args.n), args.concurrency))  # warm-up: connections, caches
        elapsed, latencies, errors = asyncio.run(_run(base, token, args.n, args.concurrency))
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{label:<10} workers={args.workers} n={args.n} concurrency={args.concurrency}: "
        f"{args.n / elapsed:7.1f} filings/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {len(errors)}"
    )
    for error in errors[:3]:
        print("   ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="filings to time (after 200 warm-up filings)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
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
