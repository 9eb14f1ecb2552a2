"""Parallel ingest: corpus documents planned into chunks, chunks embedded by any number of workers, vectors stored once.

``plan_ingest`` marks each document whose content is not yet planned (a compare-and-set on its row, so two planners
never take the same document) and cuts those documents into chunks of about ``chunk_passages`` passages, writing one
``embed_chunk`` job per chunk in the same transaction (the job table is the outbox; the in-process runner or a
Celery worker runs it). ``run_chunk`` claims a chunk with a lease, embeds the passages not stored yet in steps,
each step committed with its vectors and a renewed lease, and finishes the chunk by marking its documents embedded.
A worker killed mid-chunk loses at most the step it was in: once its lease runs out the chunk is claimed again and
only the passages still missing are embedded. Vectors are keyed by the model and the exact text embedded, so
nothing is stored twice, and an unchanged passage of a changed document is never embedded again. (A passage text
shared by documents of two chunks that run at the same moment may be embedded by both workers; it is stored once.)

The search engine of each process then takes the vectors of embedded documents from the store instead of
embedding them (:class:`StoredEmbedder`): embedding, the costly part, runs once and in parallel; indexing in each
process is a lookup. With pgvector the shared index keeps the vector of each passage it holds: such a passage
counts as stored (:data:`HeldTexts`), and ``passage_embeddings`` only carries vectors until they are indexed
(:mod:`ctpo.domain.prior_art.pruning` deletes them then), so each vector is stored once.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from sqlalchemy import exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ctpo.db.models import CorpusDocument, IngestBatch, IngestChunk, PassageEmbedding, utcnow
from ctpo.domain.jobs.follow_ups import EMBED_CHUNK, PRUNE_EMBEDDINGS
from ctpo.domain.jobs.records import JobSpec, schedule
from ctpo.domain.prior_art.corpus import content_sha256, document_of
from ctpo.domain.prior_art.progress import ChunkState, IngestProgress
from search.documents import stable_key
from search.text import embedding_form

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from numpy.typing import NDArray
    from sqlalchemy.orm import Session, sessionmaker

    from search.documents import Document
    from search.interfaces import Embedder

logger = logging.getLogger("ctpo.ingest")

PENDING: Final = "pending"
CLAIMED: Final = "claimed"
DONE: Final = "done"

CHUNK_PASSAGES: Final = 256
"""Passages per chunk: a few seconds to a minute of one worker, so a kill costs little and progress moves."""
STEP: Final = 16
"""Passages embedded per committed step within a chunk: what a killed worker may have to embed again."""
_PLAN_SLICE: Final = 500
PRUNE_LOCK: Final = 0x63_74_70_6F_70_72_75  # "ctpopru"
"""PostgreSQL advisory lock key: the prune's delete (:mod:`ctpo.domain.prior_art.pruning`) holds it, and each
planning transaction holds it shared, so no document is planned while the prune decides what to delete."""


class ChunkRun(enum.StrEnum):
    """What one :func:`run_chunk` call did with its chunk."""

    DONE = "done"
    """Embedded its passages and marked it done."""
    ALREADY = "already"
    """Nothing: it was done before."""
    BUSY = "busy"
    """Nothing: another worker holds it and its lease still runs."""
    LOST = "lost"
    """Stopped: its lease ran out and another worker claimed it (the steps stored so far stay)."""
    MISSING = "missing"
    """Nothing: there is no such chunk."""


RETRIED: Final = frozenset({ChunkRun.BUSY, ChunkRun.LOST})
"""Outcomes after which the chunk job is retried: then done by the holder, or free once its lease ran out."""


class ChunkBusyError(RuntimeError):
    """Another worker holds the chunk's lease; the job is retried and finds it done, or the lease run out."""


class _ClaimLostError(Exception):
    """This worker's lease on a chunk ran out and another worker claimed it."""


HeldTexts = Callable[[Sequence[int]], dict[int, tuple[str, str]]]
"""The shared (pgvector) index's passages under these keys: their text and language (``PgPassageStore.texts``).

A passage held there with the same text and language keeps its vector in the index, which a catch-up reuses: it
needs no row in ``passage_embeddings``, and is not embedded again."""


