# ruff: noqa: RUF001, RUF100
"""The stateless engine (``search.pg``) on a real PostgreSQL with pgvector: filters in SQL agree with the prior-art
rules, incremental statistics agree with a full recomputation, the refresh job is idempotent, and the engine holds
nothing that grows with the corpus. Small corpora and a model-free embedder keep these fast; the comparison with
the in-process engine under the real model is in ``test_same_results.py``."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest

from search.documents import stable_key
from search.engine import Document, SearchEngine
from search.index import ExactIndex
from search.pg import PgPassageStore, StatelessEngine, filter_condition
from search.prior_art import ApplicationDates, eligible
from search.text import embedding_form
from tests.unit.search.test_engine import HashingEmbedder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from search.index import PgVectorIndex

pytestmark = pytest.mark.postgres

D = date(2020, 6, 1)
DAY = timedelta(days=1)
DATES = [None, D - 400 * DAY, D - 100 * DAY, D - DAY, D, D + DAY, D + 100 * DAY]


@pytest.fixture
def stateless(make_pg_index: Callable[..., PgVectorIndex]) -> Iterator[StatelessEngine]:
    embedder = HashingEmbedder()
    index = make_pg_index(embedder.dim, model_name=embedder.name)
    store = PgPassageStore(index)
    yield StatelessEngine(embedder, index, store)
    store.drop()
    store.close()


def _date_grid() -> list[Document]:
    """Documents over every combination of publication, filing and priority date around D, two languages, IPCs."""
    docs = []
    for n, (published, filed, priority) in enumerate(itertools.product(DATES, DATES[1:], DATES)):
        docs.append(
            Document(
                id=f"G{n}",
                lang=("kk", "tr")[n % 2],
                title=f"soğutma plakası {n}",
                abstract="battery cooling plate",
                publication_date=published,
                filing_date=filed,
                priority_date=priority,
                ipc=[("H01M 10/0525", "A61B 5/145", "H01M 2/10")[n % 3]],
            )
        )
    return docs


def test_sql_filters_return_what_the_prior_art_rules_return(stateless: StatelessEngine) -> None:
    docs = _date_grid()
    stateless.add_documents(docs)
    query = stateless.embedder.embed_queries(["battery cooling plate"])
    applications = [ApplicationDates(D), ApplicationDates(D, D - 100 * DAY), ApplicationDates(D, D + DAY)]
    cases: list[dict[str, object]] = [
        {},
        {"before": D},
        {"languages": ["kk"]},
        {"ipc_prefix": "h01m 10"},
        {"ipc_prefix": "H01M", "languages": ["tr"], "before": D + DAY},
        *({"before": app} for app in applications),
    ]
    for filters in cases:
        want = set(eligible(docs, **filters))  # type: ignore[arg-type]
        where = filter_condition(**filters)  # type: ignore[arg-type]
        semantic = {pid.split("#")[0] for pid, _, _ in stateless.store.semantic(query, 10_000, where)}
        lexical = {h.passage_id.split("#")[0] for h in stateless.store.lexical("battery cooling", 10_000, where)}
        assert semantic == want, filters
        assert lexical == want, filters
    # and the flags of what is returned are the rules' own
    app = ApplicationDates(D, D - 100 * DAY)
    verdicts = eligible(docs, before=app)
    stateless.candidates = 1000  # every admitted passage reaches the ranking
    hits = stateless.search("battery cooling plate", before=app, k=len(docs))
    assert {h.document_id: h.flag for h in hits} == {d: v.flag for d, v in verdicts.items()}


def test_incremental_term_statistics_equal_a_full_recount(stateless: StatelessEngine) -> None:
    docs = _date_grid()[:40]
    for start in range(0, len(docs), 7):  # several writes, a replacement and a removal
        stateless.add_documents(docs[start : start + 7])
    stateless.add_documents([Document(id="G3", lang="tr", title="yeni başlık batarya", publication_date=D)])
    stateless.remove_document("G5")
    store = stateless.store

    def snapshot() -> tuple[dict[str, int], int, float]:
        with store._run(lambda conn: conn.cursor()) as cur:  # noqa: SLF001 - reading the store's own tables
            cur.execute(f"SELECT term, df FROM {store.vectors.table}_terms WHERE df > 0")  # noqa: S608
            df = dict(cur.fetchall())
            cur.execute(f"SELECT passages, total_length FROM {store.vectors.table}_stats")  # noqa: S608
            passages, total = cur.fetchone() or (0, 0)
        return df, int(passages), float(total)

    before = snapshot()
    store.refresh_terms()
    assert snapshot() == before
    assert len(stateless) == len(docs) - 1


def test_ranking_and_hub_scores_match_the_in_process_engine_and_the_refresh_is_idempotent(
    stateless: StatelessEngine,
) -> None:
    docs = [d for d in _date_grid() if d.publication_date is not None][:60]
    in_process = SearchEngine.rebuild(docs, stateless.embedder, ExactIndex(stateless.embedder.dim))
    stateless.add_documents(docs)
    stateless.refresh_statistics()
    in_process.refresh_hubness()
    store = stateless.store
    hubs_first = dict(
        stateless.store._run(
            lambda conn: conn.execute(  # noqa: SLF001
                f"SELECT passage_id, hub FROM {store.vectors.table}_passages"  # noqa: S608
            ).fetchall()
        )
    )
    stateless.refresh_statistics()  # the job run again: same sample, same scores
    hubs_again = dict(
        stateless.store._run(
            lambda conn: conn.execute(  # noqa: SLF001
                f"SELECT passage_id, hub FROM {store.vectors.table}_passages"  # noqa: S608
            ).fetchall()
        )
    )
    assert hubs_again == hubs_first
    # a corpus smaller than the reference sample: both engines' reference is the whole corpus
    expected = {pid: in_process.hubs.scores[in_process.registry.key_of[pid]] for pid in hubs_first}  # type: ignore[union-attr]
    np.testing.assert_allclose([hubs_first[p] for p in expected], list(expected.values()), atol=1e-3)
    for query, filters in [
        ("battery cooling plate", {}),
        ("soğutma plakası 12", {"languages": ["kk"]}),
        ("H01M 10/0525 batarya", {"ipc_prefix": "H01M"}),
        ("plate", {"before": ApplicationDates(D, D - 100 * DAY)}),
    ]:
        want = in_process.search(query, k=10, **filters)  # type: ignore[arg-type]
        got = stateless.search(query, k=10, **filters)  # type: ignore[arg-type]
        assert [h.document_id for h in got] == [h.document_id for h in want], query
        np.testing.assert_allclose([h.score for h in got], [h.score for h in want], atol=1e-3)
        assert [h.matched_terms for h in got] == [h.matched_terms for h in want], query
        assert [h.flag for h in got] == [h.flag for h in want], query


def test_the_engine_holds_nothing_that_grows_with_the_corpus(stateless: StatelessEngine) -> None:
    """Memory the process keeps after adding 12x more documents stays flat; the in-process engine's grows."""

    def retained(engine: object, docs: list[Document]) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            engine.add_documents(docs)  # type: ignore[attr-defined]
            engine.search("battery cooling plate", k=5)  # type: ignore[attr-defined]
            gc.collect()
            return tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()

    docs = [
        Document(id=f"M{n}", lang="tr", title=f"batarya soğutma {n}", abstract=f"plate {n} " * 10, publication_date=D)
        for n in range(130)
    ]
    stateless.add_documents(docs[:10])
    stateless.search("battery", k=5)  # warm: connection, reference sample, statement caches
    in_process = SearchEngine(stateless.embedder, ExactIndex(stateless.embedder.dim))
    in_process.add_documents(docs[:10])
    kept_stateless = retained(stateless, docs[10:])
    kept_in_process = retained(in_process, docs[10:])
    assert kept_in_process > 200_000, (kept_stateless, kept_in_process)  # the registry, lexical index, vectors and hubs
    assert kept_stateless < 50_000, (kept_stateless, kept_in_process)


