"""Workflow throughput: transitions/s over HTTP and queue query latency, with 100k applications in PostgreSQL.

Seeds the applications in bulk (rows built by the same workflow code as a filing: first history entry and
publication deadline), starts ``ctpo serve``, then
- times claim/release transitions from concurrent examiners on distinct applications;
- times the same requests against a bare compare-and-set ``UPDATE`` endpoint (:mod:`benchmarks.bare_insert`,
  same processes, same database, in the same run) and prints the ratios;
- times ``GET /offices/{code}/queue`` (plain, filtered by state, by IPC prefix).

    nice -n 10 .venv/bin/python benchmarks/workflow.py --applications 100000 --transitions 2000 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.connections import SpreadClients
from benchmarks.filing import bare_server, wait_until_ready
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import Application, DeadlineRecord, HistoryRecord, IpcClass
from ctpo.domain.examination.store import snapshot_columns
from ctpo.domain.filings.numbering import format_number
from tests.support import (
    PASSWORD,
    create_postgres_database,
    create_user,
    drop_postgres_database,
    live_server,
    unique_name,
)
from workflows import Actor, OfficeCalendar, OfficeCode, Role, open_application
from workflows.deadlines import deadline_to_json

OFFICES = ["TR", "AZ", "KZ", "KG", "UZ"]
IPC = ["H01M 10/613", "B60L 58/26", "H02S 40/10", "A61K 31/00", "G06F 3/01", "D01B 1/00"]


SEEDED_FROM = datetime(2026, 1, 5, 9, tzinfo=UTC)
"""When the first seeded application was received, unless the caller says; one more every 50 a minute."""


def seed(
    database_url: str,
    count: int,
    owner_id: uuid.UUID,
    offices: list[str] = OFFICES,
    *,
    received_from: datetime | None = None,
) -> None:
    """``count`` filed applications spread over ``offices``, with their first history entry, deadline and IPC class,
    written in bulk (the desk benchmark seeds one office's queue with it)."""
    engine = create_sync_engine(database_url)
    calendars = {code: OfficeCalendar(OfficeCode(code)) for code in offices}
    actor = Actor(str(owner_id), Role.APPLICANT)
    rng = random.Random(7)
    start = received_from or SEEDED_FROM
    chunk = 5000
    sequences = dict.fromkeys(offices, 0)
    started = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, count, chunk):
            apps: list[dict[str, Any]] = []
            history: list[dict[str, Any]] = []
            deadlines: list[dict[str, Any]] = []
            ipcs: list[dict[str, Any]] = []
            for i in range(first, min(count, first + chunk)):
                office = offices[i % len(offices)]
                sequences[office] += 1
                received = start + timedelta(minutes=i // 50)
                app_id = uuid.uuid4()
                decision = open_application(
                    str(app_id), OfficeCode(office), actor, received, calendar=calendars[office]
                )
                apps.append(
                    {
                        "id": app_id,
                        "number": format_number(office, 2026, sequences[office]),
                        "receiving_office": office,
                        "filing_year": 2026,
                        "sequence": sequences[office],
                        "filing_date": decision.snapshot.filing_date,
                        "received_at": received,
                        "owner_id": owner_id,
                        "language": rng.choice(["tr", "az", "kk", "ky", "uz", "ru", "en"]),
                        "title": f"Seeded invention {i}",
                        "abstract": "Seeded.",
                        "description": "Seeded for the workflow benchmark.",
                        "content_digest": "0" * 64,
                        "earliest_priority_date": None,
                        **snapshot_columns(decision.snapshot),
                        "created_at": received,
                    }
                )
                entry = decision.history
                history.append(
                    {
                        "application_id": app_id,
                        "seq": 1,
                        "action": "file",
                        "from_state": None,
                        "to_state": "filed",
                        "actor_id": entry.actor_id,
                        "role": "applicant",
                        "actor_office": None,
                        "office": office,
                        "at": received,
                        "reason": None,
                        "payload_digest": entry.payload_digest,
                        "payload": None,
                    }
                )
                deadlines.extend(
                    {
                        "id": uuid.uuid4(),
                        "application_id": app_id,
                        "kind": d.kind.value,
                        "office": office,
                        "due_date": d.due_date,
                        "expires_at": d.expires_at,
                        "on_expiry": d.on_expiry,
                        "data": deadline_to_json(d),
                        "opened_at": received,
                    }
                    for d in decision.opened
                )
                ipcs.append({"application_id": app_id, "symbol": rng.choice(IPC), "position": 0})
            conn.execute(insert(Application), apps)
            conn.execute(insert(HistoryRecord), history)
            conn.execute(insert(DeadlineRecord), deadlines)
            conn.execute(insert(IpcClass), ipcs)
        conn.exec_driver_sql(
            "INSERT INTO application_sequences (office, year, last_value) VALUES "
            + ", ".join(f"('{o}', 2026, {n})" for o, n in sequences.items())
        )
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"seeded {count} applications in {time.perf_counter() - started:.1f} s")


