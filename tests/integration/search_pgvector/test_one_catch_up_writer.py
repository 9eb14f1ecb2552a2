"""API replicas sharing one pgvector index: only one of them writes it at a time; the others wait to be ready.

Two runtimes, each on its own database engine (as two API processes), catch up with one corpus. The first is held
in the middle of its catch-up; meanwhile the second must write nothing to the shared index and must not call
itself ready (the index does not hold the corpus yet). Once the first is done, the second becomes ready from what
the first wrote, without writing anything itself.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art import runtime as runtime_module
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import plan_ingest, run_open_chunks
from ctpo.domain.prior_art.runtime import SearchRuntime, pgvector_factory
from search.engine import Document
from tests.unit.search.test_engine import HashingEmbedder

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

pytestmark = [pytest.mark.postgres]

DOCS = [
    Document(
        id=f"KZ2021/{n:06d}",
        lang="kk",
        title=f"Аккумулятор {n}",
        abstract=f"Литий-ионды аккумулятор {n} электролит катод.",
        claims=[f"Аккумулятор {n}, катод бар."],
        publication_date=date(2021, 5, 1),
    )
    for n in range(6)
]


def _held_documents(url: str, table: str) -> int:
    with psycopg.connect(url.replace("postgresql+asyncpg", "postgresql")) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}_documents").fetchone()  # noqa: S608 - our own table name
    return int(row[0]) if row else 0


def test_only_one_replica_writes_the_shared_index_and_both_become_ready(
    service_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "BATCH", 2)  # several steps, so the first replica can be held between two
    engines = [create_sync_engine(service_url) for _ in range(2)]
    makers: list[sessionmaker[Session]] = [sessionmaker(e, expire_on_commit=False) for e in engines]
    with makers[0]() as session, session.begin():
        upsert_documents(session, DOCS, "test")
        plan_ingest(session)
    run_open_chunks(makers[0], HashingEmbedder(), lease=60)  # the workers' part: every document embedded

    embedders = [HashingEmbedder(), HashingEmbedder()]
    replicas = []
    for i, maker in enumerate(makers):
        made = SearchRuntime(
            tmp_path / f"api-{i}",
            embedders[i].name,
            tmp_path,
            maker,
            pgvector_factory(service_url),
            embed_inline=False,
        )
        made.open(embedders[i])
        replicas.append(made)
    first, second = replicas
    table = first._require().vector_index.table  # type: ignore[union-attr]

    paused, go = threading.Event(), threading.Event()

    def hold(done: int, _total: int) -> None:
        if done == 2:
            paused.set()
            assert go.wait(60)

    added: list[int] = []
    writer = threading.Thread(target=lambda: added.append(first.catch_up(hold)))
    writer.start()
    try:
        assert paused.wait(60), "the first replica never got to its first step"
        assert _held_documents(service_url, table) == 2
        assert second.catch_up() == 0, "the second replica wrote the shared index while the first was writing it"
        assert _held_documents(service_url, table) == 2
        assert not second.ready, "ready while the shared index holds 2 of 6 documents"
        assert second.pending == len(DOCS) - 2
    finally:
        go.set()
        writer.join(60)
    assert added == [len(DOCS)]
    assert first.ready
    assert second.catch_up() == 0
    assert (second.ready, second.partial, second.indexed) == (True, False, len(DOCS))
    assert embedders[1].calls == 0, "the observing replica embedded passages"
    assert second.search("аккумулятор электролит", k=1)[0].document_id.startswith("KZ2021/")
    for engine in engines:
        engine.dispose()
