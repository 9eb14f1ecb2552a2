"""The rendering job: the PDF into the content-addressed store, its SHA-256 onto the publication and its event.

The event is ST.27 Q10 for A documents, Q20 for B documents.

The publication's legal event is recorded here, not with the workflow transition, because the record is
append-only and the event must name the document's digest, which exists only once the PDF is rendered (off the
request, in this job). Idempotent: rendering is deterministic (same data, same bytes, same digest), the store
ignores a second put of the same bytes, and the digest and the event are written in one transaction only where
no digest is recorded yet.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from ctpo.db.models import Application, Publication, utcnow
from ctpo.domain.legal_status import record_legal_events
from ctpo.domain.publications.documents import publication_data
from ctpo.domain.publications.records import RENDER_PUBLICATION
from ctpo.rendering import render_publication_pdf
from workflows import ApplicationState
from workflows.legal_status import KeyEvent, LegalEvent, status_in
from workflows.publication import CTPO_ST3_CODE, KindCode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.filings.storage import DocumentStore


def render_publication(sessions: sessionmaker[Session], store: DocumentStore, publication_id: uuid.UUID) -> str:
    """Render, store and record one publication's PDF; returns its SHA-256."""
    with sessions() as session:
        data = publication_data(session, publication_id)
    digest = store.put(render_publication_pdf(data))  # durable before the row names it
    now = utcnow()
    with sessions() as session, session.begin():
        written = session.execute(
            update(Publication)
            .where(Publication.id == publication_id, Publication.document_sha256.is_(None))
            .values(document_sha256=digest, rendered_at=now)
        )
        if written.rowcount == 1:  # type: ignore[attr-defined] # first completion: the event goes with the digest
            publication = session.get_one(Publication, publication_id)
            state = session.execute(
                select(Application.state).where(Application.id == publication.application_id)
            ).scalar_one()
            record_legal_events(
                session,
                publication.application_id,
                [publication_event(publication, ApplicationState(state), digest)],
                recorded_at=now,
            )
    return digest


def publication_event(publication: Publication, state: ApplicationState, digest: str) -> LegalEvent:
    """ST.27 Q10 (application or search report published) or Q20 (patent specification published)."""
    kind = KindCode(publication.kind)
    status, phase = status_in(state)
    return LegalEvent(
        KeyEvent.PATENT_SPECIFICATION_PUBLISHED if kind.is_grant else KeyEvent.APPLICATION_PUBLISHED,
        status,
        phase,
        publication.publication_date,
        document_sha256=digest,
        payload={
            "publication_number": publication.number,
            "kind": kind.value,
            "citation": f"{CTPO_ST3_CODE} {publication.number} {kind.value}",
        },
    )


def publication_job_bodies(
    sessions: sessionmaker[Session], store: DocumentStore
) -> Mapping[str, Callable[[str, dict[str, Any]], None]]:
    """The publication job bodies, bound to a database and the document store."""

    def render(_key: str, args: dict[str, Any]) -> None:
        render_publication(sessions, store, uuid.UUID(args["publication_id"]))

    return {RENDER_PUBLICATION: render}
