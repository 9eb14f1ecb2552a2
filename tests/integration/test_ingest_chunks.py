"""Parallel ingest on a real database: chunks planned once, a chunk run twice stores each passage once, a claim whose
lease ran out is taken over, and the engine indexes embedded documents from the stored vectors without the model."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import CorpusDocument, IngestChunk, JobRecord, PassageEmbedding, utcnow
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import ChunkRun, claim, ingest_progress, passage_digest, plan_ingest, run_chunk
from ctpo.domain.prior_art.runtime import SearchRuntime
from search.engine import Document
from search.text import embedding_form
from tests.unit.search.test_engine import HashingEmbedder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.orm import Session

DOCS = [
    Document(
        id=f"KZ2020/{n:06d}",
        lang="kk",
        title=f"Аккумулятор {n}",
        abstract=f"Литий-ионды аккумулятор {n} электролит. " * 20,
        claims=[f"Аккумулятор {n}, катод бар."],
        description=f"Батарея {n} корпусы салқындатылады. " * 120,  # no passage shared between documents
        publication_date=date(2020, 5, 1),
    )
    for n in range(6)
]


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(database_url)
    made = sessionmaker(engine, expire_on_commit=False)
    with made() as session, session.begin():
        upsert_documents(session, DOCS, "test")
    yield made
    engine.dispose()


def _passages() -> set[str]:
    name = HashingEmbedder.name
    return {passage_digest(name, embedding_form(p.text, d.lang)) for d in DOCS for p in d.passages()}


def _stored(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(PassageEmbedding.digest)))


def _plan(sessions: sessionmaker[Session], chunk_passages: int) -> list[int]:
    with sessions() as session, session.begin():
        plan_ingest(session, chunk_passages=chunk_passages)
    with sessions() as session:
        return list(session.scalars(select(IngestChunk.id).order_by(IngestChunk.id)))


def test_documents_are_planned_once_with_one_job_per_chunk_and_again_when_changed(sessions: sessionmaker[Session]):
    chunks = _plan(sessions, chunk_passages=8)
    assert len(chunks) > 1
    assert _plan(sessions, chunk_passages=8) == chunks, "planned twice"
    with sessions() as session:
        planned = [d for c in session.scalars(select(IngestChunk)) for d, _ in c.documents]
        jobs = list(session.scalars(select(JobRecord.key).where(JobRecord.name == "embed_chunk")))
    assert sorted(planned) == sorted(d.id for d in DOCS)
    assert sorted(jobs) == sorted(f"embed_chunk:{c}" for c in chunks)
    with sessions() as session, session.begin():
        upsert_documents(session, [replace(DOCS[0], title="Аккумулятор жаңа")], "test")
    assert len(_plan(sessions, chunk_passages=8)) == len(chunks) + 1  # the changed document, alone


def test_a_chunk_run_twice_stores_each_passage_once_and_marks_its_documents_embedded(
    sessions: sessionmaker[Session],
):
    (chunk,) = _plan(sessions, chunk_passages=10_000)
    embedder = HashingEmbedder()
    first = run_chunk(sessions, chunk, embedder, lease=60, step=7)
    assert (first.status, first.embedded) == ("done", len(_passages()))
    calls = embedder.calls
    again = run_chunk(sessions, chunk, embedder, lease=60)
    assert again.status is ChunkRun.ALREADY
    with sessions() as session, session.begin():  # even forced open again, nothing stored is embedded again
        session.execute(update(IngestChunk).values(status="pending"))
    assert run_chunk(sessions, chunk, embedder, lease=60).embedded == 0
    assert embedder.calls == calls
    assert sorted(_stored(sessions)) == sorted(_passages())
    with sessions() as session:
        rows = session.execute(select(CorpusDocument.content_sha256, CorpusDocument.embedded_sha256)).all()
        progress = ingest_progress(session, utcnow())
    assert all(content == embedded for content, embedded in rows)
    assert progress is not None
    assert progress.complete
    assert progress.passages_done == progress.passages


def test_a_claim_whose_lease_ran_out_is_taken_over_and_only_the_rest_is_embedded(sessions: sessionmaker[Session]):
    (chunk,) = _plan(sessions, chunk_passages=10_000)
    with sessions() as session, session.begin():  # a worker claims it, stores some passages, and is killed
        assert claim(session, chunk, utcnow(), 0.5) == 1
    embedder = HashingEmbedder()
    assert run_chunk(sessions, chunk, embedder, lease=60).status is ChunkRun.BUSY  # its lease still runs
    some = sorted(_passages())[:5]
    vectors = embedder.embed_passages(["x"] * len(some))
    with sessions() as session, session.begin():
        session.add_all(
            PassageEmbedding(digest=d, vector=v.tobytes(), chunk_id=chunk, attempt=1)
            for d, v in zip(some, vectors, strict=True)
        )
    time.sleep(0.6)
    taken = run_chunk(sessions, chunk, embedder, lease=60)
    assert (taken.status, taken.embedded) == ("done", len(_passages()) - len(some))
    with sessions() as session:
        attempts = dict(
            session.execute(select(PassageEmbedding.attempt, func.count()).group_by(PassageEmbedding.attempt)).all()
        )
        row = session.get_one(IngestChunk, chunk)
    assert attempts == {1: len(some), 2: len(_passages()) - len(some)}
    assert (row.status, row.attempts, row.embedded) == ("done", 2, len(_passages()))


def test_a_catch_up_on_the_workers_leaves_unembedded_documents_pending_and_indexes_embedded_ones_from_the_store(
    sessions: sessionmaker[Session], tmp_path: Path
):
    """What an API process does when Celery workers embed: ready at once, partial, no model call for passages."""
    embedder = HashingEmbedder()
    api = SearchRuntime(tmp_path / "search", embedder.name, tmp_path, sessions, embed_inline=False, chunk_passages=8)
    api.open(embedder)
    assert api.catch_up() == 0
    assert (api.ready, api.partial, api.pending, api.indexed) == (True, True, len(DOCS), 0)
    with sessions() as session:
        chunks = list(session.scalars(select(IngestChunk.id).order_by(IngestChunk.id)))
    worker = HashingEmbedder()
    run_chunk(sessions, chunks[0], worker, lease=60)  # a worker finishes one chunk
    calls = embedder.calls
    added = api.catch_up()
    assert 0 < added < len(DOCS)
    assert api.pending == len(DOCS) - added
    assert embedder.calls == calls, "the API process embedded passages a worker had stored"
    for chunk in chunks[1:]:
        run_chunk(sessions, chunk, worker, lease=60)
    assert api.catch_up() == len(DOCS) - added
    assert (api.partial, api.indexed) == (False, len(DOCS))
    assert embedder.calls == calls
    assert api.search("аккумулятор электролит", k=1)[0].document_id.startswith("KZ2020/")
    with sessions() as session:
        progress = ingest_progress(session, utcnow() + timedelta(seconds=1))
    assert progress is not None
    assert progress.complete


def test_a_worker_whose_claim_was_taken_over_stores_nothing_more_and_does_not_finish_the_chunk(
    sessions: sessionmaker[Session],
):
    """A worker stalled past its lease (a long GC pause, a lost database) finds its claim gone at its next step."""
    (chunk,) = _plan(sessions, chunk_passages=10_000)

    class Stalling(HashingEmbedder):
        def embed_passages(self, texts: list[str]) -> Any:
            if self.calls == 1:  # while the second step is embedded, the lease runs out and another worker claims
                with sessions() as session, session.begin():
                    session.execute(update(IngestChunk).values(lease_until=utcnow() - timedelta(seconds=1)))
                    assert claim(session, chunk, utcnow(), 60) == 2
            return super().embed_passages(texts)

    outcome = run_chunk(sessions, chunk, Stalling(), lease=60, step=4)
    assert (outcome.status, outcome.embedded) == (ChunkRun.LOST, 4)
    with sessions() as session:
        row = session.get_one(IngestChunk, chunk)
    assert (row.status, row.attempts, row.embedded) == ("claimed", 2, 4)
    assert len(_stored(sessions)) == 4


def test_two_workers_at_once_split_the_chunks_and_embed_every_passage_once(sessions: sessionmaker[Session]):
    """(A passage shared by documents of two chunks run at the same moment may be embedded by both; stored once.)"""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from ctpo.domain.prior_art.ingest import run_open_chunks  # noqa: PLC0415

    chunks = _plan(sessions, chunk_passages=4)
    workers = [HashingEmbedder(), HashingEmbedder()]
    embedded = [0, 0]

    def work(i: int) -> int:
        def count(n: int) -> None:
            embedded[i] += n

        return run_open_chunks(sessions, workers[i], lease=60, progress=count)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(work, range(2)))
    assert sum(done) == len(chunks)
    assert sum(embedded) == len(_passages()), "a passage was embedded twice, or one was left out"
    assert sorted(_stored(sessions)) == sorted(_passages())
    with sessions() as session:
        assert set(session.scalars(select(IngestChunk.status))) == {"done"}
