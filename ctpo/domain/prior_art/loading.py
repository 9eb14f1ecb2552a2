"""Loading a JSONL corpus into the corpus table: batched, idempotent by document id, resumable by re-running."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ctpo.domain.prior_art.corpus import SAMPLE_SOURCE, document_from_json, upsert_documents
from ctpo.exchange.patent_xml import read_patent_xml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy.orm import Session, sessionmaker

    from search.engine import Document

BATCH = 500


@dataclass
class LoadReport:
    """What a load did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    """``line N: reason`` for each record that could not be loaded."""


def sample_corpus_path() -> Path:
    """The sample corpus shipped with the package (see ``search/sample_data/README.md`` for sources and licences)."""
    return Path(str(resources.files("search.sample_data").joinpath("documents.jsonl")))


def load_corpus_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load every record of a JSONL or patent XML file; each batch commits, so an interrupted load resumes.

    Bad records (no id, no language, unpublished, not JSON) are reported and skipped, never half-loaded.
    """
    report = LoadReport()
    batch: list[Document] = []

    def flush() -> None:
        if not batch:
            return
        with sessions() as session, session.begin():
            inserted, updated = upsert_documents(session, batch, source)
        report.inserted += inserted
        report.updated += updated
        report.unchanged += len({d.id for d in batch}) - inserted - updated
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for where, document, error in _records(path):
        if document is None:
            report.rejected.append(f"{where}: {error}")
        else:
            batch.append(document)
        if len(batch) >= BATCH:
            flush()
    flush()
    return report


def _records(path: Path) -> Iterator[tuple[str, Document | None, str | None]]:
    """``(where, document, error)`` of each record: JSON lines, or patent XML (ST.96, ST.36/USPTO, EPO, DOCDB)."""
    if path.suffix.lower() == ".xml":
        for record in read_patent_xml(path):
            yield record.where, record.document, record.error
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield f"line {number}", document_from_json(json.loads(line)), None
            except (ValueError, TypeError, KeyError) as exc:
                yield f"line {number}", None, str(exc)


def load_sample_corpus(sessions: sessionmaker[Session]) -> LoadReport:
    """The sample corpus into the corpus table (the demo start command calls this)."""
    return load_corpus_file(sessions, sample_corpus_path(), source=SAMPLE_SOURCE)
