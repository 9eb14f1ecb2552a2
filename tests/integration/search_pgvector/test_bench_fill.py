"""``benchmarks/search_speed.py --modes`` writes the store of a corpus whose vectors it bulk-loaded: not them again.

Through the plain index, ``StatelessEngine.add_documents`` upserted every vector once more, a graph insert per row
into the full HNSW graph: most of the fill's time at 20k passages, and hours at the 1M the benchmark is for.
"""

from __future__ import annotations

import psycopg

from benchmarks.search_speed import WORDS_DEFAULT, fill_stateless, fill_vectors
from search.index import drop_table
from search.pg import PgPassageStore


def test_the_stateless_fill_leaves_the_bulk_loaded_vectors_in_place(pgvector_url: str) -> None:
    n, table = 40, "bench_40"
    query = "SELECT key, ctid::text FROM bench_40 ORDER BY key"  # an update moves a row to a new ctid
    index, _ = fill_vectors(n, pgvector_url, WORDS_DEFAULT, "64MB")
    try:
        with psycopg.connect(pgvector_url) as conn:
            before = conn.execute(query).fetchall()
        _, stateless, times = fill_stateless(n, pgvector_url, WORDS_DEFAULT, "64MB")
        with psycopg.connect(pgvector_url) as conn:
            after = conn.execute(query).fetchall()
        assert "stateless_write_s" in times  # the store was written now, not reused
        assert stateless.store.passage_count() == n
        assert len(before) == n
        assert after == before
    finally:
        PgPassageStore(index).drop()
        drop_table(pgvector_url, table)
