"""The search engine of the scaled deployment: every corpus-sized part of it lives in PostgreSQL.

:class:`~search.engine.SearchEngine` holds the documents, a float16 copy of every vector, the lexical index and
the hub scores in its process; a replica of the API holding a million passages that way needs gigabytes, and
each replica rebuilds them. :class:`StatelessEngine` keeps none of them: vectors are a
:class:`~search.index.PgVectorIndex` table, and documents, passages, lexical statistics and hub scores are a
:class:`~search.pg.PgPassageStore` beside it. What a process holds is the model and the hub reference sample
(at most :data:`~search.hubness.REFERENCE_SAMPLE` vectors, whatever the corpus size).

A query runs the same steps as in-process, and the steps that decide the ranking are the same functions: the
filters become one SQL condition applied inside both channels; the semantic pool is the ``candidates`` nearest
admitted passages by cosine, corrected by the hub scores stored per passage (:func:`search.fusion.top_semantic`,
:meth:`search.hubness.HubScores.correct`); the lexical channel is BM25 in SQL with the in-memory channel's
fuzzy credit and coverage (:func:`search.lexical.rescore`); the two are fused and documents ranked by
:func:`search.fusion.rank_documents`; the ``P``/``E`` flags come from :func:`search.prior_art.date_verdict`.

Hub scores of new passages are computed against the current reference sample when they are written; the
reference is drawn again and every score recomputed by :meth:`StatelessEngine.refresh_statistics`, which the
service runs as a job when :meth:`~StatelessEngine.statistics_due` says the corpus has grown enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from search.documents import stable_key
from search.engine import Hit
from search.fusion import rank_documents, top_semantic
from search.hubness import HubScores, refresh_due
from search.languages import MAX_QUERY_CHARS
from search.passages import doc_id_of
from search.pg._filters import filter_condition
from search.prior_art import date_verdict
from search.text import embedding_form
from search.vectors import vectors_for

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from datetime import date

    from search.documents import Document
    from search.index import PgVectorIndex
    from search.interfaces import Embedder
    from search.passages import Passage
    from search.pg._store import PgPassageStore
    from search.prior_art import ApplicationDates


class StatelessEngine:
    """Cross-lingual prior-art search whose state is in PostgreSQL; same calls and same hits as ``SearchEngine``.

    Args:
        embedder: turns queries and passages into unit vectors.
        vector_index: the pgvector table of the passage vectors.
        store: the passages, lexical statistics and hub scores, beside that table.
        hubness: ``"csls"`` (default), ``"margin"`` or ``None``.
        fusion: ``"score"`` or ``"rrf"``.
        lexical_weight: weight of the lexical coverage in score fusion.
        candidates: passages each channel returns before fusion.
        embed_batch: passages embedded per call.
    """

    def __init__(
        self,
        embedder: Embedder,
        vector_index: PgVectorIndex,
        store: PgPassageStore,
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
        self.store = store
        self.hubness = hubness
        self.fusion = fusion
        self.lexical_weight = lexical_weight
        self.candidates = candidates
        self.embed_batch = embed_batch
        self._hubs: HubScores | None = None
        self._hub_generation = -1

    def __len__(self) -> int:
        return len(self.store)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self.store

    def document_ids(self) -> list[str]:
        """Ids of every document held."""
        return list(self.store.digests())

    def digests(self) -> dict[str, str]:
        """Each held document's content digest: what a catch-up compares."""
        return self.store.digests()

    def document(self, document_id: str) -> Document:
        """The stored document (``KeyError`` if absent)."""
        return self.store.document(document_id)

    def passages(self, document_id: str) -> list[Passage]:
        """The passages the document was split into."""
        return self.store.passages_of(document_id)

    def titles(self, document_ids: Sequence[str]) -> dict[str, str]:
        """The titles of those of these documents that are held, in one query (not each whole document)."""
        return self.store.titles(document_ids)

    # ------------------------------------------------------------------ writing

    def add_documents(self, docs: Iterable[Document]) -> None:
        """Add documents, replacing any stored under the same id; reuses the vectors held for the same passage text."""
        batch = list({doc.id: doc for doc in docs}.values())
        if not batch:
            return
        passages = [p for doc in batch for p in doc.passages()]
        lang = {doc.id: doc.lang for doc in batch}
        keys = [stable_key(p.id) for p in passages]
        # A key names a place in a document (id, section, ordinal): a replaced document's passage at the same
        # place may say something else, and then the vector held under its key is the old text's.
        held = self.store.texts(keys)
        same = {key for key, p in zip(keys, passages, strict=True) if held.get(key) == (p.text, lang[p.doc_id])}
        vectors, missing = vectors_for(
            passages,
            keys,
            [lang[p.doc_id] for p in passages],
            embedder=self.embedder,
            index=self.vector_index,
            batch=self.embed_batch,
            reusable=same,
        )
        if missing:
            self.vector_index.add(np.asarray([keys[i] for i in missing], dtype=np.int64), vectors[missing])
        hubs = self._reference()
        scores = hubs.of(vectors, [p.doc_id for p in passages]) if hubs is not None else [0.0] * len(passages)
        stale = self.store.write(batch, passages, keys, scores)
        if stale:
            self.vector_index.remove(np.asarray(stale, dtype=np.int64))

    def remove_document(self, document_id: str) -> None:
        """Remove a document and its passages; an unknown id is ignored."""
        keys = self.store.remove([document_id])
        if keys:
            self.vector_index.remove(np.asarray(keys, dtype=np.int64))

    # ------------------------------------------------------------------ statistics

    def statistics_due(self) -> bool:
        """Whether the corpus has grown enough since hub scores were last computed in full to redo them."""
        computed_at, _ = self.store.hub_state()
        return self.hubness is not None and refresh_due(self.store.passage_count(), computed_at)

    def refresh_statistics(self, *, seed: int = 0) -> None:
        """Draw a new hub reference sample, recompute every passage's hub score and the lexical term statistics.

        Idempotent: run twice on the same corpus, it draws the same sample and stores the same scores.
        """
        self.store.refresh_terms()
        if self.hubness is None:
            return
        keys = self.store.sample_keys(seed)
        held = self.vector_index.get(np.asarray(keys, dtype=np.int64))
        keys = [key for key in keys if key in held]
        reference = np.asarray([held[key] for key in keys], dtype=np.float32).reshape(len(keys), self.embedder.dim)
        self.store.set_reference(keys, reference)
        hubs = self._reference()
        total = 0
        for batch in self.store.key_batches():
            found = self.vector_index.get(np.asarray([key for key, _ in batch], dtype=np.int64))
            held_rows = [(key, doc) for key, doc in batch if key in found]
            if hubs is not None and held_rows:
                vectors = np.asarray([found[key] for key, _ in held_rows], dtype=np.float32)
                self.store.set_hubs([key for key, _ in held_rows], hubs.of(vectors, [doc for _, doc in held_rows]))
            total += len(held_rows)
        self.store.hubs_computed(total)

    def refresh_hubness(self, *, seed: int = 0) -> None:
        """Same as :meth:`refresh_statistics` (the name ``SearchEngine`` uses)."""
        self.refresh_statistics(seed=seed)

    def _reference(self) -> HubScores | None:
        """The hub reference sample, read again only when the store has drawn a new one."""
        if self.hubness is None:
            return None
        _, generation = self.store.hub_state()
        if self._hubs is None or generation != self._hub_generation:
            hubs = HubScores(self.embedder.dim, self.hubness)
            generation, hubs.reference, hubs.reference_docs = self.store.reference()
            self._hubs, self._hub_generation = hubs, generation
        return self._hubs

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
        """The ``k`` best documents for a query: the arguments and results of :meth:`SearchEngine.search`.

        Raises:
            ValueError: the query is longer than :data:`search.languages.MAX_QUERY_CHARS`.
        """
        if len(query_text) > MAX_QUERY_CHARS:
            raise ValueError(f"query of {len(query_text)} characters; at most {MAX_QUERY_CHARS} are searched")
        if not query_text.strip():
            return []
        where = filter_condition(languages=languages, ipc_prefix=ipc_prefix, before=before)
        query = self.embedder.embed_queries([embedding_form(query_text, None)]).astype(np.float32)
        pool = top_semantic(self.store.semantic(query, self.candidates, where), self.candidates)
        hubs = self._reference()
        if hubs is None:
            semantic = {pid: cos for pid, cos, _ in pool}
        else:
            query_hub = hubs.of(query, None)[0]
            semantic = {pid: hubs.correct(cos, hub, query_hub) for pid, cos, hub in pool}
        lexical = self.store.lexical(query_text, self.candidates, where)
        ranked = rank_documents(
            semantic, lexical, doc_id_of, fusion=self.fusion, lexical_weight=self.lexical_weight, k=k
        )
        stored = self.store.stored([r.passage_id for r in ranked])
        hits = []
        for r in ranked:
            s = stored.get(r.passage_id)
            if s is None:  # removed by another process between the ranking and this read
                continue
            verdict = date_verdict(before, s.publication_date, s.filing_date, s.priority_date)
            hits.append(Hit.of(r, s.passage, s.lang, s.publication_date, verdict.flag))
        return hits

    # ------------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Nothing to write: the state is in PostgreSQL, committed with every change."""
