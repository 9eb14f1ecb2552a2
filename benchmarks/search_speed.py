"""Dense-search speed on this machine: query latency with the query embedding, ingest rate, index memory.

Query latency is end to end for one query at a time, as an examiner's search runs: embed the query with the
real model (multilingual-e5-small on CPU), then `HnswIndex.search(k=100)`. The corpus at 10k/100k/1M passages is
synthetic: unit vectors clustered around topic centroids, standing in for embeddings that would take hours to
compute on 2 cores. Ingest rate is real: ~100-word passages through `SearchEngine.add_documents` with the real model.

Usage (figures in benchmarks/README.md, "Search speed"):

    nice -n 10 .venv/bin/python benchmarks/search_speed.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from search.embedder import load_embedder
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


def passage(rng: random.Random, words: int = 100) -> str:
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
    for i in range(100):
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
        "recall_at_10_vs_exact": None if recall is None else round(recall, 3),
        "rss_bytes_per_passage": round(rss_index / n) if exact is None else None,
        "file_bytes_per_passage": round(manifest.size_bytes / n),
        "save_s_with_fsync_and_sha256": round(save_s, 2),
        "load_s_with_sha256": round(load_s, 2),
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
        "ingest_words_per_passage": 100,
        "ingest_s": round(seconds, 1),
        "ingest_passages_per_s": round(embedded / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--ingest-passages", type=int, default=512)
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument("--model", default="bundled:multilingual-e5-small")
    parser.add_argument("--torch-threads", type=int, default=0, help="0 keeps torch's default (one per core)")
    args = parser.parse_args()

    import torch  # noqa: PLC0415 - only to set and report the thread count the figures were taken with

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    t = time.perf_counter()
    embedder = load_embedder(args.model, args.data_dir, device="cpu")
    print(json.dumps({"model": embedder.name, "dim": embedder.dim, "torch_threads": torch.get_num_threads(),
                      "load_s": round(time.perf_counter() - t, 1)}), flush=True)  # fmt: skip
    lat = []
    for i in range(100):
        t = time.perf_counter()
        embedder.embed_queries([QUERIES[i % len(QUERIES)]])
        lat.append(time.perf_counter() - t)
    lat_ms = np.array(lat[5:]) * 1000
    print(json.dumps({"query_embedding_p50_ms": round(float(np.percentile(lat_ms, 50)), 2),
                      "query_embedding_p99_ms": round(float(np.percentile(lat_ms, 99)), 2)}), flush=True)  # fmt: skip
    print(json.dumps(measure_ingest(embedder, args.ingest_passages)), flush=True)
    for n in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(measure_size(n, embedder, QUERIES, args.k)), flush=True)


if __name__ == "__main__":
    main()
