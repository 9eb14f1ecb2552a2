"""The search engine of one process: opened from disk, brought up to date from the corpus table, queried.

On the embedded default each API process holds its engine in memory. The saved copy on disk is only a cache of
the corpus table: when it is missing, corrupt, built with another model or behind, the engine is rebuilt or
caught up from the database, never trusted over it.

With ``CTPO_VECTOR_INDEX=pgvector`` the engine is a :class:`~search.pg.StatelessEngine`: documents, passages,
vectors, lexical statistics and hub scores are tables of the service's PostgreSQL, shared by every process, and
a process holds only the model. Its hub scores and lexical statistics are refreshed by the
``refresh_search_statistics`` job, which a catch-up schedules when the corpus has grown enough. Since that state
is shared, one process at a time writes it: a catch-up first takes a PostgreSQL advisory lock
(:data:`CATCH_UP_LOCK`, held by its connection, so a process that dies lets it go); the other replicas only
compare the shared index with the corpus table, which is what their readiness reports.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import re
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from sqlalchemy import text

from ctpo.db.models import utcnow
from ctpo.domain.jobs.follow_ups import PRUNE_EMBEDDINGS
from ctpo.domain.jobs.records import JobSpec, schedule
from ctpo.domain.prior_art.corpus import (
    corpus_digests,
    corpus_fingerprint,
    load_documents,
    sync_published_applications,
)
from ctpo.domain.prior_art.ingest import (
    CHUNK_PASSAGES,
    EmbeddingStore,
    StoredEmbedder,
    ingest_progress,
    plan_ingest,
    run_open_chunks,
)
from ctpo.lib.settings import TaskBackend, VectorIndexKind
from search.embedder import load_embedder
from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend
from search.engine import SearchEngine
from search.index import HnswIndex, PgVectorIndex
from search.pg import PgPassageStore, StatelessEngine

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import date
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.prior_art.ingest import HeldTexts
    from ctpo.domain.prior_art.progress import IngestProgress
    from ctpo.lib.settings import Settings
    from search.engine import Hit
    from search.interfaces import Embedder, VectorIndex
    from search.prior_art import ApplicationDates

logger = logging.getLogger("ctpo.search")

BATCH = 32
"""Documents embedded per step of a catch-up; searches wait at most one step."""
SAVE_EVERY_SECONDS = 30.0
REFRESH_SEARCH_STATISTICS = "refresh_search_statistics"
"""The job that redraws the hub reference sample and recomputes hub scores and lexical statistics (pgvector)."""

CATCH_UP_LOCK: Final = 0x63_74_70_6F_63_61_75  # "ctpocau"
"""PostgreSQL advisory lock key: held by the one process whose catch-up writes the shared (pgvector) index."""

Engine = SearchEngine | StatelessEngine


class SearchNotReadyError(RuntimeError):
    """The engine is still loading (model, index) or failed to."""


class SearchRuntime:
    """Owns one :class:`SearchEngine`; thread-safe (one lock: the engine is not safe for concurrent mutation)."""

    def __init__(
        self,
        directory: Path,
        model: str,
        model_dir: Path,
        sessions: sessionmaker[Session],
        vector_index: Callable[[Embedder], VectorIndex] | None = None,
        *,
        backend: EmbeddingBackend = DEFAULT_BACKEND,
        embed_inline: bool = True,
        chunk_passages: int = CHUNK_PASSAGES,
        lease_seconds: float = 300.0,
    ) -> None:
        self.directory = directory
        self.embed_inline = embed_inline
        """Whether a catch-up embeds open ingest chunks itself (in-process tasks), or leaves them to the workers."""
        self.chunk_passages = chunk_passages
        self.lease_seconds = lease_seconds
        """How long a claimed ingest chunk is left to its worker (the jobs' lease)."""
        self._embedder: Embedder | None = None
        self._last_progress: IngestProgress | None = None
        self.backend: EmbeddingBackend = backend
        """How the model runs (``CTPO_EMBEDDING_BACKEND``)."""
        self.make_index: Callable[[Embedder], VectorIndex] = vector_index or (lambda embedder: HnswIndex(embedder.dim))
        self.model = model
        self.model_dir = model_dir
        self.sessions = sessions
        self._lock = threading.RLock()
        self._engine: Engine | None = None
        self.error: str | None = None
        self.indexed = 0
        """Documents in the engine."""
        self.pending = 0
        """Documents of the corpus table the engine does not hold yet (while catching up)."""
        self._catching_up = threading.Lock()
        """One catch-up at a time: a second caller (a job, while the loop runs one) waits, then finds it done."""
        self._caught_up_at: tuple[int, str | None] | None = None
        """Corpus fingerprint at the last complete catch-up."""
        self._complete_once = False
        """Whether one catch-up has run to its end since the process started: the corpus as it was is indexed."""

    @property
    def loaded(self) -> bool:
        """Whether queries can be answered at all (the model and the saved engine are open)."""
        return self._engine is not None

    @property
    def ready(self) -> bool:
        """Whether the engine holds the whole corpus as of its first complete catch-up: what readiness reports.

        Documents entering the corpus later (a publication) wait for the next catch-up without making the process
        unready again; searches meanwhile say they are :attr:`partial`.
        """
        return self._engine is not None and self._complete_once

    @property
    def partial(self) -> bool:
        """Whether a search now may miss documents of the corpus table: not caught up once, or some pending."""
        return not self.ready or self.pending > 0

    @contextmanager
    def _disk_lock(self) -> Iterator[None]:
        """Processes sharing the data directory take turns reading and writing the saved engine."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with (self.directory.parent / f".{self.directory.name}.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self, embedder: Embedder | None = None) -> None:
        """Load the model and the saved engine (or start an empty one when there is none usable)."""
        try:
            model = embedder or load_embedder(self.model, self.model_dir, backend=self.backend)
            stored = StoredEmbedder(model, EmbeddingStore(self.sessions, model.dim))
            index = self.make_index(model)
            if isinstance(index, PgVectorIndex):  # the scaled deployment: nothing corpus-sized in this process
                self._set_engine(StatelessEngine(stored, index, PgPassageStore(index)), model)
                return
            with self._disk_lock():
                try:
                    engine: Engine = SearchEngine.load(self.directory, stored, index)
                except (OSError, ValueError, KeyError) as exc:
                    if self.directory.exists():
                        logger.warning("saved search engine unusable (%s); rebuilding from the corpus", exc)
                    engine = SearchEngine(stored, self.make_index(model))
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            raise
        self._set_engine(engine, model)

    def _set_engine(self, engine: Engine, model: Embedder) -> None:
        with self._lock:
            self._embedder = model
            self._engine = engine
            self.indexed = len(engine)
            self._caught_up_at = None  # a freshly opened engine is compared with the table in full

    @property
    def stateless(self) -> bool:
        """Whether the engine keeps its state in PostgreSQL (``CTPO_VECTOR_INDEX=pgvector``)."""
        return isinstance(self._engine, StatelessEngine)

    @property
    def embedder(self) -> Embedder:
        """The model itself (what ingest chunks embed with in this process).

        Raises:
            SearchNotReadyError: the model is not loaded yet.
        """
        if self._embedder is None:
            raise SearchNotReadyError(self.error or "the embedding model is still loading")
        return self._embedder

    def ingest_progress(self) -> IngestProgress | None:
        """Progress, rate and ETA of the unfinished ingest batches (else the last one); None before any."""
        with self.sessions() as session:
            return ingest_progress(session, utcnow())

    @property
    def ingest_summary(self) -> str:
        """``; embedding 3/10 chunks, …`` as of the last catch-up, empty when nothing is being embedded."""
        progress = self._last_progress
        if progress is None or progress.complete:
            return ""
        rate = f", {progress.rate:.1f} passages/s" if progress.rate else ""
        eta = f", about {progress.eta_seconds:.0f} s left" if progress.eta_seconds else ""
        return (
            f"; embedding {progress.chunks_done}/{progress.chunks} chunks,"
            f" {progress.passages_done}/{progress.passages} passages{rate}{eta}"
        )

    def embed_open_chunks(self, progress: Callable[[int], None] | None = None) -> int:
        """Plan what is not planned yet and embed every claimable chunk in this process; chunks done."""
        with self.sessions() as session, session.begin():
            sync_published_applications(session)
            plan_ingest(session, chunk_passages=self.chunk_passages)
        return run_open_chunks(
            self.sessions, self.embedder, lease=self.lease_seconds, progress=progress, held=self._held()
        )

    def _held(self) -> HeldTexts | None:
        """pgvector: the shared index's passages, whose vectors count as stored (see ``run_chunk``)."""
        engine = self._engine
        return engine.store.texts if isinstance(engine, StatelessEngine) else None

    def _require(self) -> Engine:
        if self._engine is None:
            raise SearchNotReadyError(self.error or "the search engine is still loading")
        return self._engine

    def catch_up(self, progress: Callable[[int, int], None] | None = None, *, wait: bool = False) -> int:
        """Make the engine hold exactly the corpus table; returns how many documents this call added or replaced.

        With a shared (pgvector) index, only the process holding :data:`CATCH_UP_LOCK` writes; without ``wait``
        a process that finds it held observes the shared index instead (and returns 0), with ``wait`` it waits
        for the lock and then writes what is left (the ``index`` command).
        """
        with self._catching_up:
            return self._catch_up(progress, wait=wait)

    def _catch_up(self, progress: Callable[[int, int], None] | None, *, wait: bool) -> int:
        engine = self._require()
        if not isinstance(engine, StatelessEngine):
            return self._write_catch_up(engine, progress)
        with self._shared_writer(wait=wait) as writer:
            return self._write_catch_up(engine, progress) if writer else self._observe(engine)

    @contextmanager
    def _shared_writer(self, *, wait: bool) -> Iterator[bool]:
        """Whether this process may write the shared index now: it holds :data:`CATCH_UP_LOCK` until the exit.

        The lock is a session lock on a connection kept for the catch-up (autocommit, so no transaction stays open
        meanwhile) and goes with the connection if the process dies.
        """
        with self.sessions() as session:
            bind = session.get_bind().engine
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            take = "SELECT true FROM pg_advisory_lock(:key)" if wait else "SELECT pg_try_advisory_lock(:key)"
            held = bool(conn.scalar(text(take), {"key": CATCH_UP_LOCK}))
            try:
                yield held
            finally:
                if held:
                    conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": CATCH_UP_LOCK})

    def _observe(self, engine: StatelessEngine) -> int:
        """Another process is writing the shared index: only measure how much of the corpus it holds (writes nothing).

        The process becomes ready once the shared index holds every embedded document of the corpus, as the
        writer's own catch-up would leave it.
        """
        with self.sessions() as session:
            fingerprint = corpus_fingerprint(session)
            self._last_progress = ingest_progress(session, utcnow())
            if fingerprint == self._caught_up_at:  # complete at this corpus already: no scan
                return 0
            corpus = corpus_digests(session)
        held = engine.digests()
        behind = [i for i, (digest, _) in corpus.items() if held.get(i) != digest]
        stale = sum(1 for i in behind if corpus[i][1])
        self.pending = len(behind) + len(held.keys() - corpus.keys())
        self.indexed = len(engine)
        if not stale and held.keys() <= corpus.keys():
            self._caught_up_at = fingerprint
            self._complete_once = True
        return 0

    def _write_catch_up(self, engine: Engine, progress: Callable[[int, int], None] | None) -> int:
        with self.sessions() as session, session.begin():
            sync_published_applications(session)
        with self.sessions() as session:
            if corpus_fingerprint(session) == self._caught_up_at:  # the common case every few seconds: no scan
                self._last_progress = ingest_progress(session, utcnow())
                return 0
        with self.sessions() as session, session.begin():
            plan_ingest(session, chunk_passages=self.chunk_passages)  # the workers' chunks (in-process: ours)
        if self.embed_inline:
            run_open_chunks(self.sessions, self.embedder, lease=self.lease_seconds, held=self._held())
        with self.sessions() as session:
            fingerprint = corpus_fingerprint(session)  # planning and finished chunks change it: read it after them
            corpus = corpus_digests(session)
        with self._lock:
            held_digests = engine.digests()
            held = set(held_digests)
            behind = {i for i, (digest, _) in corpus.items() if held_digests.get(i) != digest}
            stale = sorted(i for i in behind if corpus[i][1])  # embedded: indexed now from the stored vectors
            for removed in held - corpus.keys():
                engine.remove_document(removed)
            self.indexed = len(engine)  # a shared index may have been written by another process meanwhile
        waiting = len(behind) - len(stale)  # still in an ingest chunk; a held older version stays searchable
        self.pending = len(stale) + waiting
        last_save, done = time.monotonic(), 0
        for start in range(0, len(stale), BATCH):
            ids = stale[start : start + BATCH]
            with self.sessions() as session:
                docs = list(load_documents(session, ids))
            with self._lock:
                engine.add_documents(docs)
                self.indexed = len(engine)
            done += len(docs)
            self.pending = len(stale) - done + waiting
            if progress is not None:
                progress(done, len(stale))
            if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                self.save()
                last_save = time.monotonic()
        if stale or len(held - corpus.keys()):
            self.save()
            logger.info("search index caught up: %d documents added or replaced", done)
        self._last_progress = self.ingest_progress()
        if isinstance(engine, StatelessEngine) and (done or not self._complete_once):
            self._schedule_prune(fingerprint)
        self._caught_up_at = fingerprint  # a finished chunk marks its documents embedded: a new fingerprint
        self._complete_once = True
        self._schedule_statistics(engine)
        return done

    def _schedule_prune(self, fingerprint: tuple[int, str | None]) -> None:
        """pgvector: the vectors of the documents just indexed are in the shared index; their rows can go.

        Also after a process's first catch-up, so that rows stored before this rule (or by a killed catch-up) go.
        """
        key = f"{PRUNE_EMBEDDINGS}:indexed:{fingerprint[0]}:{fingerprint[1]}"
        with self.sessions() as session, session.begin():
            schedule(session, JobSpec(name=PRUNE_EMBEDDINGS, key=key, args={}), utcnow())

    def _schedule_statistics(self, engine: Engine) -> None:
        """Schedule the statistics refresh of a stateless engine once its corpus has grown enough (once per size)."""
        if not isinstance(engine, StatelessEngine) or not engine.statistics_due():
            return
        computed_at, generation = engine.store.hub_state()  # each refresh draws a new generation: a new key
        key = f"{REFRESH_SEARCH_STATISTICS}:{generation}:{computed_at}"
        with self.sessions() as session, session.begin():
            schedule(session, JobSpec(name=REFRESH_SEARCH_STATISTICS, key=key, args={}), utcnow())

    def refresh_statistics(self) -> None:
        """Redraw the hub reference sample and recompute hub scores (and, in PostgreSQL, lexical statistics)."""
        engine = self._require()
        with self._lock:
            engine.refresh_hubness()

    def save(self) -> None:
        """Write the engine to disk (atomically; see :meth:`SearchEngine.save`)."""
        engine = self._require()
        with self._lock, self._disk_lock():
            engine.save(self.directory)

    def search(
        self,
        text: str,
        *,
        languages: list[str] | None = None,
        ipc_prefix: str | None = None,
        before: date | ApplicationDates | None = None,
        k: int = 10,
        exclude: str | None = None,
    ) -> list[Hit]:
        """The best published documents for ``text``, within the filters."""
        engine = self._require()
        with self._lock:
            hits = engine.search(text, languages=languages, ipc_prefix=ipc_prefix, before=before, k=k + 1)
        return [h for h in hits if h.document_id != exclude][:k]

    def titles_of(self, document_ids: Sequence[str]) -> dict[str, str]:
        """The titles of those of these documents that are indexed, read at once (one query in pgvector mode)."""
        with self._lock:
            return self._require().titles(document_ids)


def pgvector_factory(database_url: str) -> Callable[[Embedder], VectorIndex]:
    """Vector indexes in the service's PostgreSQL (pgvector), one table per embedding model.

    Raises:
        ValueError: the database is not PostgreSQL.
    """
    if not database_url.startswith("postgresql"):
        raise ValueError("CTPO_VECTOR_INDEX=pgvector needs CTPO_DATABASE_URL to be a PostgreSQL database")

    def make(embedder: Embedder) -> VectorIndex:
        return _pg_index(database_url, embedder)

    return make


def _pg_index(database_url: str, embedder: Embedder) -> PgVectorIndex:
    """The model's table of the shared index."""
    # readable start, and a digest of the whole name: backends of one model differ only at its end
    slug = re.sub(r"[^a-z0-9]+", "_", embedder.name.lower()).strip("_")[:15]
    digest = hashlib.blake2b(embedder.name.encode(), digest_size=4).hexdigest()
    table = f"passage_vectors_{slug}_{digest}"
    return PgVectorIndex(database_url, table=table, dim=embedder.dim, model_name=embedder.name)


def shared_passages(settings: Settings, embedder: Callable[[], Embedder]) -> Callable[[], HeldTexts | None]:
    """pgvector: what the shared index holds (:data:`~ctpo.domain.prior_art.ingest.HeldTexts`), else None.

    For a worker's chunks and prunes; opened on first use, once per process. In-process each process holds its own.
    """
    if settings.search.vector_index is not VectorIndexKind.PGVECTOR:
        return lambda: None
    opened: list[PgPassageStore] = []
    lock = threading.Lock()

    def held() -> HeldTexts:
        with lock:
            if not opened:
                opened.append(PgPassageStore(_pg_index(settings.database_url, embedder())))
        return opened[0].texts

    return held


def runtime_for(settings: Settings, sessions: sessionmaker[Session], *, worker: bool = False) -> SearchRuntime:
    """The search runtime these settings describe (not opened yet).

    Its catch-up embeds open ingest chunks itself in a ``worker`` (before an automated search: claimed like any
    chunk job, in parallel with the other workers) and with in-process tasks; an API process of the scaled
    deployment never runs the model on passages, it indexes what the workers stored.

    Raises:
        ValueError: pgvector asked for on SQLite.
    """
    return SearchRuntime(
        settings.data_dir / "search",
        settings.search.embedding_model,
        settings.search.model_dir,
        sessions,
        pgvector_factory(settings.database_url) if settings.search.vector_index is VectorIndexKind.PGVECTOR else None,
        backend=settings.search.embedding_backend,
        embed_inline=worker or settings.tasks.task_backend is TaskBackend.INPROCESS,
        chunk_passages=settings.search.ingest_chunk_passages,
        lease_seconds=float(settings.tasks.job_lease_seconds),
    )


def open_runtime(settings: Settings, sessions: sessionmaker[Session]) -> SearchRuntime:
    """A runtime opened and caught up with the corpus table: what a worker needs before its first search."""
    runtime = runtime_for(settings, sessions, worker=True)
    runtime.open()
    runtime.catch_up()
    return runtime
