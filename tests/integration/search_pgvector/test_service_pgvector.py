"""The service's search on pgvector: processes share one vector table, so a second process embeds nothing and
every process answers like the in-process index does on the same corpus."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import JobRecord
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.runtime import REFRESH_SEARCH_STATISTICS, SearchRuntime, pgvector_factory
from search.engine import Document

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np
    from numpy.typing import NDArray

    from search.interfaces import Embedder

pytestmark = [pytest.mark.postgres, pytest.mark.model]

CORPUS = [
    Document(
        id="TR2020/000777",
        lang="tr",
        title="Lityum iyon batarya modülü için sıvı soğutma plakası",
        abstract="Batarya hücreleri arasına yerleştirilen alüminyum plakalar sıvı soğutucu kanalına bağlanır.",
        claims=["Hücreler arasında alüminyum soğutma plakaları bulunan lityum iyon batarya modülü."],
        publication_date=date(2020, 6, 1),
    ),
    Document(
        id="KG2019/000031",
        lang="ky",
        title="Буудай данын кургатуучу күн энергиялуу жай",
        abstract="Күн коллектору менен жылытылган аба дандын катмары аркылуу айдалат.",
        claims=["Күн коллектору жана желдеткичи бар дан кургаткыч."],
        publication_date=date(2019, 3, 1),
    ),
    Document(
        id="UZ2021/000512",
        lang="uz",
        title="Paxta tolasini tozalash uchun mashina",
        abstract="Paxta tolasidan chigit va iflosliklarni ajratuvchi arrali jin mashinasi.",
        claims=["Arrali silindr va kolosnikli panjaraga ega paxta tozalash mashinasi."],
        publication_date=date(2021, 9, 1),
    ),
]
QUERIES = ["охлаждение литий-ионной батареи", "solar grain dryer", "cotton gin with saw cylinder"]


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.passages = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def name(self) -> str:
        return self.inner.name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)


def test_processes_share_the_pgvector_table_and_rank_like_the_in_process_index(
    service_url: str, e5_embedder: Embedder, tmp_path: Path
):
    engine = create_sync_engine(service_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        upsert_documents(session, CORPUS, "test")

    def runtime(name: str, embedder: Any, *, pgvector: bool) -> SearchRuntime:
        factory = pgvector_factory(service_url) if pgvector else None
        made = SearchRuntime(tmp_path / name, e5_embedder.name, tmp_path, sessions, factory)
        made.open(embedder)
        made.catch_up()
        return made

    first, second = CountingEmbedder(e5_embedder), CountingEmbedder(e5_embedder)
    api_1 = runtime("api-1", first, pgvector=True)
    api_2 = runtime("api-2", second, pgvector=True)  # another process: its own disk cache, the same table
    local = runtime("local", e5_embedder, pgvector=False)
    assert first.passages > 0
    assert second.passages == 0, "the second process re-embedded what the first had stored"
    assert api_1.stateless
    assert api_2.stateless
    assert not local.stateless

    # the catch-up asked once for the statistics refresh (hub scores, BM25 statistics); the job is idempotent
    with sessions() as session:
        jobs = session.scalars(select(JobRecord.key).where(JobRecord.name == REFRESH_SEARCH_STATISTICS)).all()
    assert len(jobs) == 1, jobs
    api_2.refresh_statistics()
    api_1.refresh_statistics()

    for query in QUERIES:
        expected = [hit.document_id for hit in local.search(query, k=3)]
        assert [hit.document_id for hit in api_1.search(query, k=3)] == expected, query
        assert [hit.document_id for hit in api_2.search(query, k=3)] == expected, query

    api_1.save()  # reopened from its saved state, the pgvector engine still answers without embedding passages
    reopened_embedder = CountingEmbedder(e5_embedder)
    reopened = runtime("api-1", reopened_embedder, pgvector=True)
    assert reopened_embedder.passages == 0
    assert reopened.search(QUERIES[0], k=1)[0].document_id == "TR2020/000777"
    engine.dispose()


def test_pgvector_needs_postgresql():
    with pytest.raises(ValueError, match="PostgreSQL"):
        pgvector_factory("sqlite+aiosqlite:///var/ctpo.sqlite3")
