"""The prior-art search engine: passages, both channels, hubness correction, fusion and the prior-art rules.

``SearchEngine`` owns the documents and their passages, and composes an :class:`~search.interfaces.Embedder`, a
:class:`~search.interfaces.VectorIndex` and a :class:`~search.lexical.LexicalIndex`. A query is embedded once,
both channels return passages, passages are fused (:func:`search.fusion.score_fusion` by default, measured better
than reciprocal rank fusion in ``benchmarks/README.md``), and a document scores by its best passage, which the hit
names. Date, language and IPC filters are applied before retrieval so that excluded documents take no slots.

The engine keeps a float16 copy of each passage vector: hub scores for CSLS are recomputed from it as the corpus
grows, and a vector index can be refilled from it without re-embedding (a model change still needs
:meth:`SearchEngine.rebuild`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict, Unpack

import numpy as np

from search.fusion import HUB_NEIGHBOURS, hubness_corrected, reciprocal_rank_fusion, score_fusion
from search.lexical import LexicalIndex
from search.passages import Passage, Section, split_passages
from search.prior_art import ApplicationDates, CitationFlag, Verdict, assess, published_before
from search.text import embedding_form

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray

    from search.interfaces import Embedder, VectorIndex

_FORMAT: Final = 1
REFERENCE_SAMPLE: Final = 2000
"""Corpus vectors kept as the reference sample of hub scores."""

_REFRESH_GROWTH: Final = 1.25
"""Recompute every hub score when the corpus has grown by this factor since the last full computation."""


class EngineOptions(TypedDict, total=False):
    """Constructor options of :class:`SearchEngine` that :meth:`~SearchEngine.load` and ``rebuild`` pass on."""

    hubness: Literal["csls", "margin"] | None
    fusion: Literal["score", "rrf"]
    lexical_weight: float
    candidates: int
    embed_batch: int
    shared_index: bool


@dataclass(frozen=True, slots=True)
class Document:
    """A patent document as the search engine sees it.

    Attributes:
        id: the document number; must not contain ``#``.
        lang: ISO 639-1 code of its text.
        title: the title.
        abstract: the abstract.
        claims: the claims, one string each.
        description: the description.
        publication_date: ``None`` while unpublished; unpublished documents are never returned.
        filing_date: its filing date.
        priority_date: its earliest priority date.
        ipc: IPC symbols, e.g. ``"H01M 10/0525"``.
    """

    id: str
    lang: str
    title: str
    abstract: str = ""
    claims: list[str] = field(default_factory=list)
    description: str = ""
    publication_date: date | None = None
    filing_date: date | None = None
    priority_date: date | None = None
    ipc: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        out = asdict(self)
        for name in ("publication_date", "filing_date", "priority_date"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        """Inverse of :meth:`to_json`; unknown keys are ignored."""
        dates = {
            name: date.fromisoformat(data[name]) if data.get(name) else None
            for name in ("publication_date", "filing_date", "priority_date")
        }
        return cls(
            id=data["id"],
            lang=data["lang"],
            title=data.get("title", ""),
            abstract=data.get("abstract", ""),
            claims=list(data.get("claims", [])),
            description=data.get("description", ""),
            ipc=list(data.get("ipc", [])),
            **dates,
        )


@dataclass(frozen=True, slots=True)
class ChannelScore:
    """How one channel saw the matched passage: its score and 1-based rank among that channel's passages."""

    score: float
    rank: int


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