def held_in_index(docs: Sequence[Document], model: str, held: HeldTexts) -> set[str]:
    """The digests every passage of which is held in the shared index with its text (see :data:`HeldTexts`)."""
    passages = [
        (stable_key(p.id), p.text, doc.lang, passage_digest(model, embedding_form(p.text, doc.lang)))
        for doc in docs
        for p in doc.passages()
    ]
    found: dict[int, tuple[str, str]] = {}
    for lo in range(0, len(passages), _PLAN_SLICE):
        found.update(held([key for key, *_ in passages[lo : lo + _PLAN_SLICE]]))
    kept = {digest for key, text, lang, digest in passages if found.get(key) == (text, lang)}
    return kept - {digest for key, text, lang, digest in passages if found.get(key) != (text, lang)}


def passage_digest(model: str, text: str) -> str:
    """The key of a stored vector: the model's name and the exact text it embedded.

    >>> passage_digest("m", "a") == passage_digest("m", "a") != passage_digest("n", "a")
    True
    """
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


class EmbeddingStore:
    """Passage vectors in the service's database, keyed by :func:`passage_digest`; written once per key."""

    def __init__(self, sessions: sessionmaker[Session], dim: int) -> None:
        self.sessions = sessions
        self.dim = dim

    def known(self, session: Session, digests: Sequence[str]) -> set[str]:
        """Which of these digests are stored."""
        found: set[str] = set()
        for lo in range(0, len(digests), _PLAN_SLICE):
            part = list(digests[lo : lo + _PLAN_SLICE])
            found.update(session.scalars(select(PassageEmbedding.digest).where(PassageEmbedding.digest.in_(part))))
        return found

    def get(self, digests: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """The stored vectors of those digests that are present."""
        found: dict[str, NDArray[np.float32]] = {}
        with self.sessions() as session:
            for lo in range(0, len(digests), _PLAN_SLICE):
                part = list(digests[lo : lo + _PLAN_SLICE])
                rows = session.execute(
                    select(PassageEmbedding.digest, PassageEmbedding.vector).where(PassageEmbedding.digest.in_(part))
                )
                for digest, blob in rows:
                    found[digest] = np.frombuffer(blob, dtype="<f4").copy()
        return found

    def put(
        self, session: Session, vectors: dict[str, NDArray[np.float32]], *, chunk_id: int | None, attempt: int
    ) -> None:
        """Store these vectors in the caller's transaction; a digest stored already is left as it is."""
        if not vectors:
            return
        now = utcnow()
        rows = [
            {
                "digest": digest,
                "vector": np.asarray(vec, dtype="<f4").tobytes(),
                "chunk_id": chunk_id,
                "attempt": attempt,
                "created_at": now,
            }
            for digest, vec in sorted(vectors.items())  # key order: concurrent writers cannot deadlock
        ]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(PassageEmbedding).values(rows).on_conflict_do_nothing(index_elements=["digest"]))


class StoredEmbedder:
    """An :class:`~search.interfaces.Embedder` that takes passage vectors from the store and embeds only the rest.

    The engine of each process indexes documents through it: what a chunk stored is looked up, not embedded again.
    What it must embed (a document indexed outside any chunk) it stores too, for the other processes.
    """

    def __init__(self, inner: Embedder, store: EmbeddingStore) -> None:
        self.inner = inner
        self.store = store
        self.embedded = 0
        """Passages this process embedded itself (not found in the store)."""

    @property
    def dim(self) -> int:
        """The model's vector length."""
        return self.inner.dim

    @property
    def name(self) -> str:
        """The model's name: the saved engine and the index are the model's, whatever the store holds."""
        return self.inner.name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Queries are always embedded."""
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Stored vectors where there are, the model's for the rest (then stored)."""
        digests = [passage_digest(self.inner.name, t) for t in texts]
        found = self.store.get(digests)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [i for i, d in enumerate(digests) if d not in found]
        for i, d in enumerate(digests):
            if d in found:
                out[i] = found[d]
        if missing:
            fresh = self.inner.embed_passages([texts[i] for i in missing]).astype(np.float32)
            out[missing] = fresh
            self.embedded += len(missing)
            with self.store.sessions() as session, session.begin():
                self.store.put(session, {digests[i]: fresh[j] for j, i in enumerate(missing)}, chunk_id=None, attempt=0)
        return out


