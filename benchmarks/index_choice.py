"""Measure hnswlib, usearch and faiss-cpu HNSW on the figures that decide the in-process vector index.

Each library runs in its own subprocess so its resident-memory growth is its own. All use the same graph
parameters (M=16, efConstruction=128, ef=128) and 384-dim unit vectors, the size of multilingual-e5-small.

Usage (the figures in benchmarks/README.md "Vector index choice" come from these):

    nice -n 10 .venv/bin/python benchmarks/index_choice.py --n 100000
    nice -n 10 .venv/bin/python benchmarks/index_choice.py --n 1000000 --queries 300

Needs `pip install hnswlib faiss-cpu` besides usearch; they are measurement-only, not project dependencies.
"""

# Each child imports only the library it measures, so its memory figure is its own: imports stay local.
# ruff: noqa: PLC0415
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
M = 16
EF_CONSTRUCTION = 128
EF_SEARCH = 128
EF_SWEEP = (128, 256, 512)
K = 100
THREADS = 2
LIBS = ("hnswlib", "usearch", "usearch-f16", "usearch-i8", "faiss")


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def make_data(n: int, n_queries: int, kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        base = rng.standard_normal((n, DIM), dtype=np.float32)
        queries = rng.standard_normal((n_queries, DIM), dtype=np.float32)
    else:  # clustered: closer to real embeddings, which live near topic centroids
        centers = rng.standard_normal((max(16, n // 1000), DIM), dtype=np.float32)
        base = centers[rng.integers(0, len(centers), n)] + 0.7 * rng.standard_normal((n, DIM), dtype=np.float32)
        queries = centers[rng.integers(0, len(centers), n_queries)]
        queries += 0.7 * rng.standard_normal((n_queries, DIM), dtype=np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return base, queries


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((len(queries), k), dtype=np.int64)
    for lo in range(0, len(queries), 64):
        scores = queries[lo : lo + 64] @ base.T
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        out[lo : lo + 64] = np.take_along_axis(part, order, axis=1)
    return out


class Adapter:
    """The operations measured, one subclass per library."""

    def build(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        raise NotImplementedError

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        raise NotImplementedError

    def remove(self, keys: np.ndarray) -> bool:
        """Return False when the library cannot delete."""
        raise NotImplementedError

    def query(self, q: np.ndarray, k: int) -> np.ndarray:
        raise NotImplementedError

    def set_ef(self, ef: int) -> None:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        raise NotImplementedError

    def load(self, path: Path) -> None:
        raise NotImplementedError


class Hnswlib(Adapter):
    def __init__(self, capacity: int) -> None:
        import hnswlib  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.version = getattr(hnswlib, "__version__", "0.8.0")
        self.capacity = capacity
        self.index: Any = hnswlib.Index(space="ip", dim=DIM)
        self.index.init_index(max_elements=capacity, M=M, ef_construction=EF_CONSTRUCTION, allow_replace_deleted=True)
        self.index.set_num_threads(THREADS)

    def build(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_items(vectors, keys, num_threads=THREADS)
        self.index.set_ef(EF_SEARCH)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_items(vectors, keys, num_threads=THREADS, replace_deleted=True)

    def remove(self, keys: np.ndarray) -> bool:
        for key in keys.tolist():
            self.index.mark_deleted(key)
        return True

    def query(self, q: np.ndarray, k: int) -> np.ndarray:
        labels, _ = self.index.knn_query(q, k=k, num_threads=1)
        return np.asarray(labels, dtype=np.int64)

    def set_ef(self, ef: int) -> None:
        self.index.set_ef(ef)

    def save(self, path: Path) -> None:
        self.index.save_index(str(path))

    def load(self, path: Path) -> None:
        import hnswlib  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.index = hnswlib.Index(space="ip", dim=DIM)
        self.index.load_index(str(path), max_elements=self.capacity, allow_replace_deleted=True)
        self.index.set_ef(EF_SEARCH)
        self.index.set_num_threads(THREADS)


class Usearch(Adapter):
    def __init__(self, capacity: int, dtype: str = "f32") -> None:
        from search.index._usearch import Index, usearch

        self.version = usearch.__version__
        self.dtype = dtype
        self.index: Any = Index(
            ndim=DIM,
            metric="cos",
            dtype=dtype,
            connectivity=M,
            expansion_add=EF_CONSTRUCTION,
            expansion_search=EF_SEARCH,
        )
        del capacity

    def build(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add(keys, vectors, threads=THREADS)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add(keys, vectors, threads=THREADS)

    def remove(self, keys: np.ndarray) -> bool:
        self.index.remove(keys)
        return True

    def query(self, q: np.ndarray, k: int) -> np.ndarray:
        return np.atleast_2d(np.asarray(self.index.search(q, k, threads=1).keys, dtype=np.int64))

    def set_ef(self, ef: int) -> None:
        self.index.expansion_search = ef

    def save(self, path: Path) -> None:
        self.index.save(str(path))

    def load(self, path: Path) -> None:
        self.index.load(str(path))


class Faiss(Adapter):
    def __init__(self, capacity: int) -> None:
        import faiss  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.version = faiss.__version__
        faiss.omp_set_num_threads(THREADS)
        hnsw = faiss.IndexHNSWFlat(DIM, M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = EF_CONSTRUCTION
        hnsw.hnsw.efSearch = EF_SEARCH
        self.index: Any = faiss.IndexIDMap2(hnsw)
        del capacity

    def build(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(vectors, keys)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(vectors, keys)

    def remove(self, keys: np.ndarray) -> bool:
        try:
            self.index.remove_ids(keys)
        except RuntimeError:
            return False
        return True

    def query(self, q: np.ndarray, k: int) -> np.ndarray:
        import faiss  # type: ignore[import-untyped,import-not-found,unused-ignore]

        faiss.omp_set_num_threads(1)
        _, labels = self.index.search(q, k)
        return np.asarray(labels, dtype=np.int64)

    def set_ef(self, ef: int) -> None:
        import faiss  # type: ignore[import-untyped,import-not-found,unused-ignore]

        hnsw: Any = faiss.downcast_index(self.index.index)
        hnsw.hnsw.efSearch = ef

    def save(self, path: Path) -> None:
        import faiss  # type: ignore[import-untyped,import-not-found,unused-ignore]

        faiss.write_index(self.index, str(path))

    def load(self, path: Path) -> None:
        import faiss  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.index = faiss.read_index(str(path))
        hnsw: Any = faiss.downcast_index(self.index.index)
        hnsw.hnsw.efSearch = EF_SEARCH


def make_adapter(lib: str, capacity: int) -> Adapter:
    if lib == "hnswlib":
        return Hnswlib(capacity)
    if lib == "usearch":
        return Usearch(capacity)
    if lib == "usearch-f16":
        return Usearch(capacity, dtype="f16")
    if lib == "usearch-i8":
        return Usearch(capacity, dtype="i8")
    return Faiss(capacity)


def measure(lib: str, workdir: Path) -> dict[str, Any]:
    """Run in the child: every figure for one library."""
    base = np.load(workdir / "base.npy")
    queries = np.load(workdir / "queries.npy")
    truth = np.load(workdir / "truth.npy")
    n = len(base)
    extra = max(1, n // 100)
    head_keys = np.arange(n - extra, dtype=np.int64)
    tail_keys = np.arange(n - extra, n, dtype=np.int64)
    adapter = make_adapter(lib, n)
    rss0 = rss_bytes()

    t0 = time.perf_counter()
    adapter.build(head_keys, base[: n - extra])
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    adapter.add(tail_keys, base[n - extra :])
    add_s = time.perf_counter() - t0
    rss_per_vector = (rss_bytes() - rss0) / n

    by_ef = {}
    for ef in EF_SWEEP:
        adapter.set_ef(ef)
        latencies = []
        hits = 0
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            labels = adapter.query(q.reshape(1, -1), K)
            latencies.append(time.perf_counter() - t0)
            hits += len(set(labels[0, :10].tolist()) & set(truth[i, :10].tolist()))
        lat = np.array(latencies) * 1000
        by_ef[ef] = (
            f"p50={np.percentile(lat, 50):.2f}ms p99={np.percentile(lat, 99):.2f}ms "
            f"recall@10={hits / (10 * len(queries)):.3f}"
        )
    adapter.set_ef(EF_SEARCH)

    before = adapter.query(queries[:20], K)
    path = workdir / f"{lib}.index"
    t0 = time.perf_counter()
    adapter.save(path)
    save_s = time.perf_counter() - t0
    file_bytes = path.stat().st_size
    t0 = time.perf_counter()
    adapter.load(path)
    load_s = time.perf_counter() - t0
    reload_ok = bool((adapter.query(queries[:20], K) == before).all())
    path.unlink()

    gone = truth[:20, 0]
    removed = adapter.remove(gone)
    leaked = False
    if removed:
        for i in range(20):
            leaked |= bool(np.isin(adapter.query(queries[i : i + 1], 10), gone).any())

    return {
        "lib": lib,
        "version": getattr(adapter, "version", "?"),
        "n": n,
        "build_s": round(build_s, 1),
        "build_vec_per_s": round((n - extra) / build_s),
        "add_vec_per_s": round(extra / add_s),
        **{f"ef={ef}": v for ef, v in by_ef.items()},
        "rss_bytes_per_vector": round(rss_per_vector),
        "file_bytes_per_vector": round(file_bytes / n),
        "save_s": round(save_s, 2),
        "load_s": round(load_s, 2),
        "reload_ok": reload_ok,
        "delete": ("yes" if not leaked else "LEAKS") if removed else "no",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--data", choices=("uniform", "clustered"), default="uniform")
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.child, Path(args.workdir))))
        return

    with tempfile.TemporaryDirectory(prefix="index_choice_") as tmp:
        workdir = Path(tmp)
        t0 = time.perf_counter()
        base, queries = make_data(args.n, args.queries, args.data)
        truth = exact_top(base, queries, 10)
        np.save(workdir / "base.npy", base)
        np.save(workdir / "queries.npy", queries)
        np.save(workdir / "truth.npy", truth)
        del base
        print(
            f"# n={args.n} dim={DIM} data={args.data} queries={args.queries} k={K} M={M} "
            f"efC={EF_CONSTRUCTION} ef={EF_SEARCH} threads(build)={THREADS} "
            f"(data+truth {time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
        for lib in args.libs.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", lib, "--workdir", tmp],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(json.dumps({"lib": lib, "error": proc.stderr.strip().splitlines()[-1:]}), flush=True)
                continue
            print(proc.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
