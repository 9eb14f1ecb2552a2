"""Load a JSONL patent corpus into a vector index: embed passages in batches, resumable and idempotent per document.

Used by ``ctpo corpus load FILE.jsonl``. A small SQLite checkpoint beside the index records which documents are in
it (with a hash of their content) and which int64 passage keys each one owns, so that

* a rerun after a crash or Ctrl-C skips documents already loaded and unchanged;
* loading a document again with new content replaces its passages instead of adding duplicates;
* the index and the checkpoint are reconciled at the start of every run, whichever of them a crash left ahead.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self

import numpy as np

from search.index import corpus_fingerprint
from search.interfaces import VectorIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from pathlib import Path

    from numpy.typing import NDArray

    from search.interfaces import Embedder

_ID_FIELDS = ("id", "doc_id", "document_id")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    key INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages (doc_id);
"""


class KeyedIndex(VectorIndex, Protocol):
    """A `VectorIndex` that can also list its keys, which reconciliation after a crash needs."""

    def keys(self) -> NDArray[np.int64]:
        """Every key held."""
        ...


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """One document of a corpus file; fields this code does not know are kept in `extra`."""

    doc_id: str
    """Publication or application number; the identity that makes reloading idempotent."""
    lang: str = ""
    """ISO 639-1 code of the text (tr, az, kk, ky, uz, ru, en)."""
    title: str = ""
    abstract: str = ""
    claims: tuple[str, ...] = ()
    """One string per claim."""
    description: str = ""
    publication_date: str = ""
    """ISO date, used by prior-art date filters."""
    ipc: tuple[str, ...] = ()
    """IPC classification symbols."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Remaining JSON fields, untouched."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CorpusRecord:
        """Build a record from one parsed JSONL object.

        The id may be called ``id``, ``doc_id`` or ``document_id``; claims and IPC may be a list or one string.

        Args:
            data: the JSON object.

        Returns:
            The record.

        Raises:
            ValueError: if the object has no id.
        """
        rest = dict(data)
        doc_id = next((str(rest.pop(name)) for name in _ID_FIELDS if rest.get(name) not in (None, "")), None)
        for name in _ID_FIELDS:
            rest.pop(name, None)
        if doc_id is None:
            raise ValueError(f"record has none of the id fields {_ID_FIELDS}")
        return cls(
            doc_id=doc_id,
            lang=str(rest.pop("lang", "") or ""),
            title=str(rest.pop("title", "") or ""),
            abstract=str(rest.pop("abstract", "") or ""),
            claims=_strings(rest.pop("claims", ())),
            description=str(rest.pop("description", "") or ""),
            publication_date=str(rest.pop("publication_date", "") or ""),
            ipc=_strings(rest.pop("ipc", ())),
            extra=rest,
        )

    def content_sha256(self) -> str:
        """Digest of everything in the record, so a changed document is re-embedded and an unchanged one is not.

        Returns:
            Hex SHA-256 of the record's canonical JSON.
        """
        canonical = json.dumps(
            [self.doc_id, self.lang, self.title, self.abstract, self.claims, self.description,
             self.publication_date, self.ipc, self.extra],
            sort_keys=True, ensure_ascii=False, default=str,
        )  # fmt: skip
        return hashlib.sha256(canonical.encode()).hexdigest()


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value if str(item).strip())
    return ()


def read_jsonl(path: Path) -> Iterator[CorpusRecord]:
    """Stream the records of a JSONL corpus file, skipping blank lines.

    Args:
        path: the file, UTF-8, one JSON object per line.

    Yields:
        Records in file order.

    Raises:
        ValueError: naming the line number of a line that is not a JSON object with an id.
    """
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise TypeError("not a JSON object")  # noqa: TRY301 - one message path for every bad line
                yield CorpusRecord.from_json(data)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc


class IngestCheckpoint:
    """Which documents the index holds, their content hashes and the passage keys each owns (SQLite, durable).

    Keys come from a counter that never goes back, so a key always denotes one passage of one version of one
    document, and an index left behind by a crash can be told apart from the checkpoint by its keys alone.
    """

    def __init__(self, path: Path, *, model_name: str, dim: int) -> None:
        """Open or create the checkpoint.

        Args:
            path: the SQLite file, conventionally beside the index directory.
            model_name: the embedder's name; a checkpoint from another model is refused.
            dim: the embedder's dimension.

        Raises:
            ValueError: if the checkpoint was written with another model or dimension.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)
        for name, value in (("model_name", model_name), ("dim", str(dim))):
            self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (name, value))
            (saved,) = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
            if saved != value:
                self._db.close()
                raise ValueError(f"checkpoint {path} was written with {name}={saved!r}, not {value!r}")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('next_key', '0')")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def content_sha256(self, doc_id: str) -> str | None:
        """The content hash the document was loaded with, or None if it is not loaded.

        Args:
            doc_id: the document.

        Returns:
            The hex digest or None.
        """
        row = self._db.execute("SELECT content_sha256 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def keys_of(self, doc_id: str) -> NDArray[np.int64]:
        """Passage keys the document owns, in passage order.

        Args:
            doc_id: the document.

        Returns:
            The keys (empty if unknown).
        """
        rows = self._db.execute("SELECT key FROM passages WHERE doc_id = ? ORDER BY ordinal", (doc_id,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def passages_of(self, keys: Sequence[int]) -> dict[int, tuple[str, int]]:
        """Map search hits back to (document id, passage ordinal).

        Args:
            keys: passage keys, e.g. from `VectorIndex.search`.

        Returns:
            The known keys with their document and ordinal; unknown keys are left out.
        """
        out: dict[int, tuple[str, int]] = {}
        wanted = [int(k) for k in keys]
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, doc_id, ordinal FROM passages WHERE key IN ({marks})"  # noqa: S608 - only '?'s
            for key, doc_id, ordinal in self._db.execute(query, chunk):
                out[int(key)] = (str(doc_id), int(ordinal))
        return out

    def document_count(self) -> int:
        """Number of documents loaded.

        Returns:
            The count.
        """
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def all_keys(self) -> NDArray[np.int64]:
        """Every passage key owned by a loaded document.

        Returns:
            The keys, sorted.
        """
        rows = self._db.execute("SELECT key FROM passages ORDER BY key").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def fingerprint(self) -> str:
        """The corpus fingerprint to save with the index, for `search.index.open_or_rebuild`.

        Returns:
            A string that changes whenever any document is added, replaced or dropped.
        """
        (count,) = self._db.execute("SELECT count(*) FROM passages").fetchone()
        return corpus_fingerprint(int(count), self._next_key() - 1)

    def replace(self, doc_id: str, content_sha256: str, n_passages: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Record a new version of a document inside the current transaction.

        Args:
            doc_id: the document.
            content_sha256: its content hash.
            n_passages: how many passages it now has.

        Returns:
            (old keys to remove from the index, new keys to add it under).
        """
        old = self.keys_of(doc_id)
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        self._db.execute("INSERT INTO documents VALUES (?, ?)", (doc_id, content_sha256))
        start = self._next_key()
        new = np.arange(start, start + n_passages, dtype=np.int64)
        self._db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?)", [(int(k), doc_id, i) for i, k in enumerate(new.tolist())]
        )
        self._db.execute("UPDATE meta SET value = ? WHERE name = 'next_key'", (str(start + n_passages),))
        return old, new

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Drop documents (and their passages) inside the current transaction, so they are loaded again.

        Args:
            doc_ids: the documents.
        """
        self._db.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])

    def begin(self) -> None:
        """Start a write transaction."""
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Make the transaction durable."""
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        """Abandon the transaction."""
        self._db.execute("ROLLBACK")

    def _next_key(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE name = 'next_key'").fetchone()[0])


@dataclass(slots=True)
class IngestProgress:
    """Running totals handed to the progress callback after every document read and every batch embedded."""

    documents_read: int = 0
    documents_skipped: int = 0
    """Already loaded with the same content."""
    documents_loaded: int = 0
    """Newly loaded or replaced, and committed."""
    passages_embedded: int = 0
    passages_removed: int = 0
    """Passages of replaced versions taken out of the index."""
    repaired_keys: int = 0
    """Index entries or checkpoint documents fixed by reconciliation at the start (after a crash)."""


def reconcile(index: KeyedIndex, checkpoint: IngestCheckpoint) -> int:
    """Make the index and the checkpoint agree after a crash left one ahead of the other.

    Index keys the checkpoint does not own are removed; documents whose keys are missing from the index are
    forgotten by the checkpoint so the run loads them again.

    Args:
        index: the vector index.
        checkpoint: the checkpoint.

    Returns:
        Number of index keys removed plus documents forgotten.
    """
    owned = checkpoint.all_keys()
    held = index.keys()
    orphans = np.setdiff1d(held, owned, assume_unique=True)
    if orphans.size:
        index.remove(orphans)
    missing = np.setdiff1d(owned, held, assume_unique=True)
    if missing.size == 0:
        return int(orphans.size)
    docs = {doc for doc, _ in checkpoint.passages_of(missing.tolist()).values()}
    stale_keys = np.concatenate([checkpoint.keys_of(doc) for doc in docs])
    checkpoint.begin()
    checkpoint.forget(docs)
    checkpoint.commit()
    index.remove(stale_keys)
    return int(orphans.size) + len(docs)


def ingest(
    records: Iterable[CorpusRecord],
    *,
    embedder: Embedder,
    index: KeyedIndex | VectorIndex,
    checkpoint: IngestCheckpoint,
    split: Callable[[CorpusRecord], Sequence[str]],
    batch_size: int = 64,
    commit_every: int = 2048,
    on_commit: Callable[[str], object] | None = None,
    progress: Callable[[IngestProgress], None] | None = None,
) -> IngestProgress:
    """Embed and index the records' passages, skipping unchanged documents and replacing changed ones.

    Work is committed in windows of about `commit_every` passages: the index is updated, the checkpoint
    committed, then `on_commit` is called with the new corpus fingerprint (save the index there). A crash
    loses at most one window, which the next run reloads.

    Args:
        records: the corpus, e.g. `read_jsonl(path)`.
        embedder: turns passages into unit vectors.
        index: receives the vectors; it must list its keys (`ExactIndex`, `HnswIndex` do).
        checkpoint: the record of what is loaded, opened for the same model.
        split: cuts a record into passage texts (e.g. built on `search.passages.split_passages`).
        batch_size: passages per `embed_passages` call.
        commit_every: passages per commit window.
        on_commit: called with `checkpoint.fingerprint()` after each commit, typically
            ``lambda fp: index.save(path, model_name=embedder.name, fingerprint=fp)``.
        progress: called with running totals; the CLI wraps tqdm around it.

    Returns:
        The final totals.

    Raises:
        TypeError: if the index cannot list its keys.
        ValueError: if the embedder and index dimensions differ.
    """
    if not callable(getattr(index, "keys", None)):
        raise TypeError(f"{type(index).__name__} cannot list its keys, which resuming needs")
    keyed: KeyedIndex = index  # type: ignore[assignment]
    if embedder.dim != keyed.dim:
        raise ValueError(f"embedder dim {embedder.dim} != index dim {keyed.dim}")
    totals = IngestProgress(repaired_keys=reconcile(keyed, checkpoint))
    window: dict[str, tuple[CorpusRecord, str, Sequence[str]]] = {}
    pending = 0
    for record in records:
        totals.documents_read += 1
        digest = record.content_sha256()
        if record.doc_id not in window and checkpoint.content_sha256(record.doc_id) == digest:
            totals.documents_skipped += 1
        else:
            texts = split(record)
            previous = window.pop(record.doc_id, None)  # a repeat within the window: the later version wins
            pending += len(texts) - (len(previous[2]) if previous else 0)
            window[record.doc_id] = (record, digest, texts)
        if pending >= commit_every:
            _flush(
                window,
                embedder=embedder,
                index=keyed,
                checkpoint=checkpoint,
                batch_size=batch_size,
                totals=totals,
                on_commit=on_commit,
                progress=progress,
            )
            window, pending = {}, 0
        if progress is not None:
            progress(totals)
    if window:
        _flush(
            window,
            embedder=embedder,
            index=keyed,
            checkpoint=checkpoint,
            batch_size=batch_size,
            totals=totals,
            on_commit=on_commit,
            progress=progress,
        )
        if progress is not None:
            progress(totals)
    return totals


def _flush(
    window: dict[str, tuple[CorpusRecord, str, Sequence[str]]],
    *,
    embedder: Embedder,
    index: KeyedIndex,
    checkpoint: IngestCheckpoint,
    batch_size: int,
    totals: IngestProgress,
    on_commit: Callable[[str], object] | None,
    progress: Callable[[IngestProgress], None] | None,
) -> None:
    """Embed one window, then update index and checkpoint together and commit."""
    texts = [text for _, _, doc_texts in window.values() for text in doc_texts]
    parts: list[NDArray[np.float32]] = []
    for lo in range(0, len(texts), batch_size):
        parts.append(embedder.embed_passages(texts[lo : lo + batch_size]))
        totals.passages_embedded += len(parts[-1])
        if progress is not None:
            progress(totals)
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    checkpoint.begin()
    try:
        olds, news = [], []
        for doc_id, (_, digest, doc_texts) in window.items():
            old, new = checkpoint.replace(doc_id, digest, len(doc_texts))
            olds.append(old)
            news.append(new)
        old_keys = np.concatenate(olds)
        new_keys = np.concatenate(news)
        index.remove(old_keys)
        index.add(new_keys, vectors)
    except BaseException:
        checkpoint.rollback()
        raise
    checkpoint.commit()
    totals.documents_loaded += len(window)
    totals.passages_removed += int(old_keys.size)
    if on_commit is not None:
        on_commit(checkpoint.fingerprint())