def _chunks_of(sizes: Iterable[tuple[str, str, int]], target: int) -> list[list[tuple[str, str, int]]]:
    """Consecutive documents grouped until each group holds at least ``target`` passages (the last may hold fewer).

    >>> [[d for d, _, _ in c] for c in _chunks_of([("a", "", 3), ("b", "", 2), ("c", "", 4), ("d", "", 1)], 5)]
    [['a', 'b'], ['c', 'd']]
    """
    chunks: list[list[tuple[str, str, int]]] = []
    current: list[tuple[str, str, int]] = []
    held = 0
    for item in sizes:
        current.append(item)
        held += item[2]
        if held >= target:
            chunks.append(current)
            current, held = [], 0
    if current:
        chunks.append(current)
    return chunks


def plan_ingest(session: Session, *, chunk_passages: int = CHUNK_PASSAGES) -> IngestBatch | None:
    """Put every corpus document whose content is not planned yet into chunks, one job each (caller's transaction).

    A batch that replaces the planned content of a document schedules the prune of the vectors nothing needs any
    more (``prune_passage_embeddings``, :mod:`ctpo.domain.prior_art.pruning`).

    Returns:
        The new batch, or None when nothing was left to plan.
    """
    if session.get_bind().dialect.name == "postgresql":  # SQLite: the transaction's write lock already excludes it
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": PRUNE_LOCK})
    planned, content = CorpusDocument.planned_sha256, CorpusDocument.content_sha256
    replaces = session.scalar(select(exists().where(planned.is_not(None), planned != content)))
    marked = session.execute(
        update(CorpusDocument)
        .where(
            or_(
                CorpusDocument.planned_sha256.is_(None),
                CorpusDocument.planned_sha256 != CorpusDocument.content_sha256,
            )
        )
        .values(planned_sha256=CorpusDocument.content_sha256)
        .returning(CorpusDocument.id, CorpusDocument.content_sha256)
        .execution_options(synchronize_session=False)
    ).all()
    if not marked:
        return None
    digests = dict(sorted((str(i), str(d)) for i, d in marked))
    ids = list(digests)
    sizes: list[tuple[str, str, int]] = []
    for lo in range(0, len(ids), _PLAN_SLICE):
        rows = session.scalars(select(CorpusDocument).where(CorpusDocument.id.in_(ids[lo : lo + _PLAN_SLICE])))
        count = {row.id: len(document_of(row).passages()) for row in rows}
        sizes.extend((i, digests[i], count[i]) for i in ids[lo : lo + _PLAN_SLICE] if i in count)
    groups = _chunks_of(sizes, chunk_passages)
    batch = IngestBatch(documents=len(sizes), chunks=len(groups), passages=sum(n for _, _, n in sizes))
    session.add(batch)
    session.flush()
    chunks = [
        IngestChunk(batch_id=batch.id, documents=[[d, h] for d, h, _ in group], passages=sum(n for *_, n in group))
        for group in groups
    ]
    session.add_all(chunks)
    session.flush()
    now = utcnow()
    for chunk in chunks:
        schedule(session, JobSpec(name=EMBED_CHUNK, key=f"{EMBED_CHUNK}:{chunk.id}", args={"chunk_id": chunk.id}), now)
    if replaces:
        schedule(session, JobSpec(name=PRUNE_EMBEDDINGS, key=f"{PRUNE_EMBEDDINGS}:{batch.id}", args={}), now)
    logger.info("ingest batch %d: %d documents, %d passages, %d chunks", batch.id, *_sizes(batch))
    return batch