def stable_key(passage_id: str) -> int:
    """A non-negative int64 key from a passage id, the same in every process (64-bit BLAKE2b, top bit cleared).

    Collisions are negligible at patent-corpus sizes: about 1 in 10^7 for 10^6 passages.
    """
    digest = hashlib.blake2b(passage_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class _Vectors:
    """Float16 passage vectors by int64 key: the source for hub scores and for refilling a vector index."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.matrix = np.zeros((0, dim), dtype=np.float16)
        self.row: dict[int, int] = {}

    def add(self, keys: Sequence[int], vectors: NDArray[np.float32]) -> None:
        start = len(self.matrix)
        self.matrix = np.concatenate([self.matrix, vectors.astype(np.float16)])
        for offset, key in enumerate(keys):
            self.row[key] = start + offset

    def remove(self, keys: Iterable[int]) -> None:
        for key in keys:
            self.row.pop(key, None)
        if len(self.row) < len(self.matrix) // 2:
            self.compact()

    def compact(self) -> None:
        keys = list(self.row)
        self.matrix = self.matrix[[self.row[k] for k in keys]] if keys else self.matrix[:0]
        self.row = {k: i for i, k in enumerate(keys)}

    def get(self, keys: Sequence[int]) -> NDArray[np.float32]:
        return self.matrix[[self.row[k] for k in keys]].astype(np.float32)


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
        shared_index: the vector index is shared with other processes (pgvector): passage keys are derived from
            passage ids, so every process writes the same rows, vectors another process stored are fetched
            instead of embedded again, and the index may hold passages this engine does not know yet.
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
        shared_index: bool = False,
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
        self.shared_index = shared_index
        self._docs: dict[str, Document] = {}
        self._passages: dict[str, Passage] = {}
        self._doc_passages: dict[str, list[str]] = {}
        self._key_of: dict[str, int] = {}
        self._pid_of: dict[int, str] = {}
        self._next_key = 0
        self._vectors = _Vectors(embedder.dim)
        self._hub: dict[int, float] = {}
        self._reference = np.zeros((0, embedder.dim), dtype=np.float32)
        self._reference_docs: list[str] = []
        self._hubs_computed_at = 0

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self._docs

    def document_ids(self) -> list[str]:
        """Ids of every document held, for reconciling the engine with its source of truth."""
        return list(self._docs)

    def document(self, document_id: str) -> Document:
        """The stored document (``KeyError`` if absent)."""
        return self._docs[document_id]

    def passages(self, document_id: str) -> list[Passage]:
        """The passages the document was split into."""
        return [self._passages[p] for p in self._doc_passages[document_id]]

    # ------------------------------------------------------------------ writing

    def add_documents(self, docs: Iterable[Document]) -> None:
        """Add documents, replacing any stored under the same id; embeds their passages in batches."""
        batch = list({doc.id: doc for doc in docs}.values())  # the last of repeated ids wins
        for doc in batch:
            if doc.id in self._docs:
                self.remove_document(doc.id)
        new: list[Passage] = []
        for doc in batch:
            parts = split_passages(doc.id, doc.title, doc.abstract, doc.claims, doc.description)
            self._docs[doc.id] = doc
            self._doc_passages[doc.id] = [p.id for p in parts]
            new.extend(parts)
        if not new:
            return
        keys = self._new_keys(new)
        stored = self._stored_vectors(keys)
        missing = [i for i, key in enumerate(keys) if key not in stored]
        vectors = np.zeros((len(new), self.embedder.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            if key in stored:
                vectors[i] = stored[key]
        for start in range(0, len(missing), self.embed_batch):
            rows = missing[start : start + self.embed_batch]
            texts = [embedding_form(new[i].text, self._docs[new[i].doc_id].lang) for i in rows]
            vectors[rows] = self.embedder.embed_passages(texts).astype(np.float32)
        for passage, key in zip(new, keys, strict=True):
            self._passages[passage.id] = passage
            self._key_of[passage.id] = key
            self._pid_of[key] = passage.id
        self._vectors.add(keys, vectors)
        if missing:
            self.vector_index.add(np.asarray([keys[i] for i in missing], dtype=np.int64), vectors[missing])
        self.lexical_index.add((p.id, p.text) for p in new)
        self._update_hubs(keys, vectors)

    def _new_keys(self, passages: Sequence[Passage]) -> list[int]:
        if self.shared_index:
            return [stable_key(p.id) for p in passages]
        keys = list(range(self._next_key, self._next_key + len(passages)))
        self._next_key += len(passages)
        return keys

    def _stored_vectors(self, keys: Sequence[int]) -> dict[int, NDArray[np.float32]]:
        """Vectors another process already stored in a shared index under these keys."""
        getter = getattr(self.vector_index, "get", None)
        if not self.shared_index or not callable(getter):
            return {}
        found: dict[int, NDArray[np.float32]] = getter(np.asarray(keys, dtype=np.int64))
        return found

    def remove_document(self, document_id: str) -> None:
        """Remove a document and its passages; an unknown id is ignored."""
        if self._docs.pop(document_id, None) is None:
            return
        pids = self._doc_passages.pop(document_id)
        keys = [self._key_of.pop(p) for p in pids]
        for pid, key in zip(pids, keys, strict=True):
            del self._passages[pid]
            del self._pid_of[key]
            self._hub.pop(key, None)
        self.vector_index.remove(np.asarray(keys, dtype=np.int64))
        self.lexical_index.remove(pids)
        self._vectors.remove(keys)

    def _update_hubs(self, new_keys: Sequence[int], new_vectors: NDArray[np.float32]) -> None:
        if self.hubness is None:
            return
        if len(self._key_of) >= self._hubs_computed_at * _REFRESH_GROWTH:
            self.refresh_hubness()
            return
        self._hub.update(zip(new_keys, self._hub_of(new_vectors, [self._doc_of_key(k) for k in new_keys]), strict=True))

    def refresh_hubness(self, *, seed: int = 0) -> None:
        """Draw a new reference sample from the corpus and recompute every passage's hub score."""
        keys = sorted(self._key_of.values())
        rng = np.random.default_rng(seed)
        sample = sorted(rng.choice(len(keys), size=min(REFERENCE_SAMPLE, len(keys)), replace=False).tolist())
        self._reference = self._vectors.get([keys[i] for i in sample])
        self._reference_docs = [self._doc_of_key(keys[i]) for i in sample]
        hubs: list[float] = []
        for start in range(0, len(keys), 4096):
            chunk = keys[start : start + 4096]
            hubs.extend(self._hub_of(self._vectors.get(chunk), [self._doc_of_key(k) for k in chunk]))
        self._hub = dict(zip(keys, hubs, strict=True))
        self._hubs_computed_at = len(keys)

    def _doc_of_key(self, key: int) -> str:
        return self._passages[self._pid_of[key]].doc_id

    def _hub_of(self, vectors: NDArray[np.float32], docs: Sequence[str] | None) -> list[float]:
        """Mean similarity to the k nearest reference vectors, ignoring the passage's own document."""
        if len(self._reference) == 0:
            return [0.0] * len(vectors)
        sims = vectors @ self._reference.T
        if docs is not None:
            ref_docs = np.asarray(self._reference_docs, dtype=object)
            sims[np.asarray(docs, dtype=object)[:, None] == ref_docs[None, :]] = -np.inf
        take = min(HUB_NEIGHBOURS, sims.shape[1])
        top = -np.partition(-sims, take - 1, axis=1)[:, :take]
        finite = np.isfinite(top)
        means = np.where(finite, top, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
        return [float(m) for m in means]

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
        """
        verdicts = self._eligible(languages, ipc_prefix, before)
        if not verdicts or not query_text.strip():
            return []
        restrict = None if len(verdicts) == len(self._docs) else verdicts
        semantic = self._semantic(query_text, restrict)
        allowed_pids = None if restrict is None else [p for d in restrict for p in self._doc_passages[d]]
        lexical_hits = self.lexical_index.search(query_text, self.candidates, restrict_to=allowed_pids)
        lexical = {h.passage_id: h.coverage for h in lexical_hits}
        terms = {h.passage_id: h.matched_terms for h in lexical_hits}
        sem_rank = sorted(semantic, key=lambda p: (-semantic[p], p))
        lex_rank = [h.passage_id for h in lexical_hits]
        if self.fusion == "rrf":
            fused = reciprocal_rank_fusion([sem_rank, lex_rank])
        else:
            fused = score_fusion(semantic, lexical, lexical_weight=self.lexical_weight)
        best: dict[str, tuple[str, float]] = {}
        for pid, score in fused.items():
            doc_id = self._passages[pid].doc_id
            if doc_id not in best or score > best[doc_id][1]:
                best[doc_id] = (pid, score)
        order = sorted(best.items(), key=lambda item: (-item[1][1], item[0]))[:k]
        sem_pos = {p: i + 1 for i, p in enumerate(sem_rank)}
        lex_pos = {p: i + 1 for i, p in enumerate(lex_rank)}
        hits = []
        for doc_id, (pid, score) in order:
            doc, passage = self._docs[doc_id], self._passages[pid]
            sem = ChannelScore(semantic[pid], sem_pos[pid]) if pid in semantic else None
            lex = ChannelScore(lexical[pid], lex_pos[pid]) if pid in lexical else None
            found_by = tuple(name for name, ch in (("semantic", sem), ("lexical", lex)) if ch is not None)
            hits.append(
                Hit(
                    document_id=doc_id,
                    score=score,
                    semantic=sem,
                    lexical=lex,
                    found_by=found_by,
                    passage_id=pid,
                    passage_text=passage.text,
                    section=passage.section,
                    matched_terms=terms.get(pid, ()),
                    language=doc.lang,
                    publication_date=doc.publication_date,
                    flag=verdicts[doc_id].flag,
                )
            )
        return hits

    def _eligible(
        self, languages: Iterable[str] | None, ipc_prefix: str | None, before: date | ApplicationDates | None
    ) -> dict[str, Verdict]:
        langs = None if languages is None else set(languages)
        prefix = None if ipc_prefix is None else ipc_prefix.replace(" ", "").upper()
        out: dict[str, Verdict] = {}
        for doc in self._docs.values():
            if langs is not None and doc.lang not in langs:
                continue
            if prefix is not None and not any(c.replace(" ", "").upper().startswith(prefix) for c in doc.ipc):
                continue
            if isinstance(before, ApplicationDates):
                verdict = assess(
                    before,
                    publication_date=doc.publication_date,
                    filing_date=doc.filing_date,
                    priority_date=doc.priority_date,
                )
            elif before is not None:
                verdict = published_before(before, doc.publication_date)
            else:
                verdict = Verdict(returned=doc.publication_date is not None, prior_art=True)
            if verdict.returned:
                out[doc.id] = verdict
        return out

    def _semantic(self, query_text: str, restrict: dict[str, Verdict] | None) -> dict[str, float]:
        query = self.embedder.embed_queries([embedding_form(query_text, None)]).astype(np.float32)
        total = len(self.vector_index)
        if total == 0:
            return {}
        want = self.candidates
        fetch = min(total, want if restrict is None else want * 4)
        query_hub = self._hub_of(query, None)[0] if self.hubness is not None else 0.0
        while True:
            keys, sims = self.vector_index.search(query, fetch)
            found: dict[str, float] = {}
            for key, sim in zip(keys[0].tolist(), sims[0].tolist(), strict=True):
                pid = self._pid_of.get(key)
                if key < 0 or pid is None or (restrict is not None and self._passages[pid].doc_id not in restrict):
                    continue
                found[pid] = self._corrected(sim, key, query_hub)
            if len(found) >= want or fetch >= total:
                break
            fetch = min(total, fetch * 4)
        ranked = sorted(found.items(), key=lambda item: -item[1])[:want]
        return dict(ranked)

    def _corrected(self, cosine: float, key: int, query_hub: float) -> float:
        if self.hubness is None:
            return cosine
        value = hubness_corrected(
            np.asarray([cosine], dtype=np.float32),
            np.asarray([self._hub.get(key, 0.0)], dtype=np.float32),
            query_hub=query_hub,
            method=self.hubness,
        )
        return float(value[0])

    # ------------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the engine's state into ``directory``, replacing what is there only once all is written.

        The vector index itself is saved by its own ``save(path)`` into ``directory/vectors`` when it has one;
        otherwise :meth:`load` refills an empty index from the stored passage vectors.
        """
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        try:
            self._write(tmp)
            old = target.with_name(f".{target.name}-old")
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _write(self, path: Path) -> None:
        self._vectors.compact()
        keys = list(self._vectors.row)
        state = {
            "format": _FORMAT,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "next_key": self._next_key,
            "keys": dict(self._key_of),
            "hub": [[key, value] for key, value in self._hub.items()],
            "hubs_computed_at": self._hubs_computed_at,
            "reference_docs": self._reference_docs,
            "vector_keys": keys,
        }
        (path / "state.json").write_text(json.dumps(state), encoding="utf-8")
        with gzip.open(path / "documents.jsonl.gz", "wt", encoding="utf-8") as out:
            for doc in self._docs.values():
                out.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
        np.save(path / "vectors.f16.npy", self._vectors.matrix)
        np.save(path / "reference.npy", self._reference)
        self.lexical_index.save(path / "lexical")
        saver = getattr(self.vector_index, "save", None)
        if callable(saver):
            saver(path / "vectors")

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
            vector_index: the index opened from ``directory/vectors`` by its own loader, or an empty index to
                refill from the stored vectors.
            **options: constructor options (hubness, fusion, ...).

        Returns:
            The engine.

        Raises:
            ValueError: when the embedder differs from the one the state was built with, or the vector index
                holds a different number of passages.
        """
        path = Path(directory)
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        if state["format"] != _FORMAT or state["embedder"] != embedder.name:
            raise ValueError("saved engine was built with another format or embedder; rebuild it")
        engine = cls(embedder, vector_index, LexicalIndex.load(path / "lexical"), **options)
        with gzip.open(path / "documents.jsonl.gz", "rt", encoding="utf-8") as src:
            for line in src:
                doc = Document.from_json(json.loads(line))
                engine._docs[doc.id] = doc
                parts = split_passages(doc.id, doc.title, doc.abstract, doc.claims, doc.description)
                engine._doc_passages[doc.id] = [p.id for p in parts]
                engine._passages.update((p.id, p) for p in parts)
        engine._key_of = {pid: int(key) for pid, key in state["keys"].items()}
        engine._pid_of = {key: pid for pid, key in engine._key_of.items()}
        engine._next_key = state["next_key"]
        engine._hub = {int(key): float(value) for key, value in state["hub"]}
        engine._hubs_computed_at = state["hubs_computed_at"]
        engine._reference = np.load(path / "reference.npy")
        engine._reference_docs = list(state["reference_docs"])
        matrix = np.load(path / "vectors.f16.npy")
        engine._vectors.matrix = matrix
        engine._vectors.row = {int(key): i for i, key in enumerate(state["vector_keys"])}
        if engine.shared_index:  # other processes fill it too: only this engine's own passages are checked
            keys = np.asarray(state["vector_keys"], dtype=np.int64)
            held = engine._stored_vectors(keys.tolist())
            lacking = [i for i, key in enumerate(keys.tolist()) if key not in held]
            if lacking:
                vector_index.add(keys[lacking], matrix[lacking].astype(np.float32))
            return engine
        if len(vector_index) == 0 and engine._key_of:
            keys = np.asarray(state["vector_keys"], dtype=np.int64)
            vector_index.add(keys, matrix.astype(np.float32))
        if len(vector_index) != len(engine._key_of):
            raise ValueError(f"vector index holds {len(vector_index)} passages, the engine {len(engine._key_of)}")
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
