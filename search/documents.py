"""The document registry: the documents the engine holds, their passages, and the int64 key of each passage.

The vector index knows passages only by key; the lexical channel knows them by passage id; hits name documents.
This registry is the one place that maps between the three, so that adding, replacing and removing a document
changes every mapping together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from search.passages import Passage, split_passages

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


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
        # spelled out, not dataclasses.asdict: that deep-copies field by field and was a tenth of a bulk write
        return {
            "id": self.id,
            "lang": self.lang,
            "title": self.title,
            "abstract": self.abstract,
            "claims": list(self.claims),
            "description": self.description,
            "publication_date": _iso(self.publication_date),
            "filing_date": _iso(self.filing_date),
            "priority_date": _iso(self.priority_date),
            "ipc": list(self.ipc),
        }

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

    def passages(self) -> list[Passage]:
        """The passages it is embedded, matched and shown in (see :mod:`search.passages`)."""
        return split_passages(self.id, self.title, self.abstract, self.claims, self.description)


def content_digest(doc: Document) -> str:
    """SHA-256 of everything the engine indexes of a document: equal digests mean nothing to re-index."""
    return hashlib.sha256(json.dumps(doc.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def stable_key(passage_id: str) -> int:
    """A non-negative int64 key from a passage id, the same in every process (64-bit BLAKE2b, top bit cleared).

    Collisions are negligible at patent-corpus sizes: about 1 in 10^7 for 10^6 passages.
    """
    digest = hashlib.blake2b(passage_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class DocumentRegistry:
    """Documents by id, their passages, and passage keys both ways.

    Args:
        stable_keys: derive each passage's key from its id (:func:`stable_key`), as an index shared by several
            processes needs; otherwise keys come from a counter that never goes back.
    """

    def __init__(self, *, stable_keys: bool = False) -> None:
        self.stable_keys = stable_keys
        self.documents: dict[str, Document] = {}
        self.passages: dict[str, Passage] = {}
        self.doc_passages: dict[str, list[str]] = {}
        self.key_of: dict[str, int] = {}
        self.pid_of: dict[int, str] = {}
        self.next_key = 0
        self.version = 0
        """Changes with every add, remove and restore: what caches built from the documents compare."""

    def __len__(self) -> int:
        return len(self.documents)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self.documents

    def add(self, doc: Document) -> list[Passage]:
        """Register a document (not yet held) and return its passages, which still need keys (:meth:`assign`)."""
        parts = doc.passages()
        self.documents[doc.id] = doc
        self.doc_passages[doc.id] = [p.id for p in parts]
        self.version += 1
        return parts

    def new_keys(self, passages: Sequence[Passage]) -> list[int]:
        """Keys for passages about to be stored: derived from their ids, or fresh from the counter."""
        if self.stable_keys:
            return [stable_key(p.id) for p in passages]
        keys = list(range(self.next_key, self.next_key + len(passages)))
        self.next_key += len(passages)
        return keys

    def assign(self, passages: Iterable[Passage], keys: Iterable[int]) -> None:
        """Record each passage under its key."""
        for passage, key in zip(passages, keys, strict=True):
            self.passages[passage.id] = passage
            self.key_of[passage.id] = key
            self.pid_of[key] = passage.id

    def remove(self, document_id: str) -> tuple[list[str], list[int]] | None:
        """Forget a document; its passage ids and keys, or ``None`` if it was not held."""
        if self.documents.pop(document_id, None) is None:
            return None
        self.version += 1
        pids = self.doc_passages.pop(document_id)
        keys = [self.key_of.pop(p) for p in pids]
        for pid, key in zip(pids, keys, strict=True):
            del self.passages[pid]
            del self.pid_of[key]
        return pids, keys

    def doc_of_key(self, key: int) -> str:
        """The document a passage key belongs to."""
        return self.passages[self.pid_of[key]].doc_id

    def document_passages(self, document_id: str) -> list[Passage]:
        """The passages of one document, in order."""
        return [self.passages[p] for p in self.doc_passages[document_id]]

    def restore(self, documents: Iterable[Document], key_of: dict[str, int], next_key: int) -> None:
        """Refill from a snapshot: the documents (split again: passages are a function of the text) and the keys."""
        for doc in documents:
            self.documents[doc.id] = doc
            parts = doc.passages()
            self.doc_passages[doc.id] = [p.id for p in parts]
            self.passages.update((p.id, p) for p in parts)
        self.key_of = dict(key_of)
        self.pid_of = {key: pid for pid, key in self.key_of.items()}
        self.next_key = next_key
        self.version += 1
