"""The prior-art search engine: it composes the parts of search and answers queries.

``SearchEngine`` holds a :class:`~search.documents.DocumentRegistry` (documents, passages, keys), an
:class:`~search.interfaces.Embedder`, a :class:`~search.interfaces.VectorIndex`, a
:class:`~search.lexical.LexicalIndex`, its own float16 copy of the passage vectors
(:class:`~search.vectors.PassageVectors`) and the :class:`~search.hubness.HubScores`. A query is embedded once,
both channels return passages, passages are fused (:func:`search.fusion.score_fusion` by default, measured better
than reciprocal rank fusion in ``benchmarks/README.md``), and a document scores by its best passage, which the hit
names. The prior-art filters (:func:`search.prior_art.eligible`) run before retrieval so that excluded documents
take no slots. :mod:`search.snapshot` writes and reads its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

import numpy as np

from search import snapshot
from search.documents import Document, DocumentRegistry, content_digest, stable_key
from search.eligibility import EligibilityColumns
from search.fusion import ChannelScore, RankedDocument, rank_documents, top_semantic
from search.hubness import REFERENCE_SAMPLE, HubScores
from search.interfaces import SharedIndex
from search.languages import MAX_QUERY_CHARS
from search.lexical import LexicalIndex
from search.passages import doc_id_of
from search.prior_art import ApplicationDates, CitationFlag, date_verdict
from search.text import embedding_form
from search.vectors import PassageVectors, vectors_for

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from datetime import date

    from numpy.typing import NDArray

    from search.interfaces import Embedder, VectorIndex
    from search.passages import Passage, Section

__all__ = [
    "REFERENCE_SAMPLE",
    "ChannelScore",
    "Document",
    "EngineOptions",
    "Hit",
    "SearchEngine",
    "stable_key",
]


class EngineOptions(TypedDict, total=False):
    """Constructor options of :class:`SearchEngine` that :meth:`~SearchEngine.load` and ``rebuild`` pass on."""

    hubness: Literal["csls", "margin"] | None
    fusion: Literal["score", "rrf"]
    lexical_weight: float
    candidates: int
    embed_batch: int


@dataclass(frozen=True, slots=True)
class Hit:
    """One document found, with the passage that matched and why.

    Attributes:
        document_id: the document.
        score: the fused score the results are ordered by.
        semantic: the semantic channel's view of the passage (hubness-corrected score), if it returned it.
        lexical: the lexical channel's view (coverage score), if it returned it.
        found_by: ``"semantic"``, ``"lexical"`` or both.
        passage_id: the best passage of the document.
        passage_text: its text.
        section: which part of the document it is.
        matched_terms: query words the lexical channel matched in it (fuzzy ones as ``query~passage``).
        language: the document's language.
        publication_date: its publication date.
        flag: ST.14 ``P`` or ``E`` when the prior-art dates call for one.
    """

    document_id: str
    score: float
    semantic: ChannelScore | None
    lexical: ChannelScore | None
    found_by: tuple[str, ...]
    passage_id: str
    passage_text: str
    section: Section
    matched_terms: tuple[str, ...]
    language: str
    publication_date: date | None
    flag: CitationFlag | None = None

    @classmethod
    def of(
        cls, ranked: RankedDocument, passage: Passage, language: str, published: date | None, flag: CitationFlag | None
    ) -> Hit:
        """The hit for a document the fused ranking placed, with what the store knows of its passage."""
        return cls(
            document_id=ranked.document_id,
            score=ranked.score,
            semantic=ranked.semantic,
            lexical=ranked.lexical,
            found_by=ranked.found_by,
            passage_id=ranked.passage_id,
            passage_text=passage.text,
            section=passage.section,
            matched_terms=ranked.matched_terms,
            language=language,
            publication_date=published,
            flag=flag,
        )


class SearchEngine:
    """Cross-lingual prior-art search over passages of patent documents.

    Args:
        embedder: turns queries and passages into unit vectors.
        vector_index: nearest-neighbour index for the passage vectors (empty, or filled by :meth:`load`).
        lexical_index: the lexical channel; a new :class:`~search.lexical.LexicalIndex` when ``None``.
        hubness: ``"csls"`` (default), ``"margin"`` or ``None`` for plain cosine in the semantic channel.
        fusion: ``"score"`` (semantic score plus weighted lexical coverage) or ``"rrf"``.
        lexical_weight: weight of the lexical coverage in score fusion.
        candidates: passages each channel returns before fusion.
        embed_batch: passages embedded per call.

    A :class:`~search.interfaces.SharedIndex` (pgvector) is used as one: passage keys are derived from passage ids,
    so every process writes the same rows, vectors another process stored are fetched instead of embedded again,
    and the index may hold passages this engine does not know yet. A :class:`~search.interfaces.PersistentIndex`
    is saved with the engine and restored by :meth:`load`.
    """

    def __init__(
        self,
        embedder: Embedder,
        vector_index: VectorIndex,
        lexical_index: LexicalIndex | None = None,
        *,
        hubness: Literal["csls", "margin"] | None = "csls",
        fusion: Literal["score", "rrf"] = "score",
        lexical_weight: float = 0.1,
        candidates: int = 100,
        embed_batch: int = 64,
    ) -> None:
        if embedder.dim != vector_index.dim:
            raise ValueError(f"embedder dim {embedder.dim} != vector index dim {vector_index.dim}")
        self.embedder = embedder
        self.vector_index = vector_index
        self.lexical_index = lexical_index if lexical_index is not None else LexicalIndex()
        self.hubness = hubness
        self.fusion = fusion
        self.lexical_weight = lexical_weight
        self.candidates = candidates
        self.embed_batch = embed_batch
        self.shared_index = isinstance(vector_index, SharedIndex)
        """Whether other processes write the vector index too (see the class docstring)."""
        self.registry = DocumentRegistry(stable_keys=self.shared_index)
        self.vectors = PassageVectors(embedder.dim)
        self.hubs = HubScores(embedder.dim, hubness) if hubness is not None else None
        self._columns: tuple[int, EligibilityColumns] | None = None
        self._lexical_rows: tuple[tuple[int, int], NDArray[np.int64]] | None = None

    def __len__(self) -> int:
        return len(self.registry)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self.registry

    def document_ids(self) -> list[str]:
        """Ids of every document held, for reconciling the engine with its source of truth."""
        return list(self.registry.documents)

    def digests(self) -> dict[str, str]:
        """Each held document's :func:`~search.documents.content_digest`: what a catch-up compares."""
        return {doc_id: content_digest(doc) for doc_id, doc in self.registry.documents.items()}

    def document(self, document_id: str) -> Document:
        """The stored document (``KeyError`` if absent)."""
        return self.registry.documents[document_id]

    def passages(self, document_id: str) -> list[Passage]:
        """The passages the document was split into."""
        return self.registry.document_passages(document_id)

    def titles(self, document_ids: Sequence[str]) -> dict[str, str]:
        """The titles of those of these documents that are held: what a page of hits shows beside each."""
        held = self.registry.documents
        return {i: held[i].title for i in document_ids if i in held}

    # ------------------------------------------------------------------ writing

    def add_documents(self, docs: Iterable[Document]) -> None:
        """Add documents, replacing any stored under the same id; embeds their passages in batches."""
        batch = list({doc.id: doc for doc in docs}.values())  # the last of repeated ids wins
        for doc in batch:
            if doc.id in self.registry:
                self.remove_document(doc.id)
        new: list[Passage] = [passage for doc in batch for passage in self.registry.add(doc)]
        if not new:
            return
        keys = self.registry.new_keys(new)
        vectors, missing = self._vectors_for(new, keys)
        self.registry.assign(new, keys)
        self.vectors.add(keys, vectors)
        if missing:
            self.vector_index.add(np.asarray([keys[i] for i in missing], dtype=np.int64), vectors[missing])
        self.lexical_index.add((p.id, p.text) for p in new)
        self._update_hubs(keys, vectors)

    def _vectors_for(self, passages: Sequence[Passage], keys: Sequence[int]) -> tuple[NDArray[np.float32], list[int]]:
        languages = [self.registry.documents[p.doc_id].lang for p in passages]
        return vectors_for(
            passages, keys, languages, embedder=self.embedder, index=self.vector_index, batch=self.embed_batch
        )

    def remove_document(self, document_id: str) -> None:
        """Remove a document and its passages; an unknown id is ignored."""
        removed = self.registry.remove(document_id)
        if removed is None:
            return
        pids, keys = removed
        if self.hubs is not None:
            self.hubs.forget(keys)
        self.vector_index.remove(np.asarray(keys, dtype=np.int64))
        self.lexical_index.remove(pids)
        self.vectors.remove(keys)

    def _update_hubs(self, new_keys: Sequence[int], new_vectors: NDArray[np.float32]) -> None:
        if self.hubs is None:
            return
        if self.hubs.due(len(self.registry.key_of)):
            self.refresh_hubness()
            return
        self.hubs.add(new_keys, new_vectors, [self.registry.doc_of_key(k) for k in new_keys])

    def refresh_hubness(self, *, seed: int = 0) -> None:
        """Draw a new reference sample from the corpus and recompute every passage's hub score."""
        if self.hubs is None:
            return
        self.hubs.refresh(
            list(self.registry.key_of.values()), vectors=self.vectors.get, doc_of=self.registry.doc_of_key, seed=seed
        )

    # ------------------------------------------------------------------ reading

    def search(
        self,
        query_text: str,
        *,
        languages: Iterable[str] | None = None,
        ipc_prefix: str | None = None,
        before: date | ApplicationDates | None = None,
        k: int = 10,
    ) -> list[Hit]:
        """The ``k`` best documents for a query.

        Args:
            query_text: the query, in any of the supported languages and scripts.
            languages: only documents in these languages.
            ipc_prefix: only documents with an IPC symbol starting so (spaces ignored, e.g. ``"H01M10"``).
            before: a date: only documents published strictly before it. An :class:`ApplicationDates`: the full
                prior-art rules of :mod:`search.prior_art`, with ``P``/``E`` flags. ``None``: any published one.
            k: how many documents.

        Returns:
            Hits, best first. Unpublished documents are never returned.

        Raises:
            ValueError: the query is longer than :data:`search.languages.MAX_QUERY_CHARS`.
        """
        if len(query_text) > MAX_QUERY_CHARS:
            raise ValueError(f"query of {len(query_text)} characters; at most {MAX_QUERY_CHARS} are searched")
        registry = self.registry
        columns = self._eligibility()
        allowed = columns.mask(languages=languages, ipc_prefix=ipc_prefix, before=before)
        if not allowed.any() or not query_text.strip():
            return []
        restrict = None if allowed.all() else allowed
        semantic = self._semantic(query_text, restrict, columns)
        row_mask = None if restrict is None else restrict[self._lexical_document_rows(columns)]
        lexical_hits = self.lexical_index.search(query_text, self.candidates, row_mask=row_mask)
        ranked = rank_documents(
            semantic, lexical_hits, doc_id_of, fusion=self.fusion, lexical_weight=self.lexical_weight, k=k
        )
        hits = []
        for r in ranked:
            doc = registry.documents[r.document_id]
            verdict = date_verdict(before, doc.publication_date, doc.filing_date, doc.priority_date)
            hits.append(Hit.of(r, registry.passages[r.passage_id], doc.lang, doc.publication_date, verdict.flag))
        return hits

    def _eligibility(self) -> EligibilityColumns:
        """The filter columns of the documents held, rebuilt on the first search after a change."""
        version = self.registry.version
        if self._columns is None or self._columns[0] != version:
            self._columns = (version, EligibilityColumns(self.registry.documents.values()))
        return self._columns[1]

    def _lexical_document_rows(self, columns: EligibilityColumns) -> NDArray[np.int64]:
        """The eligibility row of each lexical row's document: turns a document mask into a passage mask."""
        passage_ids = self.lexical_index.rows
        stamp = (self.lexical_index.generation, self.registry.version)
        if self._lexical_rows is None or self._lexical_rows[0] != stamp:
            self._lexical_rows = (stamp, columns.rows_of([doc_id_of(pid) for pid in passage_ids]))
        return self._lexical_rows[1]

    def _semantic(
        self, query_text: str, restrict: NDArray[np.bool_] | None, columns: EligibilityColumns
    ) -> dict[str, float]:
        query = self.embedder.embed_queries([embedding_form(query_text, None)]).astype(np.float32)
        total = len(self.vector_index)
        if total == 0:
            return {}
        want = self.candidates
        fetch = min(total, want if restrict is None else want * 4)
        query_hub = self.hubs.of(query, None)[0] if self.hubs is not None else 0.0
        pid_of, passages, row = self.registry.pid_of, self.registry.passages, columns.row
        while True:
            keys, sims = self.vector_index.search(query, fetch)
            found: list[tuple[str, float, float]] = []
            for key, sim in zip(keys[0].tolist(), sims[0].tolist(), strict=True):
                pid = pid_of.get(key)
                if key < 0 or pid is None or (restrict is not None and not restrict[row[passages[pid].doc_id]]):
                    continue
                found.append((pid, sim, self.hubs.scores.get(key, 0.0) if self.hubs is not None else 0.0))
            if len(found) >= want or fetch >= total:
                break
            fetch = min(total, fetch * 4)
        pool = top_semantic(found, want)
        if self.hubs is None:
            return {pid: sim for pid, sim, _ in pool}
        return {pid: self.hubs.correct(sim, hub, query_hub) for pid, sim, hub in pool}

    # ------------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the engine's state into ``directory`` (see :mod:`search.snapshot`), replacing it atomically."""
        snapshot.write(
            directory,
            embedder=self.embedder.name,
            registry=self.registry,
            vectors=self.vectors,
            hubs=self.hubs,
            lexical=self.lexical_index,
            vector_index=self.vector_index,
        )

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        embedder: Embedder,
        vector_index: VectorIndex,
        **options: Unpack[EngineOptions],
    ) -> SearchEngine:
        """Open a saved engine.

        Args:
            directory: what :meth:`save` wrote.
            embedder: must have the name the state was built with.
            vector_index: an empty index: restored from the saved graph when it is a
                :class:`~search.interfaces.PersistentIndex` saved with this state, else refilled from the stored
                vectors; a shared index is only given the vectors of this engine's passages it lacks.
            **options: constructor options (hubness, fusion, ...).

        Returns:
            The engine.

        Raises:
            ValueError: when the embedder differs from the one the state was built with, or the vector index
                holds a different number of passages.
        """
        saved = snapshot.read(directory, embedder=embedder.name)
        engine = cls(embedder, vector_index, saved.lexical, **options)
        engine.registry.restore(saved.documents, saved.key_of, saved.next_key)
        if engine.hubs is not None:
            engine.hubs.scores = saved.hub_scores
            engine.hubs.computed_at = saved.hubs_computed_at
            engine.hubs.reference = saved.reference
            engine.hubs.reference_docs = saved.reference_docs
        engine.vectors.restore(saved.vectors, saved.vector_keys)
        keys = np.asarray(saved.vector_keys, dtype=np.int64)
        if isinstance(vector_index, SharedIndex):  # other processes fill it too: only this engine's passages count
            held = vector_index.get(keys)
            lacking = [i for i, key in enumerate(keys.tolist()) if key not in held]
            if lacking:
                vector_index.add(keys[lacking], saved.vectors[lacking].astype(np.float32))
            return engine
        restored = snapshot.restore_graph(directory, saved, vector_index)
        if not restored and len(vector_index) == 0 and len(keys):
            vector_index.add(keys, saved.vectors.astype(np.float32))
        if len(vector_index) != len(engine.registry.key_of):
            raise ValueError(
                f"vector index holds {len(vector_index)} passages, the engine {len(engine.registry.key_of)}"
            )
        return engine

    @classmethod
    def rebuild(
        cls,
        documents: Iterable[Document],
        embedder: Embedder,
        vector_index: VectorIndex,
        lexical_index: LexicalIndex | None = None,
        *,
        batch: int = 256,
        **options: Unpack[EngineOptions],
    ) -> SearchEngine:
        """A new engine filled from ``documents``, added ``batch`` documents at a time."""
        engine = cls(embedder, vector_index, lexical_index, **options)
        chunk: list[Document] = []
        for doc in documents:
            chunk.append(doc)
            if len(chunk) >= batch:
                engine.add_documents(chunk)
                chunk = []
        engine.add_documents(chunk)
        return engine
