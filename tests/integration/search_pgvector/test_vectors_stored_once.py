"""pgvector: each passage vector ends up stored once, in the shared index; ``passage_embeddings`` only carries the
workers' vectors until the catch-up has indexed them, and an unchanged passage of an updated document is still
never embedded again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import JobRecord
from ctpo.domain.jobs.follow_ups import PRUNE_EMBEDDINGS
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import plan_ingest, run_open_chunks
from ctpo.domain.prior_art.pruning import prune_embeddings
from ctpo.domain.prior_art.runtime import SearchRuntime, pgvector_factory
from search.documents import stable_key
from search.engine import Document
from search.pg import StatelessEngine
from search.text import embedding_form
from tests.unit.search.test_engine import HashingEmbedder

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

pytestmark = [pytest.mark.postgres]

DOCS = [
    Document(
        id=f"KZ2023/{n:06d}",
        lang="kk",
        title=f"Аккумулятор {n}",
        abstract=f"Литий-ионды аккумулятор {n} электролит.",
        claims=[f"Аккумулятор {n}, катод бар.", f"Аккумулятор {n}, анод бар."],
        publication_date=date(2023, 5, 1),
    )
    for n in range(4)
]


def _rows(url: str, table: str) -> int:
    with psycopg.connect(url.replace("postgresql+asyncpg", "postgresql")) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - our own table names
    return int(row[0]) if row else 0


def test_each_vector_is_stored_once_in_the_shared_index(service_url: str, tmp_path: Path) -> None:
    engine = create_sync_engine(service_url)
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    api_model = HashingEmbedder()
    api = SearchRuntime(
        tmp_path / "api", api_model.name, tmp_path, sessions, pgvector_factory(service_url), embed_inline=False
    )
    api.open(api_model)
    stateless = api._require()
    assert isinstance(stateless, StatelessEngine)
    held = stateless.store.texts
    table = stateless.vector_index.table

    def ingest(docs: list[Document]) -> int:
        """Load, plan and embed as the workers do; the passages the worker embedded."""
        embedded: list[int] = []
        with sessions() as session, session.begin():
            upsert_documents(session, docs, "test")
            plan_ingest(session)
        run_open_chunks(sessions, HashingEmbedder(), lease=60, progress=embedded.append, held=held)
        return sum(embedded)

    def prune_as_scheduled() -> None:
        with sessions() as session:
            keys = list(session.scalars(select(JobRecord.key).where(JobRecord.name == PRUNE_EMBEDDINGS)))
        assert keys, "the catch-up did not schedule the prune"
        prune_embeddings(sessions, api_model.name, held=held)

    passages = sum(len(d.passages()) for d in DOCS)
    assert ingest(DOCS) == passages
    assert _rows(service_url, "passage_embeddings") == passages  # the workers' outbox, until indexed
    assert api.catch_up() == len(DOCS)
    prune_as_scheduled()
    assert _rows(service_url, "passage_embeddings") == 0, "a vector the index holds is also kept in passage_embeddings"
    assert _rows(service_url, table) == passages
    assert api_model.calls == 0, "the API process embedded passages"

    updated = replace(DOCS[0], abstract="Натрий-ионды аккумулятор жаңа.")
    assert ingest([updated]) == 1, "the unchanged passages of the updated document were embedded again"
    assert api.catch_up() == 1
    assert api_model.calls == 0, "the API process embedded passages"
    prune_as_scheduled()
    assert _rows(service_url, "passage_embeddings") == 0
    assert _rows(service_url, table) == passages
    changed = [p for p in updated.passages() if p.text not in {q.text for q in DOCS[0].passages()}]
    assert len(changed) == 1
    want = HashingEmbedder().embed_passages([embedding_form(changed[0].text, "kk")])[0]
    got = stateless.vector_index.get(np.asarray([stable_key(changed[0].id)], dtype=np.int64))
    assert np.allclose(got[stable_key(changed[0].id)], want, atol=2e-3)
    engine.dispose()