async def _transitions(
    clients: list[httpx.AsyncClient], tokens: list[str], numbers: list[str]
) -> tuple[float, list[float]]:
    """Claim and release each of ``numbers``, one client per concurrent examiner session."""
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for i, number in enumerate(numbers):
        queue.put_nowait((number, tokens[i % len(tokens)]))

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            number, token = queue.get_nowait()
            for action in ("claim", "release"):
                t0 = time.perf_counter()
                r = await http.post(
                    f"/applications/{number}/actions/{action}",
                    json={"payload": {}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise RuntimeError(r.text)

    started = time.perf_counter()
    await asyncio.gather(*(worker(http) for http in clients))
    return time.perf_counter() - started, latencies


async def _warmed_and_timed(
    base: str, tokens: list[str], warm_up: list[str], numbers: list[str], args: argparse.Namespace
) -> tuple[float, list[float]]:
    """Clients spread evenly over the server's processes (:mod:`benchmarks.connections`), a warm-up, the timed run."""
    spread = SpreadClients(
        lambda: httpx.AsyncClient(base_url=base, timeout=60),
        lambda http: http.get("/health"),  # a 404 on the bare server: either opens the connection
        args.workers,
    )
    await spread.connect(args.concurrency)
    try:
        await _transitions(spread.clients, tokens, warm_up)
        return await _transitions(spread.clients, tokens, numbers)
    finally:
        await spread.close()


WARM_UP_PAIRS = 100
"""Claim/release pairs sent to each server, on files the timed run does not touch, before it is timed."""


def _p99(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.99) - 1)]


def _pcts(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[max(0, int(len(values) * 0.99) - 1)] * 1000
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transitions", type=int, default=2000, help="claim+release pairs count as 2 each")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-queries", type=int, default=200)
    args = parser.parse_args()

    name = unique_name("ctpo_wfbench")
    url = create_postgres_database(name)
    try:
        upgrade(url)
        owner = create_user(url, "applicant")
        examiners = [create_user(url, "examiner", "KZ") for _ in range(args.concurrency)]
        # received over the last hours, so that no deadline (a fee's month included) falls due while the benchmark
        # runs: on files seeded in January the service's sweep acted on the very files the timed transitions claimed
        # (409 conflicts, and CPU the bare server never spends)
        recently = datetime.now(UTC) - timedelta(minutes=args.applications // 50 + 60)
        seed(url, args.applications, owner.id, received_from=recently)
        with tempfile.TemporaryDirectory() as tmp:
            env = {"CTPO_DATABASE_URL": url, "CTPO_DATA_DIR": tmp, "CTPO_SECRET_KEY": "w" * 40}
            with live_server(env, workers=args.workers) as base:
                tokens = [
                    httpx.post(f"{base}/auth/login", json={"email": e.email, "password": PASSWORD}).json()[
                        "access_token"
                    ]
                    for e in examiners
                ]
                kz_count = args.applications // len(OFFICES)
                pairs = min(args.transitions // 2, kz_count - WARM_UP_PAIRS)
                drawn = random.Random(1).sample(range(1, kz_count + 1), pairs + WARM_UP_PAIRS)
                warm_up = [format_number("KZ", 2026, n) for n in drawn[:WARM_UP_PAIRS]]
                numbers = [format_number("KZ", 2026, n) for n in drawn[WARM_UP_PAIRS:]]
                # as benchmarks/filing.py: not before every process has loaded its model and caught up, and after a
                # warm-up on other files (connections, statement caches), as the bare server gets below
                wait_until_ready(base, args.workers)
                elapsed, latencies = asyncio.run(_warmed_and_timed(base, tokens, warm_up, numbers, args))
                print(
                    f"transitions: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.1f}/s  "
                    f"{_pcts(latencies)}  (claim/release over HTTP, {args.concurrency} clients, "
                    f"{args.workers} API processes)"
                )
                with bare_server(url, args.workers) as bare:
                    bare_elapsed, bare_latencies = asyncio.run(_warmed_and_timed(bare, tokens, warm_up, numbers, args))
                print(
                    f"bare CAS:    {len(bare_latencies)} in {bare_elapsed:.1f} s = "
                    f"{len(bare_latencies) / bare_elapsed:.1f}/s  {_pcts(bare_latencies)}"
                )
                print(
                    f"ratio:       throughput {(len(latencies) / elapsed) / (len(bare_latencies) / bare_elapsed):.2f}x "
                    f"bare   p99 {_p99(latencies) / _p99(bare_latencies):.2f}x bare"
                )
                headers = {"Authorization": f"Bearer {tokens[0]}"}
                for label, params in (
                    ("queue", {}),
                    ("queue state=filed", {"state": "filed"}),
                    ("queue ipc=H01M", {"ipc": "H01M"}),
                ):
                    times = []
                    for _ in range(args.queue_queries):
                        t0 = time.perf_counter()
                        r = httpx.get(f"{base}/offices/KZ/queue", params={**params, "limit": 50}, headers=headers)
                        times.append(time.perf_counter() - t0)
                        assert r.status_code == 200, r.text
                    print(f"{label:<20} ({kz_count} KZ applications, page of 50): {_pcts(times)}")
    finally:
        drop_postgres_database(name)


if __name__ == "__main__":
    main()