def _sizes(batch: IngestBatch) -> tuple[int, int, int]:
    return batch.documents, batch.passages, batch.chunks


def claim(session: Session, chunk_id: int, now: datetime, lease: float) -> int | ChunkRun:
    """Take the chunk for ``lease`` seconds: the claim's attempt number, or ``already``/``busy``/``missing``.

    A chunk is free when pending, or claimed by a worker whose lease ran out (it died, or lost its database).
    """
    chunk = session.get(IngestChunk, chunk_id)
    if chunk is None:
        return ChunkRun.MISSING
    if chunk.status == DONE:
        return ChunkRun.ALREADY
    result = session.execute(
        update(IngestChunk)
        .where(
            IngestChunk.id == chunk_id,
            IngestChunk.attempts == chunk.attempts,
            or_(IngestChunk.status == PENDING, (IngestChunk.status == CLAIMED) & (IngestChunk.lease_until <= now)),
        )
        .values(
            status=CLAIMED,
            attempts=chunk.attempts + 1,
            lease_until=now + timedelta(seconds=lease),
            claimed_at=now,
            started_at=chunk.started_at or now,
        )
        .execution_options(synchronize_session=False)
    )
    return chunk.attempts + 1 if result.rowcount else ChunkRun.BUSY  # type: ignore[attr-defined]