def test_two_processes_writing_the_same_documents_at_once_leave_one_consistent_copy(
    stateless: StatelessEngine,
) -> None:
    """Two API processes catching up at once write the same documents: no duplicate-key error, no double count."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    other_store = PgPassageStore(stateless.vector_index)
    other = StatelessEngine(stateless.embedder, stateless.vector_index, other_store)
    docs = _date_grid()[:30]
    try:
        with ThreadPoolExecutor(2) as pool:
            for _ in range(3):
                list(pool.map(lambda engine: engine.add_documents(docs), (stateless, other)))
        store = stateless.store
        assert len(stateless) == len(other) == len(docs)
        assert store.passage_count() == sum(len(d.passages()) for d in docs)
        with store._run(lambda conn: conn.cursor()) as cur:  # noqa: SLF001 - reading the store's own tables
            cur.execute(f"SELECT sum(df) FROM {store.vectors.table}_terms")  # noqa: S608
            before = cur.fetchone()
            store.refresh_terms()
            cur.execute(f"SELECT sum(df) FROM {store.vectors.table}_terms")  # noqa: S608
            assert cur.fetchone() == before
    finally:
        other_store.close()


def test_a_replaced_document_is_searched_by_the_vectors_of_its_new_text(stateless: StatelessEngine) -> None:
    """A passage keeps its id (document, section, ordinal) when its document is replaced with another text: the
    vector the table holds under that id is the old text's, and must not be reused for the new one."""
    old = Document(
        id="R1", lang="en", title="battery cooling plate", abstract="liquid cooled battery plate", publication_date=D
    )
    new = Document(
        id="R1", lang="en", title="grain dryer", abstract="solar heated air dries wheat grain", publication_date=D
    )
    stateless.add_documents([old])
    stateless.add_documents([new])
    passages = new.passages()
    keys = np.asarray([stable_key(p.id) for p in passages], dtype=np.int64)
    held = stateless.vector_index.get(keys)
    expected = stateless.embedder.embed_passages([embedding_form(p.text, new.lang) for p in passages])
    for key, want in zip(keys.tolist(), expected, strict=True):
        assert np.allclose(held[key], want, atol=2e-3), "a passage of the new text is searched by the old vector"
    assert stateless.search("solar grain dryer", k=1)[0].document_id == "R1"
