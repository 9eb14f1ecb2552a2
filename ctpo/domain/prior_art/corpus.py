"""The corpus table: loading documents into it, and published applications entering it by themselves.

The database is the source of truth; the search engine on disk is a derived index that
:mod:`ctpo.domain.prior_art.runtime` brings up to date from here, so losing the index loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ctpo.db.models import Application, CorpusDocument
from search.documents import content_digest
from search.engine import Document

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy.orm import Session

SAMPLE_SOURCE = "sample"


def content_sha256(doc: Document) -> str:
    """Hash of everything the engine indexes of a document (the engine's own digest, so the two always agree)."""
    return content_digest(doc)


def document_from_json(data: dict[str, Any]) -> Document:
    """A corpus JSONL record (``id`` or ``doc_id``; dates as ISO or ``YYYYMMDD``) as a search document.

    Raises:
        ValueError: no id, no language, or no publication date (unpublished documents never enter the corpus).
    """
    record = dict(data)
    record["id"] = str(record.get("id") or record.get("doc_id") or "").strip()
    record["lang"] = str(record.get("lang") or "").strip()
    for name in ("publication_date", "filing_date", "priority_date"):
        value = record.get(name)
        if isinstance(value, str) and len(value) == 8 and value.isdigit():  # noqa: PLR2004 - YYYYMMDD
            record[name] = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    if isinstance(record.get("claims"), str):
        record["claims"] = [record["claims"]]
    if not record["id"] or not record["lang"]:
        raise ValueError("a corpus document needs an id and a language")
    doc = Document.from_json(record)
    if doc.publication_date is None:
        raise ValueError(f"{doc.id}: no publication date; only published documents are prior art")
    return doc


def document_of(row: CorpusDocument) -> Document:
    """The search document a corpus row holds."""
    return Document(
        id=row.id,
        lang=row.lang,
        title=row.title,
        abstract=row.abstract,
        claims=list(row.claims),
        description=row.description,
        publication_date=row.publication_date,
        filing_date=row.filing_date,
        priority_date=row.priority_date,
        ipc=list(row.ipc),
    )


def upsert_documents(session: Session, docs: Iterable[Document], source: str) -> tuple[int, int]:
    """Insert new documents and replace changed ones; unchanged ones are left alone.

    Returns:
        (inserted, updated) counts.
    """
    batch = list({d.id: d for d in docs}.values())  # a repeated id: the last one wins
    existing = {
        row.id: row
        for row in session.execute(select(CorpusDocument).where(CorpusDocument.id.in_([d.id for d in batch]))).scalars()
    }
    inserted = updated = 0
    for doc in batch:
        digest = content_sha256(doc)
        row = existing.get(doc.id)
        if row is None:
            session.add(_row(doc, source, digest))
            inserted += 1
        elif row.content_sha256 != digest:
            for name, value in _columns(doc).items():
                setattr(row, name, value)
            row.content_sha256, row.source = digest, source
            updated += 1
    session.flush()
    return inserted, updated


def _columns(doc: Document) -> dict[str, Any]:
    return {
        "lang": doc.lang,
        "title": doc.title,
        "abstract": doc.abstract,
        "claims": list(doc.claims),
        "description": doc.description,
        "publication_date": doc.publication_date,
        "filing_date": doc.filing_date,
        "priority_date": doc.priority_date,
        "ipc": list(doc.ipc),
    }


def _row(doc: Document, source: str, digest: str) -> CorpusDocument:
    return CorpusDocument(id=doc.id, source=source, content_sha256=digest, **_columns(doc))


def application_document(application: Application) -> Document:
    """A published application as prior art: its current claim set and its own dates."""
    current = [c.text for c in application.claims if c.claim_set == application.claim_set_version]
    return Document(
        id=application.number,
        lang=application.language,
        title=application.title,
        abstract=application.abstract,
        claims=current,
        description=application.description,
        publication_date=application.publication_date,
        filing_date=application.filing_date,
        priority_date=application.earliest_priority_date,
        ipc=[c.symbol for c in application.ipc_classes],
    )


def sync_published_applications(session: Session) -> int:
    """Put every published application that is not yet in the corpus into it; idempotent."""
    known = select(CorpusDocument.id)
    query = (
        select(Application)
        .where(Application.publication_date.is_not(None), Application.number.not_in(known))
        .options(selectinload(Application.claims), selectinload(Application.ipc_classes))
    )
    docs = [application_document(a) for a in session.execute(query).scalars()]
    if docs:
        upsert_documents(session, docs, "application")
    return len(docs)


def corpus_fingerprint(session: Session) -> tuple[int, str | None]:
    """Row count and latest change of the corpus table: equal fingerprints mean nothing to catch up."""
    count, latest = session.execute(select(func.count(), func.max(CorpusDocument.updated_at))).one()
    return int(count), latest.isoformat() if latest is not None else None


def corpus_digests(session: Session) -> dict[str, tuple[str, bool]]:
    """Id → (content hash, whether that content's passages are stored embedded) of every corpus document.

    What the index must hold; a document not embedded yet waits for its ingest chunk.
    """
    rows = session.execute(select(CorpusDocument.id, CorpusDocument.content_sha256, CorpusDocument.embedded_sha256))
    return {row.id: (row.content_sha256, row.embedded_sha256 == row.content_sha256) for row in rows}


def load_documents(session: Session, ids: list[str]) -> Iterator[Document]:
    """The corpus documents with these ids."""
    for row in session.execute(select(CorpusDocument).where(CorpusDocument.id.in_(ids))).scalars():
        yield document_of(row)