def _renew(session: Session, chunk_id: int, attempt: int, *, now: datetime, lease: float, embedded: int) -> None:
    """Keep the claim for another lease and record the passages stored.

    Raises:
        _ClaimLostError: the lease ran out and another worker claimed the chunk.
    """
    result = session.execute(
        update(IngestChunk)
        .where(IngestChunk.id == chunk_id, IngestChunk.attempts == attempt, IngestChunk.status == CLAIMED)
        .values(lease_until=now + timedelta(seconds=lease), embedded=embedded)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise _ClaimLostError


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    """What :func:`run_chunk` did, and how much of the embedding was its own."""

    status: ChunkRun
    embedded: int = 0
    """Passages this call embedded (not those it found stored)."""


def run_chunk(
    sessions: sessionmaker[Session],
    chunk_id: int,
    embedder: Embedder,
    *,
    lease: float,
    step: int = STEP,
    progress: Callable[[int], None] | None = None,
    held: HeldTexts | None = None,
) -> ChunkOutcome:
    """Claim the chunk, embed its passages not stored yet, store them step by step, and mark its documents embedded.

    Safe to run any number of times and in any number of processes: a done chunk is left alone, a claimed one is
    left to its worker until its lease ends, and stored passages are never embedded again. With ``held`` (pgvector,
    :data:`HeldTexts`), a passage the shared index holds with the same text counts as stored.
    """
    with sessions() as session, session.begin():
        attempt = claim(session, chunk_id, utcnow(), lease)
        if isinstance(attempt, ChunkRun):
            return ChunkOutcome(attempt)
        chunk = session.get_one(IngestChunk, chunk_id)
        planned = [str(d) for d, _ in chunk.documents]
        docs = [document_of(r) for r in session.scalars(select(CorpusDocument).where(CorpusDocument.id.in_(planned)))]
    texts: dict[str, str] = {}
    for doc in docs:
        for passage in doc.passages():
            text = embedding_form(passage.text, doc.lang)
            texts.setdefault(passage_digest(embedder.name, text), text)
    store = EmbeddingStore(sessions, embedder.dim)
    with sessions() as session:
        stored = store.known(session, list(texts))
    if held is not None:
        stored |= held_in_index(docs, embedder.name, held)
    missing = [d for d in texts if d not in stored]
    done, embedded = len(texts) - len(missing), 0
    for lo in range(0, len(missing), step):
        part = missing[lo : lo + step]
        vectors = embedder.embed_passages([texts[d] for d in part]).astype(np.float32)
        try:
            with sessions() as session, session.begin():
                store.put(session, dict(zip(part, vectors, strict=True)), chunk_id=chunk_id, attempt=attempt)
                _renew(session, chunk_id, attempt, now=utcnow(), lease=lease, embedded=done + len(part))
        except _ClaimLostError:  # the step is rolled back: the chunk's new holder stores these itself
            return ChunkOutcome(ChunkRun.LOST, embedded)
        done, embedded = done + len(part), embedded + len(part)
        if progress is not None:
            progress(len(part))
    with sessions() as session, session.begin():
        finished = session.execute(
            update(IngestChunk)
            .where(IngestChunk.id == chunk_id, IngestChunk.attempts == attempt, IngestChunk.status == CLAIMED)
            .values(status=DONE, done_at=utcnow(), embedded=len(texts), lease_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not finished:
            return ChunkOutcome(ChunkRun.LOST, embedded)
        for doc in docs:  # the content embedded now, which may be newer than the one planned
            digest = content_sha256(doc)
            session.execute(
                update(CorpusDocument)
                .where(CorpusDocument.id == doc.id, CorpusDocument.content_sha256 == digest)
                .values(embedded_sha256=digest)
                .execution_options(synchronize_session=False)
            )
    logger.info(
        "chunk %d done at attempt %d: %d passages embedded, %d found stored",
        chunk_id,
        attempt,
        embedded,
        len(texts) - len(missing),
    )
    return ChunkOutcome(ChunkRun.DONE, embedded)


def open_chunks(session: Session, now: datetime) -> list[int]:
    """Chunks a worker could claim now: pending ones, and claimed ones whose lease ran out (oldest first)."""
    query = (
        select(IngestChunk.id)
        .where(or_(IngestChunk.status == PENDING, (IngestChunk.status == CLAIMED) & (IngestChunk.lease_until <= now)))
        .order_by(IngestChunk.id)
    )
    return list(session.scalars(query))


def run_open_chunks(
    sessions: sessionmaker[Session],
    embedder: Embedder,
    *,
    lease: float,
    progress: Callable[[int], None] | None = None,
    held: HeldTexts | None = None,
) -> int:
    """Run every claimable chunk here, one after another (the in-process backend's one worker); chunks done."""
    finished = 0
    while True:
        with sessions() as session:
            ids = open_chunks(session, utcnow())
        ran = [run_chunk(sessions, i, embedder, lease=lease, progress=progress, held=held) for i in ids]
        finished += sum(o.status is ChunkRun.DONE for o in ran)
        if not any(o.status is ChunkRun.DONE for o in ran):
            return finished


def ingest_progress(session: Session, now: datetime) -> IngestProgress | None:
    """Progress of the unfinished batches (all their chunks), else of the last batch; None before any batch."""
    first_open = session.scalar(
        select(IngestChunk.batch_id).where(IngestChunk.status != DONE).order_by(IngestChunk.batch_id).limit(1)
    )
    if first_open is None:
        first_open = session.scalar(select(IngestBatch.id).order_by(IngestBatch.id.desc()).limit(1))
        if first_open is None:
            return None
    rows = session.execute(
        select(IngestChunk.passages, IngestChunk.embedded, IngestChunk.status, IngestChunk.started_at).where(
            IngestChunk.batch_id >= first_open
        )
    )
    return IngestProgress.of((ChunkState(int(p), int(e), s == DONE, started) for p, e, s, started in rows), now=now)


def ingest_job_bodies(
    sessions: sessionmaker[Session],
    embedder: Callable[[], Embedder],
    *,
    lease: float,
    held: Callable[[], HeldTexts | None] = lambda: None,
) -> dict[str, Callable[[str, dict[str, Any]], None]]:
    """The ``embed_chunk`` job body, bound to a database and to this process's model (loaded on first use).

    ``held`` gives the shared index's :data:`HeldTexts` in pgvector mode (None in-process).
    """

    def embed_chunk(_key: str, args: dict[str, Any]) -> None:
        outcome = run_chunk(sessions, int(args["chunk_id"]), embedder(), lease=lease, held=held())
        if outcome.status in RETRIED:
            raise ChunkBusyError(f"chunk {args['chunk_id']} is held by another worker ({outcome.status})")

    return {EMBED_CHUNK: embed_chunk}
