"""Pruning stored passage vectors on a real database: what no passage of the corpus needs goes (an updated
document's old passages, a withdrawn document's, another model's), what a passage needs stays, also when an ingest
runs while the prune decides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import CorpusDocument, JobRecord, PassageEmbedding
from ctpo.domain.jobs.follow_ups import PRUNE_EMBEDDINGS
from ctpo.domain.jobs.registry import all_job_bodies
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import passage_digest, plan_ingest, run_open_chunks
from ctpo.domain.prior_art.pruning import prune_embeddings
from search.engine import Document
from search.text import embedding_form
from tests.unit.search.test_engine import HashingEmbedder

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from sqlalchemy.orm import Session

    from ctpo.lib.settings import Settings

SHARED_CLAIM = "Аккумулятор, катод және электролит бар."
DOCS = [
    Document(
        id=f"KZ2022/{n:06d}",
        lang="kk",
        title=f"Аккумулятор {n}",
        abstract=f"Литий-ионды аккумулятор {n} салқындатылады.",
        claims=[SHARED_CLAIM],  # one text in every document: stored once, needed while any of them has it
        publication_date=date(2022, 5, 1),
    )
    for n in range(3)
]


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(database_url)
    made = sessionmaker(engine, expire_on_commit=False)
    yield made
    engine.dispose()


def _ingest(sessions: sessionmaker[Session], docs: Sequence[Document]) -> None:
    """Load documents and embed them as the workers do (chunks, the model's vectors stored by text)."""
    with sessions() as session, session.begin():
        upsert_documents(session, docs, "test")
        plan_ingest(session)
    run_open_chunks(sessions, HashingEmbedder(), lease=60)


def _needed(docs: Sequence[Document]) -> set[str]:
    return {passage_digest(HashingEmbedder.name, embedding_form(p.text, d.lang)) for d in docs for p in d.passages()}


def _stored(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(PassageEmbedding.digest)))


def test_vectors_no_passage_needs_are_pruned_by_the_job_an_update_schedules(
    sessions: sessionmaker[Session], settings: Settings
):
    _ingest(sessions, DOCS)
    other_model = passage_digest("another-model@torch", embedding_form(DOCS[0].abstract, "kk"))
    with sessions() as session, session.begin():  # the rows of the model used before a change of model
        vector = np.ones(HashingEmbedder.dim, dtype="<f4").tobytes()
        session.add(PassageEmbedding(digest=other_model, vector=vector, chunk_id=None, attempt=0))
    updated = replace(DOCS[0], abstract="Натрий-ионды аккумулятор жаңа.")
    withdrawn = DOCS[2]
    with sessions() as session, session.begin():
        session.execute(delete(CorpusDocument).where(CorpusDocument.id == withdrawn.id))
    _ingest(sessions, [updated])
    current = [updated, DOCS[1]]
    assert _stored(sessions) > _needed(current)

    with sessions() as session:
        jobs = list(session.scalars(select(JobRecord).where(JobRecord.name == PRUNE_EMBEDDINGS)))
    assert len(jobs) == 1, "replacing a document's content did not schedule the prune"
    body = all_job_bodies(settings, sessions, search=lambda: pytest.fail("no engine needed"), embedder=HashingEmbedder)
    body[PRUNE_EMBEDDINGS](jobs[0].key, jobs[0].args)

    assert _stored(sessions) == _needed(current)
    assert passage_digest(HashingEmbedder.name, embedding_form(SHARED_CLAIM, "kk")) in _stored(sessions)
    assert prune_embeddings(sessions, HashingEmbedder.name) == 0, "a second run found more to delete"


def test_a_vector_an_ingest_reuses_while_the_prune_decides_is_kept(sessions: sessionmaker[Session]):
    """The document goes back to its old abstract after the prune listed that abstract's vector as unneeded: the
    chunk finds the vector stored and embeds nothing, so the prune must not delete it."""
    interim = replace(DOCS[0], abstract="Натрий-ионды аккумулятор жаңа.")
    _ingest(sessions, DOCS)
    _ingest(sessions, [interim])
    old_version = _needed(DOCS[:1]) - _needed([interim])
    assert old_version
    embedded_again: list[int] = []

    def ingest_meanwhile() -> None:
        with sessions() as session, session.begin():
            upsert_documents(session, [DOCS[0]], "test")
            plan_ingest(session)
        run_open_chunks(sessions, HashingEmbedder(), lease=60, progress=embedded_again.append)

    pruned = prune_embeddings(sessions, HashingEmbedder.name, on_listed=ingest_meanwhile)
    assert embedded_again == [], "the chunk embedded what was stored"
    assert old_version <= _stored(sessions), "the prune deleted vectors the corpus needs again"
    assert pruned == 0
    assert prune_embeddings(sessions, HashingEmbedder.name) == len(_needed([interim]) - _needed(DOCS))
    assert _stored(sessions) == _needed(DOCS)
